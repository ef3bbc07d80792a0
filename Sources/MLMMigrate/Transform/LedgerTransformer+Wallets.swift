/// The wallets half of the ledger Transform: the legacy balances, sorted and packed, merged with
/// the hashed wallets as they come out of the sort, so `transform/wallets.tsv` and the run digest
/// are written as a stream and no list of every wallet is kept.
extension LedgerTransformer {
    /// `cleanse/wallet_balances.tsv` by (member id, currency), 24 bytes a balance.
    struct LegacyBalances {
        struct Row {
            var memberID: Int64
            var balance: Int64
            var line: UInt32
            var currency: UInt16
            var present: Bool
        }

        private(set) var rows: [Row] = []
        private(set) var currencies: [String] = []
        private var currencyIndex: [String: UInt16] = [:]

        /// Adds a balance (nil: none); a wallet given twice keeps the last one, and a last one
        /// of nil removes it, as a `[WalletKey: Int64]` assigned row by row would.
        mutating func add(memberID: Int64, currency: String, balance: Int64?) throws(MigrationError) {
            let index: UInt16
            if let known = currencyIndex[currency] {
                index = known
            } else {
                guard currencies.count < Int(UInt16.max), rows.count < Int(UInt32.max) else {
                    throw MigrationError(
                        .workdirCorrupt, "cleanse/wallet_balances.tsv has more currencies or rows than Transform can hold"
                    )
                }
                index = UInt16(currencies.count)
                currencies.append(currency)
                currencyIndex[currency] = index
            }
            let row = Row(memberID: memberID, balance: balance ?? 0, line: UInt32(rows.count), currency: index, present: balance != nil)
            rows.append(row)
        }

        /// Sorts by (member id, currency) as the run digest orders wallets and keeps the last
        /// row of each wallet, when it has a balance.
        mutating func seal() {
            var rank = [Int](repeating: 0, count: currencies.count)
            let ordered = currencies.indices.sorted { currencies[$0] < currencies[$1] }
            for (order, index) in ordered.enumerated() { rank[index] = order }
            rows.sort { ($0.memberID, rank[Int($0.currency)], $0.line) < ($1.memberID, rank[Int($1.currency)], $1.line) }
            var kept = 0
            for index in rows.indices {
                let isLast = index + 1 == rows.count || rows[index + 1].memberID != rows[index].memberID
                    || rows[index + 1].currency != rows[index].currency
                if isLast && rows[index].present {
                    rows[kept] = rows[index]
                    kept += 1
                }
            }
            rows.removeLast(rows.count - kept)
            currencyIndex = [:]
        }
    }

    /// Writes `transform/wallets.tsv` from the hashed wallets, given in (member id, currency)
    /// order, with each one's legacy balance, the wallets that have a legacy balance and no
    /// entries in their place, and the run digest over them all.
    struct WalletWriter {
        let file: StageFileWriter
        var balances: LegacyBalances
        private var next = 0
        private var member: Int64?
        private var group: [(summary: LedgerHasher.WalletSummary, legacy: Int64?)] = []
        private var digest = LedgerHasher.RunDigest()
        private(set) var count = 0
        private(set) var variances = 0

        init(file: StageFileWriter, balances: LegacyBalances) {
            self.file = file
            self.balances = balances
        }

        /// The next hashed wallet; a member's wallets are written once the next member's come.
        mutating func add(_ wallet: LedgerHasher.WalletSummary) throws(MigrationError) {
            if wallet.memberID != member {
                try flushMember()
                try flushBalances(before: wallet.memberID)
                member = wallet.memberID
            }
            group.append((wallet, nil))
        }

        /// Writes what is left; returns the run digest.
        mutating func finish() throws(MigrationError) -> [UInt8] {
            try flushMember()
            try flushBalances(before: nil)
            return digest.finalize()
        }

        /// The current member's wallets with their legacy balances, and the wallets it has
        /// only a balance for.
        private mutating func flushMember() throws(MigrationError) {
            guard let member else { return }
            let rows = balances.rows
            while next < rows.count && rows[next].memberID == member {
                let currency = balances.currencies[Int(rows[next].currency)]
                if let matched = group.firstIndex(where: { $0.legacy == nil && $0.summary.currency == currency }) {
                    group[matched].legacy = rows[next].balance
                } else {
                    group.append((Self.empty(member, currency), rows[next].balance))
                }
                next += 1
            }
            try writeGroup()
            self.member = nil
        }

        /// The wallets of members before `memberID` (all, for nil) that have only a balance.
        private mutating func flushBalances(before memberID: Int64?) throws(MigrationError) {
            let rows = balances.rows
            while next < rows.count, memberID.map({ rows[next].memberID < $0 }) ?? true {
                let row = rows[next]
                if let last = group.last, last.summary.memberID != row.memberID { try writeGroup() }
                group.append((Self.empty(row.memberID, balances.currencies[Int(row.currency)]), row.balance))
                next += 1
            }
            try writeGroup()
        }

        private mutating func writeGroup() throws(MigrationError) {
            group.sort { LedgerHasher.RunDigest.precedes($0.summary, $1.summary) }
            for (wallet, legacy) in group {
                if legacy != wallet.balanceMinor { variances += 1 }
                try file.append([
                    String(wallet.memberID), wallet.currency, String(wallet.balanceMinor), String(wallet.entryCount),
                    "\\x" + Hex.encode(wallet.headHash), "\\x" + Hex.encode(wallet.merkleRoot), legacy.map { String($0) },
                ])
                digest.add(wallet)
                count += 1
            }
            group.removeAll(keepingCapacity: true)
        }

        private static func empty(_ memberID: Int64, _ currency: String) -> LedgerHasher.WalletSummary {
            LedgerHasher.WalletSummary(
                memberID: memberID, currency: currency, entryCount: 0, balanceMinor: 0,
                headHash: LedgerHasher.genesis, merkleRoot: MerkleAccumulator().root
            )
        }
    }
}

public import Logging

/// What the ledger Transform produced.
public struct LedgerTransformSummary: Codable, Sendable, Equatable {
    public var entries: Int
    public var wallets: Int
    /// Wallets whose recomputed balance differs from the legacy balance, or that have none.
    public var variances: Int
    public var quarantined: Int
    /// SHA-256 of `transform/wallet_entries.tsv` and `transform/wallets.tsv` rows (``RowDigest``).
    public var entriesDigest: String
    public var walletsDigest: String
    /// The ledger run digest (hex), see docs/ledger-hashing.md.
    public var runDigest: String
}

/// Transform for the ledger: gives each entry its member's new id, orders each wallet's entries
/// by (occurred_at, legacy_txn_id) with an external sort, numbers them, keeps the running
/// balance, chains their hashes and builds each wallet's Merkle root (``LedgerHasher``), and
/// writes `transform/wallet_entries.tsv`, `transform/wallets.tsv` and the run digest.
///
/// Memory grows with wallets (one summary each), not with entries.
public struct LedgerTransformer {
    public let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    private struct WalletKey: Hashable, Comparable {
        var memberID: Int64
        var currency: String
        static func < (a: Self, b: Self) -> Bool { (a.memberID, a.currency) < (b.memberID, b.currency) }
    }

    public func run(cleanseDirectory: String, idMapPath: String, outputDirectory: String, scratch: String, progress: Bool? = nil) throws(MigrationError) -> LedgerTransformSummary {
        var memberIDs: [String: Int64] = [:]
        let idMap = try StageFileReader(path: idMapPath, expecting: MemberStageLayout.idMap)
        while let row = try idMap.next() {
            if let legacyID = row[1], let id = row[2].flatMap({ Int64($0) }) { memberIDs[legacyID] = id }
        }
        func memberID(_ legacyID: String?, _ path: String, _ line: Int) throws(MigrationError) -> Int64 {
            guard let legacyID, let id = memberIDs[legacyID] else {
                throw MigrationError("workdir.corrupt", "\(path): line \(line): names a member that Transform did not load; run cleanse again")
            }
            return id
        }

        var legacyBalances: [WalletKey: Int64] = [:]
        let balancesPath = "\(cleanseDirectory)/wallet_balances.tsv"
        let balances = try StageFileReader(path: balancesPath, expecting: LedgerStageLayout.cleansedBalances)
        while let row = try balances.next() {
            let key = WalletKey(memberID: try memberID(row[2], balancesPath, balances.lineNumber), currency: row[3] ?? "")
            legacyBalances[key] = row[4].flatMap { Int64($0) }
        }

        let entriesPath = "\(cleanseDirectory)/wallet_entries.tsv"
        let sorter = ExternalSorter(directory: scratch, name: "transform-wallet-entries")
        let reader = try StageFileReader(path: entriesPath, expecting: LedgerStageLayout.cleansedEntries)
        var key: [UInt8] = []
        var payload: [UInt8] = []
        while let row = try reader.next() {
            guard let occurredAt = row[7].flatMap({ Int64($0) }), let txnID = row[2] else {
                throw MigrationError("workdir.corrupt", "\(entriesPath): line \(reader.lineNumber): missing occurred_at or legacy_txn_id; run cleanse again")
            }
            key.removeAll(keepingCapacity: true)
            Self.appendBigEndian(UInt64(bitPattern: try memberID(row[3], entriesPath, reader.lineNumber)), to: &key)
            key.append(contentsOf: (row[4] ?? "").utf8)
            key.append(0)
            Self.appendBigEndian(UInt64(bitPattern: occurredAt) ^ (1 << 63), to: &key)
            key.append(contentsOf: txnID.utf8)
            guard let amount = row[6].flatMap({ Int64($0) }) else {
                throw MigrationError("workdir.corrupt", "\(entriesPath): line \(reader.lineNumber): missing amount_minor; run cleanse again")
            }
            // The key holds member id, currency, time and transaction id; the payload the rest.
            payload.removeAll(keepingCapacity: true)
            withUnsafeBytes(of: amount) { payload.append(contentsOf: $0) }
            payload.append(contentsOf: (row[5] ?? "").utf8)
            try sorter.append(key: key, payload: payload)
        }

        let entries = try StageFileWriter(path: "\(outputDirectory)/wallet_entries.tsv", columns: LedgerStageLayout.entries, digesting: true)
        var wallets: [(summary: LedgerHasher.WalletSummary, legacy: Int64?)] = []
        var current: WalletKey?
        var head = LedgerHasher.genesis
        var merkle = MerkleAccumulator()
        var balance: Int64 = 0
        func closeWallet() {
            guard let wallet = current else { return }
            wallets.append((LedgerHasher.WalletSummary(
                memberID: wallet.memberID, currency: wallet.currency, entryCount: Int64(merkle.count),
                balanceMinor: balance, headHash: head, merkleRoot: merkle.root
            ), legacyBalances.removeValue(forKey: wallet)))
        }
        let status = ProgressLine("transform wallet entries", enabled: progress)
        var line: [UInt8] = []
        try sorter.finish { sortKey, bytes throws(MigrationError) in
            // Unpack the key (member id, currency, 0, time with its sign bit flipped, transaction id).
            guard sortKey.count >= 17, bytes.count >= 8, let zero = sortKey[8...].firstIndex(of: 0), sortKey.count >= zero + 9 else {
                throw MigrationError("workdir.corrupt", "\(entriesPath): an entry lost its fields in the sort; run transform again")
            }
            var memberID: UInt64 = 0
            for byte in sortKey.prefix(8) { memberID = memberID << 8 | UInt64(byte) }
            var flippedTime: UInt64 = 0
            for byte in sortKey[(zero + 1)..<(zero + 9)] { flippedTime = flippedTime << 8 | UInt64(byte) }
            let occurredAt = Int64(bitPattern: flippedTime ^ (1 << 63))
            let amount = bytes.loadUnaligned(as: Int64.self)
            let currency = String(decoding: sortKey[8..<zero], as: UTF8.self)
            let wallet = WalletKey(memberID: Int64(bitPattern: memberID), currency: currency)
            if wallet != current {
                closeWallet()
                current = wallet
                head = LedgerHasher.genesis
                merkle = MerkleAccumulator()
                balance = 0
            }
            let (sum, overflow) = balance.addingReportingOverflow(amount)
            guard !overflow else {
                throw MigrationError("ledger.balance_overflow", "the running balance of member id \(wallet.memberID) (\(wallet.currency)) leaves the signed 64-bit range at seq \(merkle.count + 1)")
            }
            balance = sum
            let entry = LedgerEntry(
                memberID: wallet.memberID, currency: wallet.currency, seq: Int64(merkle.count + 1),
                legacyTxnID: String(decoding: sortKey[(zero + 9)...], as: UTF8.self),
                kind: String(decoding: bytes[8...], as: UTF8.self), amountMinor: amount, occurredAt: occurredAt, balanceAfterMinor: balance
            )
            head = LedgerHasher.entryHash(entry, previous: head)
            merkle.append(head)
            line.removeAll(keepingCapacity: true)
            CopyText.appendDecimal(entry.memberID, to: &line)
            line.append(0x09)
            CopyText.appendField(entry.currency, to: &line)
            line.append(0x09)
            CopyText.appendDecimal(entry.seq, to: &line)
            line.append(0x09)
            CopyText.appendField(entry.legacyTxnID, to: &line)
            line.append(0x09)
            CopyText.appendField(entry.kind, to: &line)
            line.append(0x09)
            CopyText.appendDecimal(amount, to: &line)
            line.append(0x09)
            UTCTimestamp.append(micros: occurredAt, to: &line)
            line.append(0x09)
            CopyText.appendDecimal(balance, to: &line)
            line.append(0x09)
            CopyText.appendBytea(head, to: &line)
            line.append(0x0A)
            try MigrationError.typed { try line.withUnsafeBytes { try entries.append(encodedLine: $0) } }
            status.update(entries.rowCount)
        }
        closeWallet()
        status.finish(entries.rowCount)
        try entries.close()
        for (wallet, legacy) in legacyBalances {
            wallets.append((LedgerHasher.WalletSummary(
                memberID: wallet.memberID, currency: wallet.currency, entryCount: 0, balanceMinor: 0,
                headHash: LedgerHasher.genesis, merkleRoot: MerkleAccumulator().root
            ), legacy))
        }
        wallets.sort { ($0.summary.memberID, $0.summary.currency) < ($1.summary.memberID, $1.summary.currency) }

        let walletsFile = try StageFileWriter(path: "\(outputDirectory)/wallets.tsv", columns: LedgerStageLayout.wallets, digesting: true)
        var variances = 0
        for (wallet, legacy) in wallets {
            if legacy != wallet.balanceMinor { variances += 1 }
            try walletsFile.append([
                String(wallet.memberID), wallet.currency, String(wallet.balanceMinor), String(wallet.entryCount),
                "\\x" + Hex.encode(wallet.headHash), "\\x" + Hex.encode(wallet.merkleRoot), legacy.map { String($0) },
            ])
        }
        try walletsFile.close()
        let quarantined = try copyRows(from: "\(cleanseDirectory)/ledger_quarantine.tsv", to: "\(outputDirectory)/ledger_quarantine.tsv", columns: MemberStageLayout.quarantine)
        let summary = LedgerTransformSummary(
            entries: entries.rowCount, wallets: wallets.count, variances: variances, quarantined: quarantined,
            entriesDigest: entries.rowsDigest() ?? "", walletsDigest: walletsFile.rowsDigest() ?? "",
            runDigest: Hex.encode(LedgerHasher.runDigest(wallets.map(\.summary)))
        )
        logger.info("transformed wallet entries", metadata: ["entries": "\(summary.entries)", "wallets": "\(summary.wallets)", "variances": "\(variances)"])
        return summary
    }

    static func appendBigEndian(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}

/// Copies a stage file row for row (quarantine rows pass through Transform unchanged).
func copyRows(from source: String, to destination: String, columns: [String]) throws(MigrationError) -> Int {
    let reader = try StageFileReader(path: source, expecting: columns)
    let writer = try StageFileWriter(path: destination, columns: columns)
    while let row = try reader.next() { try writer.append(row) }
    try writer.close()
    return writer.rowCount
}

/// One ledger problem found in the target, naming the wallet and, for an entry, its seq.
public struct LedgerFinding: Sendable, Equatable, CustomStringConvertible {
    public var memberID: Int64
    /// The member's legacy id, filled in for the findings listed (nil when not looked up).
    public var legacyID: String?
    public var currency: String
    public var seq: Int64?
    public var problem: String

    public var description: String {
        let member = legacyID.map { "member \($0) (member_id \(memberID))" } ?? "member_id \(memberID)"
        return "\(member) \(currency)" + (seq.map { " seq \($0)" } ?? "") + ": " + problem
    }
}

/// What ``LedgerVerifier`` recomputed from the target.
public struct LedgerVerification: Sendable {
    public var entries = 0
    public var wallets = 0
    /// Every problem found (the first `LedgerVerifier.listLimit` with details).
    public var findings: [LedgerFinding] = []
    public var findingCount = 0
    /// Rows that could not be read as a wallet or an entry (counted in `findingCount`).
    public var malformedRows = 0
    /// SHA-256 of the entry and wallet rows as read (``RowDigest``), comparable with Transform's.
    public var entriesDigest = ""
    public var walletsDigest = ""
    /// The run digest recomputed from the entries alone (hex).
    public var runDigest = ""
    /// The run digest the target recorded at load (`runs.ledger_digest`), if any.
    public var storedRunDigest: String?
    /// Entries read and the sum of their amounts, per currency.
    public var loadedByCurrency: [String: (entries: Int, minor: Int128)] = [:]

    public var passed: Bool { findingCount == 0 && storedRunDigest == runDigest }
}

/// Re-reads every wallet entry from PostgreSQL in (member_id, currency, seq) order and
/// recomputes what docs/ledger-hashing.md defines, trusting nothing stored: seq numbering,
/// running balances, each entry's hash against its contents and its stored predecessor (so a
/// changed entry is named, not everything after it), then per wallet the chain head, Merkle
/// root, count and balance against `mlm.wallets`, and the run digest against `runs.ledger_digest`.
///
/// Streams the entries (COPY TO); memory grows with wallets, not entries.
public struct LedgerVerifier {
    public let connection: PostgresConnection
    /// Findings listed in full; the rest are counted.
    public static let listLimit = 1000

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    private struct StoredWallet {
        var balance: Int64
        var count: Int64
        var head: String
        var merkle: String
        var seen = false
    }

    private struct WalletKey: Hashable {
        var memberID: Int64
        var currency: String
    }

    /// The newest run with a ledger.
    public func latestLedgerRun() throws(MigrationError) -> Int {
        guard let text = try connection.scalar("SELECT max(run_id) FROM mlm_migration.runs WHERE ledger_digest IS NOT NULL", what: "finding the ledger run"),
              let runID = Int(text) else {
            throw MigrationError("verify.no_ledger", "\(connection.endpoint) holds no loaded ledger")
        }
        return runID
    }

    public func verify(runID: Int) throws(MigrationError) -> LedgerVerification {
        var result = LedgerVerification()
        result.storedRunDigest = try connection.scalar("SELECT ledger_digest FROM mlm_migration.runs WHERE run_id = $1::bigint", [String(runID)], what: "reading the run's ledger digest")
        var stored: [WalletKey: StoredWallet] = [:]
        var walletDigest = RowDigest()
        var malformed = 0
        try connection.copyOut("""
            COPY (SELECT member_id, currency, balance_minor, entry_count, head_hash, merkle_root, legacy_balance_minor
                  FROM mlm.wallets WHERE run_id = \(runID) ORDER BY member_id, currency) TO STDOUT
            """, what: "reading mlm.wallets") { bytes in
            walletDigest.add(copyText: bytes)
            let fields = CopyText.decodeRow(bytes.dropLast().withMemoryRebound(to: UInt8.self) { $0 })
            guard fields.count == 7, let memberID = fields[0].flatMap({ Int64($0) }), let currency = fields[1],
                  let balance = fields[2].flatMap({ Int64($0) }), let count = fields[3].flatMap({ Int64($0) }) else { malformed += 1; return }
            stored[WalletKey(memberID: memberID, currency: currency)] = StoredWallet(balance: balance, count: count, head: fields[4] ?? "", merkle: fields[5] ?? "")
        }
        result.walletsDigest = walletDigest.finalize()
        result.wallets = stored.count

        var summaries: [LedgerHasher.WalletSummary] = []
        var current: WalletKey?
        var chain = LedgerHasher.genesis
        var storedPrevious = LedgerHasher.genesis
        var merkle = MerkleAccumulator()
        var balance: Int64 = 0
        var storedBalance: Int64 = 0
        var findings: [LedgerFinding] = []
        var findingCount = 0
        func find(_ wallet: WalletKey, _ seq: Int64?, _ problem: String) {
            findingCount += 1
            if findings.count < Self.listLimit { findings.append(LedgerFinding(memberID: wallet.memberID, currency: wallet.currency, seq: seq, problem: problem)) }
        }
        func closeWallet() {
            guard let wallet = current else { return }
            result.loadedByCurrency[wallet.currency, default: (0, 0)].entries += merkle.count
            result.loadedByCurrency[wallet.currency, default: (0, 0)].minor += Int128(balance)
            summaries.append(LedgerHasher.WalletSummary(memberID: wallet.memberID, currency: wallet.currency, entryCount: Int64(merkle.count), balanceMinor: balance, headHash: chain, merkleRoot: merkle.root))
            check(wallet, count: Int64(merkle.count), balance: balance, head: chain, merkle: merkle.root)
        }
        func check(_ wallet: WalletKey, count: Int64, balance: Int64, head: [UInt8], merkle root: [UInt8]) {
            guard var row = stored[wallet] else {
                find(wallet, nil, "has entries but no row in mlm.wallets")
                return
            }
            row.seen = true
            stored[wallet] = row
            if row.count != count { find(wallet, nil, "entry_count is \(row.count) but \(count) entries were read") }
            if row.balance != balance { find(wallet, nil, "balance_minor differs from the sum of its entries") }
            if row.head != "\\x" + Hex.encode(head) { find(wallet, nil, "head_hash differs from the hash chain recomputed from its entries") }
            if row.merkle != "\\x" + Hex.encode(root) { find(wallet, nil, "merkle_root differs from the Merkle root recomputed from its entries") }
        }
        var entriesDigest = RowDigest()
        try connection.copyOut("""
            COPY (SELECT member_id, currency, seq, legacy_txn_id, kind, amount_minor, occurred_at, balance_after_minor, entry_hash
                  FROM mlm.wallet_entries WHERE run_id = \(runID) ORDER BY member_id, currency, seq) TO STDOUT
            """, what: "reading mlm.wallet_entries") { bytes in
            entriesDigest.add(copyText: bytes)
            result.entries += 1
            let fields = CopyText.decodeRow(bytes.dropLast().withMemoryRebound(to: UInt8.self) { $0 })
            guard fields.count == 9, let memberID = fields[0].flatMap({ Int64($0) }), let currency = fields[1],
                  let seq = fields[2].flatMap({ Int64($0) }), let amount = fields[5].flatMap({ Int64($0) }),
                  let occurredAt = fields[6].flatMap(UTCTimestamp.parse), let balanceAfter = fields[7].flatMap({ Int64($0) }),
                  let storedHash = fields[8].flatMap(Self.bytea) else { malformed += 1; return }
            let wallet = WalletKey(memberID: memberID, currency: currency)
            if wallet != current {
                closeWallet()
                current = wallet
                chain = LedgerHasher.genesis
                storedPrevious = LedgerHasher.genesis
                merkle = MerkleAccumulator()
                balance = 0
                storedBalance = 0
            }
            let expectedSeq = Int64(merkle.count + 1)
            if seq != expectedSeq { find(wallet, seq, "seq out of order: expected \(expectedSeq)") }
            balance &+= amount
            if balanceAfter != storedBalance &+ amount { find(wallet, seq, "balance_after_minor is not the previous balance plus amount_minor") }
            storedBalance = balanceAfter
            var entry = LedgerEntry(memberID: memberID, currency: currency, seq: seq, legacyTxnID: fields[3] ?? "", kind: fields[4] ?? "", amountMinor: amount, occurredAt: occurredAt, balanceAfterMinor: balanceAfter)
            let intact = LedgerHasher.entryHash(entry, previous: storedPrevious) == storedHash
            if !intact { find(wallet, seq, "entry_hash does not match the entry's contents and the previous entry's hash") }
            // The independent chain equals the stored one while nothing diverged: reuse the hash.
            if intact && chain == storedPrevious && seq == expectedSeq && balanceAfter == balance {
                chain = storedHash
            } else {
                entry.seq = expectedSeq
                entry.balanceAfterMinor = balance
                chain = LedgerHasher.entryHash(entry, previous: chain)
            }
            storedPrevious = storedHash
            merkle.append(chain)
        }
        closeWallet()
        for (wallet, row) in stored where !row.seen {
            current = nil
            summaries.append(LedgerHasher.WalletSummary(memberID: wallet.memberID, currency: wallet.currency, entryCount: 0, balanceMinor: 0, headHash: LedgerHasher.genesis, merkleRoot: MerkleAccumulator().root))
            check(wallet, count: 0, balance: 0, head: LedgerHasher.genesis, merkle: MerkleAccumulator().root)
        }
        result.malformedRows = malformed
        findingCount += malformed
        result.entriesDigest = entriesDigest.finalize()
        result.runDigest = Hex.encode(LedgerHasher.runDigest(summaries))
        result.findings = try withLegacyIDs(findings)
        result.findingCount = findingCount
        return result
    }

    /// Fills in the members' legacy ids for the findings listed.
    private func withLegacyIDs(_ findings: [LedgerFinding]) throws(MigrationError) -> [LedgerFinding] {
        guard !findings.isEmpty else { return findings }
        let ids = "{" + Set(findings.map { String($0.memberID) }).sorted().joined(separator: ",") + "}"
        var legacy: [Int64: String] = [:]
        for row in try connection.query("SELECT member_id, legacy_id FROM mlm.members WHERE member_id = ANY($1::bigint[])", [ids], what: "naming the wallets") {
            if let id = row[0].flatMap({ Int64($0) }), let legacyID = row[1] { legacy[id] = legacyID }
        }
        return findings.map { var finding = $0; finding.legacyID = legacy[$0.memberID]; return finding }
    }

    /// `\x0a1b...` (bytea hex output) as bytes.
    static func bytea(_ text: String) -> [UInt8]? {
        guard text.hasPrefix("\\x") else { return nil }
        return Hex.decode(String(text.dropFirst(2)))
    }
}

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
    /// After a delta run: the wallets of members the later export no longer gives (kept in the
    /// target, outside the run's scope and digest), verified the same way; nil when there are none.
    public var kept: KeptWalletVerification?

    public var passed: Bool { findingCount == 0 && storedRunDigest == runDigest && (kept?.findingCount ?? 0) == 0 }
}

/// The kept members' wallets (``LedgerVerification/kept``): chains, counts, balances, heads and
/// Merkle roots recomputed like any other; they are in no run digest.
public struct KeptWalletVerification: Sendable {
    public var wallets: Int
    public var entries: Int
    public var findings: [LedgerFinding]
    public var findingCount: Int
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
    /// Entries per verification batch (cut at the next wallet boundary).
    public let batchRows: Int

    public init(connection: PostgresConnection, batchRows: Int = 20_000) {
        self.connection = connection
        self.batchRows = max(1, batchRows)
    }

    /// The newest run with a ledger.
    public func latestLedgerRun() throws(MigrationError) -> Int {
        guard let text = try connection.scalar("SELECT max(run_id) FROM mlm_migration.runs WHERE ledger_digest IS NOT NULL", what: "finding the ledger run"),
              let runID = Int(text) else {
            throw MigrationError(.verifyNoLedger, "\(connection.endpoint) holds no loaded ledger")
        }
        return runID
    }

    /// Verifies the wallets of the run's scope (``ReconcileScope``): after a first load, the run's.
    /// After a delta run the kept members' wallets are verified too, and reported apart
    /// (``LedgerVerification/kept``): no wallet in the target is left unchecked.
    ///
    /// With `frontier` (a first load's, while its entries load), the entries are read a range of
    /// members at a time, each once the frontier says all of its members' entries are committed.
    public func verify(runID: Int, frontier: EntryFrontier? = nil) throws(MigrationError) -> LedgerVerification {
        let scope = ReconcileScope(runID: runID)
        var result = try verify(where: scope.covers, frontier: frontier)
        result.storedRunDigest = try storedRunDigest(runID: runID)
        let kept = try connection.scalar(
            "SELECT count(*) FROM mlm_migration.kept_members WHERE run_id = $1::bigint", [String(runID)], what: "counting kept members"
        )
        if kept != "0" {
            let others = try verify { "NOT " + scope.covers($0) }
            result.kept = KeptWalletVerification(
                wallets: others.wallets, entries: others.entries, findings: others.findings, findingCount: others.findingCount
            )
        }
        return result
    }

    /// The run digest the load recorded for `runID` (`runs.ledger_digest`, written as its load finishes).
    public func storedRunDigest(runID: Int) throws(MigrationError) -> String? {
        try connection.scalar("SELECT ledger_digest FROM mlm_migration.runs WHERE run_id = $1::bigint", [String(runID)], what: "reading the run's ledger digest")
    }

    /// Verifies every wallet in the target, whichever run wrote it and whether or not a later
    /// export still gives its member; the run digest is computed over all of them.
    public func verifyEveryWallet() throws(MigrationError) -> LedgerVerification {
        try verify { _ in "true" }
    }

    /// How the read-back asks for rows in key order: walking the primary key, which gives them in
    /// that order, on one process, with no sort. A table just loaded has no statistics yet, and
    /// the planner then sorts every range (parallel bitmap scan, an on-disk sort, JIT): twice the
    /// server's CPU for the same rows (docs/performance.md, fourteenth round), taken from the load
    /// the read-back runs beside. Set for the read-back's statements only (``withReadBackPlan(_:)``).
    static let readBackPlanSettings = [
        "enable_sort = off", "enable_bitmapscan = off", "max_parallel_workers_per_gather = 0", "jit = off",
    ]

    /// Runs `body` with ``readBackPlanSettings`` on this connection, then resets them, even when
    /// `body` throws.
    func withReadBackPlan<R>(_ body: () throws(MigrationError) -> R) throws(MigrationError) -> R {
        let names = Self.readBackPlanSettings.map { $0.prefix { $0 != " " } }
        try connection.execute(Self.readBackPlanSettings.map { "SET \($0)" }.joined(separator: "; "), what: "choosing the read-back's plan")
        let result: R
        do {
            result = try body()
        } catch {
            try? connection.execute(names.map { "RESET \($0)" }.joined(separator: "; "))
            throw error
        }
        try connection.execute(names.map { "RESET \($0)" }.joined(separator: "; "), what: "resetting the read-back's plan")
        return result
    }

    /// Verifies the wallets whose member id `condition` (an SQL condition on a qualified member
    /// id column) admits; the run digest is computed over them, the stored one not read. With
    /// `frontier`, the entries are read in ranges of members as they are committed, in the same
    /// order as one read would give them.
    private func verify(where condition: (String) -> String, frontier: EntryFrontier? = nil) throws(MigrationError) -> LedgerVerification {
        try withReadBackPlan { () throws(MigrationError) in try verifyInOrder(where: condition, frontier: frontier) }
    }

    /// The SQL that reads the entries of the members `condition` covers in `[lower, upper)`
    /// (open ends when nil), in (member_id, currency, seq) order.
    static func entriesQuery(where condition: (String) -> String, lower: Int64?, upper: Int64?) -> String {
        let member = "mlm.wallet_entries.member_id"
        let range = [condition(member), lower.map { "\(member) >= \($0)" }, upper.map { "\(member) < \($0)" }].compactMap { $0 }
        return """
            SELECT member_id, currency, seq, legacy_txn_id, kind, amount_minor, occurred_at, balance_after_minor, entry_hash,
                   counterparty_id
            FROM mlm.wallet_entries WHERE \(range.joined(separator: " AND ")) ORDER BY member_id, currency, seq
            """
    }

    private func verifyInOrder(where condition: (String) -> String, frontier: EntryFrontier?) throws(MigrationError) -> LedgerVerification {
        var result = LedgerVerification()
        let stored = try StoredWalletStream()
        var walletDigest = RowDigest()
        var malformed = 0
        try connection.copyOut("""
            COPY (SELECT member_id, currency, balance_minor, entry_count, head_hash, merkle_root, legacy_balance_minor
                  FROM mlm.wallets WHERE \(condition("mlm.wallets.member_id")) ORDER BY member_id, currency) TO STDOUT
            """, what: "reading mlm.wallets") { bytes throws(MigrationError) in
            walletDigest.add(copyText: bytes)
            if try !stored.append(copyLine: bytes) { malformed += 1 }
        }
        try stored.finishWriting()
        result.walletsDigest = walletDigest.finalize()
        result.wallets = stored.count

        // Rows are cut into batches of whole members, verified on up to `workers` threads while
        // the next batch is read; results are combined in batch order. Each batch takes the
        // stored wallets of its members and of the members before it that have no entries.
        let pool = BatchPool<WalletBatchResult>(workers: 2)
        var runDigest = LedgerHasher.RunDigest()
        var findings: [LedgerFinding] = []
        var findingCount = 0
        var late = (findings: [LedgerFinding](), count: 0)
        func combine(_ part: WalletBatchResult) {
            result.entries += part.entries
            for summary in part.summaries { runDigest.add(summary) }
            findings += part.findings.prefix(max(0, Self.listLimit - findings.count))
            findingCount += part.findingCount
            late.findings += part.walletsWithoutEntries.findings.prefix(max(0, Self.listLimit - late.findings.count))
            late.count += part.walletsWithoutEntries.count
            malformed += part.malformed
            for (currency, loaded) in part.loadedByCurrency {
                result.loadedByCurrency[currency, default: (0, 0)].entries += loaded.entries
                result.loadedByCurrency[currency, default: (0, 0)].minor += loaded.minor
            }
        }
        // The entries as values (``ReadEntries``): the text lines are only digested.
        var batch = ReadEntries()
        var lastMember: ArraySlice<UInt8> = []
        var lastMemberID: Int64?
        var entriesDigest = RowDigest()
        func submit() throws(MigrationError) {
            let wallets = try stored.take(through: lastMemberID ?? .min)
            let verifier = WalletBatchVerifier(stored: wallets, listLimit: Self.listLimit)
            let full = batch
            try pool.submit({ verifier.verify(full) }, deliver: combine)
            batch.removeAll()
        }
        func take(_ bytes: UnsafeRawBufferPointer, _ row: CopyBinaryRow) throws(MigrationError) {
            entriesDigest.add(copyText: bytes)
            // The member is the line up to its first tab.
            let memberEnd = bytes.firstIndex(of: 0x09) ?? bytes.count
            let sameMember = bytes[..<memberEnd].elementsEqual(lastMember)
            if batch.count >= batchRows && !sameMember { try submit() }
            if !sameMember {
                lastMember = ArraySlice(bytes[..<memberEnd])
                if let id = CopyText.leadingInt64(bytes) { lastMemberID = id }
            }
            batch.append(row)
        }
        // Members from the last range's end (nil: the first) to the frontier (nil: the rest); one
        // range when there is no frontier.
        var lower: Int64?
        // Read in binary and printed here as PostgreSQL prints the text (``CopyBinaryText``).
        var entryText = CopyBinaryText(types: Self.entryTypes)
        while true {
            let upper: Int64?
            switch frontier?.wait(past: lower) {
            case nil, .complete: upper = nil
            case .below(let bound): upper = bound
            case .failed:
                throw MigrationError(.targetRunUnfinished, "the load stopped before every wallet entry was in; reconcile reads the ledger again")
            }
            let query = Self.entriesQuery(where: condition, lower: lower, upper: upper)
            try connection.copyOut(
                "COPY (\(query)) TO STDOUT WITH (FORMAT binary)", what: "reading mlm.wallet_entries"
            ) { chunk throws(MigrationError) in
                try entryText.feed(chunk, what: "reading mlm.wallet_entries", row: take)
            }
            try entryText.finish(what: "reading mlm.wallet_entries")
            guard let upper else { break }
            lower = upper
        }
        if batch.count > 0 { try submit() }
        try pool.finish(deliver: combine)
        // The stored wallets after the last member with entries.
        combine(WalletBatchVerifier(stored: try stored.take(through: nil), listLimit: Self.listLimit).verify([], lines: []))
        findingCount += late.count
        findings += late.findings.prefix(max(0, Self.listLimit - findings.count))
        result.malformedRows = malformed
        findingCount += malformed
        result.entriesDigest = entriesDigest.finalize()
        result.runDigest = Hex.encode(runDigest.finalize())
        result.findings = try withLegacyIDs(findings)
        result.findingCount = findingCount
        return result
    }

    /// The types of the entry columns read back, in the order selected.
    static let entryTypes: [CopyBinaryType] = [
        .integer(bytes: 8), .text, .integer(bytes: 8), .text, .text, .integer(bytes: 8), .timestamptz, .integer(bytes: 8), .bytea,
        .integer(bytes: 8),
    ]

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

    /// ``bytea(copyField:)`` into `out` (its old bytes replaced), so a buffer serves line after
    /// line; false when the field is not a bytea.
    static func bytea(copyField field: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        let backslash = UInt8(ascii: "\\")
        // Hex digits need no escape; anything else goes the long way.
        if field.count >= 3, field[0] == backslash, field[1] == backslash, field[2] == UInt8(ascii: "x") {
            let hex = UnsafeBufferPointer(rebasing: field[3...])
            if !hex.contains(backslash) { return Hex.decode(bytes: hex, into: &out) }
        }
        out.removeAll(keepingCapacity: true)
        guard let decoded = CopyText.text(field).flatMap(bytea) else { return false }
        out.append(contentsOf: decoded)
        return true
    }

    /// ``bytea(_:)`` of a field of a COPY text line, still escaped (`\\x0a1b...`).
    static func bytea(copyField field: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        return bytea(copyField: field, into: &out) ? out : nil
    }
}

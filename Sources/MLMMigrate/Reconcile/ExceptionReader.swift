/// The latest decision recorded on an exception id (`mlm_migration.signoffs`).
public struct RecordedDecision: Equatable, Sendable {
    public var decision: ExceptionDecision
    /// The content digest of the exception as the person saw it.
    public var contentDigest: String
    public var decidedBy: String
    public var decidedAt: String
    public var runID: Int
}

/// The latest decision recorded on each exception id, whatever run it was recorded for.
public struct ExceptionDecisions: Sendable {
    public var latest: [String: RecordedDecision]

    public init(_ latest: [String: RecordedDecision] = [:]) {
        self.latest = latest
    }

    /// The decision that covers `entry`: the latest one on its id, if made on the same content.
    /// A decision on an earlier content (a changed amount, reason detail...) leaves it open.
    public func covering(_ entry: ExceptionEntry) -> RecordedDecision? {
        guard let decision = latest[entry.id], decision.contentDigest == entry.contentDigest else { return nil }
        return decision
    }
}

/// Reads a run's exceptions from the target: its quarantine rows, the balance variances and
/// duplicate candidates of the members in its scope (``ReconcileScope``), the differences of
/// the newest parallel run of each period recomputed from it, and the decisions on record.
public struct ExceptionReader {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The newest run that loaded (not rolled back, not still loading).
    public func latestRun() throws(MigrationError) -> Int {
        guard let text = try connection.scalar(
            "SELECT max(run_id) FROM mlm_migration.runs WHERE status IN ('loaded', 'reconciled', 'failed')",
            what: "finding the run"
        ), let runID = Int(text) else {
            throw MigrationError(.exceptionsNoRun, "\(connection.endpoint) holds no loaded run")
        }
        return runID
    }

    /// Refuses a run that never loaded (or was rolled back).
    public func checkLoaded(runID: Int) throws(MigrationError) {
        let known = try connection.scalar(
            "SELECT count(*) FROM mlm_migration.runs WHERE run_id = $1::bigint AND status IN ('loaded', 'reconciled', 'failed')",
            [String(runID)], what: "finding the run"
        )
        guard known == "1" else {
            throw MigrationError(.exceptionsNoRun, "\(connection.endpoint) has no loaded run \(runID)")
        }
    }

    /// Hands over run `runID`'s exceptions one by one, in register order: quarantine rows,
    /// balance variances, duplicate candidates, parallel-run differences, each kind in its own
    /// order. Nothing is held but the row in hand: each kind streams out of PostgreSQL (`COPY`),
    /// and the database numbers the occurrences (``ExceptionEntry/occurrence``: the n-th row,
    /// in that order, whose identity fields are byte for byte equal), so a register of millions
    /// of rows costs no memory here.
    public func forEach(runID: Int, _ body: (ExceptionEntry) throws(MigrationError) -> Void) throws(MigrationError) {
        try checkLoaded(runID: runID)
        try quarantine(runID, body)
        try variances(runID, body)
        try duplicates(runID, body)
        try mismatches(runID, body)
    }

    /// Streams `sql`'s rows (COPY text), decoded. `sql` holds no parameters: only ids.
    private func rows(_ sql: String, what: String, _ each: ([String?]) throws(MigrationError) -> Void) throws(MigrationError) {
        try connection.copyOut("COPY (\(sql)) TO STDOUT", what: what) { bytes throws(MigrationError) in
            try each(CopyText.decodeRow(copyLine: bytes))
        }
    }

    /// The occurrence column of a row (the last one a query selects).
    private static func occurrence(_ text: String?) -> Int { text.flatMap { Int($0) } ?? 1 }

    private func quarantine(_ runID: Int, _ body: (ExceptionEntry) throws(MigrationError) -> Void) throws(MigrationError) {
        // The line compared as text (the register's order since it was first written, and so
        // its occurrence numbers and ids): spelled out so the window and the rows agree.
        let order = "entity, source, line::text, reason, column_name, quarantine_id"
        try rows("""
            SELECT entity, source, line::text, legacy_id, reason, column_name, detail,
                   upper(btrim(payload ->> 'currency')), coalesce(payload ->> 'amount', payload ->> 'balance'),
                   payload ->> 'amount_minor',
                   row_number() OVER (
                       PARTITION BY entity, reason, coalesce(legacy_id, ''),
                                    CASE WHEN coalesce(legacy_id, '') = '' THEN source || ':' || line END
                       ORDER BY \(order))
            FROM mlm_migration.quarantine WHERE run_id = \(runID)
            ORDER BY \(order)
            """, what: "reading the quarantine") { row throws(MigrationError) in
            var entry = ExceptionEntry(kind: .quarantine, entity: row[0] ?? "", reason: row[4] ?? "")
            entry.source = row[1] ?? ""
            entry.line = row[2] ?? ""
            entry.legacyID = row[3] ?? ""
            entry.columns = row[5] ?? ""
            entry.detail = row[6] ?? ""
            if let currency = row[7], let exponent = CurrencyTable.exponent(of: currency),
               let minor = row[9].flatMap({ Int64($0) }) ?? row[8].flatMap({ Self.minorUnits($0, exponent: exponent) }) {
                entry.currency = currency
                entry.exponent = String(exponent)
                entry.amountMinor = String(minor)
            }
            entry.occurrence = Self.occurrence(row[10])
            try body(entry)
        }
    }

    /// A quarantined row's amount text as written (a plain decimal, `.` before the fraction),
    /// in minor units; nil when it does not read so exactly.
    static func minorUnits(_ text: String, exponent: Int) -> Int64? {
        switch ParseMoney().parse(text, exponent: exponent) {
        case .exact(let minor), .snapped(let minor): return minor
        default: return nil
        }
    }

    private func variances(_ runID: Int, _ body: (ExceptionEntry) throws(MigrationError) -> Void) throws(MigrationError) {
        guard try connection.scalar("SELECT to_regclass('mlm.wallets') IS NOT NULL") == "t" else { return }
        let scope = ReconcileScope(runID: runID)
        try rows("""
            SELECT m.legacy_id, w.currency, w.legacy_balance_minor::text, w.balance_minor::text,
                   (w.balance_minor::numeric - w.legacy_balance_minor)::text,
                   row_number() OVER (
                       PARTITION BY m.legacy_id, w.currency, w.legacy_balance_minor IS NULL ORDER BY w.member_id, w.currency)
            FROM mlm.wallets w JOIN mlm.members m USING (member_id)
            WHERE w.legacy_balance_minor IS DISTINCT FROM w.balance_minor AND \(scope.covers("w.member_id"))
            ORDER BY w.member_id, w.currency
            """, what: "reading the balance variances") { row throws(MigrationError) in
            let reason = row[2] == nil ? "ledger.legacy_balance_missing" : "ledger.balance_variance"
            var entry = ExceptionEntry(kind: .balanceVariance, entity: "wallets", reason: reason)
            entry.legacyID = row[0] ?? ""
            entry.currency = row[1] ?? ""
            entry.exponent = CurrencyTable.exponent(of: entry.currency).map(String.init) ?? ""
            entry.columns = "balance_minor,legacy_balance_minor"
            entry.legacyMinor = row[2] ?? ""
            entry.migratedMinor = row[3] ?? ""
            entry.amountMinor = row[4] ?? ""
            entry.occurrence = Self.occurrence(row[5])
            try body(entry)
        }
    }

    private func duplicates(_ runID: Int, _ body: (ExceptionEntry) throws(MigrationError) -> Void) throws(MigrationError) {
        let scope = ReconcileScope(runID: runID)
        try rows("""
            SELECT m.legacy_id, o.legacy_id, array_to_string(d.columns, ','), d.score_percent::text,
                   row_number() OVER (
                       PARTITION BY m.legacy_id, o.legacy_id ORDER BY d.member_id, d.duplicate_of_member_id)
            FROM mlm_migration.duplicate_candidates d
            JOIN mlm.members m ON m.member_id = d.member_id JOIN mlm.members o ON o.member_id = d.duplicate_of_member_id
            WHERE \(scope.covers("d.member_id")) AND \(scope.covers("d.duplicate_of_member_id"))
            ORDER BY d.member_id, d.duplicate_of_member_id
            """, what: "reading the duplicate candidates") { row throws(MigrationError) in
            var entry = ExceptionEntry(kind: .duplicateCandidate, entity: "members", reason: "genealogy.duplicate_person")
            entry.legacyID = row[0] ?? ""
            entry.relatedLegacyID = row[1] ?? ""
            entry.columns = row[2] ?? ""
            entry.detail = "score \(row[3] ?? "")%"
            entry.occurrence = Self.occurrence(row[4])
            try body(entry)
        }
    }

    private func mismatches(_ runID: Int, _ body: (ExceptionEntry) throws(MigrationError) -> Void) throws(MigrationError) {
        guard try connection.scalar("SELECT to_regclass('mlm_migration.parallel_run') IS NOT NULL") == "t" else { return }
        try rows("""
            WITH newest AS (
                SELECT DISTINCT ON (period) parallel_run_id FROM mlm_migration.parallel_runs
                WHERE run_id = \(runID) ORDER BY period, parallel_run_id DESC
            )
            SELECT m.legacy_id, d.period, d.bonus_type, d.classification, p.currency, p.volume_scale::text,
                   d.legacy_minor::text, d.recomputed_minor::text, d.difference_minor::text,
                   row_number() OVER (
                       PARTITION BY d.classification, m.legacy_id, d.period, d.bonus_type
                       ORDER BY d.period, d.member_id, d.bonus_type)
            FROM mlm_migration.parallel_run d JOIN newest USING (parallel_run_id)
            JOIN mlm.members m USING (member_id) LEFT JOIN mlm.periods p USING (period)
            ORDER BY d.period, d.member_id, d.bonus_type
            """, what: "reading the parallel-run differences") { row throws(MigrationError) in
            let bonus = row[2] ?? ""
            let carry = bonus.hasPrefix("carry:")
            var entry = ExceptionEntry(
                kind: .parallelRunMismatch, entity: carry ? "carry_forward" : "commission_payouts",
                reason: "parallel_run.\(row[3] ?? "")"
            )
            entry.legacyID = row[0] ?? ""
            entry.period = row[1] ?? ""
            entry.columns = bonus
            entry.currency = carry ? "" : (row[4] ?? "")
            entry.exponent = carry ? (row[5] ?? "") : (CurrencyTable.exponent(of: entry.currency).map(String.init) ?? "")
            entry.legacyMinor = row[6] ?? ""
            entry.migratedMinor = row[7] ?? ""
            entry.amountMinor = row[8] ?? ""
            entry.occurrence = Self.occurrence(row[9])
            try body(entry)
        }
    }

    /// The latest decision per exception id (none: a target older than schema 11).
    public func decisions() throws(MigrationError) -> ExceptionDecisions {
        guard try connection.scalar("SELECT to_regclass('mlm_migration.signoffs') IS NOT NULL") == "t" else { return ExceptionDecisions() }
        var out: [String: RecordedDecision] = [:]
        for row in try connection.query("""
            SELECT DISTINCT ON (exception_id) exception_id, content_sha256, decision, decided_by,
                   to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), run_id::text
            FROM mlm_migration.signoffs ORDER BY exception_id, signoff_id DESC
            """, what: "reading the sign-offs") {
            guard let id = row[0], let decision = row[2].flatMap(ExceptionDecision.init(rawValue:)) else { continue }
            out[id] = RecordedDecision(
                decision: decision, contentDigest: row[1] ?? "", decidedBy: row[3] ?? "", decidedAt: row[4] ?? "",
                runID: row[5].flatMap { Int($0) } ?? 0
            )
        }
        return ExceptionDecisions(out)
    }
}

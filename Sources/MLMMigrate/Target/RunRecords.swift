/// The run bookkeeping in the target, `mlm_migration.runs` and `mlm_migration.batches`: the
/// one place their rows are written and read back for a load, a resume and a report.
public struct RunRecords {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// A run's status and the Transform output it was loaded from.
    public struct Run: Sendable, Equatable {
        public var runID: Int
        public var status: String
        public var workID: String?
    }

    /// Takes the run lock for this session; throws `target.busy` when another run holds it.
    /// Every command that writes to the target takes it first.
    public static func lockTarget(_ connection: PostgresConnection) throws(MigrationError) {
        guard try connection.scalar("SELECT pg_try_advisory_lock(hashtext('mlm_migration.run'))") == "t" else {
            throw MigrationError(.targetBusy, "another mlm-migrate run is writing to \(connection.endpoint); wait for it to finish")
        }
    }

    public func run(_ runID: Int) throws(MigrationError) -> Run? {
        try connection.query("SELECT status, work_id FROM mlm_migration.runs WHERE run_id = $1::bigint", [String(runID)]).first.map {
            Run(runID: runID, status: $0[0] ?? "?", workID: $0[1])
        }
    }

    /// The run loaded from Transform output `workID`, when the target already has it fully loaded.
    func finishedRun(workID: String) throws(MigrationError) -> Int? {
        try connection.scalar(
            "SELECT max(run_id) FROM mlm_migration.runs WHERE work_id = $1 AND status IN ('loaded', 'reconciled', 'failed')", [workID]
        ).flatMap { Int($0) }
    }

    /// Runs still `loading` (killed, failed or paused), oldest first.
    func unfinishedRuns() throws(MigrationError) -> [Run] {
        try connection.query("SELECT run_id, work_id FROM mlm_migration.runs WHERE status = 'loading' ORDER BY run_id").compactMap { row in
            row[0].flatMap { Int($0) }.map { Run(runID: $0, status: "loading", workID: row[1]) }
        }
    }

    /// Records a new run, `loading`; returns its id.
    func insertRun(_ info: RunInfo) throws(MigrationError) -> Int {
        guard let runText = try connection.scalar(
            """
            INSERT INTO mlm_migration.runs (status, tool_version, vendor, mapping_digest, source, counts, work_id, delta)
            VALUES ('loading', $1, $2, $3, $4, $5::jsonb, $6, $7::boolean) RETURNING run_id
            """,
            [ToolVersion.current, info.vendor, info.mappingDigest, info.source, info.countsJSON, info.workID, info.delta == nil ? "false" : "true"]
        ), let runID = Int(runText) else {
            throw MigrationError(.targetSQLFailed, "could not record the run in mlm_migration.runs")
        }
        return runID
    }

    /// Replaces a run's per-entity counts (a `run` whose ledger and commission were still being
    /// transformed when the load began records their counts once they are).
    func updateCounts(_ runID: Int, countsJSON: String) throws(MigrationError) {
        _ = try connection.query(
            "UPDATE mlm_migration.runs SET counts = $2::jsonb WHERE run_id = $1::bigint", [String(runID), countsJSON],
            what: "recording the counts of run \(runID)"
        )
    }

    /// Records what a load will write (schema migration 8), so `mlm-migrate status` can tell how
    /// far it is from the target alone; a resumed load counts one more resume.
    func recordPlan(_ runID: Int, batches: Int?, rows: Int?, batchSize: Int, resumed: Bool) throws(MigrationError) {
        _ = try connection.query(
            """
            UPDATE mlm_migration.runs SET planned_batches = $2::integer, planned_rows = $3::bigint,
                batch_size = $4::integer, resumes = resumes + $5::integer
            WHERE run_id = $1::bigint
            """,
            [String(runID), batches.map(String.init), rows.map(String.init), String(batchSize), resumed ? "1" : "0"],
            what: "recording the load plan of run \(runID)"
        )
    }

    /// Rows already committed per `entity/kind` (``LoadStep/manifestKey``), and the highest batch number, for a run.
    func committedRows(_ runID: Int) throws(MigrationError) -> (rows: [String: Int], batches: Int) {
        var rows: [String: Int] = [:]
        var batches = 0
        let committed = try connection.query(
            "SELECT entity, kind, sum(row_count), max(batch_no) FROM mlm_migration.batches WHERE run_id = $1::bigint GROUP BY entity, kind",
            [String(runID)]
        )
        for row in committed {
            rows["\(row[0] ?? "")/\(row[1] ?? "")"] = row[2].flatMap { Int($0) } ?? 0
            batches = max(batches, row[3].flatMap { Int($0) } ?? 0)
        }
        return (rows, batches)
    }

    /// Writes a batch's manifest row: its rows in total and per table, and their SHA-256. Runs
    /// inside the batch's transaction (``PostgresConnection/beginBatch(runID:batchNo:)``).
    func recordBatch(runID: Int, batchNo: Int, entity: String, kind: String, rows: Int, byTable: [(String, Int)], digest: String) throws(MigrationError) {
        _ = try connection.query(
            """
            INSERT INTO mlm_migration.batches (run_id, batch_no, entity, kind, row_count, content_sha256, rows_by_table)
            VALUES ($1::bigint, $2::integer, $3, $4, $5::bigint, $6, $7::jsonb)
            """,
            [String(runID), String(batchNo), entity, kind, String(rows), digest, JSONText.object(byTable.map { ($0.0, String($0.1)) })],
            what: "recording batch \(batchNo)"
        )
    }

    /// Marks a run's load complete, with the ledger run digest Transform computed.
    func markLoaded(_ runID: Int, ledgerDigest: String?) throws(MigrationError) {
        _ = try connection.query(
            "UPDATE mlm_migration.runs SET status = 'loaded', ledger_digest = $2 WHERE run_id = $1::bigint", [String(runID), ledgerDigest]
        )
    }

    /// Stores the report and the verdict: `reconciled` when every check passed, else `failed`.
    /// Records a reconciliation of `runID`: the run's verdict and latest report, and one row in
    /// `mlm_migration.reconciliations` per reconcile. `finished_at` keeps the first one's time, so
    /// a later re-check never moves when the run finished.
    func recordReport(_ runID: Int, passed: Bool, json: String) throws(MigrationError) {
        _ = try connection.query("""
            WITH run AS (
                UPDATE mlm_migration.runs SET status = $2, finished_at = coalesce(finished_at, now()), report = $3::text::jsonb
                WHERE run_id = $1::bigint RETURNING run_id
            )
            INSERT INTO mlm_migration.reconciliations (run_id, passed, report_sha256)
            SELECT run_id, $4::boolean, encode(sha256(convert_to($3::text, 'UTF8')), 'hex') FROM run
            """, [String(runID), passed ? "reconciled" : "failed", json, passed ? "true" : "false"], what: "recording the report")
    }
}

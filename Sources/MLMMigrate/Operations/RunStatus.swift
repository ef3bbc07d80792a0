import Foundation

/// How far a run is, read from the target alone (`mlm-migrate status`): its stage, batches
/// committed of those planned, rows per second, elapsed and estimated time left, and how often
/// it was resumed (retries after a lost connection, or the same command run again). No file of
/// the running process is needed, so another terminal or host can watch a long load.
public struct RunStatus: Codable, Sendable, Equatable {
    public var runID: Int
    /// `loading`, `loaded`, `reconciled`, `failed` or `rolled_back`.
    public var status: String
    /// What the run is doing: `load members rows`, `reconcile`, `finished`...
    public var stage: String
    public var delta: Bool
    public var batchesCommitted: Int
    /// nil: a delta run (its batches are chosen as it goes) or a target older than schema 7.
    public var batchesPlanned: Int?
    public var rowsCommitted: Int
    public var rowsPlanned: Int?
    public var rowsPerSecond: Double
    public var elapsedSeconds: Double
    public var secondsLeft: Double?
    /// Times the load was started again on this run (automatic retries and resumes).
    public var resumes: Int?
    public var startedAt: String
}

/// Reads ``RunStatus`` from `mlm_migration.runs` and `mlm_migration.batches`; read only (no
/// schema migration, no lock), so it never disturbs the run it watches.
public struct RunStatusReader {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Run `runID`, or the newest run when nil.
    public func read(runID: Int?) throws(MigrationError) -> RunStatus {
        guard try connection.scalar("SELECT to_regclass('mlm_migration.runs') IS NOT NULL") == "t" else {
            throw MigrationError(.statusNoRun, "\(connection.endpoint) holds no mlm-migrate run")
        }
        // Schema migration 8 added the plan; an older target shows the rest.
        let planned = try connection.scalar(
            """
            SELECT count(*) FROM information_schema.columns
            WHERE table_schema = 'mlm_migration' AND table_name = 'runs' AND column_name = 'planned_batches'
            """
        ) == "1"
        let plan = planned ? "r.planned_batches, r.planned_rows, r.resumes" : "NULL::integer, NULL::bigint, NULL::integer"
        let rows = try connection.query(
            """
            SELECT r.run_id, r.status, r.delta, \(plan),
                   to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   extract(epoch FROM coalesce(
                       CASE WHEN r.status = 'loading' THEN now() END, r.finished_at, max(b.committed_at), now()
                   ) - r.started_at),
                   extract(epoch FROM coalesce(max(b.committed_at), r.started_at) - r.started_at),
                   count(b.batch_no), coalesce(sum(b.row_count), 0),
                   (SELECT entity || ' ' || kind FROM mlm_migration.batches l
                    WHERE l.run_id = r.run_id ORDER BY batch_no DESC LIMIT 1)
            FROM mlm_migration.runs r LEFT JOIN mlm_migration.batches b USING (run_id)
            WHERE ($1::bigint IS NULL OR r.run_id = $1::bigint)
            GROUP BY r.run_id ORDER BY r.run_id DESC LIMIT 1
            """,
            [runID.map(String.init)], what: "reading the run's progress"
        )
        guard let row = rows.first, let id = row[0].flatMap({ Int($0) }) else {
            let which = runID.map { "run \($0)" } ?? "any run"
            throw MigrationError(.statusNoRun, "\(connection.endpoint) holds no record of \(which)")
        }
        let status = row[1] ?? "?"
        let delta = row[2] == "t"
        let elapsed = row[7].flatMap { Double($0) } ?? 0
        let loading = row[8].flatMap { Double($0) } ?? 0
        let batches = row[9].flatMap { Int($0) } ?? 0
        let committedRows = row[10].flatMap { Int($0) } ?? 0
        let rate = status == "loading" ? Double(committedRows) / max(elapsed, 0.001) : Double(committedRows) / max(loading, 0.001)
        let plannedRows = row[4].flatMap { Int($0) }
        var left: Double?
        if status == "loading", let plannedRows, rate > 0 { left = Double(max(plannedRows - committedRows, 0)) / rate }
        if status != "loading" { left = 0 }
        return RunStatus(
            runID: id, status: status, stage: Self.stage(status: status, lastBatch: row[11]), delta: delta,
            batchesCommitted: batches, batchesPlanned: row[3].flatMap { Int($0) }, rowsCommitted: committedRows,
            rowsPlanned: plannedRows, rowsPerSecond: rate, elapsedSeconds: elapsed, secondsLeft: left,
            resumes: row[5].flatMap { Int($0) }, startedAt: row[6] ?? ""
        )
    }

    static func stage(status: String, lastBatch: String?) -> String {
        switch status {
        case "loading": "load" + (lastBatch.map { " \($0)" } ?? " (starting)")
        case "loaded": "reconcile"
        case "reconciled": "finished: every check passed"
        case "failed": "finished: a check failed"
        default: status.replacingOccurrences(of: "_", with: " ")
        }
    }
}

extension RunStatus {
    /// The status as lines for a terminal.
    public var text: String {
        let batchesText = "\(batchesCommitted)" + (batchesPlanned.map { " of \($0)" } ?? " (plan not recorded)")
        let rowsText = ProgressLine.grouped(rowsCommitted) + (rowsPlanned.map { " of " + ProgressLine.grouped($0) } ?? "")
        var lines = [
            "run \(runID)\(delta ? " (delta)" : ""): \(status)",
            "stage: \(stage)",
            "batches committed: \(batchesText)",
            "rows committed: \(rowsText)",
            "rows/s: \(ProgressLine.grouped(Int(rowsPerSecond.rounded())))",
            "elapsed: \(LoadProgress.clock(elapsedSeconds))",
            "estimated time left: " + (secondsLeft.map { LoadProgress.clock($0) } ?? "unknown"),
            "resumed: " + (resumes.map { "\($0) times (retries after a lost connection, or the same command again)" } ?? "not recorded"),
            "started: \(startedAt)",
        ]
        if status == "loading" && (batchesPlanned ?? 0) == 0 && delta { lines.append("a delta run chooses its batches as it goes") }
        return lines.joined(separator: "\n")
    }
}

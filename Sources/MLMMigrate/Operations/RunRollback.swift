public import Logging

/// A point a run can be rolled back to: the state after batch `batch` of run `runID` committed
/// (batch 0: before the run wrote anything).
public struct RestorePoint: Codable, Sendable, Equatable {
    public var runID: Int
    public var batch: Int
    public var entity: String
    public var kind: String
    public var rows: Int
    public var committedAt: String
}

/// What a rollback removed, per table.
public struct RollbackSummary: Codable, Sendable, Equatable {
    public var runID: Int
    public var toBatch: Int
    public var rowsRemoved: [String: Int]
    /// Rows a delta run had updated, put back from their prior images.
    public var rowsRestored: [String: Int] = [:]
}

/// Undoes what a run wrote after one of its batch boundaries (`mlm-migrate rollback`), in one
/// transaction logged in `mlm_migration.rollbacks`: first every row a delta run updated in those
/// batches is put back from its prior image (`mlm_migration.prior_images`, with its old
/// `run_id` and `batch_no`), then every row still carrying the run's id and a later batch, which
/// it inserted, is deleted, table by table in reverse foreign-key order; then the batch
/// manifests. Back to batch 0, the run is marked `rolled_back`; to a later batch, it is
/// `loading` again, so the same load command continues it.
///
/// Only the newest run can be rolled back: an older one may have rows a later run built on.
public struct RunRollback {
    public let connection: PostgresConnection
    public let logger: Logger

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Every batch boundary of every run not rolled back, newest run first.
    public func restorePoints() throws(MigrationError) -> [RestorePoint] {
        try connection.query("""
            SELECT b.run_id, b.batch_no, b.entity, b.kind, b.row_count, to_char(b.committed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM mlm_migration.batches b JOIN mlm_migration.runs r USING (run_id)
            WHERE r.status <> 'rolled_back' ORDER BY b.run_id DESC, b.batch_no
            """, what: "listing restore points").map { row in
            RestorePoint(
                runID: row[0].flatMap { Int($0) } ?? 0, batch: row[1].flatMap { Int($0) } ?? 0, entity: row[2] ?? "", kind: row[3] ?? "",
                rows: row[4].flatMap { Int($0) } ?? 0, committedAt: row[5] ?? ""
            )
        }
    }

    public func rollback(runID: Int, toBatch: Int) throws(MigrationError) -> RollbackSummary {
        try RunRecords.lockTarget(connection)
        // The same command again after a kill that came after its commit: already done.
        if toBatch == 0, try connection.scalar("SELECT status FROM mlm_migration.runs WHERE run_id = $1::bigint", [String(runID)]) == "rolled_back" {
            return RollbackSummary(runID: runID, toBatch: 0, rowsRemoved: [:])
        }
        guard let newest = try connection.scalar("SELECT max(run_id) FROM mlm_migration.runs WHERE status <> 'rolled_back'").flatMap({ Int($0) }) else {
            throw MigrationError(.rollbackNoRun, "\(connection.endpoint) has no run to roll back")
        }
        guard newest == runID else {
            throw MigrationError(.rollbackNotNewest, "run \(runID) is not the newest run (\(newest)); roll back run \(newest) first")
        }
        let last = try connection.scalar("SELECT coalesce(max(batch_no), 0) FROM mlm_migration.batches WHERE run_id = $1::bigint", [String(runID)]).flatMap { Int($0) } ?? 0
        guard (0...last).contains(toBatch) else {
            throw MigrationError(.rollbackNoBatch, "run \(runID) has batches 1 to \(last); roll back to one of them, or to 0 for the whole run")
        }
        let (removed, restored) = try connection.inTransaction { () throws(MigrationError) -> ([String: Int], [String: Int]) in
            // Placement slots first: the rows about to be restored or deleted let go of theirs, so
            // a member given back its old slot never meets one the run put there (a leg is unique).
            _ = try connection.query(
                "UPDATE mlm.members SET placement_id = NULL, placement_leg = NULL WHERE run_id = $1::bigint AND batch_no > $2::integer AND placement_id IS NOT NULL",
                [String(runID), String(toBatch)], what: "freeing the run's placement slots"
            )
            // Parallel runs are derived from the run's rows: those of the run, or of a period it loaded, go with them.
            _ = try connection.query("""
                WITH gone AS (
                    SELECT parallel_run_id FROM mlm_migration.parallel_runs r
                    WHERE r.run_id = $1::bigint
                       OR r.period IN (SELECT period FROM mlm.periods WHERE run_id = $1::bigint AND batch_no > $2::integer)
                ), rows AS (DELETE FROM mlm_migration.parallel_run WHERE parallel_run_id IN (SELECT parallel_run_id FROM gone))
                DELETE FROM mlm_migration.parallel_runs WHERE parallel_run_id IN (SELECT parallel_run_id FROM gone)
                """, [String(runID), String(toBatch)], what: "removing the run's parallel runs")
            let restored = try restorePriorImages(runID: runID, after: toBatch)
            var removed: [String: Int] = [:]
            for table in TargetTables.rollbackOrder.map(\.name) {
                let count = try connection.scalar(
                    "WITH gone AS (DELETE FROM \(table) WHERE run_id = $1::bigint AND batch_no > $2::integer RETURNING 1) SELECT count(*) FROM gone",
                    [String(runID), String(toBatch)], what: "removing run \(runID)'s rows from \(table)"
                ).flatMap { Int($0) } ?? 0
                removed[table] = count
            }
            _ = try connection.query("DELETE FROM mlm_migration.prior_images WHERE run_id = $1::bigint AND batch_no > $2::integer", [String(runID), String(toBatch)])
            // Recomputed by the load that continues the run.
            _ = try connection.query("DELETE FROM mlm_migration.kept_members WHERE run_id = $1::bigint", [String(runID)])
            _ = try connection.query("DELETE FROM mlm_migration.ledger_conflicts WHERE run_id = $1::bigint", [String(runID)])
            _ = try connection.query("DELETE FROM mlm_migration.batches WHERE run_id = $1::bigint AND batch_no > $2::integer", [String(runID), String(toBatch)])
            _ = try connection.query(
                "UPDATE mlm_migration.runs SET status = $2, finished_at = CASE WHEN $2 = 'rolled_back' THEN now() END, report = NULL WHERE run_id = $1::bigint",
                [String(runID), toBatch == 0 ? "rolled_back" : "loading"]
            )
            _ = try connection.query(
                "INSERT INTO mlm_migration.rollbacks (run_id, to_batch, rows_removed) VALUES ($1::bigint, $2::integer, $3::jsonb)",
                [String(runID), String(toBatch), JSONText.object(
                    removed.sorted { $0.key < $1.key }.map { ($0.key, String($0.value)) }
                        + restored.sorted { $0.key < $1.key }.map { ("\($0.key) restored", String($0.value)) }
                )]
            )
            return (removed, restored)
        }
        logger.notice("rolled back", metadata: ["run_id": "\(runID)", "to_batch": "\(toBatch)"])
        return RollbackSummary(runID: runID, toBatch: toBatch, rowsRemoved: removed, rowsRestored: restored)
    }

    /// Puts back every row the run updated after batch `after`, from its prior image, whole
    /// (its earlier `run_id` and `batch_no` included). Returns the rows restored per table.
    private func restorePriorImages(runID: Int, after batch: Int) throws(MigrationError) -> [String: Int] {
        var restored: [String: Int] = [:]
        for (table, key) in TargetTables.updatedByDelta.map({ ($0.name, $0.key) }) {
            let columns = try connection.query(
                "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum", [table]
            ).compactMap { $0[0] }
            let count = try connection.scalar("""
                WITH restored AS (
                    UPDATE \(table) t SET (\(columns.joined(separator: ", "))) = (\(columns.map { "r." + $0 }.joined(separator: ", ")))
                    FROM mlm_migration.prior_images p, jsonb_populate_record(NULL::\(table), p.image) r
                    WHERE p.run_id = $1::bigint AND p.batch_no > $2::integer AND p.table_name = '\(table)'
                      AND \(key.map { "t.\($0) = r.\($0)" }.joined(separator: " AND "))
                    RETURNING 1
                ) SELECT count(*) FROM restored
                """, [String(runID), String(batch)], what: "restoring \(table) rows from their prior images").flatMap { Int($0) } ?? 0
            if count > 0 { restored[table] = count }
        }
        return restored
    }
}

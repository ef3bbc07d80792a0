public import Logging

/// The report's delta section: what a delta run did to each table, read back from the target.
public struct DeltaFigures: Codable, Sendable, Equatable {
    /// One table: rows the run inserted and updated (those with a prior image), rows of the
    /// export the target already had as they are, and rows of members gone from the export
    /// (kept, not deleted).
    public struct Entity: Codable, Sendable, Equatable {
        public var entity: String
        public var inserted: Int
        public var updated: Int
        public var unchanged: Int
        public var gone: Int
    }

    public var entities: [Entity]
    /// Members the target has that the export gives only as quarantined rows (kept as they are).
    public var keptQuarantined: Int
    /// Kept members the run changed: their status set (mapping `delta: gone_members: mark`), or
    /// their placement slot freed because the export gives it to another member.
    public var keptChanged: Int
    /// Legacy ids of the members gone from the export (the first ``DeltaReconciler/listLimit``).
    public var goneMembers: [String]
}

/// Counts a delta run's changes from the target itself: rows carrying the run's id are the ones
/// it wrote, and those with a prior image in `mlm_migration.prior_images` were updates.
public struct DeltaReconciler {
    public let connection: PostgresConnection
    public let logger: Logger

    static let listLimit = 100

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Whether run `runID` applied a later export (`run --delta`).
    public func isDelta(runID: Int) throws(MigrationError) -> Bool {
        try connection.scalar("SELECT delta FROM mlm_migration.runs WHERE run_id = $1::bigint", [String(runID)], what: "reading the run") == "t"
    }

    /// Figures for the tables the target has rows in (`tables`: entity name and table).
    public func figures(runID: Int, tables: [(entity: String, table: String)]) throws(MigrationError) -> DeltaFigures {
        let run = String(runID)
        let scope = ReconcileScope(runID: runID)
        var entities: [DeltaFigures.Entity] = []
        let marked = try keptChanged(run)
        for (entity, table) in tables {
            let row = try connection.query("""
                SELECT count(*) FILTER (WHERE t.run_id = $1::bigint),
                       (SELECT count(*) FROM mlm_migration.prior_images WHERE run_id = $1::bigint AND table_name = $2),
                       count(*) FILTER (WHERE \(scope.covers("t.member_id"))),
                       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM mlm_migration.kept_members g
                                        WHERE g.run_id = $1::bigint AND g.member_id = t.member_id AND g.reason = 'gone_from_source'))
                FROM \(table) t
                """, [run, table], what: "counting the delta's changes to \(table)").first?.map { Int($0 ?? "") ?? 0 } ?? []
            guard row.count == 4 else { continue }
            // Prior images of kept members are marks or freed slots, not updates of the export's rows.
            let marks = table == "mlm.members" ? marked : 0
            let inserted = row[0] - row[1]
            let updated = row[1] - marks
            entities.append(DeltaFigures.Entity(entity: entity, inserted: inserted, updated: updated, unchanged: row[2] - inserted - updated, gone: row[3]))
        }
        let kept = try connection.query(
            "SELECT reason, legacy_id FROM mlm_migration.kept_members WHERE run_id = $1::bigint ORDER BY member_id", [run], what: "reading the kept members"
        )
        let gone = kept.filter { $0[0] == "gone_from_source" }.compactMap { $0[1] }
        return DeltaFigures(entities: entities, keptQuarantined: kept.count - gone.count, keptChanged: marked, goneMembers: Array(gone.prefix(Self.listLimit)))
    }

    private func keptChanged(_ run: String) throws(MigrationError) -> Int {
        Int(try connection.scalar("""
            SELECT count(*) FROM mlm_migration.prior_images p JOIN mlm_migration.kept_members k ON p.row_key = k.member_id::text AND k.run_id = p.run_id
            WHERE p.run_id = $1::bigint AND p.table_name = 'mlm.members'
            """, [run], what: "counting the kept members changed") ?? "") ?? 0
    }
}

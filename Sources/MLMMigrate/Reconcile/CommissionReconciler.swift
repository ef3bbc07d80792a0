public import Logging

/// The report's commission section: the volume control totals per period.
public struct CommissionFigures: Codable, Sendable, Equatable {
    public var volumes: [PeriodVolumeTotals]
    /// Quarantined orders whose volume or time could not be read, so they are in no total.
    public var unvaluedOrders: Int
    /// Volumes and amounts snapped from floating-point artefacts to the nearest unit.
    public var snapped: Int
}

/// Reconcile for the commission state: every entity balances (extracted = accepted +
/// quarantined), the target holds the rows Transform wrote (a first load) or the batches
/// recorded (a delta), each period's loaded BV and PV equal the accepted totals (a first load),
/// the foreign keys to members, periods and ranks are in place and validated, and the rank
/// history is consistent (each previous rank is the rank held before).
public struct CommissionReconciler {
    public let connection: PostgresConnection
    public let logger: Logger

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// `settled`: reads the check of the commission tables' foreign keys now, or once the load ends.
    public func run(
        runID: Int, delta: Bool, cleanse: CommissionCleanseSummary, transform: CommissionTransformSummary,
        settled: LoadSettledChecks = LoadSettledChecks()
    ) throws(MigrationError) -> ([Check], CommissionFigures) {
        var checks: [Check] = []
        for counts in cleanse.entities {
            checks.append(Check(
                name: "commission.\(counts.entity)_balanced", description: "\(counts.entity): rows extracted = accepted + quarantined",
                expected: String(counts.extracted), actual: String(counts.accepted + counts.quarantined)
            ))
        }
        let run = String(runID)
        let written: [(TargetTable, Int)] = [
            (TargetTables.periods, transform.periods), (TargetTables.ranks, transform.ranks), (TargetTables.orders, transform.orders),
            (TargetTables.carryForward, transform.carryForward), (TargetTables.rankHistory, transform.rankHistory),
            (TargetTables.payouts, transform.payouts),
        ]
        for (table, rows) in written {
            let loaded = try count("SELECT count(*) FROM \(table.name) WHERE run_id = $1::bigint", run)
            let expected = delta
                ? try count("SELECT coalesce(sum((rows_by_table ->> $2)::bigint), 0) FROM mlm_migration.batches WHERE run_id = $1::bigint", run, table.name)
                : rows
            checks.append(Check(
                name: "commission.\(table.bareName)_rows", description: "\(table.name) rows this run wrote = " + (delta ? "its batch manifests" : "rows Transform wrote"),
                expected: String(expected), actual: String(loaded)
            ))
        }
        if !delta {
            for period in cleanse.volumes where !period.period.isEmpty {
                let row = try connection.query(
                    "SELECT coalesce(sum(bv), 0)::text, coalesce(sum(pv), 0)::text FROM mlm.orders WHERE period = $1 AND run_id = $2::bigint",
                    [period.period, run], what: "totalling the period's volumes"
                ).first
                checks.append(Check(
                    name: "commission.volume_\(period.period)", description: "BV/PV of period \(period.period) in mlm.orders = accepted orders' (source = accepted + quarantined)",
                    expected: "\(period.acceptedBV)/\(period.acceptedPV)", actual: "\(row?[0] ?? "?")/\(row?[1] ?? "?")"
                ))
            }
        }
        let keyed = written.map(\.0)
        checks.append(try settled.check(
            name: "commission.foreign_keys_enforced",
            description: "orders, carry-forwards, rank changes and payouts reference their member, period and ranks: enforced and validated",
            expected: String(keyed.flatMap(\.bulkLoadForeignKeys).count), on: connection
        ) { connection throws(MigrationError) in try TargetSchema.enforcedForeignKeys(of: keyed, on: connection) })
        let inconsistent = try count("""
            SELECT count(*) FROM (
                SELECT previous_rank, lag(rank) OVER (PARTITION BY member_id ORDER BY achieved_at, rank) AS before FROM mlm.rank_history
            ) h WHERE previous_rank IS NOT NULL AND before IS NOT NULL AND previous_rank <> before
            """)
        checks.append(Check(
            name: "commission.rank_history_consistent", description: "rank changes whose previous rank is not the rank the member held before",
            expected: "0", actual: String(inconsistent)
        ))
        return (checks, CommissionFigures(volumes: cleanse.volumes, unvaluedOrders: cleanse.unvaluedOrders, snapped: cleanse.snapped))
    }

    private func count(_ sql: String, _ parameters: String...) throws(MigrationError) -> Int {
        Int(try connection.scalar(sql, parameters, what: "checking the commission tables") ?? "0") ?? 0
    }
}

public import Logging
import Foundation

/// What Transform wrote of the commission state: rows per target table.
public struct CommissionTransformSummary: Codable, Sendable, Equatable {
    public var periods = 0
    public var orders = 0
    public var carryForward = 0
    public var ranks = 0
    public var rankHistory = 0
    public var payouts = 0
    public var quarantined = 0
}

/// Transform for the commission state: resolves each row's member to its `member_id` (the id
/// map Transform wrote for the members), names every row's period, and writes one file per
/// target table: `mlm.periods` (the closed period and every calendar period an order falls
/// in), `mlm.orders`, `mlm.carry_forward`, `mlm.ranks`, `mlm.rank_history`,
/// `mlm.commission_payouts`; the quarantine is passed on.
public struct CommissionTransformer {
    public let plan: CommissionPlan
    public let calendar: PeriodCalendar
    public let logger: Logger

    public init(plan: CommissionPlan, calendar: PeriodCalendar, logger: Logger) {
        self.plan = plan
        self.calendar = calendar
        self.logger = logger
    }

    /// `ids`: the members' id map (`transform/id_map.tsv`), read once and shared with the
    /// ledger's Transform, which runs beside this one.
    public func run(work: WorkDirectory, cleansed: CommissionCleanseSummary, ids: MemberIDTable) throws(MigrationError) -> CommissionTransformSummary {
        func memberID(_ legacyID: String?, _ file: StageFile, _ line: Int) throws(MigrationError) -> String {
            guard let legacyID, let id = ids[legacyID] else {
                throw MigrationError(.workdirCorrupt, "\(work.path(file)): line \(line): names a member that Transform did not load; run cleanse again")
            }
            return String(id)
        }
        var summary = CommissionTransformSummary()
        var periods: Set<String> = [calendar.closedID]
        let has = { (file: StageFile) in FileManager.default.fileExists(atPath: work.path(file)) }

        /// Writes `output` (always, empty when Cleanse wrote no `input`): one row per input row.
        func each(_ input: StageFile, _ layout: [String], _ output: StageFile, _ columns: [String],
                  _ row: (NamedRow, Int) throws(MigrationError) -> [String?]) throws(MigrationError) -> Int {
            let out = try StageFileWriter(path: work.path(output), columns: columns)
            var count = 0
            if has(input) {
                let reader = try StageFileReader(path: work.path(input), expecting: layout)
                while let fields = try reader.next() {
                    try out.append(try row(NamedRow(fields, layout: layout), reader.lineNumber))
                    count += 1
                }
            }
            try out.close()
            return count
        }
        let closedID = calendar.closedID
        summary.orders = try each(.cleanseOrders, CommissionStageLayout.cleansedOrders, .transformOrders, CommissionStageLayout.orders) { row, line throws(MigrationError) in
            if let period = row["period"] { periods.insert(period) }
            return [
                row["order_id"], try memberID(row["member_legacy_id"], .cleanseOrders, line), row["period"],
                row["ordered_at_us"].flatMap { Int64($0) }.map(UTCTimestamp.format(micros:)), row["status"], row["bv"], row["pv"],
            ]
        }
        summary.carryForward = try each(.cleanseCarryForward, CommissionStageLayout.cleansedCarry, .transformCarryForward, CommissionStageLayout.carry) { row, line throws(MigrationError) in
            [try memberID(row["member_legacy_id"], .cleanseCarryForward, line), closedID, row["position"], row["leg"], row["volume"]]
        }
        summary.ranks = try each(.cleanseRanks, CommissionStageLayout.cleansedRanks, .transformRanks, CommissionStageLayout.ranks) { row, _ in
            [row["rank"], row["name"], row["sort_order"]]
        }
        summary.rankHistory = try each(.cleanseRankHistory, CommissionStageLayout.cleansedRankHistory, .transformRankHistory, CommissionStageLayout.rankHistory) { row, line throws(MigrationError) in
            [
                try memberID(row["member_legacy_id"], .cleanseRankHistory, line),
                row["achieved_at_us"].flatMap { Int64($0) }.map(UTCTimestamp.format(micros:)), row["rank"], row["previous_rank"],
            ]
        }
        summary.payouts = try each(.cleansePayouts, CommissionStageLayout.cleansedPayouts, .transformPayouts, CommissionStageLayout.payouts) { row, line throws(MigrationError) in
            [try memberID(row["member_legacy_id"], .cleansePayouts, line), closedID, row["bonus_type"], row["currency"], row["amount_minor"]]
        }
        let periodsFile = try StageFileWriter(path: work.path(.transformPeriods), columns: CommissionStageLayout.periods)
        for period in periods.sorted() {
            guard let bounds = calendar.bounds(of: period) else { continue }
            try periodsFile.append([
                period, UTCTimestamp.format(micros: bounds.startsAt * 1_000_000), UTCTimestamp.format(micros: bounds.endsAt * 1_000_000),
                bounds.endsAt <= calendar.closed.endsAt ? "t" : "f", String(plan.volumeScale), plan.currency,
            ])
            summary.periods += 1
        }
        try periodsFile.close()
        summary.quarantined = try StageFileWriter.copy(
            from: work.path(.cleanseCommissionQuarantine), to: work.path(.transformCommissionQuarantine), columns: MemberStageLayout.quarantine
        )
        logger.info("transformed commission state", metadata: ["orders": "\(summary.orders)", "payouts": "\(summary.payouts)"])
        return summary
    }
}

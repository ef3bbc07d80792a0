import Foundation
public import Logging

/// One difference between what the legacy system paid (or carried) and what the plan recomputes
/// from the target.
public struct ParallelRunDifference: Codable, Sendable, Equatable {
    public var memberID: Int64
    public var legacyID: String
    /// `binary`, `unilevel`, or `carry:<leg>` for a closing carry-forward.
    public var bonusType: String
    public var legacyMinor: Int64?
    public var recomputedMinor: Int64?
    public var differenceMinor: Int64
    /// `migration` when a member the migration quarantined had orders that reached this
    /// member in the legacy genealogy; else `legacy_figure`.
    public var classification: String
    /// The engine's explanation, the legacy figure and, for `migration`, the quarantined members.
    public var explanation: String
}

/// What a parallel run found: totals per bonus type, matched and mismatched members, every difference.
public struct ParallelRunSummary: Codable, Sendable, Equatable {
    public struct BonusTotals: Codable, Sendable, Equatable {
        public var bonusType: String
        public var legacyMinor: String
        public var recomputedMinor: String
        public var members: Int
        public var matched: Int
        public var mismatched: Int
    }

    public var parallelRunID: Int
    public var runID: Int
    public var period: String
    public var currency: String
    /// Decimal places of the carry-forward volumes (`carry:<leg>` differences).
    public var volumeScale: Int
    public var bonuses: [BonusTotals]
    /// Legacy payout rows of bonus types the plan does not compute, with their total: listed, not compared.
    public var notRecomputed: [String: String]
    public var differences: [ParallelRunDifference]
    public var matches: Bool { differences.isEmpty }
}

/// `mlm-migrate parallel-run`: recomputes a closed period from the target alone (members,
/// the period's orders, the opening carry-forwards) with the mapping's plan, and compares it,
/// per member and bonus type, with the migrated legacy payouts, and the recomputed closing
/// carry-forwards with the legacy ones. Every difference is a row in
/// `mlm_migration.parallel_run`; nothing is excused: a difference migration explains (a
/// quarantined member's orders no longer reach the upline) is classified so, with the member named.
public struct ParallelRun {
    public let connection: PostgresConnection
    public let mapping: Mapping
    public let logger: Logger

    public init(connection: PostgresConnection, mapping: Mapping, logger: Logger) {
        self.connection = connection
        self.mapping = mapping
        self.logger = logger
    }

    public func run(period: String) throws(MigrationError) -> ParallelRunSummary {
        guard let plan = mapping.commissionPlan else {
            throw MigrationError(.commissionNoPlan, "the mapping has no commission_plan; the parallel run recomputes a period with it")
        }
        let target = try CommissionTargetReader(connection: connection)
        guard let (bounds, closed) = try target.period(period) else {
            throw MigrationError(.commissionPeriodUnknown, "the target has no period \(period) in mlm.periods")
        }
        guard closed else {
            throw MigrationError(.commissionPeriodOpen, "period \(period) is not closed: the legacy system has not paid it, so there is nothing to compare")
        }
        guard let runID = try connection.scalar("SELECT max(run_id) FROM mlm_migration.runs WHERE status IN ('loaded', 'reconciled', 'failed')").flatMap({ Int($0) }) else {
            throw MigrationError(.commissionNoRun, "\(connection.endpoint) has no loaded run to recompute from")
        }
        let members = try target.members()
        let orders = try target.orders(period: period)
        let opening = try target.carry(period: period, position: "opening")
        let engine: CommissionEngine
        let result: CommissionRun
        do throws(CommissionInputError) {
            engine = try CommissionEngine(plan: plan, members: members.list)
            result = try engine.run(orders: orders, period: bounds, openingCarry: opening)
        } catch {
            throw MigrationError(.commissionInput, "the target's data cannot be recomputed: \(error.message) [\(error.code)]")
        }
        let legacy = try target.payouts(period: period)
        let computed: Set<CommissionBonus> = Set((plan.binary == nil ? [] : [.binary]) + (plan.unilevel == nil ? [] : [.unilevel]))
        var recomputed: [PayKey: Int64] = [:]
        for line in result.lines { recomputed[PayKey(memberID: line.memberID, bonus: line.bonus)] = line.amountMinor }
        var paid: [PayKey: Int64] = [:]
        var notRecomputed: [String: Int128] = [:]
        for row in legacy {
            if let bonus = CommissionBonus(rawValue: row.bonusType), computed.contains(bonus), row.currency == plan.currency {
                paid[PayKey(memberID: row.memberID, bonus: bonus), default: 0] += row.amountMinor
            } else {
                notRecomputed["\(row.bonusType) \(row.currency)", default: 0] += Int128(row.amountMinor)
            }
        }
        let affected = try MigrationImpact(connection: connection, mapping: mapping, members: members).affected()
        // The same period with the quarantined members back where the legacy genealogy had them,
        // and their orders: a difference this makes disappear is one migration alone explains.
        var restoredPaid: [PayKey: Int64] = [:]
        var restoredClosing: [Int64: [String: Int64]] = [:]
        var restoredRan = false
        if !affected.restoredMembers.isEmpty, let restored = try? CommissionEngine(plan: plan, members: members.list + affected.restoredMembers)
            .run(orders: orders + affected.restoredOrders, period: bounds, openingCarry: opening) {
            for line in restored.lines { restoredPaid[PayKey(memberID: line.memberID, bonus: line.bonus)] = line.amountMinor }
            restoredClosing = restored.closingCarryByMember
            restoredRan = true
        }
        var differences: [ParallelRunDifference] = []
        var totals: [String: (legacy: Int128, recomputed: Int128, members: Int, matched: Int)] = [:]
        for key in Set(paid.keys).union(recomputed.keys).sorted() {
            let (memberID, bonus) = (key.memberID, key.bonus)
            let old = paid[key] ?? 0
            let new = recomputed[key] ?? 0
            var total = totals[bonus.rawValue] ?? (0, 0, 0, 0)
            total.legacy += Int128(old)
            total.recomputed += Int128(new)
            total.members += 1
            if old == new {
                total.matched += 1
            } else {
                let explanation = result.explanation(memberID: memberID, bonus: bonus)?.json() ?? "{}"
                let line = bonus == .binary ? affected.placementLine : affected.sponsorLine
                let explained = restoredRan ? (restoredPaid[key] ?? 0) == old : line[memberID] != nil
                differences.append(difference(memberID, bonus.rawValue, paid[key], recomputed[key], explanation, members, line[memberID] ?? [], migration: explained))
            }
            totals[bonus.rawValue] = total
        }
        // Closing carries are compared only when the export gives the legacy ones.
        if let binary = plan.binary, mapping.commission?.closingCarry != nil {
            let legacyCarry = try target.carry(period: period, position: "closing")
            let closing = result.closingCarryByMember
            for memberID in Set(legacyCarry.keys).union(closing.keys).sorted() {
                for leg in binary.legs {
                    let old = legacyCarry[memberID]?[leg] ?? 0
                    let new = closing[memberID]?[leg] ?? 0
                    guard old != new else { continue }
                    let explanation = result.explanation(memberID: memberID, bonus: .binary)?.json() ?? "{}"
                    let causes = affected.placementLine[memberID] ?? []
                    let explained = restoredRan ? (restoredClosing[memberID]?[leg] ?? 0) == old : !causes.isEmpty
                    differences.append(difference(memberID, "carry:\(leg)", old, new, explanation, members, causes, migration: explained))
                }
            }
        }
        let summary = ParallelRunSummary(
            parallelRunID: 0, runID: runID, period: period, currency: plan.currency, volumeScale: plan.volumeScale,
            bonuses: totals.keys.sorted().map { bonus in
                let total = totals[bonus] ?? (0, 0, 0, 0)
                return .init(
                    bonusType: bonus, legacyMinor: String(total.legacy), recomputedMinor: String(total.recomputed),
                    members: total.members, matched: total.matched, mismatched: total.members - total.matched
                )
            },
            notRecomputed: notRecomputed.mapValues { String($0) }, differences: differences
        )
        return try record(summary)
    }

    /// One member's payout of one bonus, in member order.
    struct PayKey: Hashable, Comparable {
        var memberID: Int64
        var bonus: CommissionBonus

        static func < (lhs: PayKey, rhs: PayKey) -> Bool { (lhs.memberID, lhs.bonus) < (rhs.memberID, rhs.bonus) }
    }

    /// A difference; `causes` the quarantined members upstream on the bonus's line, named in the
    /// explanation either way; `migration` whether restoring them explains it.
    private func difference(
        _ memberID: Int64, _ bonus: String, _ old: Int64?, _ new: Int64?, _ explanation: String,
        _ members: CommissionTargetReader.Members, _ causes: [String], migration: Bool
    ) -> ParallelRunDifference {
        let note = causes.isEmpty ? "" : ",\"quarantined_upstream\":[\(causes.map(JSONText.quote).joined(separator: ","))]"
        return ParallelRunDifference(
            memberID: memberID, legacyID: members.legacyID[memberID] ?? "?", bonusType: bonus, legacyMinor: old, recomputedMinor: new,
            differenceMinor: (new ?? 0) - (old ?? 0), classification: migration ? "migration" : "legacy_figure",
            explanation: "{\"recomputed\":\(explanation),\"legacy_minor\":\(old.map { String($0) } ?? "null")\(note)}"
        )
    }

    /// Writes the run and its differences to `mlm_migration.parallel_runs` and `parallel_run`.
    private func record(_ summary: ParallelRunSummary) throws(MigrationError) -> ParallelRunSummary {
        var summary = summary
        try connection.inTransaction { () throws(MigrationError) in
            let totals = String(decoding: (try? JSONEncoder().encode(summary.bonuses)) ?? Data("[]".utf8), as: UTF8.self)
            guard let id = try connection.scalar(
                "INSERT INTO mlm_migration.parallel_runs (run_id, period, verdict, totals) VALUES ($1::bigint, $2, $3, $4::jsonb) RETURNING parallel_run_id",
                [String(summary.runID), summary.period, summary.matches ? "match" : "mismatch", totals]
            ).flatMap({ Int($0) }) else {
                throw MigrationError(.targetSQLFailed, "could not record the parallel run")
            }
            summary.parallelRunID = id
            for row in summary.differences {
                _ = try connection.query(
                    """
                    INSERT INTO mlm_migration.parallel_run (parallel_run_id, run_id, period, member_id, bonus_type, legacy_minor,
                        recomputed_minor, difference_minor, classification, explanation)
                    VALUES ($1::bigint, $2::bigint, $3, $4::bigint, $5, $6::bigint, $7::bigint, $8::bigint, $9, $10::jsonb)
                    """,
                    [String(id), String(summary.runID), summary.period, String(row.memberID), row.bonusType, row.legacyMinor.map { String($0) },
                     row.recomputedMinor.map { String($0) }, String(row.differenceMinor), row.classification, row.explanation],
                    what: "recording a parallel-run difference"
                )
            }
        }
        logger.notice("parallel run", metadata: ["period": "\(summary.period)", "differences": "\(summary.differences.count)"])
        return summary
    }
}

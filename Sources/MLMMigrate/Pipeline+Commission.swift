import Foundation

/// The commission entities' part of each stage: extracted, cleansed and transformed beside the
/// members and the ledger, when the mapping has them.
extension Pipeline {
    /// Each commission entity of the mapping, with the extract file it goes to.
    static func commissionEntities(_ data: CommissionDataMapping) -> [(name: String, mapping: EntityMapping, file: StageFile)] {
        let all: [(String, EntityMapping?, StageFile)] = [
            ("orders", data.orders, .extractOrders),
            ("carry_forward", data.openingCarry?.entity, .extractCarryForward),
            ("closing_carry_forward", data.closingCarry?.entity, .extractClosingCarryForward),
            ("ranks", data.ranks, .extractRanks),
            ("rank_history", data.rankHistory, .extractRankHistory),
            ("payouts", data.payouts, .extractPayouts),
        ]
        return all.compactMap { name, mapping, file in mapping.map { (name, $0, file) } }
    }

    func extractCommission(_ data: CommissionDataMapping, source: String, progress: Bool?) throws(MigrationError) -> [ExtractSummary] {
        try Self.commissionEntities(data).map { entity throws(MigrationError) in
            try Extractor(entity: entity.name, mapping: entity.mapping, source: source, logger: logger)
                .run(outputPath: work.path(entity.file), progress: progress)
        }
    }

    /// The plan's calendar with the closed period the mapping names; `commission.period_unknown`
    /// when the period's id names no period of the plan's kind.
    static func commissionCalendar(_ mapping: Mapping, period: String? = nil) throws(MigrationError) -> (CommissionDataMapping, CommissionPlan, PeriodCalendar)? {
        guard var data = mapping.commission, let plan = mapping.commissionPlan else { return nil }
        if let period { data.period = .init(id: period, startsAtMicros: nil, endsAtMicros: nil) }
        guard let calendar = PeriodCalendar(plan: plan.period, closed: data.period) else {
            throw MigrationError(
                .commissionPeriodUnknown,
                "commission_period \(data.period.id) is not a \(plan.period.kind.rawValue) period of the plan (calendar months are named YYYY-MM, weeks by their first day YYYY-MM-DD; explicit periods need starts_at and ends_at)"
            )
        }
        return (data, plan, calendar)
    }

    func cleanseCommission(_ mapping: Mapping, manifest: RunManifest, directories: MemberDirectories? = nil) throws(MigrationError) -> CommissionCleanseSummary? {
        guard let (data, plan, calendar) = try Self.commissionCalendar(mapping, period: manifest.commissionPeriod) else { return nil }
        guard manifest.commissionExtract != nil else { throw Self.missing("extract") }
        return try CommissionCleanser(mapping: data, plan: plan, calendar: calendar, members: mapping.members, logger: logger)
            .run(work: work, directories: directories)
    }

    /// The commission's Transform, numbering members by `ids` (the members' id map).
    func transformCommission(_ mapping: Mapping, manifest: RunManifest, ids: MemberIDTable) throws(MigrationError) -> CommissionTransformSummary? {
        guard let (_, plan, calendar) = try Self.commissionCalendar(mapping, period: manifest.commissionPeriod) else { return nil }
        guard let cleansed = manifest.commissionCleanse else { throw Self.missing("cleanse") }
        return try CommissionTransformer(plan: plan, calendar: calendar, logger: logger).run(work: work, cleansed: cleansed, ids: ids)
    }
}

public import Logging

/// What Cleanse made of the commission entities: rows per entity, and the volume control
/// totals per period (every valued source order = accepted + quarantined).
public struct CommissionCleanseSummary: Codable, Sendable, Equatable {
    public var entities: [EntityCounts] = []
    public var volumes: [PeriodVolumeTotals] = []
    /// Quarantined orders whose volume or date could not be read, so they are in no total.
    public var unvaluedOrders = 0
    /// Volumes and amounts snapped from floating-point artefacts to the nearest unit.
    public var snapped = 0

    public func counts(_ entity: String) -> EntityCounts? { entities.first { $0.entity == entity } }
}

/// BV and PV of one period's orders (scaled integers, as decimal strings: sums can outgrow
/// 64 bits): every valued source order, and those accepted.
public struct PeriodVolumeTotals: Codable, Sendable, Equatable {
    public var period: String
    public var sourceBV = "0", sourcePV = "0", acceptedBV = "0", acceptedPV = "0", quarantinedBV = "0", quarantinedPV = "0"
}

/// Cleanse for the commission entities: the row rules (``CommissionRowRules``), then per entity
/// its own checks: orders assigned to their period and unique by id; carry-forwards on a
/// genealogy leg and unique per member, leg and position; ranks unique; rank history on known
/// ranks and, per member in time order, each previous rank the one held before; payouts unique
/// per member, bonus type and currency. A row with a duplicate key is quarantined with every
/// copy. Every rejected row goes to `cleanse/commission_quarantine.tsv` with its reason.
public struct CommissionCleanser {
    public let mapping: CommissionDataMapping
    public let plan: CommissionPlan
    public let calendar: PeriodCalendar
    public let members: MembersMapping
    public let logger: Logger

    public init(mapping: CommissionDataMapping, plan: CommissionPlan, calendar: PeriodCalendar, members: MembersMapping, logger: Logger) {
        self.mapping = mapping
        self.plan = plan
        self.calendar = calendar
        self.members = members
        self.logger = logger
    }

    /// The reference keys the entities name members by.
    public static func memberKeys(_ mapping: CommissionDataMapping) -> Set<ReferenceKey> {
        Set(entityNames.map { mapping.memberKeys[$0] ?? .legacyID })
    }

    /// Reads the work directory's commission extract files and writes their cleansed files;
    /// `shared`: the member directories the ledger's Cleanse built (nil: built here).
    public func run(work: WorkDirectory, directories shared: MemberDirectories? = nil) throws(MigrationError) -> CommissionCleanseSummary {
        let source = shared ?? MemberDirectories(
            keys: Self.memberKeys(mapping), members: members, extractPath: work.path(.extractMembers), cleansedPath: work.path(.cleanseMembers)
        )
        var directories: [ReferenceKey: MemberDirectory] = [:]
        for key in Self.memberKeys(mapping) { directories[key] = try source.directory(key) }
        let quarantine = try StageFileWriter(path: work.path(.cleanseCommissionQuarantine), columns: MemberStageLayout.quarantine)
        var summary = CommissionCleanseSummary()
        var context = Context(directories: directories, keys: mapping.memberKeys, quarantine: quarantine, summary: summary)
        if let orders = mapping.orders {
            try cleanseOrders(orders, work: work, context: &context)
        }
        if mapping.openingCarry != nil || mapping.closingCarry != nil {
            try cleanseCarry(work: work, context: &context)
        }
        let ranks = try cleanseRanks(work: work, context: &context)
        if let history = mapping.rankHistory {
            try cleanseRankHistory(history, ranks: ranks, work: work, context: &context)
        }
        if let payouts = mapping.payouts {
            try cleansePayouts(payouts, work: work, context: &context)
        }
        try quarantine.close()
        summary = context.summary
        for counts in summary.entities {
            logger.info("cleansed \(counts.entity)", metadata: ["accepted": "\(counts.accepted)", "quarantined": "\(counts.quarantined)"])
        }
        return summary
    }

    /// What every entity's pass shares: the member directory, the quarantine file, the figures.
    struct Context {
        let directories: [ReferenceKey: MemberDirectory]
        let keys: [String: ReferenceKey]
        let quarantine: StageFileWriter
        var summary: CommissionCleanseSummary

        mutating func quarantine(_ entity: String, _ row: CommissionRow, legacyID: String?, _ rejection: Rejection, _ raw: [String?], _ mapping: EntityMapping, counts: inout EntityCounts) throws(MigrationError) {
            try quarantine.append(QuarantineRow(
                entity: entity, source: row.header.source, line: row.header.line, legacyID: legacyID, rejection: rejection,
                payload: LedgerCleanser.payload(raw, mapping)
            ))
            counts.quarantine(rejection.reason)
        }
    }

    /// The entities whose `member` may be keyed by `member_key`.
    static let entityNames = ["orders", "carry_forward", "closing_carry_forward", "rank_history", "payouts"]

    func rules(
        _ name: String, _ entity: EntityMapping, _ reasons: CommissionRowRules.MemberReasons?, _ context: Context
    ) -> RulesPool {
        let (scale, currency) = (plan.volumeScale, plan.currency)
        let directory = reasons == nil ? nil : context.directories[context.keys[name] ?? .legacyID]
        return RulesPool {
            CommissionRowRules(
                entity: entity, volumeScale: scale, defaultCurrency: currency, directory: directory, memberReasons: reasons
            )
        }
    }

    /// Reads an extract file twice: first to count the keys of the rows the rules accept, then
    /// to write each row once, quarantining every copy of a duplicate key. `check` may reject
    /// a row (its entity rules); `write` gives the cleansed rows of an accepted one; `onRow`
    /// sees every row, in source order, once its fate is known.
    func twoPasses(
        _ entity: String, _ mapping: EntityMapping, _ file: StageFile, work: WorkDirectory, rules: RulesPool,
        duplicate: ReasonCode, key: @escaping @Sendable (CommissionRow) -> String?,
        check: @escaping @Sendable (inout CommissionRow) -> Void, context: inout Context,
        onRow: (CommissionRow, _ accepted: Bool) -> Void, write: @escaping @Sendable (CommissionRow) -> [[String?]],
        to writer: StageFileWriter?
    ) throws(MigrationError) {
        let columns = MemberStageLayout.extractBookkeeping + mapping.columns.map(\.field)
        var seen = KeyCounts()
        try Self.checkBatches(
            path: work.path(file), columns: columns, rules: rules, key: key, check: check, second: nil
        ) { batch in
            for key in batch.keys { seen.add(key) }
        }
        var counts = EntityCounts(entity: entity)
        let second = SecondPass(seen: seen, duplicate: duplicate, write: write, width: writer?.columns.count ?? 0)
        try Self.checkBatches(
            path: work.path(file), columns: columns, rules: rules, key: key, check: check, second: second
        ) { batch throws(MigrationError) in
            for checked in batch.rows {
                counts.extracted += 1
                let row = checked.row
                if let rejection = row.rejection {
                    onRow(row, false)
                    try context.quarantine(
                        entity, row, legacyID: row.values["member"] ?? row.values["order_id"] ?? row.values["rank"], rejection,
                        checked.raw ?? [], mapping, counts: &counts
                    )
                    continue
                }
                onRow(row, true)
                if row.snapped { context.summary.snapped += 1 }
                counts.accepted += 1
            }
            try writer?.append(encodedLines: batch.written, rows: batch.lines)
        }
        context.summary.entities.append(counts)
    }
}

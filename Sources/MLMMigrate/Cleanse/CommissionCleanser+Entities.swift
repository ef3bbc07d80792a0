/// The per-entity passes of ``CommissionCleanser``.
extension CommissionCleanser {
    func cleanseOrders(_ orders: EntityMapping, work: WorkDirectory, context: inout Context) throws(MigrationError) {
        let writer = try StageFileWriter(path: work.path(.cleanseOrders), columns: CommissionStageLayout.cleansedOrders)
        var totals: [String: [Int128]] = [:]
        var unvalued = 0
        let calendar = self.calendar
        try twoPasses(
            "orders", orders, .extractOrders, work: work,
            rules: rules("orders", orders, .init(unknown: .orderUnknownMember, quarantined: .orderMemberQuarantined), context),
            duplicate: .orderDuplicateID, key: { $0.values["order_id"] },
            check: { row in
                if let micros = row.times["ordered_at"], let period = calendar.periodID(containing: UTCTimestamp.seconds(micros: micros)) {
                    row.values["period"] = period
                }
            },
            context: &context,
            onRow: { row, accepted in
                guard let bv = row.integer("bv"), let pv = row.integer("pv"), row.times["ordered_at"] != nil else {
                    unvalued += 1
                    return
                }
                let period = row.values["period"] ?? ""
                totals[period, default: [0, 0, 0, 0]][0] += Int128(bv)
                totals[period, default: [0, 0, 0, 0]][1] += Int128(pv)
                if accepted {
                    totals[period, default: [0, 0, 0, 0]][2] += Int128(bv)
                    totals[period, default: [0, 0, 0, 0]][3] += Int128(pv)
                }
            },
            write: { row in
                [[
                    row.header.source, row.header.line, row.values["order_id"], row.values["member"],
                    row.times["ordered_at"].map { String($0) }, row.values["status"], row.values["bv"], row.values["pv"], row.values["period"],
                ]]
            }, to: writer
        )
        try writer.close()
        context.summary.unvaluedOrders = unvalued
        context.summary.volumes = totals.keys.sorted().map { period in
            let sums = totals[period] ?? [0, 0, 0, 0]
            return PeriodVolumeTotals(
                period: period, sourceBV: String(sums[0]), sourcePV: String(sums[1]), acceptedBV: String(sums[2]),
                acceptedPV: String(sums[3]), quarantinedBV: String(sums[0] - sums[2]), quarantinedPV: String(sums[1] - sums[3])
            )
        }
    }

    func cleanseCarry(work: WorkDirectory, context: inout Context) throws(MigrationError) {
        let writer = try StageFileWriter(path: work.path(.cleanseCarryForward), columns: CommissionStageLayout.cleansedCarry)
        let legs = members.genealogy.legs
        let entities: [(String, String, StageFile, CarryMapping?)] = [
            ("carry_forward", "opening", .extractCarryForward, mapping.openingCarry),
            ("closing_carry_forward", "closing", .extractClosingCarryForward, mapping.closingCarry),
        ]
        for case let (entity, position, file, carry?) in entities {
            let wide = carry.legColumns
            try twoPasses(
                entity, carry.entity, file, work: work,
                rules: rules(entity, carry.entity, .init(unknown: .carryUnknownMember, quarantined: .carryMemberQuarantined), context),
                duplicate: .carryDuplicate,
                key: { row in wide.isEmpty ? "\(row.values["member"] ?? "")\t\(row.values["leg"] ?? "")" : row.values["member"] },
                check: { row in
                    let named = wide.isEmpty ? [row.values["leg"]].compactMap { $0 } : wide.map(\.leg)
                    for leg in named where !legs.contains(leg) { row.reject(.carryUnknownLeg, wide.isEmpty ? "leg" : "legs") }
                },
                context: &context, onRow: { _, _ in },
                write: { row in
                    let volumes = wide.isEmpty
                        ? [(row.values["leg"], row.values["volume"])]
                        : wide.map { (Optional($0.leg), row.values[$0.field]) }
                    return volumes.compactMap { leg, volume in
                        volume.map { [row.header.source, row.header.line, row.values["member"], position, leg, $0] }
                    }
                }, to: writer
            )
        }
        try writer.close()
    }

    /// The rank list (from the export in source order, or declared in the mapping, lowest first,
    /// numbered from 1); returns the accepted rank codes.
    func cleanseRanks(work: WorkDirectory, context: inout Context) throws(MigrationError) -> Set<String> {
        let writer = try StageFileWriter(path: work.path(.cleanseRanks), columns: CommissionStageLayout.cleansedRanks)
        var accepted: Set<String> = []
        if let ranks = mapping.ranks {
            // mlm.ranks.sort_order is unique: two ranks at one place in the order are both quarantined.
            var places: [Int: Int] = [:]
            let rankRules = rules("ranks", ranks, nil, context)
            let scan = try StageFileReader(path: work.path(.extractRanks), expecting: MemberStageLayout.extractBookkeeping + ranks.columns.map(\.field))
            while let raw = try scan.next() {
                let row = rankRules.borrow { $0.apply(raw) }
                if let place = row.values["sort_order"].flatMap({ Int($0) }) { places[place, default: 0] += 1 }
            }
            let shared = places
            try twoPasses(
                "ranks", ranks, .extractRanks, work: work, rules: rankRules, duplicate: .rankDuplicate,
                key: { $0.values["rank"] },
                check: { row in
                    guard let place = row.values["sort_order"].flatMap({ Int($0) }) else {
                        row.reject(.rankUnknownRank, "sort_order", detail: "sort_order is not a whole number")
                        return
                    }
                    if (shared[place] ?? 0) > 1 { row.reject(.rankDuplicate, "sort_order", detail: "\(shared[place] ?? 0) ranks share this sort_order") }
                },
                context: &context, onRow: { row, ok in if ok, let rank = row.values["rank"] { accepted.insert(rank) } },
                write: { row in [[row.header.source, row.header.line, row.values["rank"], row.values["name"] ?? row.values["rank"], row.values["sort_order"]]] },
                to: writer
            )
        } else if !mapping.declaredRanks.isEmpty {
            for (index, rank) in mapping.declaredRanks.enumerated() {
                try writer.append(["mapping", String(index + 1), rank.rank, rank.name, String(index + 1)])
                accepted.insert(rank.rank)
            }
            context.summary.entities.append(EntityCounts(entity: "ranks", accepted: mapping.declaredRanks.count))
            if let last = context.summary.entities.indices.last { context.summary.entities[last].extracted = mapping.declaredRanks.count }
        }
        try writer.close()
        return accepted
    }

    /// Rank changes: on known ranks, unique per member, time and rank, and in each member's
    /// time order each given previous rank is the rank of the change before it. Held in memory
    /// (a rank history has a few rows per member), then written per member in time order.
    func cleanseRankHistory(_ history: EntityMapping, ranks: Set<String>, work: WorkDirectory, context: inout Context) throws(MigrationError) {
        let writer = try StageFileWriter(path: work.path(.cleanseRankHistory), columns: CommissionStageLayout.cleansedRankHistory)
        var kept = RankChanges()
        try twoPasses(
            "rank_history", history, .extractRankHistory, work: work,
            rules: rules("rank_history", history, .init(unknown: .rankUnknownMember, quarantined: .rankMemberQuarantined), context),
            duplicate: .rankDuplicate,
            key: { row in "\(row.values["member"] ?? "")\t\(row.times["achieved_at"] ?? 0)\t\(row.values["rank"] ?? "")" },
            check: { row in
                for field in ["rank", "previous_rank"] {
                    if let rank = row.values[field], !ranks.contains(rank) { row.reject(.rankUnknownRank, field) }
                }
            },
            context: &context, onRow: { row, accepted in if accepted { kept.append(row) } },
            write: { _ in [] }, to: nil
        )
        var outOfOrder = 0
        for (member, group) in kept.byMember() {
            let rows = group.sorted {
                (kept.achievedAt($0) ?? 0, kept.lineNumber($0)) < (kept.achievedAt($1) ?? 0, kept.lineNumber($1))
            }
            var held: String?
            for row in rows {
                if let previous = kept.previousRank(row), let before = held, previous != before {
                    try context.quarantine.append(QuarantineRow(
                        entity: "rank_history", source: kept.source(row), line: kept.line(row), legacyID: member,
                        rejection: Rejection(.rankOutOfOrder, column: "previous_rank", detail: "the rank held before this change differs"),
                        payload: nil
                    ))
                    outOfOrder += 1
                    continue
                }
                held = kept.rank(row)
                try writer.append([
                    kept.source(row), kept.line(row), member, kept.rank(row), kept.previousRank(row),
                    kept.achievedAt(row).map { String($0) },
                ])
            }
        }
        try writer.close()
        if outOfOrder > 0, let index = context.summary.entities.firstIndex(where: { $0.entity == "rank_history" }) {
            context.summary.entities[index].accepted -= outOfOrder
            for _ in 0..<outOfOrder { context.summary.entities[index].quarantine(.rankOutOfOrder) }
        }
    }

    func cleansePayouts(_ payouts: EntityMapping, work: WorkDirectory, context: inout Context) throws(MigrationError) {
        let writer = try StageFileWriter(path: work.path(.cleansePayouts), columns: CommissionStageLayout.cleansedPayouts)
        try twoPasses(
            "payouts", payouts, .extractPayouts, work: work,
            rules: rules("payouts", payouts, .init(unknown: .payoutUnknownMember, quarantined: .payoutMemberQuarantined), context),
            duplicate: .payoutDuplicate,
            key: { row in "\(row.values["member"] ?? "")\t\(row.values["bonus_type"] ?? "")\t\(row.values["currency"] ?? "")" },
            check: { _ in }, context: &context, onRow: { _, _ in },
            write: { row in
                [[row.header.source, row.header.line, row.values["member"], row.values["bonus_type"], row.values["currency"], row.values["amount"]]]
            }, to: writer
        )
        try writer.close()
    }
}

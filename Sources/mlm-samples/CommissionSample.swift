import Foundation
import MLMMigrate

/// One closed pay period of a synthetic legacy system: orders (with cancelled ones, ones outside
/// the period and a few defects), opening carries, rank history, the legacy payouts and closing
/// carries. The legacy figures are computed with the vendor's own plan (read from its mapping,
/// the one source of truth) over the legacy genealogy, then a handful are deliberately wrong;
/// `expected/<vendor>-parallel-run.tsv` lists those and the differences migration causes.
struct CommissionSample {
    /// A member of the legacy genealogy as the legacy system computed with it (k: its number).
    struct Member {
        var k: Int
        var sponsor: Int?
        var placement: Int?
        var leg: String?
    }

    /// A table of the export: its header and rows of text (nil: NULL or blank).
    struct Table {
        var header: [String]
        var rows: [[String?]] = []
    }

    let plan: CommissionPlan
    let calendar: PeriodCalendar
    /// The clean members, loaded by the migration.
    let members: [Member]
    /// A member the migration quarantines, with an order the legacy system counted.
    let quarantined: Member
    let seed: UInt64
    /// Legacy references: the id payouts and carries use, and the reference orders use.
    let legacyID: (Int) -> String
    let orderReference: (Int) -> String
    /// How the vendor prints a scaled volume or an amount in minor units.
    let volumeText: (Int64) -> String
    let amountText: (Int64) -> String
    /// The time text of a UTC instant, in the vendor's style.
    let timeText: (Int64) -> String
    let ranks: [String]
    /// Order ids start with this (a later period's orders must not reuse an earlier one's ids).
    var orderPrefix = "ORD-"
    /// The opening carries, when they are the previous period's legacy closing ones; else drawn.
    var opening: [(k: Int, volumes: [String: Int64])]?
    /// Orders an earlier export already gave (the engine counts those dated in this period).
    var priorOrders: [CommissionOrder] = []
    /// Members who place no order in this period (gone from the legacy system since).
    var nonBuyers: Set<Int> = []

    struct Output {
        var orders = Table(header: ["order_no", "member", "order_date", "status", "bv", "pv"])
        var openingCarry: [(k: Int, volumes: [String: Int64])] = []
        var closingCarry: [(k: Int, volumes: [String: Int64])] = []
        var rankHistory = Table(header: ["member", "rank", "previous_rank", "achieved"])
        var payouts: [(k: Int, bonus: String, minor: Int64)] = []
        var expected: [(legacyID: String, bonus: String, classification: String, what: String)] = []
        /// The quarantined commission rows and their reasons, named as the quarantine names them:
        /// the member's legacy id, or the row's own reference when it reaches no loaded member.
        var quarantine: [(legacyID: String, reason: ReasonCode)] = []
        /// Every order as the engine took it (a later period counts the earlier export's orders dated in it).
        var engineOrders: [CommissionOrder] = []
    }

    func generate() throws -> Output {
        var random = SeededRandom(seed: seed)
        var out = Output()
        let start = calendar.closed.startsAt
        let length = calendar.closed.endsAt - start
        let counted = plan.period.countedStatuses.first ?? "confirmed"
        var orders: [CommissionOrder] = priorOrders
        var number = 1
        func order(_ k: Int, at: Int64, status: String, bv: Int64, pv: Int64, reference: String? = nil) {
            let id = "\(orderPrefix)\(number)"
            number += 1
            out.orders.rows.append([id, reference ?? orderReference(k), timeText(at), status, volumeText(bv), volumeText(pv)])
            orders.append(CommissionOrder(orderID: id, memberID: Int64(k), occurredAt: at, status: status, bv: bv, pv: pv))
        }
        let unit = pow10(plan.volumeScale)
        for member in members where !nonBuyers.contains(member.k) && random.below(100) < 45 {
            for _ in 0...random.below(2) {
                let bv = Int64(20 + random.below(280)) * unit + Int64(random.below(Int(unit)))
                let status = random.below(12) == 0 ? "cancelled" : counted
                order(member.k, at: start + Int64(random.below(Int(length))), status: status, bv: bv, pv: bv / 2 + Int64(random.below(Int(bv / 2 + 1))))
            }
            if random.below(30) == 0 {
                // Outside the period: before it and after it; the parallel run must ignore both.
                order(member.k, at: start - 3_600 - Int64(random.below(86_400 * 5)), status: counted, bv: 50 * unit, pv: 50 * unit)
                order(member.k, at: start + length + Int64(random.below(86_400 * 5)), status: counted, bv: 70 * unit, pv: 70 * unit)
            }
        }
        // The quarantined member's order: the legacy system counted it for its upline.
        order(quarantined.k, at: start + length / 2, status: counted, bv: 900 * unit, pv: 900 * unit)
        out.quarantine.append((orderReference(quarantined.k), .orderMemberQuarantined))
        // An order id exported twice, and an order of a member the export does not have; both
        // cancelled in the legacy system, so no payout depends on them.
        let twice = members[members.count / 3].k
        let duplicateRow: [String?] = ["\(orderPrefix)DUP", orderReference(twice), timeText(start + 100), "cancelled", volumeText(10 * unit), volumeText(10 * unit)]
        out.orders.rows += [duplicateRow, duplicateRow]
        out.orders.rows.append(["\(orderPrefix)GHOST", "ghost.member", timeText(start + 200), "cancelled", volumeText(5 * unit), volumeText(5 * unit)])
        out.quarantine += [(legacyID(twice), .orderDuplicateID), (legacyID(twice), .orderDuplicateID), ("ghost.member", .orderUnknownMember)]

        var opening: [Int64: [String: Int64]] = [:]
        if let given = self.opening {
            for row in given {
                opening[Int64(row.k)] = row.volumes
                out.openingCarry.append(row)
            }
        } else if let binary = plan.binary {
            for member in members where random.below(100) < 20 {
                let volumes = [binary.legs[0]: Int64(random.below(400)) * unit, binary.legs[1]: Int64(random.below(400)) * unit]
                opening[Int64(member.k)] = volumes
                out.openingCarry.append((member.k, volumes))
            }
        }
        let legacyMembers = (members + [quarantined]).map {
            CommissionMember(memberID: Int64($0.k), sponsorID: $0.sponsor.map(Int64.init), placementID: $0.placement.map(Int64.init), placementLeg: $0.leg)
        }
        func run(_ plan: CommissionPlan, without: Int? = nil) throws -> CommissionRun {
            let people = legacyMembers.filter { $0.memberID != without.map(Int64.init) }
            return try CommissionEngine(plan: plan, members: people).run(orders: orders, period: calendar.closed, openingCarry: opening)
        }
        let legacy = try run(plan)
        var paid: [String: Int64] = [:]
        for line in legacy.lines where line.memberID != Int64(quarantined.k) { paid["\(line.memberID)/\(line.bonus.rawValue)"] = line.amountMinor }
        var seeded = Set<String>()
        /// Pays member's `bonus` as `variant` would have, for the first member (from a seeded
        /// offset) whose amount there differs, and lists it as a legacy mistake.
        func mistake(_ what: String, _ variant: CommissionPlan, bonus: CommissionBonus, higher: Bool) throws {
            let other = try run(variant)
            let lines = other.lines.filter { $0.bonus == bonus && $0.memberID != Int64(quarantined.k) }
            let offset = lines.isEmpty ? 0 : random.below(lines.count)
            for line in lines[offset...] + lines[..<offset] {
                let key = "\(line.memberID)/\(bonus.rawValue)"
                let right = paid[key] ?? 0
                guard line.amountMinor != right, !seeded.contains(key), higher ? line.amountMinor > right : true else { continue }
                paid[key] = line.amountMinor
                seeded.insert(key)
                out.expected.append((legacyID(Int(line.memberID)), bonus.rawValue, "legacy_figure", what))
                return
            }
        }
        if var binary = plan.binary {
            if binary.cap != nil {
                var uncapped = plan
                binary.cap = nil
                binary.overCap = nil
                uncapped.binary = binary
                try mistake("cap not applied", uncapped, bonus: .binary, higher: true)
            }
            if plan.binary?.qualification != nil, var loose = plan.binary {
                var unqualified = plan
                loose.qualification = nil
                loose.unqualified = nil
                unqualified.binary = loose
                try mistake("unqualified member paid", unqualified, bonus: .binary, higher: true)
            }
        }
        if var unilevel = plan.unilevel {
            var wrong = plan
            unilevel.compression = unilevel.compression == .none ? .rollUp : .none
            wrong.unilevel = unilevel
            try mistake("compression \(unilevel.compression.rawValue) applied instead of \(plan.unilevel?.compression.rawValue ?? "?")", wrong, bonus: .unilevel, higher: false)
            if var active = plan.unilevel, active.activePV > 0 {
                var inactive = plan
                active.activePV = 0
                inactive.unilevel = active
                try mistake("inactive upline paid", inactive, bonus: .unilevel, higher: true)
            }
        }
        if let centKey = paid.filter({ $0.value > 0 && !seeded.contains($0.key) }).keys.sorted().dropFirst(3).first {
            paid[centKey, default: 0] += 1
            seeded.insert(centKey)
            let parts = centKey.split(separator: "/")
            out.expected.append((legacyID(Int(parts[0]) ?? 0), String(parts[1]), "legacy_figure", "off by one minor unit"))
        }
        // What migration changes: the quarantined member's order no longer reaches its upline.
        let migrated = try run(plan, without: quarantined.k)
        for line in migrated.lines {
            let key = "\(line.memberID)/\(line.bonus.rawValue)"
            guard !seeded.contains(key), (paid[key] ?? 0) != line.amountMinor else { continue }
            out.expected.append((legacyID(Int(line.memberID)), line.bonus.rawValue, "migration", "quarantined member \(legacyID(quarantined.k)) no longer in the genealogy"))
        }
        for (key, minor) in paid.sorted(by: { $0.key < $1.key }) where minor != 0 {
            let parts = key.split(separator: "/")
            out.payouts.append((Int(parts[0]) ?? 0, String(parts[1]), minor))
        }
        var closing: [Int: [String: Int64]] = [:]
        for balance in legacy.closingCarry where balance.memberID != Int64(quarantined.k) {
            closing[Int(balance.memberID), default: [:]][balance.leg] = balance.volume
        }
        let migratedClosing = migrated.closingCarryByMember
        for k in closing.keys.sorted() {
            let legs = closing[k] ?? [:]
            let differs = legs != (migratedClosing[Int64(k)] ?? [:])
            if differs {
                out.expected.append((legacyID(k), "carry", "migration", "quarantined member \(legacyID(quarantined.k)) no longer in the genealogy"))
            }
            out.closingCarry.append((k, legs))
        }
        for (k, _) in migratedClosing.sorted(by: { $0.key < $1.key }) where closing[Int(k)] == nil {
            out.expected.append((legacyID(Int(k)), "carry", "migration", "quarantined member \(legacyID(quarantined.k)) no longer in the genealogy"))
        }
        rankHistory(&out, &random)
        out.engineOrders = orders
        return out
    }

    /// Rank history: a few promotions per ranked member, in time order, each naming the rank
    /// before it; plus one row out of order and one unknown rank (both quarantined).
    private func rankHistory(_ out: inout Output, _ random: inout SeededRandom) {
        guard ranks.count >= 3 else { return }
        let first = calendar.closed.startsAt - 86_400 * 400
        var time = first
        for member in members where random.below(100) < 15 {
            // A member's up to three promotions, under a day apart each, end before the closed
            // period; a large export starts again at the window's first day rather than running
            // past the period into timestamps Cleanse quarantines as out of range.
            if time > calendar.closed.startsAt - 86_400 * 4 { time = first }
            var held: String?
            for step in 0...random.below(min(3, ranks.count - 1)) {
                time += Int64(60 + random.below(86_400))
                let rank = ranks[step]
                out.rankHistory.rows.append([legacyID(member.k), rank, held, timeText(time)])
                held = rank
            }
        }
        let member = members[members.count / 2]
        out.rankHistory.rows.append([legacyID(member.k), ranks[1], ranks[2], timeText(calendar.closed.startsAt - 86_400 * 500)])
        out.rankHistory.rows.append([legacyID(member.k), ranks[0], nil, timeText(calendar.closed.startsAt - 86_400 * 600)])
        out.rankHistory.rows.append([legacyID(members[members.count / 4].k), "Titanium", nil, timeText(calendar.closed.startsAt - 86_400)])
        out.quarantine += [(legacyID(member.k), .rankOutOfOrder), (legacyID(members[members.count / 4].k), .rankUnknownRank)]
    }

    /// The later export: the first export's closed period again, exactly (its orders and rank
    /// history), then the next period, closed now: its orders (none by the members gone since),
    /// opening carries (the legacy closing ones of the period before), payouts and closing
    /// carries, with mistakes of its own. Payouts and carries are the next period's.
    func generateLater(gone: Set<Int>) throws -> Output {
        let earlier = try generate()
        guard let nextID = calendar.followingID,
              let nextCalendar = PeriodCalendar(plan: plan.period, closed: .init(id: nextID, startsAtMicros: nil, endsAtMicros: nil)) else {
            return earlier
        }
        var next = CommissionSample(
            plan: plan, calendar: nextCalendar, members: members, quarantined: quarantined, seed: seed ^ 0x00AB_CDEF, legacyID: legacyID,
            orderReference: orderReference, volumeText: volumeText, amountText: amountText, timeText: timeText, ranks: ranks
        )
        next.orderPrefix = "ORD-\(nextID)-"
        next.opening = earlier.closingCarry
        next.priorOrders = earlier.engineOrders
        next.nonBuyers = gone
        var out = try next.generate()
        out.orders.rows = earlier.orders.rows + out.orders.rows
        out.rankHistory = earlier.rankHistory
        return out
    }

    private func pow10(_ power: Int) -> Int64 { (0..<power).reduce(1) { value, _ in value * 10 } }

    /// Writes the expected parallel-run differences and (`quarantine`) commission quarantine of `vendor`.
    static func writeExpected(_ output: Output, vendor: String, to directory: String, quarantine withQuarantine: Bool = true) throws {
        try FileManager.default.createDirectory(atPath: "\(directory)/expected", withIntermediateDirectories: true)
        let runs = "legacy_id\tbonus_type\tclassification\twhat\n"
            + output.expected.sorted { ($0.legacyID, $0.bonus) < ($1.legacyID, $1.bonus) }
                .map { "\($0.legacyID)\t\($0.bonus)\t\($0.classification)\t\($0.what)\n" }.joined()
        try Data(runs.utf8).write(to: URL(fileURLWithPath: "\(directory)/expected/\(vendor)-parallel-run.tsv"))
        guard withQuarantine else { return }
        let quarantine = "legacy_id\treason\n" + output.quarantine.map { "\($0.legacyID)\t\($0.reason.rawValue)\n" }.joined()
        try Data(quarantine.utf8).write(to: URL(fileURLWithPath: "\(directory)/expected/\(vendor)-commission.tsv"))
    }
}

/// Decimal text the way PHP prints a float: no trailing zeros, and, for `noisy`, now and then
/// the binary artefact that `round($x, 8)` stored in a DOUBLE column shows (12.299999999999999).
enum PHPFloat {
    static func text(_ scaled: Int64, scale: Int) -> String {
        let unit = (0..<scale).reduce(Int64(1)) { value, _ in value * 10 }
        let sign = scaled < 0 ? "-" : ""
        let magnitude = scaled.magnitude
        var fraction = String(magnitude % UInt64(unit))
        fraction = String(repeating: "0", count: max(0, scale - fraction.count)) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return sign + String(magnitude / UInt64(unit)) + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// Every seventh amount with a float artefact just below its value (71.01 as 71.009999999999).
    static func noisy(_ scaled: Int64, scale: Int) -> String {
        guard scaled % 7 == 3, scale > 0, scaled > 0 else { return text(scaled, scale: scale) }
        let unit = (0..<scale).reduce(Int64(1)) { value, _ in value * 10 }
        let below = scaled - 1
        let fraction = String(below % unit)
        return "\(below / unit)." + String(repeating: "0", count: scale - fraction.count) + fraction + "9999999999"
    }
}

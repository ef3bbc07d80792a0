import Foundation
import Yams

/// The `commission_plan:` block (``CommissionPlan``): every rule checked against the currency's
/// decimals and the volume scale, every mistake reported with its YAML path.
extension NodeReader {
    /// Reads the block at `path`; nil when it has any issue (all of them are recorded).
    mutating func commissionPlan(_ node: Node?, _ path: String) -> CommissionPlan? {
        let before = issues.count
        let keys = [
            "currency", "currency_exponent", "volume_scale", "period", "binary", "unilevel", "rounding",
            "deductions",
        ]
        guard let map = object(node, path, allowed: keys) else { return nil }
        let currency = string(map, "currency", path, required: true)
        if let currency, currency.utf8.count != 3 || !currency.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) {
            issue("\(path).currency", map["currency"], "must be an ISO 4217 code such as USD")
        }
        let exponent = planInteger(map, "currency_exponent", path, range: 0...4)
        if let currency, let exponent, let iso = CurrencyTable.exponent(of: currency), iso != exponent {
            let message = "\(currency) has \(iso) decimals in ISO 4217"
            issue("\(path).currency_exponent", map["currency_exponent"], message)
        }
        let scale = planInteger(map, "volume_scale", path, range: 0...6)
        let units = PlanUnits(exponent: exponent ?? 0, volumeScale: scale ?? 0)
        let period = commissionPeriod(map["period"], "\(path).period")
        let binary = map["binary"].flatMap { binaryRule($0, "\(path).binary", units) }
        let unilevel = map["unilevel"].flatMap { unilevelRule($0, "\(path).unilevel", units) }
        if map["binary"] == nil && map["unilevel"] == nil {
            issue(path, node, "declares no bonus; give binary, unilevel or both")
        }
        let rounding = roundingRule(map["rounding"], "\(path).rounding")
        let deductions = map["deductions"].map { deductionList($0, "\(path).deductions") } ?? []
        guard issues.count == before, let currency, let exponent, let scale, let period, let rounding else {
            return nil
        }
        return CommissionPlan(
            currency: currency, currencyExponent: exponent, volumeScale: scale, period: period,
            binary: binary, unilevel: unilevel, rounding: rounding, deductions: deductions
        )
    }

    private mutating func commissionPeriod(_ node: Node?, _ path: String) -> CommissionPlan.Period? {
        let keys = ["kind", "timezone", "week_starts", "counted_statuses"]
        guard let map = object(node, path, allowed: keys) else { return nil }
        let kind: CommissionPlan.PeriodKind? = requiredChoice(map, "kind", path)
        var zone: String?
        var weekStarts: CommissionPlan.Weekday?
        if kind == .explicit {
            for key in ["timezone", "week_starts"] where map[key] != nil {
                issue("\(path).\(key)", map[key], "applies to calendar periods only")
            }
        } else if kind != nil {
            zone = string(map, "timezone", path, required: true)
            if let zone, TimeZone(identifier: zone) == nil {
                let message = "unknown time zone; use an IANA name such as Europe/Berlin or UTC"
                issue("\(path).timezone", map["timezone"], message)
            }
            if kind == .calendarWeek {
                weekStarts = requiredChoice(map, "week_starts", path)
            } else if map["week_starts"] != nil {
                issue("\(path).week_starts", map["week_starts"], "applies to kind calendar_week only")
            }
        }
        let statusesPath = "\(path).counted_statuses"
        let statuses = stringList(map["counted_statuses"], statusesPath, example: "[confirmed, shipped]")
        guard let kind, let statuses else { return nil }
        return CommissionPlan.Period(
            kind: kind, timeZone: zone, weekStarts: weekStarts, countedStatuses: statuses
        )
    }

    private mutating func binaryRule(
        _ node: Node, _ path: String, _ units: PlanUnits
    ) -> CommissionPlan.Binary? {
        let keys = [
            "legs", "bonus", "percent", "pair_volume", "per_pair", "pairing", "first_pair", "cap", "over_cap",
            "carry_forward", "flat_remainder", "qualification", "unqualified",
        ]
        guard let map = object(node, path, allowed: keys) else { return nil }
        let legs = stringList(map["legs"], "\(path).legs", example: "[left, right]")
        if let legs, legs.count != 2 {
            issue("\(path).legs", map["legs"], "a binary plan has exactly two legs, such as [left, right]")
        }
        var bonus: CommissionPlan.BinaryPay?
        var pairVolume: Int64?
        let kind: BinaryBonusKind? = requiredChoice(map, "bonus", path)
        switch kind {
        case .percent:
            bonus = planPercent(map, "percent", path, required: true, allowsZero: false).map { .percent($0) }
            pairVolume = planAmount(
                map, "pair_volume", path, places: units.volumeScale, required: false, what: .volume,
                positive: true
            )
            forbid(map, ["per_pair"], path, "applies to bonus: flat only")
        case .flat:
            let perPair = planAmount(
                map, "per_pair", path, places: units.exponent, required: true, what: .money, positive: true
            )
            bonus = perPair.map { .flat(perPairMinor: $0) }
            pairVolume = planAmount(
                map, "pair_volume", path, places: units.volumeScale, required: true, what: .volume,
                positive: true
            )
            forbid(map, ["percent"], path, "applies to bonus: percent only")
        case nil:
            break
        }
        let pairing: CommissionPlan.Pairing? = requiredChoice(map, "pairing", path)
        let firstPair = choice(map, "first_pair", path, default: CommissionPlan.FirstPair.none)
        if firstPair != .none && kind == .percent && pairVolume == nil {
            issue("\(path).first_pair", map["first_pair"], "needs pair_volume: the size of the 1 in \"2:1\"")
        }
        let cap = map["cap"].flatMap { capRule($0, "\(path).cap", units) }
        if cap?.per == .pairs && kind == .percent && pairVolume == nil {
            let message = "a cap per pairs under bonus: percent needs pair_volume to count them"
            issue("\(path).cap.per", nil, message)
        }
        var overCap: CommissionPlan.Disposition?
        if map["cap"] != nil {
            overCap = requiredChoice(map, "over_cap", path)
        } else {
            forbid(map, ["over_cap"], path, "applies with a cap only")
        }
        let carryForward = planBool(map, "carry_forward", path)
        var flatRemainder: CommissionPlan.Disposition?
        if kind == .flat && carryForward == true {
            flatRemainder = requiredChoice(map, "flat_remainder", path)
        } else {
            forbid(map, ["flat_remainder"], path, "applies to bonus: flat with carry_forward: true only")
        }
        var qualification: CommissionPlan.Qualification?
        var unqualified: CommissionPlan.Disposition?
        if let qualificationNode = map["qualification"] {
            qualification = qualificationRule(qualificationNode, "\(path).qualification", units)
            unqualified = requiredChoice(map, "unqualified", path)
        } else {
            forbid(map, ["unqualified"], path, "applies with a qualification only")
        }
        guard let legs, let bonus, let pairing, let carryForward else { return nil }
        return CommissionPlan.Binary(
            legs: legs, bonus: bonus, pairVolume: pairVolume, pairing: pairing, firstPair: firstPair, cap: cap,
            overCap: overCap, carryForward: carryForward, flatRemainder: flatRemainder,
            qualification: qualification, unqualified: unqualified
        )
    }

    private mutating func capRule(_ node: Node, _ path: String, _ units: PlanUnits) -> CommissionPlan.Cap? {
        guard let map = object(node, path, allowed: ["per", "amount"]) else { return nil }
        let per: CommissionPlan.CapUnit? = requiredChoice(map, "per", path)
        let places: Int? = switch per {
        case .money: units.exponent
        case .volume: units.volumeScale
        case .pairs: 0
        case nil: nil
        }
        let quantity: PlanQuantity = switch per {
        case .money: .money
        case .volume: .volume
        case .pairs, nil: .pairs
        }
        let amount = places.flatMap {
            planAmount(map, "amount", path, places: $0, required: true, what: quantity, positive: true)
        }
        guard let per, let amount else { return nil }
        return CommissionPlan.Cap(per: per, amount: amount)
    }

    private mutating func qualificationRule(
        _ node: Node, _ path: String, _ units: PlanUnits
    ) -> CommissionPlan.Qualification? {
        guard let map = object(node, path, allowed: ["personal_pv", "sponsored_active_each_leg"]) else {
            return nil
        }
        let personalPV = planAmount(
            map, "personal_pv", path, places: units.volumeScale, required: true, what: .volume
        )
        let eachLeg = planBool(map, "sponsored_active_each_leg", path)
        guard let personalPV, let eachLeg else { return nil }
        return CommissionPlan.Qualification(personalPV: personalPV, sponsoredActiveEachLeg: eachLeg)
    }

    private mutating func unilevelRule(
        _ node: Node, _ path: String, _ units: PlanUnits
    ) -> CommissionPlan.Unilevel? {
        guard let map = object(node, path, allowed: ["percents", "active_pv", "compression"]) else {
            return nil
        }
        var percents: [ExactDecimal] = []
        if let list = map["percents"]?.sequence, !list.isEmpty {
            for (level, item) in list.enumerated() {
                if let percent = percentValue(item, "\(path).percents[\(level)]", allowsZero: true) {
                    percents.append(percent)
                }
            }
        } else {
            let message = "must list the percent of each level, such as [\"5\", \"3\"]"
            issue("\(path).percents", map["percents"], message)
        }
        let activePV = planAmount(
            map, "active_pv", path, places: units.volumeScale, required: true, what: .volume
        )
        let compression: CommissionPlan.Compression? = requiredChoice(map, "compression", path)
        guard let activePV, let compression, !percents.isEmpty else { return nil }
        return CommissionPlan.Unilevel(percents: percents, activePV: activePV, compression: compression)
    }

    private mutating func roundingRule(_ node: Node?, _ path: String) -> CommissionPlan.Rounding? {
        guard let map = object(node, path, allowed: ["mode", "at"]) else { return nil }
        let mode: CommissionPlan.RoundingMode? = requiredChoice(map, "mode", path)
        let point: CommissionPlan.RoundingPoint? = requiredChoice(map, "at", path)
        guard let mode, let point else { return nil }
        return CommissionPlan.Rounding(mode: mode, at: point)
    }

    private mutating func deductionList(_ node: Node, _ path: String) -> [CommissionPlan.Deduction] {
        guard let list = node.sequence else {
            issue(path, node, "must be a list such as [{ name: tax, percent: \"10\" }]")
            return []
        }
        var deductions: [CommissionPlan.Deduction] = []
        for (index, item) in list.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let map = object(item, itemPath, allowed: ["name", "percent"]) else { continue }
            let name = string(map, "name", itemPath, required: true)
            if let name, name.isEmpty || deductions.contains(where: { $0.name == name }) {
                issue("\(itemPath).name", map["name"], "must be a name no other deduction has")
            }
            let percent = planPercent(map, "percent", itemPath, required: true, allowsZero: false)
            if let name, let percent {
                deductions.append(CommissionPlan.Deduction(name: name, percent: percent))
            }
        }
        let total = deductions.reduce(Int128(0)) { $0 + Int128($1.percent.scaled(to: 4) ?? 0) }
        if total > 100 * 10_000 { issue(path, node, "add up to more than 100 percent") }
        return deductions
    }
}

/// The decimals a plan's amounts are checked against.
private struct PlanUnits {
    var exponent: Int
    var volumeScale: Int
}

private enum BinaryBonusKind: String, CaseIterable {
    case percent
    case flat
}

/// What a plan amount measures, for its error message.
private enum PlanQuantity {
    case money, volume, pairs
}

private extension NodeReader {
    mutating func requiredChoice<T: RawRepresentable & CaseIterable>(
        _ map: Node.Mapping, _ key: String, _ path: String
    ) -> T? where T.RawValue == String {
        guard let text = string(map, key, path, required: true) else { return nil }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            issue("\(path).\(key)", map[key], "must be one of: \(allowed)")
            return nil
        }
        return value
    }

    /// A required true or false.
    mutating func planBool(_ map: Node.Mapping, _ key: String, _ path: String) -> Bool? {
        guard map[key] != nil else {
            issue("\(path).\(key)", nil, "is missing; give true or false")
            return nil
        }
        let before = issues.count
        let value = bool(map, key, path)
        return issues.count == before ? value : nil
    }

    mutating func planInteger(
        _ map: Node.Mapping, _ key: String, _ path: String, range: ClosedRange<Int>
    ) -> Int? {
        guard let text = string(map, key, path, required: true) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            let message = "must be a whole number from \(range.lowerBound) to \(range.upperBound)"
            issue("\(path).\(key)", map[key], message)
            return nil
        }
        return value
    }

    mutating func planDecimal(
        _ map: Node.Mapping, _ key: String, _ path: String, required: Bool
    ) -> ExactDecimal? {
        guard let node = map[key] else {
            if required { issue("\(path).\(key)", nil, "is missing") }
            return nil
        }
        return decimalValue(node, "\(path).\(key)")
    }

    mutating func decimalValue(_ node: Node, _ path: String) -> ExactDecimal? {
        guard let text = node.scalar?.string, let value = ExactDecimal(text) else {
            issue(path, node, "must be a plain decimal such as \"7.5\" (no sign, exponent or separators)")
            return nil
        }
        return value
    }

    /// A percent from 0 (when allowed) to 100 with at most 4 decimals.
    mutating func planPercent(
        _ map: Node.Mapping, _ key: String, _ path: String, required: Bool, allowsZero: Bool
    ) -> ExactDecimal? {
        guard let node = map[key] else {
            if required { issue("\(path).\(key)", nil, "is missing") }
            return nil
        }
        return percentValue(node, "\(path).\(key)", allowsZero: allowsZero)
    }

    mutating func percentValue(_ node: Node, _ path: String, allowsZero: Bool) -> ExactDecimal? {
        guard let value = decimalValue(node, path) else { return nil }
        guard value.scale <= 4, let scaled = value.scaled(to: 4), scaled <= 100 * 10_000,
              allowsZero || scaled > 0 else {
            let low = allowsZero ? "0" : "more than 0"
            issue(path, node, "must be a percent from \(low) to 100 with at most 4 decimals")
            return nil
        }
        return value
    }

    /// A non-negative amount as an integer at `places` decimals (minor units, scaled volume).
    mutating func planAmount(
        _ map: Node.Mapping, _ key: String, _ path: String, places: Int, required: Bool, what: PlanQuantity,
        positive: Bool = false
    ) -> Int64? {
        guard let value = planDecimal(map, key, path, required: required) else { return nil }
        guard let scaled = value.scaled(to: places) else {
            let limit = switch what {
            case .money: "more decimals than currency_exponent (\(places))"
            case .volume: "more decimals than volume_scale (\(places))"
            case .pairs: "a fraction of a pair"
            }
            issue("\(path).\(key)", map[key], "has \(limit)")
            return nil
        }
        if positive && scaled == 0 {
            issue("\(path).\(key)", map[key], "must be more than zero")
            return nil
        }
        return scaled
    }

    mutating func stringList(_ node: Node?, _ path: String, example: String) -> [String]? {
        guard let node else {
            issue(path, nil, "is missing")
            return nil
        }
        guard let list = node.sequence, !list.isEmpty, list.allSatisfy({ $0.scalar != nil }) else {
            issue(path, node, "must be a list such as \(example)")
            return nil
        }
        let values = list.compactMap(\.string)
        guard Set(values).count == values.count, !values.contains("") else {
            issue(path, node, "must list distinct, non-empty values")
            return nil
        }
        return values
    }

    mutating func forbid(_ map: Node.Mapping, _ keys: [String], _ path: String, _ message: String) {
        for key in keys where map[key] != nil { issue("\(path).\(key)", map[key], message) }
    }
}

extension MappingLoader {
    /// Reads YAML whose one top-level key is `commission_plan` (tests, and tools that check a plan
    /// on its own).
    static func parseCommissionPlan(yaml: String) -> (plan: CommissionPlan?, issues: [MappingIssue]) {
        var reader = NodeReader()
        guard let root = try? Yams.compose(yaml: yaml) else {
            return (nil, [MappingIssue(path: "(yaml)", line: nil, message: "not valid YAML")])
        }
        guard let top = reader.object(root, "(root)", allowed: ["commission_plan"]) else {
            return (nil, reader.issues)
        }
        let plan = reader.commissionPlan(top["commission_plan"], "commission_plan")
        return (reader.issues.isEmpty ? plan : nil, reader.issues)
    }
}

import Foundation
import Yams

/// The commission entities of a mapping (``CommissionDataMapping``), with `commission_period:`
/// and the optional declared `ranks:` list.
extension NodeReader {
    static let commissionEntityNames = ["orders", "carry_forward", "closing_carry_forward", "ranks", "rank_history", "payouts"]

    mutating func commissionData(_ top: Node.Mapping, _ entities: Node.Mapping) -> CommissionDataMapping? {
        let present = Self.commissionEntityNames.filter { entities[$0] != nil }
        guard !present.isEmpty || top["ranks"] != nil else {
            if top["commission_period"] != nil {
                issue("commission_period", top["commission_period"], "applies only with a commission entity (orders, carry_forward, payouts...)")
            }
            return nil
        }
        let period = commissionPeriod(top["commission_period"], "commission_period")
        var data = CommissionDataMapping(
            period: period ?? .init(id: "", startsAtMicros: nil, endsAtMicros: nil), declaredRanks: declaredRanks(top["ranks"], "ranks")
        )
        typealias Fields = CommissionDataMapping
        for name in present {
            guard let map = entities[name]?.mapping, map["member_key"] != nil else { continue }
            data.memberKeys[name] = choice(map, "member_key", "entities.\(name)", default: ReferenceKey.legacyID)
        }
        data.orders = commissionEntity(entities["orders"], "entities.orders", known: Fields.orderFields, required: Fields.orderFields)
        data.openingCarry = carryMapping(entities["carry_forward"], "entities.carry_forward")
        data.closingCarry = carryMapping(entities["closing_carry_forward"], "entities.closing_carry_forward")
        data.ranks = commissionEntity(entities["ranks"], "entities.ranks", known: Fields.rankFields, required: ["rank", "sort_order"])
        if data.ranks != nil && !data.declaredRanks.isEmpty {
            issue("ranks", top["ranks"], "the export has a ranks entity; declare the rank list in one place only")
        }
        data.rankHistory = commissionEntity(
            entities["rank_history"], "entities.rank_history", known: Fields.rankHistoryFields, required: ["member", "rank", "achieved_at"]
        )
        if data.rankHistory != nil && data.ranks == nil && data.declaredRanks.isEmpty {
            issue("ranks", nil, "rank_history needs the rank list: an entities.ranks source or a ranks: list in the mapping")
        }
        data.payouts = commissionEntity(
            entities["payouts"], "entities.payouts", known: Fields.payoutFields, required: ["member", "bonus_type", "amount"]
        )
        guard period != nil else { return nil }
        return data
    }

    /// `commission_period: {id: 2026-11}` (bounds from the plan's calendar) or with explicit
    /// `starts_at` and `ends_at` (ISO 8601 UTC, half-open).
    private mutating func commissionPeriod(_ node: Node?, _ path: String) -> CommissionDataMapping.PeriodSpec? {
        guard let map = object(node, path, allowed: ["id", "starts_at", "ends_at"]) else { return nil }
        guard let id = string(map, "id", path, required: true) else { return nil }
        let starts = string(map, "starts_at", path, required: false)
        let ends = string(map, "ends_at", path, required: false)
        guard starts != nil || ends != nil else { return .init(id: id, startsAtMicros: nil, endsAtMicros: nil) }
        let parse = ParseTimestamp(format: .iso8601, zone: "UTC")
        func micros(_ text: String?, _ key: String) -> Int64? {
            guard let text else {
                issue("\(path).\(key)", nil, "explicit bounds need both starts_at and ends_at")
                return nil
            }
            guard case .value(let value) = parse.parse(text) else {
                issue("\(path).\(key)", map[key], "must be an ISO 8601 time such as 2026-11-01T00:00:00Z")
                return nil
            }
            return value
        }
        let start = micros(starts, "starts_at")
        let end = micros(ends, "ends_at")
        if let start, let end, end <= start { issue("\(path).ends_at", map["ends_at"], "must be after starts_at") }
        return .init(id: id, startsAtMicros: start, endsAtMicros: end)
    }

    /// `ranks: [Bronze, Silver]` or `[{rank: B, name: Bronze}, ...]`, lowest first.
    private mutating func declaredRanks(_ node: Node?, _ path: String) -> [CommissionDataMapping.DeclaredRank] {
        guard let node else { return [] }
        guard let items = node.sequence, !items.isEmpty else {
            issue(path, node, "must be a list of ranks, lowest first")
            return []
        }
        var ranks: [CommissionDataMapping.DeclaredRank] = []
        for (index, item) in items.enumerated() {
            if let text = item.string {
                ranks.append(.init(rank: text, name: text))
            } else if let map = object(item, "\(path)[\(index)]", allowed: ["rank", "name"]),
                      let rank = string(map, "rank", "\(path)[\(index)]", required: true) {
                ranks.append(.init(rank: rank, name: string(map, "name", "\(path)[\(index)]", required: false) ?? rank))
            }
        }
        if Set(ranks.map(\.rank)).count != ranks.count { issue(path, node, "ranks must be distinct") }
        return ranks
    }

    private mutating func commissionEntity(_ node: Node?, _ path: String, known: [String], required: [String], extraKeys: [String] = []) -> EntityMapping? {
        guard node != nil, let map = object(node, path, allowed: ["source", "columns", "member_key"] + extraKeys) else { return nil }
        let source = sourceSpec(map["source"], "\(path).source")
        var columns = columnSpecs(map["columns"], "\(path).columns", known: known, required: required, allowsPII: false)
        for index in columns.indices {
            let column = columns[index]
            if required.contains(column.field) { columns[index].required = true }
            checkCommissionKind(column, "\(path).columns.\(column.field)", map["columns"]?.mapping?[column.field])
        }
        guard let source else { return nil }
        return EntityMapping(source: source, columns: columns)
    }

    /// Volumes are typed volume (or money), amounts money or minor_units, times timestamps.
    private mutating func checkCommissionKind(_ column: ColumnSpec, _ path: String, _ node: Node?) {
        // `minor_units` is an integer: money in minor units, or a volume already at volume_scale.
        var isMoney = false
        var isVolume = false
        if case .money(let format) = column.kind {
            isVolume = format.isVolume || format.minorUnits
            isMoney = !format.isVolume
        }
        let isTimestamp: Bool
        if case .timestamp = column.kind { isTimestamp = true } else { isTimestamp = false }
        switch column.field {
        case "bv", "pv", "volume":
            if !isVolume { issue("\(path).type", node, "a volume must be type volume (parsed exactly at the plan's volume_scale) or minor_units") }
        case "amount":
            if !isMoney { issue("\(path).type", node, "must be type money or minor_units") }
        case "ordered_at", "achieved_at":
            if !isTimestamp { issue("\(path).type", node, "must be type timestamp, with its format and time zone") }
        default:
            if isMoney || isVolume { issue("\(path).type", node, "only volumes and amounts can be money, minor_units or volume") }
        }
    }

    private mutating func carryMapping(_ node: Node?, _ path: String) -> CarryMapping? {
        guard let map = node?.mapping else { return commissionEntity(node, path, known: [], required: []).map { CarryMapping(entity: $0, legColumns: []) } }
        guard let legsNode = map["legs"] else {
            let fields = CommissionDataMapping.carryFields
            return commissionEntity(node, path, known: fields, required: fields).map { CarryMapping(entity: $0, legColumns: []) }
        }
        guard var entity = commissionEntity(node, path, known: ["member"], required: ["member"], extraKeys: ["legs"]) else { return nil }
        guard let legs = legsNode.mapping, !legs.isEmpty else {
            issue("\(path).legs", legsNode, "must map each leg code to the source column holding its volume, such as {L: left_cf, R: right_cf}")
            return nil
        }
        var legColumns: [(leg: String, field: String)] = []
        for (key, value) in legs {
            guard let leg = key.string, let from = value.string else {
                issue("\(path).legs", key, "each leg maps to one source column name")
                continue
            }
            let field = "volume:\(leg)"
            var format = MoneyFormat(minorUnits: false)
            format.isVolume = true
            entity.columns.append(ColumnSpec(field: field, from: from, kind: .money(format), required: false, pii: false, identity: nil))
            legColumns.append((leg, field))
        }
        return CarryMapping(entity: entity, legColumns: legColumns)
    }
}

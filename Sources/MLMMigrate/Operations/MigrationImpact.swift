/// Which members' legacy figures migration itself changes: each member the migration
/// quarantined that had orders, and the loaded members above it in the legacy genealogy (its
/// sponsor line for unilevel, its placement line for binary), found from the quarantined rows'
/// own sponsor and placement references.
struct MigrationImpact {
    let connection: PostgresConnection
    let mapping: Mapping
    let members: CommissionTargetReader.Members

    /// The members a quarantined member's orders reached in the legacy genealogy: up its sponsor
    /// line (unilevel) and up its placement line (binary and carries), each with the legacy ids
    /// of the quarantined members that explain it.
    struct Affected {
        var sponsorLine: [Int64: [String]] = [:]
        var placementLine: [Int64: [String]] = [:]
        /// The quarantined members put back where the legacy genealogy had them (ids below
        /// zero), with their quarantined orders: recomputing with them shows which differences
        /// migration alone explains.
        var restoredMembers: [CommissionMember] = []
        var restoredOrders: [CommissionOrder] = []
    }

    func affected() throws(MigrationError) -> Affected {
        let orderKey = mapping.commission?.memberKeys["orders"] ?? .legacyID
        let references = try connection.query(
            "SELECT DISTINCT legacy_id FROM mlm_migration.quarantine WHERE entity = 'orders' AND reason = $1 AND legacy_id IS NOT NULL ORDER BY 1",
            [ReasonCode.orderMemberQuarantined.rawValue], what: "reading the quarantined orders"
        ).compactMap { $0[0] }
        var affected = Affected()
        for reference in references {
            guard let row = try quarantinedMember(reference, key: orderKey) else { continue }
            let name = row.legacyID ?? reference
            let genealogy = mapping.members.genealogy
            let sponsor = try attach(row.sponsor, key: genealogy.sponsorKey, depth: 0, parent: \.sponsor)
            let placement = try attach(row.placement, key: genealogy.placementKey, depth: 0, parent: \.placement)
            let restoredID = -Int64(affected.restoredMembers.count + 1)
            affected.restoredMembers.append(CommissionMember(
                memberID: restoredID, sponsorID: sponsor, placementID: placement, placementLeg: placement == nil ? nil : leg(row.placementLeg)
            ))
            affected.restoredOrders += try quarantinedOrders(reference, memberID: restoredID)
            let starts: [(Int64?, KeyPath<CommissionMember, Int64?>, WritableKeyPath<Affected, [Int64: [String]]>)] = [
                (sponsor, \.sponsorID, \.sponsorLine),
                (placement, \.placementID, \.placementLine),
            ]
            for (start, parent, line) in starts {
                var current = start
                var steps = 0
                while let id = current, let index = members.byIndex[id], steps <= members.list.count {
                    if affected[keyPath: line][id]?.contains(name) != true { affected[keyPath: line][id, default: []].append(name) }
                    current = members.list[index][keyPath: parent]
                    steps += 1
                }
            }
        }
        return affected
    }

    struct QuarantinedMember {
        var legacyID: String?
        var sponsor: String?
        var placement: String?
        var placementLeg: String?
    }

    /// A legacy leg code as the target holds it (the mapping's `placement_leg` codes applied).
    private func leg(_ raw: String?) -> String? {
        guard let raw = raw?.trimmingWhitespace(), !raw.isEmpty else { return nil }
        if case .code(let table) = mapping.members.columns.first(where: { $0.field == "placement_leg" })?.kind { return table[raw] }
        return raw
    }

    /// The quarantined orders of member `reference`, read back from their quarantine payloads
    /// with the mapping's own order rules.
    private func quarantinedOrders(_ reference: String, memberID: Int64) throws(MigrationError) -> [CommissionOrder] {
        guard let orders = mapping.commission?.orders, let plan = mapping.commissionPlan else { return [] }
        let rules = CommissionRowRules(entity: orders, volumeScale: plan.volumeScale, defaultCurrency: plan.currency, directory: nil, memberReasons: nil)
        let fields = orders.columns.map(\.field)
        let extracts = try fields.map { field throws(MigrationError) in "payload ->> \(try connection.literal(field))" }
        let rows = try connection.query(
            "SELECT source, line::text, " + extracts.joined(separator: ", ")
                + " FROM mlm_migration.quarantine WHERE entity = 'orders' AND reason = $1 AND legacy_id = $2 ORDER BY source, line",
            [ReasonCode.orderMemberQuarantined.rawValue, reference], what: "reading a quarantined member's orders"
        )
        return rows.compactMap { row in
            let parsed = rules.apply([row[0], row[1], nil, nil] + row.dropFirst(2))
            guard let bv = parsed.integer("bv"), let pv = parsed.integer("pv"), let micros = parsed.times["ordered_at"] else { return nil }
            return CommissionOrder(
                orderID: parsed.values["order_id"] ?? "", memberID: memberID, occurredAt: UTCTimestamp.seconds(micros: micros),
                status: parsed.values["status"] ?? "", bv: bv, pv: pv
            )
        }
    }

    /// The members-quarantine row of the member `reference` names (by legacy id or username).
    private func quarantinedMember(_ reference: String, key: ReferenceKey) throws(MigrationError) -> QuarantinedMember? {
        let match = key == .legacyID ? "legacy_id = $1" : "payload ->> 'username' = $1"
        return try connection.query(
            "SELECT legacy_id, payload ->> 'sponsor', payload ->> 'placement', payload ->> 'placement_leg' FROM mlm_migration.quarantine WHERE entity = 'members' AND \(match) ORDER BY line LIMIT 1",
            [reference], what: "reading a quarantined member"
        ).first.map { QuarantinedMember(legacyID: $0[0], sponsor: $0[1], placement: $0[2], placementLeg: $0[3]) }
    }

    /// The loaded member a legacy reference reaches: itself when loaded, else, when it names a
    /// quarantined member, that member's own parent, and so on.
    private func attach(_ reference: String?, key: ReferenceKey, depth: Int, parent: KeyPath<QuarantinedMember, String?>) throws(MigrationError) -> Int64? {
        guard let reference = reference?.trimmingWhitespace(), !reference.isEmpty, depth < 50 else { return nil }
        let column = key == .legacyID ? "legacy_id" : "username"
        if let id = try connection.scalar("SELECT member_id FROM mlm.members WHERE \(column) = $1", [reference]).flatMap({ Int64($0) }) {
            return id
        }
        guard let row = try quarantinedMember(reference, key: key) else { return nil }
        return try attach(row[keyPath: parent], key: key, depth: depth + 1, parent: parent)
    }
}

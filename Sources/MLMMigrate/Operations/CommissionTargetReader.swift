/// Reads what a parallel run recomputes from, out of the target alone: the genealogy, a
/// period's bounds, orders, carry-forwards and legacy payouts.
struct CommissionTargetReader {
    let connection: PostgresConnection

    /// The genealogy as the engine takes it, with each member's legacy id.
    struct Members {
        var list: [CommissionMember] = []
        var legacyID: [Int64: String] = [:]
        var byIndex: [Int64: Int] = [:]
    }

    struct Payout {
        var memberID: Int64
        var bonusType: String
        var currency: String
        var amountMinor: Int64
    }

    /// Streams `sql`'s rows (COPY text), decoded.
    private func rows(_ sql: String, _ what: String, _ each: ([String?]) throws(MigrationError) -> Void) throws(MigrationError) {
        try connection.copyOut("COPY (\(sql)) TO STDOUT", what: what) { bytes throws(MigrationError) in
            try each(CopyText.decodeRow(bytes.dropLast().withMemoryRebound(to: UInt8.self) { $0 }))
        }
    }

    /// The period's bounds, and whether it is closed.
    func period(_ id: String) throws(MigrationError) -> (CommissionPeriod, closed: Bool)? {
        guard let row = try connection.query(
            "SELECT extract(epoch FROM starts_at)::bigint, extract(epoch FROM ends_at)::bigint, closed FROM mlm.periods WHERE period = $1", [id]
        ).first, let start = row[0].flatMap({ Int64($0) }), let end = row[1].flatMap({ Int64($0) }) else { return nil }
        return (CommissionPeriod(startsAt: start, endsAt: end), row[2] == "t")
    }

    func members() throws(MigrationError) -> Members {
        var result = Members()
        try rows("SELECT member_id, legacy_id, sponsor_id, placement_id, placement_leg FROM mlm.members ORDER BY member_id", "reading the genealogy") { row in
            guard let id = row[0].flatMap({ Int64($0) }) else { return }
            result.byIndex[id] = result.list.count
            result.list.append(CommissionMember(
                memberID: id, sponsorID: row[2].flatMap { Int64($0) }, placementID: row[3].flatMap { Int64($0) }, placementLeg: row[4]
            ))
            result.legacyID[id] = row[1]
        }
        return result
    }

    func orders(period: String) throws(MigrationError) -> [CommissionOrder] {
        var orders: [CommissionOrder] = []
        let sql = """
            SELECT order_id, member_id, extract(epoch FROM ordered_at)::bigint, status, bv, pv FROM mlm.orders
            WHERE period = \(SQLText.literal(period)) ORDER BY order_id
            """
        try rows(sql, "reading the period's orders") { row in
            orders.append(CommissionOrder(
                orderID: row[0] ?? "", memberID: row[1].flatMap { Int64($0) } ?? 0, occurredAt: row[2].flatMap { Int64($0) } ?? 0,
                status: row[3] ?? "", bv: row[4].flatMap { Int64($0) } ?? 0, pv: row[5].flatMap { Int64($0) } ?? 0
            ))
        }
        return orders
    }

    /// Carry-forward volumes at the period's `position` (`opening` or `closing`), by member and leg.
    func carry(period: String, position: String) throws(MigrationError) -> [Int64: [String: Int64]] {
        var carry: [Int64: [String: Int64]] = [:]
        for row in try connection.query(
            "SELECT member_id, leg, volume FROM mlm.carry_forward WHERE period = $1 AND position = $2", [period, position],
            what: "reading the carry-forwards"
        ) {
            guard let id = row[0].flatMap({ Int64($0) }), let leg = row[1], let volume = row[2].flatMap({ Int64($0) }) else { continue }
            carry[id, default: [:]][leg] = volume
        }
        return carry
    }

    func payouts(period: String) throws(MigrationError) -> [Payout] {
        try connection.query(
            "SELECT member_id, bonus_type, currency, amount_minor FROM mlm.commission_payouts WHERE period = $1 ORDER BY 1, 2, 3", [period],
            what: "reading the legacy payouts"
        ).compactMap { row in
            guard let id = row[0].flatMap({ Int64($0) }), let amount = row[3].flatMap({ Int64($0) }) else { return nil }
            return Payout(memberID: id, bonusType: row[1] ?? "", currency: row[2] ?? "", amountMinor: amount)
        }
    }
}

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
            let starts: [(Int64?, KeyPath<CommissionMember, Int64?>, WritableKeyPath<Affected, [Int64: [String]]>)] = [
                (try attach(row.sponsor, key: genealogy.sponsorKey, depth: 0, parent: \.sponsor), \.sponsorID, \.sponsorLine),
                (try attach(row.placement, key: genealogy.placementKey, depth: 0, parent: \.placement), \.placementID, \.placementLine),
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
    }

    /// The members-quarantine row of the member `reference` names (by legacy id or username).
    private func quarantinedMember(_ reference: String, key: ReferenceKey) throws(MigrationError) -> QuarantinedMember? {
        let match = key == .legacyID ? "legacy_id = $1" : "payload ->> 'username' = $1"
        return try connection.query(
            "SELECT legacy_id, payload ->> 'sponsor', payload ->> 'placement' FROM mlm_migration.quarantine WHERE entity = 'members' AND \(match) ORDER BY line LIMIT 1",
            [reference], what: "reading a quarantined member"
        ).first.map { QuarantinedMember(legacyID: $0[0], sponsor: $0[1], placement: $0[2]) }
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

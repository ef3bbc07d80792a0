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
            try each(CopyText.decodeRow(copyLine: bytes))
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
            WHERE period = \(try connection.literal(period)) ORDER BY order_id
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

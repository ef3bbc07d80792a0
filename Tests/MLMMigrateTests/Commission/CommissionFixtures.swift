@testable import MLMMigrate
import Testing

/// The commission engine's suites, nested here so `swift test --filter Commission` runs them all.
@Suite enum CommissionTests {}

/// Small plans, trees and orders for the commission tests. Plans are written in YAML, as a
/// mapping declares them, so every test also reads the YAML the docs show.
enum CommissionFixtures {
    /// January 2026, UTC: [2026-01-01T00:00Z, 2026-02-01T00:00Z).
    static let january = CommissionPeriod(startsAt: 1_767_225_600, endsAt: 1_769_904_000)
    /// 2026-01-15T00:00Z, inside January.
    static let midJanuary: Int64 = 1_768_435_200

    /// A whole plan: USD unless `header` says otherwise, explicit periods counting `confirmed`.
    static func planYAML(
        header: String = "currency: USD\n  currency_exponent: 2\n  volume_scale: 0",
        period: String = "{ kind: explicit, counted_statuses: [confirmed] }",
        binary: String? = nil,
        unilevel: String? = nil,
        rounding: String? = "{ mode: half_up, at: line }",
        extra: String = ""
    ) -> String {
        var yaml = "commission_plan:\n  \(header)\n  period: \(period)\n"
        if let binary { yaml += "  binary: \(binary)\n" }
        if let unilevel { yaml += "  unilevel: \(unilevel)\n" }
        if let rounding { yaml += "  rounding: \(rounding)\n" }
        if !extra.isEmpty { yaml += "  \(extra)\n" }
        return yaml
    }

    /// A `binary:` block with legs left and right, 1:1 pairing, and `rules`.
    static func binary(_ rules: String) -> String { "{ legs: [left, right], pairing: \"1:1\", \(rules) }" }

    /// 10% of the paired volume, leftovers carried.
    static let percentBinary = binary("bonus: percent, percent: \"10\", carry_forward: true")

    /// The plan `yaml` declares; the test fails when it has any issue.
    static func plan(
        _ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> CommissionPlan {
        let result = MappingLoader.parseCommissionPlan(yaml: yaml)
        #expect(result.issues == [], sourceLocation: sourceLocation)
        return try #require(result.plan, sourceLocation: sourceLocation)
    }

    /// A member whose sponsor is also its placement parent (nil for the root).
    static func member(
        _ id: Int64, under parent: Int64? = nil, leg: String? = nil, sponsor: Int64? = nil
    ) -> CommissionMember {
        CommissionMember(memberID: id, sponsorID: sponsor ?? parent, placementID: parent, placementLeg: leg)
    }

    /// A confirmed mid-January order of `bv` BV and `pv` PV (pv defaults to bv).
    static func order(
        _ id: String, by member: Int64, bv: Int64, pv: Int64? = nil, status: String = "confirmed",
        at instant: Int64 = midJanuary
    ) -> CommissionOrder {
        CommissionOrder(
            orderID: id, memberID: member, occurredAt: instant, status: status, bv: bv, pv: pv ?? bv
        )
    }

    /// ```
    ///         1
    ///       /   \
    ///      2     3        left / right; each member's sponsor is its placement parent
    ///     / \   / \
    ///    4   5 6   7
    /// ```
    static let sevenMembers = [
        member(1), member(2, under: 1, leg: "left"), member(3, under: 1, leg: "right"),
        member(4, under: 2, leg: "left"), member(5, under: 2, leg: "right"),
        member(6, under: 3, leg: "left"), member(7, under: 3, leg: "right"),
    ]

    /// Root 1 with 2 on the left and 3 on the right.
    static let threeMembers = [member(1), member(2, under: 1, leg: "left"), member(3, under: 1, leg: "right")]

    /// Runs `plan` over `members` and `orders` in January.
    static func run(
        _ plan: CommissionPlan, _ members: [CommissionMember], _ orders: [CommissionOrder],
        carry: [Int64: [String: Int64]] = [:]
    ) throws -> CommissionRun {
        let engine = try CommissionEngine(plan: plan, members: members)
        return try engine.run(orders: orders, period: january, openingCarry: carry)
    }
}

extension CommissionRun {
    /// The net amount of `member`'s `bonus` line, or nil when it has none.
    func amount(_ member: Int64, _ bonus: CommissionBonus) -> Int64? {
        lines.first { $0.memberID == member && $0.bonus == bonus }?.amountMinor
    }

    /// `member`'s closing carry per leg, only legs that have one.
    func carry(_ member: Int64) -> [String: Int64] {
        closingCarry.filter { $0.memberID == member }.reduce(into: [:]) { $0[$1.leg] = $1.volume }
    }

    func binary(_ member: Int64) throws -> BinaryExplanation {
        guard case .binary(let explanation)? = explanation(memberID: member, bonus: .binary) else {
            throw CommissionInputError("test.no_explanation", "no binary explanation for \(member)")
        }
        return explanation
    }

    func unilevel(_ member: Int64) throws -> UnilevelExplanation {
        guard case .unilevel(let explanation)? = explanation(memberID: member, bonus: .unilevel) else {
            throw CommissionInputError("test.no_explanation", "no unilevel explanation for \(member)")
        }
        return explanation
    }
}

@testable import MLMMigrate
import Testing

extension CommissionTests {
    /// Binary qualification: own PV and an active personally sponsored member in each leg.
    @Suite struct BinaryQualificationTests {
        typealias F = CommissionFixtures

        /// ```
        ///        1                placement; sponsors: 2 and 4 by 1, 3 by 2
        ///      /   \
        ///     2     3
        ///          /
        ///         4
        /// ```
        static let members = [
            F.member(1), F.member(2, under: 1, leg: "left"), F.member(3, under: 1, leg: "right", sponsor: 2),
            F.member(4, under: 3, leg: "left", sponsor: 1),
        ]

        /// 1 has PV `pv1` of its own (no BV); 2 buys 100, 3 buys 80, 4 buys 40 BV with PV `pv4`.
        /// Member 1's legs: left 100, right 80 + 40 = 120: qualified, it pairs 100 for 10% = $10.
        static func orders(pv1: Int64, pv4: Int64 = 40) -> [CommissionOrder] {
            [
                F.order("p1", by: 1, bv: 0, pv: pv1), F.order("o2", by: 2, bv: 100),
                F.order("o3", by: 3, bv: 80), F.order("o4", by: 4, bv: 40, pv: pv4),
            ]
        }

        static func plan(eachLeg: Bool, unqualified: String) throws -> CommissionPlan {
            let binary = F.binary(
                "bonus: percent, percent: \"10\", carry_forward: true, "
                    + "qualification: { personal_pv: \"50\", sponsored_active_each_leg: \(eachLeg) }, "
                    + "unqualified: \(unqualified)"
            )
            return try F.plan(F.planYAML(binary: binary))
        }

        @Test func memberWithEnoughPersonalPVIsPaid() throws {
            let plan = try Self.plan(eachLeg: false, unqualified: "flush")
            let run = try F.run(plan, Self.members, Self.orders(pv1: 60))
            // PV 60 ≥ 50: paired 100, $10; right keeps 120 - 100 = 20.
            #expect(run.amount(1, .binary) == 1000)
            #expect(run.carry(1) == ["right": 20])
            #expect(try run.binary(1).qualified)
        }

        @Test func memberShortOfPersonalPVIsNotPaidAndUnqualifiedDecidesItsVolume() throws {
            let carryPlan = try Self.plan(eachLeg: false, unqualified: "carry")
            let carry = try F.run(carryPlan, Self.members, Self.orders(pv1: 40))
            // PV 40 < 50: no bonus; unqualified carry keeps both legs whole: 100 and 120.
            #expect(carry.amount(1, .binary) == 0)
            #expect(carry.carry(1) == ["left": 100, "right": 120])
            let explanation = try carry.binary(1)
            #expect(explanation.notQualifiedBecause == ["personal PV 40 < 50"])
            #expect(explanation.unqualifiedVolume == "carry")
            let flushPlan = try Self.plan(eachLeg: false, unqualified: "flush")
            let flush = try F.run(flushPlan, Self.members, Self.orders(pv1: 40))
            // unqualified flush drops both legs.
            #expect(flush.amount(1, .binary) == 0)
            #expect(flush.carry(1) == [:])
            #expect(try flush.binary(1).legs.map(\.flushed) == ["100", "120"])
        }

        @Test func eachLegNeedsAnActiveMemberTheEarnerSponsoredPersonally() throws {
            let plan = try Self.plan(eachLeg: true, unqualified: "carry")
            let inactive = try F.run(plan, Self.members, Self.orders(pv1: 60, pv4: 40))
            // Left holds 2 (sponsored by 1, PV 100 ≥ 50): fine. Right holds 3 (sponsored by 2, not 1)
            // and 4 (sponsored by 1, PV 40 < 50): no active personally sponsored member on the right.
            #expect(inactive.amount(1, .binary) == 0)
            let reasons = try inactive.binary(1).notQualifiedBecause
            #expect(reasons == ["no active personally sponsored member in leg right"])
            #expect(inactive.carry(1) == ["left": 100, "right": 120])
            // Member 3 sponsored nobody: both legs lack one; it keeps its left 40 (unqualified carry).
            #expect(try inactive.binary(3).notQualifiedBecause.count == 2)
            #expect(inactive.carry(3) == ["left": 40])
            let active = try F.run(plan, Self.members, Self.orders(pv1: 60, pv4: 60))
            // 4 now has PV 60 ≥ 50: 1 qualifies and pairs 100 for $10.
            #expect(active.amount(1, .binary) == 1000)
            #expect(active.carry(1) == ["right": 20])
        }
    }
}

@testable import MLMMigrate
import Testing

extension CommissionTests {
    /// Unilevel compression on one sponsor line, hand-computed. USD, volume_scale 0.
    @Suite struct UnilevelBonusTests {
        typealias F = CommissionFixtures

        /// Sponsor line 5 → 4 → 3 → 2 → 1 (each sponsored by the next); active_pv 50.
        /// PV: 1 has 100, 2 has 100, 3 has 0 (inactive), 4 has 60, 5 has 1000.
        static let line = [1, 2, 3, 4, 5].map { F.member($0, sponsor: $0 == 1 ? nil : $0 - 1) }
        /// Order a: 5 buys 1000 BV. Order b: 4 buys 500 BV (PV 60).
        static let orders = [
            F.order("p1", by: 1, bv: 0, pv: 100), F.order("p2", by: 2, bv: 0, pv: 100),
            F.order("a", by: 5, bv: 1000), F.order("b", by: 4, bv: 500, pv: 60),
        ]

        static func run(
            _ compression: String, percents: String = #"["5", "3", "2"]"#, orders: [CommissionOrder] = orders
        ) throws -> CommissionRun {
            let unilevel = "{ percents: \(percents), active_pv: \"50\", compression: \(compression) }"
            return try F.run(try F.plan(F.planYAML(unilevel: unilevel)), line, orders)
        }

        @Test func compressionNoneLeavesAnInactiveUplinesLevelUnpaid() throws {
            let run = try Self.run("none")
            // a (1000): level 1 = 4 gets 5% = $50; level 2 = 3 inactive, its 3% ($30) unpaid;
            //           level 3 = 2 gets 2% = $20.
            // b (500):  level 1 = 3 inactive, 5% ($25) unpaid; level 2 = 2 gets 3% = $15;
            //           level 3 = 1 gets 2% = $10.
            #expect(run.amount(4, .unilevel) == 5000)
            #expect(run.amount(2, .unilevel) == 3500)
            #expect(run.amount(1, .unilevel) == 1000)
            // 3 was reached and not paid: a line of $0 whose explanation says why.
            #expect(run.amount(3, .unilevel) == 0)
            let three = try run.unilevel(3)
            #expect(three.notPaid.map(\.outcome) == ["unpaid", "unpaid"])
            #expect(three.notPaid.map(\.exact) == ["30.00", "25.00"])
            #expect(three.notPaid[0].why == "inactive: personal PV 0 < 50; the level is not paid")
            // 5 bought but sponsors nobody who bought: no line.
            #expect(run.amount(5, .unilevel) == nil)
        }

        @Test func compressionRollUpGivesAnInactiveUplinesAmountToTheNextActiveOneAbove() throws {
            let run = try Self.run("roll_up")
            // a: 4 gets 5% = $50; 3 inactive, its 3% rolls up; 2 gets its own 2% + 3% = 5% = $50.
            // b: 3 inactive, its 5% rolls up; 2 gets its own 3% + 5% = 8% = $40; 1 gets 2% = $10.
            #expect(run.amount(4, .unilevel) == 5000)
            #expect(run.amount(2, .unilevel) == 9000)
            #expect(run.amount(1, .unilevel) == 1000)
            #expect(run.amount(3, .unilevel) == 0)
            let two = try run.unilevel(2)
            #expect(two.lines.map(\.orderID) == ["a", "b"])
            let a = two.lines[0]
            #expect(a.level == 3)
            #expect(a.path == [5, 4, 3, 2])
            #expect(a.percent == "5")
            #expect(a.parts == [
                UnilevelPartExplanation(level: 3, memberID: 2, percent: "2", why: "own level"),
                UnilevelPartExplanation(
                    level: 2, memberID: 3, percent: "3", why: "rolled up: inactive: personal PV 0 < 50"
                ),
            ])
            #expect(a.exact == "50.00")
            #expect(a.roundedMinor == 5000)
            #expect(two.lines[1].percent == "8")
            let rolledUp = "inactive: personal PV 0 < 50; rolled up to member 2"
            #expect(try run.unilevel(3).notPaid.map(\.why) == [rolledUp, rolledUp])
        }

        @Test func compressionDynamicSkipsInactiveUplinesSoTheyTakeNoLevel() throws {
            let run = try Self.run("dynamic")
            // a: active uplines in order are 4, 2, 1: 4 level 1 = $50, 2 level 2 = 3% = $30,
            //    1 level 3 = 2% = $20.
            // b: active uplines are 2, 1: 2 level 1 = 5% of 500 = $25, 1 level 2 = 3% = $15.
            #expect(run.amount(4, .unilevel) == 5000)
            #expect(run.amount(2, .unilevel) == 5500)
            #expect(run.amount(1, .unilevel) == 3500)
            #expect(run.amount(3, .unilevel) == 0)
            let a = try run.unilevel(2).lines[0]
            #expect(a.level == 2)
            #expect(a.generation == 3)
            #expect(a.skippedInactive == [3])
            let skipped = try run.unilevel(3).notPaid
            #expect(skipped.map(\.outcome) == ["skipped", "skipped"])
            #expect(skipped.map(\.level) == [nil, nil])
            #expect(skipped[0].why == "inactive: personal PV 0 < 50; takes no level")
        }

        /// Line 5 → 4 → 3 → 2 → 1; 5 buys 100 BV; 4 active, 3 and 2 inactive; 1 active if `rootActive`.
        static func deadLine(rootActive: Bool) -> [CommissionOrder] {
            [F.order("p4", by: 4, bv: 0, pv: 100), F.order("a", by: 5, bv: 100)]
                + (rootActive ? [F.order("p1", by: 1, bv: 0, pv: 100)] : [])
        }

        @Test func rollUpPastTheLastLevelReachesTheNextActiveUplineOrIsLost() throws {
            let twoLevels = #"["5", "3"]"#
            let reached = try Self.run("roll_up", percents: twoLevels, orders: Self.deadLine(rootActive: true))
            // Level 1 = 4 gets 5% = $5. Level 2 = 3 inactive: its 3% rolls up past the last level,
            // over inactive 2, to active 1: $3, with no level of its own.
            #expect(reached.amount(4, .unilevel) == 500)
            #expect(reached.amount(1, .unilevel) == 300)
            let above = try reached.unilevel(1).lines[0]
            #expect(above.level == nil)
            #expect(above.generation == 4)
            #expect(above.parts.map(\.memberID) == [3])
            // 2 is passed over beyond the last level: no line.
            #expect(reached.amount(2, .unilevel) == nil)
            let lost = try Self.run("roll_up", percents: twoLevels, orders: Self.deadLine(rootActive: false))
            // With 1 inactive too, no active upline is above 3: its $3 is not paid to anyone.
            #expect(lost.amount(1, .unilevel) == nil)
            let why = try lost.unilevel(3).notPaid[0].why
            #expect(why == "inactive: personal PV 0 < 50; no active upline above: not paid")
        }
    }
}

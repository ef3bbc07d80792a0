@testable import MLMMigrate
import Testing

extension CommissionTests {
    /// What the engine counts, deducts, refuses and explains, across bonuses.
    @Suite struct CommissionEngineTests {
        typealias F = CommissionFixtures

        @Test func ignoresOrdersWithAnotherStatusOutsideThePeriodOfUnknownMembersOrWithNegativeVolume() throws {
            let orders = [
                F.order("l1", by: 2, bv: 100),
                F.order("l2", by: 2, bv: 1000, status: "cancelled"),
                F.order("l3", by: 2, bv: 1000, at: F.january.startsAt - 1),
                F.order("l4", by: 2, bv: 1000, at: F.january.endsAt),
                F.order("l5", by: 2, bv: 50, at: F.january.startsAt),
                F.order("r1", by: 3, bv: 500),
                F.order("r2", by: 99, bv: 10),
                F.order("r3", by: 3, bv: -20),
            ]
            let run = try F.run(try F.plan(F.planYAML(binary: F.percentBinary)), F.threeMembers, orders)
            // Counted: l1 (100) and l5 (50, at the first second of the period) on the left, r1 (500) on
            // the right. l2 is cancelled; l3 is a second early; l4 is at endsAt, which the period excludes;
            // r2's member is unknown; r3 has negative BV. Paired 150 × 10% = $15.
            #expect(run.amount(1, .binary) == 1500)
            #expect(run.orders == CommissionOrderTally(
                counted: 3, otherStatus: 1, outsidePeriod: 2, unknownMember: 1, negativeVolume: 1
            ))
        }

        @Test func deductionsAreEachRoundedOnTheRoundedGrossAndSubtractedInOrder() throws {
            let header = "currency: USD\n  currency_exponent: 2\n  volume_scale: 2"
            let extra = "deductions: [{ name: tax, percent: \"10\" }, { name: fee, percent: \"2.5\" }]"
            let plan = try F.plan(F.planYAML(header: header, binary: F.percentBinary, extra: extra))
            let orders = [F.order("l", by: 2, bv: 12_345), F.order("r", by: 3, bv: 20_000)]
            let run = try F.run(plan, F.threeMembers, orders)
            // Paired 123.45 BV × 10% = $12.345 → half_up $12.35 = 1235 cents (gross).
            // tax 10% of 1235 = 123.5 → 124; fee 2.5% of 1235 = 30.875 → 31; net 1235 - 124 - 31 = 1080.
            let line = try #require(run.lines.first { $0.memberID == 1 })
            #expect(line == CommissionLine(
                memberID: 1, bonus: .binary, grossMinor: 1235, deductionsMinor: 155, amountMinor: 1080
            ))
            let amount = try run.binary(1).amount
            #expect(amount.grossExact == "12.345")
            #expect(amount.roundingAdjustment == "0.005")
            #expect(amount.deductions == [
                DeductionExplanation(name: "tax", percent: "10", exact: "1.235", amountMinor: 124),
                DeductionExplanation(name: "fee", percent: "2.5", exact: "0.30875", amountMinor: 31),
            ])
        }

        @Test func linesAreSortedByMemberThenBonusAndCarryFeedsTheNextPeriod() throws {
            let unilevel = "{ percents: [\"5\"], active_pv: \"0\", compression: none }"
            let plan = try F.plan(F.planYAML(binary: F.percentBinary, unilevel: unilevel))
            let members = [F.member(3, under: 1, leg: "right"), F.member(1), F.member(2, under: 1, leg: "left")]
            let run = try F.run(plan, members, [F.order("l", by: 2, bv: 300), F.order("r", by: 3, bv: 100)])
            // Member 1: binary 10% of 100 = $10; unilevel 5% of 300 + 5% of 100 = $20. Left keeps 200.
            let lines = run.lines.map { "\($0.memberID) \($0.bonus) \($0.amountMinor)" }
            #expect(lines == ["1 binary 1000", "1 unilevel 2000"])
            #expect(run.closingCarryByMember == [1: ["left": 200]])
            let next = try F.run(
                plan, members, [F.order("r2", by: 3, bv: 150)], carry: run.closingCarryByMember
            )
            // Next period: left 200 carried, right 150 new: 10% of 150 = $15; left keeps 50.
            #expect(next.amount(1, .binary) == 1500)
            #expect(next.carry(1) == ["left": 50])
        }

        @Test func explanationsEncodeAsJSONWithSortedKeys() throws {
            let run = try F.run(try F.plan(F.planYAML(binary: F.percentBinary)), F.threeMembers,
                                [F.order("l", by: 2, bv: 300), F.order("r", by: 3, bv: 100)])
            let json = try #require(run.explanation(memberID: 1, bonus: .binary)).json()
            #expect(json.hasPrefix(#"{"amount":{"deductions":[],"deductionsMinor":0,"grossExact":"10.00""#))
            #expect(json.contains(#""legs":[{"added":"300","closingCarry":"200","flushed":"0","leg":"left""#))
            #expect(json.contains(#""memberID":1,"notQualifiedBecause":[],"pairedVolume":"100""#))
            #expect(run.explanation(memberID: 1, bonus: .unilevel) == nil)
            #expect(run.explanation(memberID: 42, bonus: .binary) == nil)
        }

        @Test func refusesBrokenTreesWithAStableCode() throws {
            let unilevel = "{ percents: [\"5\"], active_pv: \"0\", compression: none }"
            let plan = try F.plan(F.planYAML(binary: F.percentBinary, unilevel: unilevel))
            func code(_ members: [CommissionMember]) -> String? {
                do {
                    _ = try CommissionEngine(plan: plan, members: members)
                    return nil
                } catch {
                    return error.code
                }
            }
            #expect(code([F.member(1), F.member(1)]) == "commission.duplicate_member")
            #expect(code([F.member(1), F.member(2, under: 9, leg: "left", sponsor: 1)])
                == "commission.unknown_placement")
            #expect(code([F.member(1), F.member(2, under: 1, leg: "middle")]) == "commission.unknown_leg")
            #expect(code([F.member(1), F.member(2, sponsor: 3), F.member(3, sponsor: 2)])
                == "commission.sponsor_cycle")
            #expect(code([
                F.member(1), F.member(2, under: 3, leg: "left", sponsor: 1),
                F.member(3, under: 2, leg: "left", sponsor: 1),
            ]) == "commission.placement_cycle")
            #expect(code([F.member(1), F.member(2, sponsor: 8)]) == "commission.unknown_sponsor")
        }

        @Test func calendarPeriodsAreCutInThePlansTimeZone() throws {
            let period = "{ kind: calendar_month, timezone: America/New_York, counted_statuses: [confirmed] }"
            let plan = try F.plan(F.planYAML(period: period, binary: F.percentBinary))
            // January 2026 in New York (UTC-5): 2026-01-01T05:00Z to 2026-02-01T05:00Z.
            let january = CommissionPeriod(startsAt: 1_767_243_600, endsAt: 1_769_922_000)
            #expect(plan.period.bounds(containing: F.midJanuary) == january)
            let engine = try CommissionEngine(plan: plan, members: F.threeMembers)
            #expect(throws: CommissionInputError.self) { try engine.run(orders: [], period: F.january) }
            #expect(try engine.run(orders: [], period: january).lines.isEmpty)
            // A week starting on Monday holds Thursday 2026-01-15: Monday 12th to Monday 19th, UTC.
            let weeks = try F.plan(F.planYAML(
                period: "{ kind: calendar_week, timezone: UTC, week_starts: monday, "
                    + "counted_statuses: [confirmed] }",
                binary: F.percentBinary
            ))
            let week = CommissionPeriod(startsAt: 1_768_176_000, endsAt: 1_768_780_800)
            #expect(weeks.period.bounds(containing: F.midJanuary) == week)
        }

        @Test func refusesOpeningCarryOfAnUnknownMemberOrLeg() throws {
            let plan = try F.plan(F.planYAML(binary: F.percentBinary))
            #expect(throws: CommissionInputError.self) {
                try F.run(plan, F.threeMembers, [], carry: [9: ["left": 1]])
            }
            #expect(throws: CommissionInputError.self) {
                try F.run(plan, F.threeMembers, [], carry: [1: ["up": 1]])
            }
        }
    }
}

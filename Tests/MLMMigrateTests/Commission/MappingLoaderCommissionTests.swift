import Foundation
@testable import MLMMigrate
import Testing

extension CommissionTests {
    /// The `commission_plan:` reader: a full valid plan, and each mistake named by its YAML path.
    @Suite struct MappingLoaderCommissionTests {
        typealias F = CommissionFixtures

        static let fullPlan = """
            commission_plan:
              currency: USD
              currency_exponent: 2
              volume_scale: 2
              period:
                kind: calendar_month
                timezone: America/New_York
                counted_statuses: [confirmed, shipped]
              binary:
                legs: [left, right]
                bonus: flat
                pair_volume: "100"
                per_pair: "7.5"
                pairing: "1:1"
                first_pair: either
                cap: { per: money, amount: "500" }
                over_cap: flush
                carry_forward: true
                flat_remainder: carry
                qualification: { personal_pv: "50.5", sponsored_active_each_leg: true }
                unqualified: carry
              unilevel:
                percents: ["5", "3", "2.25"]
                active_pv: "40"
                compression: roll_up
              rounding: { mode: half_even, at: member_total }
              deductions:
                - { name: tax, percent: "10" }
                - { name: admin_fee, percent: "2.5" }
            """

        @Test func readsAFullPlanIntoScaledIntegers() throws {
            let plan = try F.plan(Self.fullPlan)
            #expect(plan.currency == "USD")
            #expect(plan.period == CommissionPlan.Period(
                kind: .calendarMonth, timeZone: "America/New_York", weekStarts: nil,
                countedStatuses: ["confirmed", "shipped"]
            ))
            let binary = try #require(plan.binary)
            // $7.50 is 750 cents; 100 BV at volume_scale 2 is 10000; $500 is 50000 cents; 50.5 PV is 5050.
            #expect(binary.bonus == .flat(perPairMinor: 750))
            #expect(binary.pairVolume == 10_000)
            #expect(binary.firstPair == .either)
            #expect(binary.cap == CommissionPlan.Cap(per: .money, amount: 50_000))
            #expect(binary.overCap == .flush)
            #expect(binary.flatRemainder == .carry)
            let qualification = CommissionPlan.Qualification(personalPV: 5050, sponsoredActiveEachLeg: true)
            #expect(binary.qualification == qualification)
            #expect(binary.unqualified == .carry)
            #expect(plan.unilevel?.percents.map(\.description) == ["5", "3", "2.25"])
            #expect(plan.unilevel?.activePV == 4000)
            #expect(plan.unilevel?.compression == .rollUp)
            #expect(plan.rounding == CommissionPlan.Rounding(mode: .halfEven, at: .memberTotal))
            #expect(plan.deductions.map(\.name) == ["tax", "admin_fee"])
        }

        /// Replace `replace` with `with` in the full plan: the issue is at `commission_plan.<path>`.
        struct Mistake: Sendable, CustomTestStringConvertible {
            var replace: String
            var with: String
            var path: String
            var testDescription: String { path }

            init(_ replace: String, _ with: String, at path: String) {
                self.replace = replace
                self.with = with
                self.path = "commission_plan." + path
            }
        }

        static let mistakes = [
            Mistake("currency: USD", "currency: usd", at: "currency"),
            Mistake("currency_exponent: 2", "currency_exponent: 3", at: "currency_exponent"),
            Mistake("volume_scale: 2", "volume_scale: 7", at: "volume_scale"),
            Mistake("kind: calendar_month", "kind: monthly", at: "period.kind"),
            Mistake("timezone: America/New_York", "timezone: Mars/Olympus", at: "period.timezone"),
            Mistake("    timezone: America/New_York\n", "", at: "period.timezone"),
            Mistake("kind: calendar_month", "kind: calendar_week", at: "period.week_starts"),
            Mistake("kind: calendar_month", "kind: explicit", at: "period.timezone"),
            Mistake("[confirmed, shipped]", "confirmed", at: "period.counted_statuses"),
            Mistake("legs: [left, right]", "legs: [left]", at: "binary.legs"),
            Mistake("bonus: flat", "bonus: matching", at: "binary.bonus"),
            Mistake("per_pair: \"7.5\"", "per_pair: \"7.505\"", at: "binary.per_pair"),
            Mistake("per_pair: \"7.5\"", "per_pair: \"7,5\"", at: "binary.per_pair"),
            Mistake("    pair_volume: \"100\"\n", "", at: "binary.pair_volume"),
            Mistake("bonus: flat", "bonus: percent\n    percent: \"10\"", at: "binary.per_pair"),
            Mistake("pairing: \"1:1\"", "pairing: \"2:1\"", at: "binary.pairing"),
            Mistake("first_pair: either", "first_pair: sometimes", at: "binary.first_pair"),
            Mistake("per: money", "per: dollars", at: "binary.cap.per"),
            Mistake(
                "{ per: money, amount: \"500\" }", "{ per: pairs, amount: \"1.5\" }", at: "binary.cap.amount"
            ),
            Mistake(
                "{ per: money, amount: \"500\" }", "{ per: volume, amount: \"0\" }", at: "binary.cap.amount"
            ),
            Mistake("    over_cap: flush\n", "", at: "binary.over_cap"),
            Mistake("    cap: { per: money, amount: \"500\" }\n", "", at: "binary.over_cap"),
            Mistake("carry_forward: true", "carry_forward: sometimes", at: "binary.carry_forward"),
            Mistake("    carry_forward: true\n", "", at: "binary.carry_forward"),
            Mistake("    flat_remainder: carry\n", "", at: "binary.flat_remainder"),
            Mistake("carry_forward: true", "carry_forward: false", at: "binary.flat_remainder"),
            Mistake("personal_pv: \"50.5\"", "personal_pv: \"50.555\"", at: "binary.qualification.personal_pv"),
            Mistake(
                "sponsored_active_each_leg: true", "sponsored_active_each_leg: maybe",
                at: "binary.qualification.sponsored_active_each_leg"
            ),
            Mistake("    unqualified: carry\n", "", at: "binary.unqualified"),
            Mistake(
                "percents: [\"5\", \"3\", \"2.25\"]", "percents: [\"5\", \"abc\"]", at: "unilevel.percents[1]"
            ),
            Mistake("percents: [\"5\", \"3\", \"2.25\"]", "percents: [\"150\"]", at: "unilevel.percents[0]"),
            Mistake(
                "percents: [\"5\", \"3\", \"2.25\"]", "percents: [\"1.23456\"]", at: "unilevel.percents[0]"
            ),
            Mistake("percents: [\"5\", \"3\", \"2.25\"]", "percents: []", at: "unilevel.percents"),
            Mistake("    active_pv: \"40\"\n", "", at: "unilevel.active_pv"),
            Mistake("compression: roll_up", "compression: full", at: "unilevel.compression"),
            Mistake("mode: half_even", "mode: bankers", at: "rounding.mode"),
            Mistake("  rounding: { mode: half_even, at: member_total }\n", "", at: "rounding"),
            Mistake("percent: \"10\" }", "percent: \"-10\" }", at: "deductions[0].percent"),
            Mistake("name: admin_fee", "name: tax", at: "deductions[1].name"),
            Mistake("percent: \"10\" }", "percent: \"99\" }", at: "deductions"),
            Mistake("  deductions:", "  bonus_pool: 3\n  deductions:", at: "bonus_pool"),
            Mistake("    cap:", "    cap_amount: 5\n    cap:", at: "binary.cap_amount"),
        ]

        @Test(arguments: mistakes)
        func namesEachMistakeByItsYAMLPath(_ mistake: Mistake) {
            #expect(Self.fullPlan.contains(mistake.replace))
            let yaml = Self.fullPlan.replacingOccurrences(of: mistake.replace, with: mistake.with)
            let result = MappingLoader.parseCommissionPlan(yaml: yaml)
            #expect(result.plan == nil)
            #expect(result.issues.map(\.path).contains(mistake.path), "\(result.issues)")
        }

        @Test func aPlanWithoutAnyBonusIsRefused() {
            let result = MappingLoader.parseCommissionPlan(yaml: F.planYAML())
            #expect(result.issues.map(\.path) == ["commission_plan"])
        }

        @Test func percentRulesThatCountPairsNeedAPairVolume() {
            let binary = F.binary(
                "bonus: percent, percent: \"10\", first_pair: \"2:1\", cap: { per: pairs, amount: \"3\" }, "
                    + "over_cap: flush, carry_forward: true"
            )
            let paths = MappingLoader.parseCommissionPlan(yaml: F.planYAML(binary: binary)).issues.map(\.path)
            #expect(paths == ["commission_plan.binary.first_pair", "commission_plan.binary.cap.per"])
        }

        @Test func reportsTheLineOfAMistake() {
            let yaml = Self.fullPlan.replacingOccurrences(of: "compression: roll_up", with: "compression: full")
            let issue = MappingLoader.parseCommissionPlan(yaml: yaml).issues.first
            #expect(issue?.path == "commission_plan.unilevel.compression")
            #expect(issue?.line == 25)
        }
    }
}

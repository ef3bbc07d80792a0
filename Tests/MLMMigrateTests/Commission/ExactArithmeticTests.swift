@testable import MLMMigrate
import Testing

extension CommissionTests {
    /// Rounding modes, on their own and as a plan applies them, at exactly half a minor unit.
    @Suite struct ExactArithmeticTests {
        typealias F = CommissionFixtures

        @Test func roundsHalfUpAwayFromZeroHalfEvenToEvenAndDownTowardZero() {
            // 25 tenths = 2.5: up 3, even 2, down 2. 35 tenths = 3.5: up 4, even 4, down 3.
            #expect(ExactArithmetic.round(25, places: 1, mode: .halfUp) == 3)
            #expect(ExactArithmetic.round(25, places: 1, mode: .halfEven) == 2)
            #expect(ExactArithmetic.round(25, places: 1, mode: .down) == 2)
            #expect(ExactArithmetic.round(35, places: 1, mode: .halfEven) == 4)
            #expect(ExactArithmetic.round(35, places: 1, mode: .down) == 3)
            // Just below and above half: 2.49 → 2, 2.51 → 3 in every mode but down.
            #expect(ExactArithmetic.round(249, places: 2, mode: .halfUp) == 2)
            #expect(ExactArithmetic.round(251, places: 2, mode: .halfEven) == 3)
            // Negative amounts mirror positive ones: -2.5 → -3 (up), -2 (even, down).
            #expect(ExactArithmetic.round(-25, places: 1, mode: .halfUp) == -3)
            #expect(ExactArithmetic.round(-25, places: 1, mode: .halfEven) == -2)
            #expect(ExactArithmetic.round(-25, places: 1, mode: .down) == -2)
        }

        @Test func writesDecimalTextWithTheRequestedPlaces() {
            #expect(ExactArithmetic.decimalText(5, places: 3) == "0.005")
            #expect(ExactArithmetic.decimalText(-150, places: 2) == "-1.50")
            #expect(ExactArithmetic.decimalText(123_400, places: 4, keep: 2) == "12.34")
            #expect(ExactArithmetic.decimalText(7, places: 0) == "7")
        }

        struct HalfCase: Sendable, CustomTestStringConvertible {
            var currency: String
            var exponent: Int
            /// Paired volume at volume_scale = exponent.
            var paired: Int64
            var mode: String
            var minor: Int64
            var testDescription: String { "\(currency) \(paired) \(mode)" }
        }

        // 10% of the paired volume, volume_scale = currency_exponent, so `paired` × 10% is
        // `paired` / 10 minor units: 25 → 2.5 and 35 → 3.5 minor units, exactly half.
        static let halfCases = [
            // JPY (0 decimals): 25 BV × 10% = ¥2.5 → half_up ¥3, half_even ¥2, down ¥2;
            // 35 BV → ¥3.5 → 4, 4, 3.
            HalfCase(currency: "JPY", exponent: 0, paired: 25, mode: "half_up", minor: 3),
            HalfCase(currency: "JPY", exponent: 0, paired: 25, mode: "half_even", minor: 2),
            HalfCase(currency: "JPY", exponent: 0, paired: 25, mode: "down", minor: 2),
            HalfCase(currency: "JPY", exponent: 0, paired: 35, mode: "half_up", minor: 4),
            HalfCase(currency: "JPY", exponent: 0, paired: 35, mode: "half_even", minor: 4),
            HalfCase(currency: "JPY", exponent: 0, paired: 35, mode: "down", minor: 3),
            // USD (2): 0.25 BV × 10% = $0.025 = 2.5 cents → 3, 2, 2; 0.35 BV → 3.5 cents → 4, 4, 3.
            HalfCase(currency: "USD", exponent: 2, paired: 25, mode: "half_up", minor: 3),
            HalfCase(currency: "USD", exponent: 2, paired: 25, mode: "half_even", minor: 2),
            HalfCase(currency: "USD", exponent: 2, paired: 25, mode: "down", minor: 2),
            HalfCase(currency: "USD", exponent: 2, paired: 35, mode: "half_up", minor: 4),
            HalfCase(currency: "USD", exponent: 2, paired: 35, mode: "half_even", minor: 4),
            HalfCase(currency: "USD", exponent: 2, paired: 35, mode: "down", minor: 3),
            // KWD (3): 0.025 BV × 10% = 0.0025 KWD = 2.5 fils → 3, 2, 2; 0.035 BV → 3.5 fils → 4, 4, 3.
            HalfCase(currency: "KWD", exponent: 3, paired: 25, mode: "half_up", minor: 3),
            HalfCase(currency: "KWD", exponent: 3, paired: 25, mode: "half_even", minor: 2),
            HalfCase(currency: "KWD", exponent: 3, paired: 25, mode: "down", minor: 2),
            HalfCase(currency: "KWD", exponent: 3, paired: 35, mode: "half_up", minor: 4),
            HalfCase(currency: "KWD", exponent: 3, paired: 35, mode: "half_even", minor: 4),
            HalfCase(currency: "KWD", exponent: 3, paired: 35, mode: "down", minor: 3),
        ]

        @Test(arguments: halfCases)
        func eachModeRoundsExactlyHalfAMinorUnitAsDeclared(_ example: HalfCase) throws {
            let header = "currency: \(example.currency)\n  currency_exponent: \(example.exponent)\n"
                + "  volume_scale: \(example.exponent)"
            let binary = F.binary("bonus: percent, percent: \"10\", carry_forward: false")
            let rounding = "{ mode: \(example.mode), at: line }"
            let yaml = F.planYAML(header: header, binary: binary, rounding: rounding)
            let orders = [F.order("l", by: 2, bv: example.paired), F.order("r", by: 3, bv: example.paired)]
            let run = try F.run(try F.plan(yaml), F.threeMembers, orders)
            #expect(run.amount(1, .binary) == example.minor)
        }

        struct PointCase: Sendable, CustomTestStringConvertible {
            var mode: String
            var at: String
            var cents: Int64
            var testDescription: String { "\(mode) at \(at)" }
        }

        // Three orders of 0.10 BV each pay member 1 5% = $0.005 each (0.5 cent).
        static let pointCases = [
            // Each line 0.5 cent → 1 cent: 3 cents.
            PointCase(mode: "half_up", at: "line", cents: 3),
            // The exact sum 1.5 cents → 2 cents.
            PointCase(mode: "half_up", at: "member_total", cents: 2),
            // Each line 0.5 → 0 (even): 0 cents.
            PointCase(mode: "half_even", at: "line", cents: 0),
            // 1.5 → 2 (even).
            PointCase(mode: "half_even", at: "member_total", cents: 2),
            // Each line truncated to 0.
            PointCase(mode: "down", at: "line", cents: 0),
            // 1.5 truncated to 1.
            PointCase(mode: "down", at: "member_total", cents: 1),
        ]

        @Test(arguments: pointCases)
        func roundingAtLineRoundsEachLineAndAtMemberTotalRoundsTheExactSumOnce(_ example: PointCase) throws {
            let header = "currency: USD\n  currency_exponent: 2\n  volume_scale: 2"
            let unilevel = "{ percents: [\"5\"], active_pv: \"0\", compression: none }"
            let rounding = "{ mode: \(example.mode), at: \(example.at) }"
            let yaml = F.planYAML(header: header, unilevel: unilevel, rounding: rounding)
            let members = [1, 2, 3, 4].map { F.member($0, sponsor: $0 == 1 ? nil : 1) }
            let orders = [F.order("a", by: 2, bv: 10), F.order("b", by: 3, bv: 10), F.order("c", by: 4, bv: 10)]
            let run = try F.run(try F.plan(yaml), members, orders)
            #expect(run.amount(1, .unilevel) == example.cents)
            #expect(try run.unilevel(1).amount.grossExact == "0.015")
        }
    }
}

@testable import MLMMigrate
import Testing

extension CommissionTests {
    @Suite struct ExactDecimalTests {
        @Test func readsPlainDecimalsExactly() throws {
            let rate = try #require(ExactDecimal("7.5"))
            #expect(rate.significand == 75)
            #expect(rate.scale == 1)
            #expect(ExactDecimal("7.50") == rate)
            #expect(ExactDecimal("0")?.significand == 0)
            #expect(ExactDecimal("100")?.description == "100")
            #expect(ExactDecimal("0.0625")?.description == "0.0625")
        }

        @Test func rejectsAnythingButAPlainDecimal() {
            let refused = ["", "-1", "+1", "1e2", ".5", "5.", "1,000", " 7", "7 ", "1.2.3", "0x10"]
            for text in refused + ["1234567890123456789"] {
                #expect(ExactDecimal(text) == nil, "\(text)")
            }
        }

        @Test func scalesToMoreDecimalsButNeverDropsOne() {
            // 7.5 at 2 decimals is 750; at 0 decimals it would lose the .5, so there is no answer.
            #expect(ExactDecimal("7.5")?.scaled(to: 2) == 750)
            #expect(ExactDecimal("7.5")?.scaled(to: 0) == nil)
            #expect(ExactDecimal("120")?.scaled(to: 3) == 120_000)
        }
    }
}

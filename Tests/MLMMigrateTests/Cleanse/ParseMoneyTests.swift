import Foundation
import MLMMigrate
import TestSupport
import Testing

@Suite struct ParseMoneyTests {
    let plain = ParseMoney()
    let grouped = ParseMoney(thousandsSeparator: UInt8(ascii: ","))
    let european = ParseMoney(decimalSeparator: UInt8(ascii: ","), thousandsSeparator: UInt8(ascii: "."))

    @Test func readsDecimalsIntoExactMinorUnits() {
        #expect(plain.parse("12.3", exponent: 2) == .exact(1230))
        #expect(plain.parse("  42.10 ", exponent: 2) == .exact(4210))
        #expect(plain.parse("+5", exponent: 2) == .exact(500))
        #expect(plain.parse(".5", exponent: 2) == .exact(50))
        #expect(plain.parse("7.", exponent: 2) == .exact(700))
        #expect(plain.parse("100", exponent: 0) == .exact(100))
        #expect(plain.parse("1.234", exponent: 3) == .exact(1234))
    }

    @Test func keepsSignsAndZero() {
        #expect(plain.parse("-0.5", exponent: 2) == .exact(-50))
        #expect(plain.parse("-0", exponent: 2) == .exact(0))
        #expect(plain.parse("0.000", exponent: 2) == .exact(0))
        #expect(plain.parse("-1234.56", exponent: 2) == .exact(-123_456))
    }

    @Test func readsExponentNotation() {
        #expect(plain.parse("1e2", exponent: 2) == .exact(10_000))
        #expect(plain.parse("1E-2", exponent: 2) == .exact(1))
        #expect(plain.parse("12.345e1", exponent: 2) == .exact(12_345))
        #expect(plain.parse("-2.5E+3", exponent: 2) == .exact(-250_000))
    }

    @Test func acceptsThousandsSeparatorsOnlyWhenDeclaredAndInGroupsOfThree() {
        #expect(grouped.parse("1,234.56", exponent: 2) == .exact(123_456))
        #expect(grouped.parse("12,345,678", exponent: 2) == .exact(1_234_567_800))
        #expect(plain.parse("1,234.56", exponent: 2) == .unparseable)
        #expect(grouped.parse("1,23.4", exponent: 2) == .unparseable)
        #expect(grouped.parse("1,2345", exponent: 2) == .unparseable)
        #expect(grouped.parse(",123", exponent: 2) == .unparseable)
        #expect(european.parse("1.234,5", exponent: 2) == .exact(123_450))
    }

    @Test func snapsFloatingPointArtefactsWithinOneTenThousandthOfAMinorUnit() {
        #expect(plain.parse("10.199999999", exponent: 2) == .snapped(1020))
        #expect(plain.parse("0.30000000000000004", exponent: 2) == .snapped(30))
        #expect(plain.parse("-10.199999999", exponent: 2) == .snapped(-1020))
        #expect(plain.parse("19.990000000000002", exponent: 2) == .snapped(1999))
        #expect(plain.parse("0.300000000000000044408920985006", exponent: 2) == .snapped(30))
        #expect(plain.parse("10.000001", exponent: 2) == .snapped(1000))
    }

    @Test func rejectsDigitsBelowTheMinorUnitBeyondTheTolerance() {
        #expect(plain.parse("10.005", exponent: 2) == .subMinor)
        #expect(plain.parse("10.0049", exponent: 2) == .subMinor)
        #expect(plain.parse("10.00001", exponent: 2) == .subMinor)
        #expect(plain.parse("1.5", exponent: 0) == .subMinor)
        #expect(plain.parse("1e-3", exponent: 2) == .subMinor)
    }

    @Test func rejectsTextThatIsNotANumber() {
        for text in ["", "abc", "1.2.3", "1e", "--1", "1 000", "12.3USD", "$12", "e5", "-", "."] {
            #expect(plain.parse(text, exponent: 2) == .unparseable, "\(text)")
        }
    }

    @Test func rejectsAmountsBeyondSixtyFourBits() {
        #expect(plain.parse("92233720368547758.07", exponent: 2) == .exact(Int64.max))
        #expect(plain.parse("92233720368547758.08", exponent: 2) == .outOfRange)
        #expect(plain.parse("1e400", exponent: 2) == .outOfRange)
        #expect(plain.parse("123456789012345678901234", exponent: 2) == .outOfRange)
    }

    @Test func dropsOnlyDigitsFarBelowTheMinorUnit() {
        #expect(plain.parse("0.1000000000000000000000000000000000000009", exponent: 2) == .exact(10))
        #expect(plain.parse("1234567890123456.78", exponent: 2) == .exact(123_456_789_012_345_678))
    }

    /// What a PHP or JavaScript export prints for a double (17 significant digits, artefacts
    /// and all) must come back as the exact cents it was meant to be, up to a billion units.
    @Test func readsBackDoublesPrintedWithAllTheirDigits() {
        var numbers = SeededNumbers(seed: 42)
        for _ in 0..<20_000 {
            let cents = Int64(numbers.next() >> 28) % 100_000_000_000 - 50_000_000_000
            let printed = String(format: "%.17g", Double(cents) / 100)
            let outcome = plain.parse(printed, exponent: 2)
            #expect(outcome == .exact(cents) || outcome == .snapped(cents), "\(printed)")
        }
    }

    @Test func knowsISO4217Exponents() {
        #expect(CurrencyTable.exponent(of: "USD") == 2)
        #expect(CurrencyTable.exponent(of: "JPY") == 0)
        #expect(CurrencyTable.exponent(of: "KWD") == 3)
        #expect(CurrencyTable.exponent(of: "XXX") == nil)
    }
}

@testable import MLMMigrate
import Testing

/// Money as people read it in the reports: exact, grouped, in the currency's own decimals.
@Suite struct MoneyTextTests {
    @Test(arguments: [
        // Exponent 2.
        ("18289655", "EUR", "182,896.55 EUR"),
        ("12345", "USD", "123.45 USD"),
        ("5", "USD", "0.05 USD"),
        ("100", "USD", "1.00 USD"),
        ("0", "EUR", "0.00 EUR"),
        ("-5", "USD", "-0.05 USD"),
        ("-18289655", "EUR", "-182,896.55 EUR"),
        ("99999", "EUR", "999.99 EUR"),
        ("100000", "EUR", "1,000.00 EUR"),
        // Exponent 0: no point.
        ("1250", "JPY", "1,250 JPY"),
        ("7", "JPY", "7 JPY"),
        ("-1000", "JPY", "-1,000 JPY"),
        ("123456789", "KRW", "123,456,789 KRW"),
        // Exponent 3.
        ("12500", "KWD", "12.500 KWD"),
        ("5", "KWD", "0.005 KWD"),
        ("-1234567", "BHD", "-1,234.567 BHD"),
        // Exponent 4.
        ("12345", "CLF", "1.2345 CLF"),
    ] as [(String, String, String)])
    func formatsMinorUnitsInTheirCurrency(_ minor: String, _ currency: String, _ text: String) {
        #expect(MoneyText.format(minor, currency: currency) == text)
    }

    @Test func formatsTheInt64ExtremesExactly() {
        #expect(MoneyText.format(Int64.max, currency: "USD") == "92,233,720,368,547,758.07 USD")
        #expect(MoneyText.format(Int64.min, currency: "USD") == "-92,233,720,368,547,758.08 USD")
        #expect(MoneyText.format(Int64.min, currency: "JPY") == "-9,223,372,036,854,775,808 JPY")
        #expect(MoneyText.format(Int64.max, currency: "KWD") == "9,223,372,036,854,775.807 KWD")
    }

    @Test func formatsATotalWiderThanSixtyFourBitsExactly() {
        // A numeric sum of 24 digits is never converted to a number.
        let minor = "123456789012345678901234"
        #expect(MoneyText.format(minor, currency: "EUR") == "1,234,567,890,123,456,789,012.34 EUR")
    }

    @Test func showsNoMinusOnZero() {
        #expect(MoneyText.format("-0", currency: "USD") == "0.00 USD")
        #expect(MoneyText.format("-000", currency: "JPY") == "0 JPY")
    }

    @Test func dropsLeadingZerosAndAPlusSign() {
        #expect(MoneyText.format("000123", currency: "USD") == "1.23 USD")
        #expect(MoneyText.format("+2500", currency: "JPY") == "2,500 JPY")
    }

    @Test func showsAnUnknownCurrencyInGroupedMinorUnitsWithoutGuessingItsDecimals() {
        #expect(MoneyText.format("1234567", currency: "XYZ") == "1,234,567 minor units XYZ")
        #expect(MoneyText.format("-5", currency: "") == "-5 minor units ")
        #expect(MoneyText.format(Int64.min, currency: "ZZZ") == "-9,223,372,036,854,775,808 minor units ZZZ")
    }

    @Test(arguments: ["", "-", "12.5", "1e3", "abc", " 12", "١٢"])
    func returnsTextThatIsNotAnIntegerAsItIs(_ text: String) {
        #expect(MoneyText.format(text, currency: "USD") == text)
        #expect(MoneyText.decimal(text, exponent: 2) == nil)
    }

    @Test func groupsAScaledVolumeWithoutAUnit() {
        #expect(MoneyText.decimal("123456", exponent: 2) == "1,234.56")
        #expect(MoneyText.decimal("-345", exponent: 2) == "-3.45")
        #expect(MoneyText.decimal("1000000", exponent: 0) == "1,000,000")
    }
}

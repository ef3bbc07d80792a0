/// Money as a person reads it: signed minor units shown in their currency's major unit, with
/// thousands grouped and the code after (`18289655` EUR is `182,896.55 EUR`, `1250` JPY is
/// `1,250 JPY`, `12500` KWD is `12.500 KWD`, a negative amount has a leading minus).
///
/// It works on the decimal digits only, never through `Double` or `Decimal`, so every amount
/// (an `Int64` extreme, or a `numeric` total wider than 64 bits) is shown exactly.
public enum MoneyText {
    /// `minor` (an integer in minor units, optionally signed) in `currency`. A currency code the
    /// ISO 4217 table does not know has no exponent to place a point by: the amount is shown as
    /// grouped minor units, `12,345 minor units XYZ`, never guessed. Text that is not an
    /// integer is returned as it is.
    public static func format(_ minor: String, currency: String) -> String {
        guard let exponent = CurrencyTable.exponent(of: currency) else {
            guard let grouped = decimal(minor, exponent: 0) else { return minor }
            return "\(grouped) minor units \(currency)"
        }
        guard let text = decimal(minor, exponent: exponent) else { return minor }
        return "\(text) \(currency)"
    }

    /// `minor` in `currency`, as the text form above shows it.
    public static func format(_ minor: Int64, currency: String) -> String {
        format(String(minor), currency: currency)
    }

    /// A scaled integer (`minor` at `exponent` decimal places) with thousands grouped and no
    /// unit: `-123456` at 2 is `-1,234.56`. nil when `minor` is not an integer.
    public static func decimal(_ minor: String, exponent: Int) -> String? {
        var digits = Substring(minor)
        let negative = digits.first == "-"
        if negative || digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        digits = digits.drop { $0 == "0" }
        let places = max(exponent, 0)
        var padded = String(digits)
        if padded.count <= places { padded = String(repeating: "0", count: places - padded.count + 1) + padded }
        let split = padded.index(padded.endIndex, offsetBy: -places)
        var text = grouped(padded[..<split])
        if places > 0 { text += "." + padded[split...] }
        let isZero = digits.isEmpty
        return (negative && !isZero ? "-" : "") + text
    }

    /// Digits with a comma between each group of three, from the right.
    private static func grouped(_ digits: Substring) -> String {
        var out = ""
        out.reserveCapacity(digits.count + digits.count / 3)
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}

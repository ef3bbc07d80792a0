/// Rule: parses a legacy money text exactly into integer minor units, with no floating point
/// anywhere on the path.
///
/// Accepts an optional sign, digits with an optional decimal separator, thousands separators
/// only when the mapping declares one (and then only in groups of three), and exponent notation
/// (`1e2`, `12.3E-1`), the forms float-printing legacy systems emit. The decimal value is held as
/// an integer significand and a power of ten, then scaled to the currency's minor unit.
///
/// A value with digits below the minor unit is a binary floating-point artefact, and is snapped
/// to the nearest minor unit, only when it lies within one ten-thousandth of a minor unit of it
/// (`10.199999999` USD is 1020 cents; `0.30000000000000004` is 30). Anything else below the
/// minor unit (`10.005` USD, `1.5` JPY) is rejected: money is never rounded silently.
public struct ParseMoney: Sendable {
    public enum Outcome: Equatable, Sendable {
        /// Exact: the text named a whole number of minor units.
        case exact(Int64)
        /// Snapped from a floating-point artefact to this many minor units.
        case snapped(Int64)
        /// Digits below the minor unit beyond the artefact tolerance.
        case subMinor
        /// Not a number in the declared format.
        case unparseable
        /// Does not fit a signed 64-bit count of minor units.
        case outOfRange
    }

    /// The separator between whole and fractional digits.
    public var decimalSeparator: UInt8
    /// A thousands separator the mapping declares, or nil to reject any.
    public var thousandsSeparator: UInt8?

    /// Significant digits kept (38 fit in Int128). A digit beyond them is at least 10^19 times
    /// smaller than the smallest minor unit an Int64 amount can have next to it, so dropping it
    /// cannot change a result outside the artefact tolerance.
    static let maxDigits = 38
    /// The artefact tolerance as a power of ten of the minor unit (10^-4).
    static let toleranceDigits = 4

    public init(decimalSeparator: UInt8 = UInt8(ascii: "."), thousandsSeparator: UInt8? = nil) {
        self.decimalSeparator = decimalSeparator
        self.thousandsSeparator = thousandsSeparator
    }

    /// Parses `text` as an amount in a currency whose minor unit has `exponent` decimals.
    public func parse(_ text: String, exponent: Int) -> Outcome {
        var text = text.trimmingWhitespace()
        return text.withUTF8 { parse(trimmed: $0, exponent: exponent) }
    }

    /// ``parse(_:exponent:)`` of text with no white space at either end, as UTF-8 bytes.
    public func parse(trimmed bytes: UnsafeBufferPointer<UInt8>, exponent: Int) -> Outcome {
        guard let (significand, power) = decimal(bytes) else { return .unparseable }
        return Self.scale(significand, power: power + exponent)
    }

    /// Reads the text into significand × 10^power; nil when it is not a number.
    private func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int128, Int)? {
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var significand: Int128 = 0
        var digits = 0
        var power = 0
        var sawDigit = false
        var sawDecimal = false
        var groupLength = -1
        while index < bytes.count {
            let byte = bytes[index]
            if byte &- 0x30 < 10 {
                sawDigit = true
                if groupLength >= 0 { groupLength += 1 }
                let digit = Int128(byte &- 0x30)
                if digits == 0 && digit == 0 {
                    if sawDecimal { power -= 1 }
                } else if digits < Self.maxDigits {
                    significand = significand * 10 + digit
                    digits += 1
                    if sawDecimal { power -= 1 }
                } else if !sawDecimal {
                    // Beyond 38 significant digits: whole digits still scale the value (and will
                    // overflow); fractional ones lie far below any minor unit and are dropped.
                    power += 1
                }
            } else if byte == decimalSeparator && !sawDecimal {
                guard groupLength == -1 || groupLength == 3 else { return nil }
                sawDecimal = true
                groupLength = -1
            } else if let separator = thousandsSeparator, byte == separator, !sawDecimal, sawDigit {
                guard groupLength == -1 || groupLength == 3 else { return nil }
                groupLength = 0
            } else {
                break
            }
            index += 1
        }
        guard sawDigit, groupLength == -1 || groupLength == 3 else { return nil }
        if index < bytes.count {
            guard bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") else { return nil }
            index += 1
            var exponentNegative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var exponent = 0
            var exponentDigits = 0
            while index < bytes.count, bytes[index] &- 0x30 < 10 {
                exponent = min(exponent * 10 + Int(bytes[index] &- 0x30), 10_000)
                exponentDigits += 1
                index += 1
            }
            guard exponentDigits > 0, index == bytes.count else { return nil }
            power += exponentNegative ? -exponent : exponent
        }
        return (negative ? -significand : significand, power)
    }

    /// significand × 10^power as a count of minor units (power already includes the exponent).
    static func scale(_ significand: Int128, power: Int) -> Outcome {
        if significand == 0 { return .exact(0) }
        if power >= 0 {
            guard power <= 38 else { return .outOfRange }
            let (value, overflow) = significand.multipliedReportingOverflow(by: pow10(power))
            return overflow ? .outOfRange : fit(value, snapped: false)
        }
        let dropped = -power
        guard dropped <= 38 else { return .subMinor }
        let unit = pow10(dropped)
        let whole = significand / unit
        let remainder = (significand % unit).magnitude
        if remainder == 0 { return fit(whole, snapped: false) }
        guard dropped >= toleranceDigits else { return .subMinor }
        let tolerance = UInt128(pow10(dropped - toleranceDigits))
        if remainder <= tolerance { return fit(whole, snapped: true) }
        if UInt128(unit) - remainder <= tolerance { return fit(whole + (significand < 0 ? -1 : 1), snapped: true) }
        return .subMinor
    }

    /// The minor-unit count if it fits a signed 64-bit integer.
    private static func fit(_ value: Int128, snapped: Bool) -> Outcome {
        guard let minor = Int64(exactly: value) else { return .outOfRange }
        return snapped ? .snapped(minor) : .exact(minor)
    }

    static func pow10(_ power: Int) -> Int128 {
        var value: Int128 = 1
        for _ in 0..<power { value *= 10 }
        return value
    }
}

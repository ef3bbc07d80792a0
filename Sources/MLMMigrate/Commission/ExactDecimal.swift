/// A non-negative decimal read exactly from plan text ("7.5" is 75 × 10⁻¹), never through a
/// floating-point value.
///
/// Only plain decimals are accepted: digits, optionally a point followed by digits. A sign, an
/// exponent, a thousands separator, a leading or trailing point or surrounding spaces are rejected,
/// so a plan rate is always exactly what the vendor's documentation says. Trailing fractional zeros
/// are dropped ("7.50" equals "7.5").
public struct ExactDecimal: Sendable, Hashable, CustomStringConvertible {
    /// The digits without the point.
    public let significand: Int64
    /// How many of those digits follow the point.
    public let scale: Int

    /// At most 18 digits, so every significand fits an Int64 with room for the plan's scalings.
    static let maxDigits = 18

    /// Parses `text`; nil when it is not a plain decimal of at most 18 digits.
    public init?(_ text: String) {
        var significand: Int64 = 0
        var scale = 0
        var digits = 0
        var sawPoint = false
        var digitsAfterPoint = 0
        var digitsBeforePoint = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard !sawPoint, digitsBeforePoint > 0 else { return nil }
                sawPoint = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            digits += 1
            guard digits <= Self.maxDigits else { return nil }
            significand = significand * 10 + Int64(byte - UInt8(ascii: "0"))
            if sawPoint {
                digitsAfterPoint += 1
                scale += 1
            } else {
                digitsBeforePoint += 1
            }
        }
        guard digitsBeforePoint > 0, !sawPoint || digitsAfterPoint > 0 else { return nil }
        while scale > 0 && significand % 10 == 0 {
            significand /= 10
            scale -= 1
        }
        self.significand = significand
        self.scale = scale
    }

    /// The value as an integer count of 10^-`places` units ("7.5" at 2 places is 750); nil when
    /// the value has more fractional digits than `places` or does not fit an Int64.
    public func scaled(to places: Int) -> Int64? {
        guard places >= scale, places - scale < ExactArithmetic.powersOfTen.count else { return nil }
        return Int64(exactly: Int128(significand) * ExactArithmetic.powersOfTen[places - scale])
    }

    /// True when the value has no fractional digits.
    public var isWhole: Bool { scale == 0 }

    public var description: String { ExactArithmetic.decimalText(Int128(significand), places: scale) }
}

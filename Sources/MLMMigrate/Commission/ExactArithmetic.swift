/// Integer arithmetic on exact amounts held as a numerator over a power of ten, and their text.
///
/// Every product of volume, rate and currency scaling is formed in Int128 (an Int64 volume times
/// a rate of at most 10⁸ times 10¹⁶ stays below 10³⁸), so nothing is rounded before the plan says.
enum ExactArithmetic {
    /// 10⁰ ... 10³⁸, every power of ten an Int128 holds.
    static let powersOfTen: [Int128] = {
        var powers: [Int128] = [1]
        for _ in 1...38 { powers.append(powers[powers.count - 1] * 10) }
        return powers
    }()

    /// `numerator` / 10^`places`, rounded to an integer with `mode`. Ties and truncation are
    /// taken on the magnitude, so a negative amount rounds like its positive mirror.
    static func round(_ numerator: Int128, places: Int, mode: CommissionPlan.RoundingMode) -> Int128 {
        guard places > 0 else { return numerator }
        let divisor = powersOfTen[places]
        let magnitude = numerator.magnitude
        var quotient = magnitude / divisor.magnitude
        let twiceRemainder = (magnitude % divisor.magnitude) * 2
        switch mode {
        case .down:
            break
        case .halfUp:
            if twiceRemainder >= divisor.magnitude { quotient += 1 }
        case .halfEven:
            let isTie = twiceRemainder == divisor.magnitude
            if twiceRemainder > divisor.magnitude || (isTie && quotient % 2 == 1) { quotient += 1 }
        }
        let result = Int128(quotient)
        return numerator < 0 ? -result : result
    }

    /// The smallest integer at least `numerator` / `denominator` (both non-negative, denominator > 0).
    static func ceilingDivide(_ numerator: Int128, by denominator: Int128) -> Int128 {
        (numerator + denominator - 1) / denominator
    }

    /// `value` / 10^`places` as decimal text with exactly `places` fractional digits ("-1.50").
    static func decimalText(_ value: Int128, places: Int) -> String {
        let digits = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        guard places > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, places + 1 - digits.count)) + digits
        let split = padded.index(padded.endIndex, offsetBy: -places)
        return sign + padded[..<split] + "." + padded[split...]
    }

    /// Like ``decimalText(_:places:)``, with trailing fractional zeros dropped down to `keep` digits.
    static func decimalText(_ value: Int128, places: Int, keep: Int) -> String {
        var value = value
        var places = places
        while places > keep && value % 10 == 0 {
            value /= 10
            places -= 1
        }
        return decimalText(value, places: places)
    }
}

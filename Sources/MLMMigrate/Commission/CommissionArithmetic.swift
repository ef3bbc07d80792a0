/// The plan's numbers in the integer units the engine computes in.
///
/// An exact amount is an Int128 count of 10^-`exactPlaces` minor units, where `exactPlaces` is
/// volume_scale + the most decimals any bonus percent has + 2 (the percent's hundredths): then
/// volume × rate × 10^currency_exponent is that count with no division, so every product is
/// exact, and a flat or capped amount in minor units only gains zeros.
struct CommissionArithmetic: Sendable {
    let exponent: Int
    let volumeScale: Int
    /// Decimals of every rate below: a rate of 12345 at rateScale 3 is 12.345 percent.
    let rateScale: Int
    let exactPlaces: Int
    /// The binary percent as a rate, under a percent bonus.
    let binaryRate: Int64?
    /// Each unilevel level's percent as a rate.
    let levelRates: [Int64]
    let mode: CommissionPlan.RoundingMode

    init(plan: CommissionPlan) {
        var percents = plan.unilevel?.percents ?? []
        if case .percent(let percent) = plan.binary?.bonus { percents.append(percent) }
        let rateScale = percents.map(\.scale).max() ?? 0
        exponent = plan.currencyExponent
        volumeScale = plan.volumeScale
        self.rateScale = rateScale
        exactPlaces = plan.volumeScale + rateScale + 2
        if case .percent(let percent) = plan.binary?.bonus {
            binaryRate = percent.scaled(to: rateScale)
        } else {
            binaryRate = nil
        }
        levelRates = (plan.unilevel?.percents ?? []).map { $0.scaled(to: rateScale) ?? 0 }
        mode = plan.rounding.mode
    }

    /// The exact value of `volume` paid at `rate` (volume × rate/10^rateScale percent, one currency
    /// unit per BV).
    func exact(volume: Int64, rate: Int64) -> Int128 {
        Int128(volume) * Int128(rate) * ExactArithmetic.powersOfTen[exponent]
    }

    /// The exact value of a whole number of minor units.
    func exact(minor: Int64) -> Int128 { Int128(minor) * ExactArithmetic.powersOfTen[exactPlaces] }

    /// `exact` rounded to minor units with the plan's mode.
    func rounded(_ exact: Int128) -> Int128 { ExactArithmetic.round(exact, places: exactPlaces, mode: mode) }

    /// One deduction of `percent` from `grossMinor`: exact (a count of 10^-`places` minor units)
    /// and rounded to minor units.
    func deduction(
        _ percent: ExactDecimal, from grossMinor: Int64
    ) -> (exact: Int128, places: Int, minor: Int64) {
        let exact = Int128(grossMinor) * Int128(percent.significand)
        let places = percent.scale + 2
        return (exact, places, Int64(ExactArithmetic.round(exact, places: places, mode: mode)))
    }

    /// An exact amount in currency units ("12.3456" USD), trailing zeros dropped to the minor unit.
    func moneyText(_ exact: Int128) -> String {
        ExactArithmetic.decimalText(exact, places: exactPlaces + exponent, keep: exponent)
    }

    /// Minor units in currency units ("12.35").
    func moneyText(minor: Int64) -> String { ExactArithmetic.decimalText(Int128(minor), places: exponent) }

    /// Scaled volume in BV ("150.25").
    func volumeText(_ volume: Int64) -> String {
        ExactArithmetic.decimalText(Int128(volume), places: volumeScale)
    }

    /// A rate as a percent ("7.5").
    func percentText(_ rate: Int64) -> String {
        ExactArithmetic.decimalText(Int128(rate), places: rateScale, keep: 0)
    }
}

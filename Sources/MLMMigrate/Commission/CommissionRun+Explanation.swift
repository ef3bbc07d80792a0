/// Explanations, built on demand with the same code that computed the amounts: a binary one
/// settles the member again, a unilevel one walks again every counted order bought below it.
extension CommissionRun {
    /// Why `memberID` got its `bonus` amount; nil when the member is unknown or the plan has no
    /// such bonus. Also answers for a member without a line (everything zero).
    public func explanation(memberID: Int64, bonus: CommissionBonus) -> CommissionExplanation? {
        guard let position = engine.index.position(of: memberID) else { return nil }
        switch bonus {
        case .binary: return binaryExplanation(Int(position)).map { .binary($0) }
        case .unilevel: return unilevelExplanation(position).map { .unilevel($0) }
        }
    }

    private func binaryExplanation(_ position: Int) -> BinaryExplanation? {
        guard let rule = engine.plan.binary else { return nil }
        let outcome = engine.settleBinary(position, volumes)
        let numbers = engine.arithmetic
        let legs = (0..<2).map { leg in
            BinaryLegExplanation(
                leg: rule.legs[leg], openingCarry: numbers.volumeText(outcome.opening[leg]),
                added: numbers.volumeText(outcome.added[leg]), total: numbers.volumeText(outcome.total[leg]),
                usedByPaidPairs: numbers.volumeText(outcome.usedByPaidPairs[leg]),
                flushed: numbers.volumeText(outcome.flushed[leg]),
                returnedOverCap: numbers.volumeText(outcome.returnedOverCap[leg]),
                closingCarry: numbers.volumeText(outcome.closing[leg])
            )
        }
        var reasons: [String] = []
        if outcome.personalPVShort, let required = rule.qualification?.personalPV {
            let own = numbers.volumeText(outcome.personalPV)
            reasons.append("personal PV \(own) < \(numbers.volumeText(required))")
        }
        for leg in 0..<2 where outcome.legsWithoutActiveSponsored & (1 << leg) != 0 {
            reasons.append("no active personally sponsored member in leg \(rule.legs[leg])")
        }
        let firstPair = outcome.firstPairBigLeg.map {
            FirstPairExplanation(
                rule: rule.firstPair.rawValue, twoFromLeg: rule.legs[$0], met: outcome.firstPairMet
            )
        }
        var cap: CapExplanation?
        if outcome.capped, let rule = rule.cap, let overCap = engine.plan.binary?.overCap {
            let amount = switch rule.per {
            case .money: numbers.moneyText(minor: rule.amount)
            case .pairs: String(rule.amount)
            case .volume: numbers.volumeText(rule.amount)
            }
            cap = CapExplanation(
                per: rule.per.rawValue, amount: amount,
                paidPairedVolume: numbers.volumeText(outcome.paidPairedVolume),
                cutPairedVolume: numbers.volumeText(outcome.pairedVolume - outcome.paidPairedVolume),
                uncappedExact: numbers.moneyText(outcome.uncappedExact),
                cutExact: numbers.moneyText(outcome.uncappedExact - outcome.exact), overCap: overCap.rawValue
            )
        }
        let gross = Int64(clamping: numbers.rounded(outcome.exact))
        return BinaryExplanation(
            memberID: engine.index.ids[position], legs: legs,
            personalPV: numbers.volumeText(outcome.personalPV),
            qualified: outcome.qualified, notQualifiedBecause: reasons,
            unqualifiedVolume: outcome.qualified ? nil : rule.unqualified?.rawValue, firstPair: firstPair,
            pairs: outcome.pairs, pairedVolume: numbers.volumeText(outcome.pairedVolume), cap: cap,
            amount: amountExplanation(exact: outcome.exact, grossMinor: gross)
        )
    }

    /// Rounding and deductions of a gross, as ``CommissionEngine/line(_:_:gross:)`` takes them.
    func amountExplanation(exact: Int128, grossMinor: Int64) -> AmountExplanation {
        let numbers = engine.arithmetic
        let deductions = engine.plan.deductions.map { deduction in
            let taken = numbers.deduction(deduction.percent, from: grossMinor)
            let places = taken.places + numbers.exponent
            return DeductionExplanation(
                name: deduction.name, percent: deduction.percent.description,
                exact: ExactArithmetic.decimalText(taken.exact, places: places, keep: numbers.exponent),
                amountMinor: taken.minor
            )
        }
        let deducted = deductions.reduce(0) { $0 + $1.amountMinor }
        return AmountExplanation(
            grossExact: numbers.moneyText(exact), roundingMode: engine.plan.rounding.mode.rawValue,
            roundingAt: engine.plan.rounding.at.rawValue,
            roundingAdjustment: numbers.moneyText(numbers.exact(minor: grossMinor) - exact),
            grossMinor: grossMinor,
            deductions: deductions, deductionsMinor: deducted, netMinor: grossMinor - deducted
        )
    }

    /// "inactive: personal PV 0.00 < 100.00" for an upline below active_pv.
    func inactiveReason(_ member: Int32) -> String {
        let numbers = engine.arithmetic
        let required = engine.plan.unilevel?.activePV ?? 0
        let own = volumes.personalPV[Int(member)]
        return "inactive: personal PV \(numbers.volumeText(own)) < \(numbers.volumeText(required))"
    }

    /// Member positions from `buyer` up `generations` sponsor steps.
    func sponsorPath(from buyer: Int32, generations: Int) -> [Int32] {
        var path = [buyer]
        var member = buyer
        for _ in 0..<generations {
            member = engine.sponsor[Int(member)]
            path.append(member)
        }
        return path
    }
}

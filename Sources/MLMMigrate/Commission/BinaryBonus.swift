/// Volume on each of the two binary legs (index 0 is the first leg the plan lists).
struct LegVolumes: Sendable, Equatable {
    var first: Int64 = 0
    var second: Int64 = 0

    subscript(leg: Int) -> Int64 {
        get { leg == 0 ? first : second }
        set { if leg == 0 { first = newValue } else { second = newValue } }
    }

    var isZero: Bool { first == 0 && second == 0 }

    static func + (lhs: Self, rhs: Self) -> Self {
        Self(first: lhs.first + rhs.first, second: lhs.second + rhs.second)
    }

    static func - (lhs: Self, rhs: Self) -> Self {
        Self(first: lhs.first - rhs.first, second: lhs.second - rhs.second)
    }
}

/// One member's binary outcome for a period, every figure an explanation shows. Per leg,
/// total = usedByPaidPairs + flushed + closing always holds.
struct BinarySettlement: Sendable, Equatable {
    var opening = LegVolumes()
    var added = LegVolumes()
    var total = LegVolumes()
    var personalPV: Int64 = 0
    var qualified = true
    /// Personal PV below the qualification's.
    var personalPVShort = false
    /// Bit per leg (1 << leg) without an active personally sponsored member, when required.
    var legsWithoutActiveSponsored: UInt8 = 0
    /// The leg that must give the two of a 2:1 first pair; nil when first_pair is none.
    var firstPairBigLeg: Int?
    var firstPairMet = false
    /// Whole pairs made; nil under a percent bonus without pair_volume.
    var pairs: Int64?
    var pairedVolume: Int64 = 0
    /// Paired volume the cap let through.
    var paidPairedVolume: Int64 = 0
    var uncappedExact: Int128 = 0
    /// The gross amount after the cap, exact (see ``CommissionArithmetic``).
    var exact: Int128 = 0
    var capped = false
    var usedByPaidPairs = LegVolumes()
    /// Paired volume over the cap, given back to each leg (over_cap: carry).
    var returnedOverCap = LegVolumes()
    var flushed = LegVolumes()
    var closing = LegVolumes()
}

/// The binary rules of docs/commissions.md: qualification, first pair, 1:1 pairing, cap, carry.
/// Pure: the same legs and plan always settle the same way.
enum BinaryBonus {
    static func settle(
        _ rule: CommissionPlan.Binary, _ arithmetic: CommissionArithmetic,
        opening: LegVolumes, added: LegVolumes, personalPV: Int64, activeSponsoredLegs: UInt8
    ) -> BinarySettlement {
        var outcome = BinarySettlement(
            opening: opening, added: added, total: opening + added, personalPV: personalPV
        )
        let total = outcome.total
        if let qualification = rule.qualification {
            outcome.personalPVShort = personalPV < qualification.personalPV
            if qualification.sponsoredActiveEachLeg {
                outcome.legsWithoutActiveSponsored = ~activeSponsoredLegs & 0b11
            }
            outcome.qualified = !outcome.personalPVShort && outcome.legsWithoutActiveSponsored == 0
        }
        guard outcome.qualified else {
            outcome.closing = rule.unqualified == .carry ? total : LegVolumes()
            outcome.flushed = total - outcome.closing
            return outcome
        }
        let consumed = pair(rule, total, &outcome)
        applyCap(rule, arithmetic, &outcome)
        let cut = outcome.pairedVolume - outcome.paidPairedVolume
        let overCap = LegVolumes(first: cut, second: cut)
        let leftover = total - consumed
        if rule.overCap == .carry { outcome.returnedOverCap = overCap }
        outcome.usedByPaidPairs = consumed - overCap
        var kept = LegVolumes()
        if rule.carryForward {
            let strong = leftover.first >= leftover.second ? 0 : 1
            kept[strong] = leftover[strong]
            var flushesWeak = false
            if case .flat = rule.bonus, let unit = rule.pairVolume {
                flushesWeak = rule.flatRemainder == .flush && leftover[1 - strong] < unit
            }
            kept[1 - strong] = flushesWeak ? 0 : leftover[1 - strong]
        }
        outcome.closing = kept + outcome.returnedOverCap
        outcome.flushed = total - outcome.usedByPaidPairs - outcome.closing
        return outcome
    }

    /// First pair, then 1:1 pairs: how much each leg gives and how many pairs that makes.
    private static func pair(
        _ rule: CommissionPlan.Binary, _ total: LegVolumes, _ outcome: inout BinarySettlement
    ) -> LegVolumes {
        var consumed = LegVolumes()
        var pairs: Int64 = 0
        if rule.firstPair != .none, let unit = rule.pairVolume {
            let big = switch rule.firstPair {
            case .twoToOne: 0
            case .oneToTwo: 1
            case .either, .none: total.first >= total.second ? 0 : 1
            }
            outcome.firstPairBigLeg = big
            guard total[big] >= 2 * unit, total[1 - big] >= unit else {
                outcome.pairs = 0
                return consumed
            }
            outcome.firstPairMet = true
            consumed[big] = 2 * unit
            consumed[1 - big] = unit
            outcome.pairedVolume = unit
            pairs = 1
        }
        let remaining = total - consumed
        switch rule.bonus {
        case .flat:
            let unit = rule.pairVolume ?? 1
            let count = min(remaining.first / unit, remaining.second / unit)
            pairs += count
            outcome.pairedVolume += count * unit
            consumed = consumed + LegVolumes(first: count * unit, second: count * unit)
            outcome.pairs = pairs
        case .percent:
            let volume = min(remaining.first, remaining.second)
            outcome.pairedVolume += volume
            consumed = consumed + LegVolumes(first: volume, second: volume)
            outcome.pairs = rule.pairVolume.map { outcome.pairedVolume / $0 }
        }
        return consumed
    }

    /// The gross before and after the cap, and the paired volume the cap lets through: a pair
    /// paid even in part is used; only volume that earns nothing is over the cap.
    private static func applyCap(
        _ rule: CommissionPlan.Binary, _ arithmetic: CommissionArithmetic, _ outcome: inout BinarySettlement
    ) {
        let volume = outcome.pairedVolume
        let cap = rule.cap
        switch rule.bonus {
        case .flat(let perPair):
            let unit = rule.pairVolume ?? 1
            let pairs = outcome.pairs ?? 0
            let perPairExact = arithmetic.exact(minor: perPair)
            outcome.uncappedExact = Int128(pairs) * perPairExact
            var paidPairs = pairs
            switch cap?.per {
            case .pairs?: paidPairs = min(pairs, cap?.amount ?? 0)
            case .volume?: paidPairs = min(pairs, (cap?.amount ?? 0) / unit)
            case .money?, nil: break
            }
            var paid = Int128(paidPairs) * perPairExact
            if cap?.per == .money, let amount = cap?.amount, paid > arithmetic.exact(minor: amount) {
                paid = arithmetic.exact(minor: amount)
                paidPairs = Int64(ExactArithmetic.ceilingDivide(Int128(amount), by: Int128(perPair)))
            }
            outcome.exact = paid
            outcome.paidPairedVolume = paidPairs * unit
        case .percent:
            let rate = arithmetic.binaryRate ?? 0
            outcome.uncappedExact = arithmetic.exact(volume: volume, rate: rate)
            var paidVolume = volume
            switch cap?.per {
            case .pairs?: paidVolume = min(volume, (cap?.amount ?? 0) * (rule.pairVolume ?? 0))
            case .volume?: paidVolume = min(volume, cap?.amount ?? 0)
            case .money?, nil: break
            }
            var paid = arithmetic.exact(volume: paidVolume, rate: rate)
            if cap?.per == .money, let amount = cap?.amount, paid > arithmetic.exact(minor: amount) {
                paid = arithmetic.exact(minor: amount)
                let perVolume = arithmetic.exact(volume: 1, rate: rate)
                paidVolume = min(volume, Int64(ExactArithmetic.ceilingDivide(paid, by: perVolume)))
            }
            outcome.exact = paid
            outcome.paidPairedVolume = paidVolume
        }
        outcome.capped = outcome.exact < outcome.uncappedExact || outcome.paidPairedVolume < volume
    }
}

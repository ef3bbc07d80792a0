/// What one member earned from one bonus in the period, net of the plan's deductions.
public struct CommissionLine: Sendable, Equatable, Codable {
    public var memberID: Int64
    public var bonus: CommissionBonus
    /// Rounded gross, minor units.
    public var grossMinor: Int64
    /// Sum of the rounded deductions, minor units.
    public var deductionsMinor: Int64
    /// Net (gross - deductions), minor units: what the legacy payout is compared with.
    public var amountMinor: Int64
}

/// A member's binary volume carried into the next period on one leg.
public struct CarryBalance: Sendable, Equatable, Codable {
    public var memberID: Int64
    /// The leg code as the plan lists it.
    public var leg: String
    /// Scaled at the plan's volume_scale.
    public var volume: Int64
}

/// The engine's result for one period. Explanations are computed on demand from what the run
/// keeps (flat per-member arrays and the caller's orders), so a run over a million members stays
/// small; an explanation costs one member's settlement (binary) or one scan of the orders (unilevel).
public struct CommissionRun: Sendable {
    public let period: CommissionPeriod
    /// Every member with a nonzero amount or something to explain, by member id then bonus.
    public let lines: [CommissionLine]
    /// Every member's nonzero closing carry, by member id then the plan's leg order.
    public let closingCarry: [CarryBalance]
    public let orders: CommissionOrderTally
    let engine: CommissionEngine
    let volumes: PeriodVolumes
    let unilevel: UnilevelBonus?
    let orderList: [CommissionOrder]

    /// The closing carry as the next period's `openingCarry`.
    public var closingCarryByMember: [Int64: [String: Int64]] {
        var result: [Int64: [String: Int64]] = [:]
        for balance in closingCarry { result[balance.memberID, default: [:]][balance.leg] = balance.volume }
        return result
    }
}

extension CommissionEngine {
    /// Recomputes `period` from `orders` (any order; only counted ones are used) and the binary
    /// carry each member opened the period with (`[memberID: [leg: scaled volume]]`).
    public func run(
        orders: [CommissionOrder], period: CommissionPeriod, openingCarry: [Int64: [String: Int64]] = [:]
    ) throws(CommissionInputError) -> CommissionRun {
        try plan.period.check(period)
        let volumes = try PeriodVolumes(self, orders: orders, period: period, openingCarry: openingCarry)
        var unilevel: UnilevelBonus?
        var unilevelSums: [Int128] = []
        var unilevelTouched: [Bool] = []
        if let rule = plan.unilevel, let tree = sponsorTree {
            let active = volumes.personalPV.map { $0 >= rule.activePV }
            let bonus = UnilevelBonus(
                sponsor: sponsor, order: tree, active: active, rates: arithmetic.levelRates,
                compression: rule.compression
            )
            (unilevelSums, unilevelTouched) = unilevelTotals(bonus, volumes, orders)
            unilevel = bonus
        }
        var lines: [CommissionLine] = []
        var carry: [CarryBalance] = []
        for position in 0..<index.count {
            let memberID = index.ids[position]
            if let rule = plan.binary {
                let outcome = settleBinary(position, volumes)
                for leg in 0..<2 where outcome.closing[leg] != 0 {
                    carry.append(
                        CarryBalance(memberID: memberID, leg: rule.legs[leg], volume: outcome.closing[leg])
                    )
                }
                let gross = try minorUnits(arithmetic.rounded(outcome.exact), memberID)
                if gross != 0 || !outcome.total.isZero {
                    lines.append(line(memberID, .binary, gross: gross))
                }
            }
            if unilevel != nil {
                let sum = unilevelSums[position]
                let gross = try minorUnits(plan.rounding.at == .line ? sum : arithmetic.rounded(sum), memberID)
                if gross != 0 || unilevelTouched[position] {
                    lines.append(line(memberID, .unilevel, gross: gross))
                }
            }
        }
        return CommissionRun(
            period: period, lines: lines, closingCarry: carry, orders: volumes.tally, engine: self,
            volumes: volumes, unilevel: unilevel, orderList: orders
        )
    }

    func settleBinary(_ position: Int, _ volumes: PeriodVolumes) -> BinarySettlement {
        guard let rule = plan.binary else { return BinarySettlement() }
        return BinaryBonus.settle(
            rule, arithmetic, opening: volumes.opening[position], added: volumes.added[position],
            personalPV: volumes.personalPV[position],
            activeSponsoredLegs: volumes.activeSponsoredLegs.isEmpty ? 0 : volumes.activeSponsoredLegs[position]
        )
    }

    /// Per member: the sum of its exact line amounts (member_total) or of its rounded line
    /// amounts (line), and whether any order reached it (paid, unpaid, rolled up or skipped).
    private func unilevelTotals(
        _ bonus: UnilevelBonus, _ volumes: PeriodVolumes, _ orders: [CommissionOrder]
    ) -> ([Int128], [Bool]) {
        var sums = [Int128](repeating: 0, count: index.count)
        var touched = [Bool](repeating: false, count: index.count)
        let roundsLines = plan.rounding.at == .line
        let arithmetic = arithmetic
        for (offset, buyer) in zip(volumes.countedOrders, volumes.countedBuyers) {
            let bv = orders[Int(offset)].bv
            bonus.walk(buyer: buyer) { step in
                guard step.member >= 0 else { return }
                let member = Int(step.member)
                touched[member] = true
                guard step.kind == .paid else { return }
                let exact = arithmetic.exact(volume: bv, rate: step.ownRate + step.rolledRate)
                sums[member] += roundsLines ? arithmetic.rounded(exact) : exact
            }
        }
        if bonus.compression == .dynamic, let tree = sponsorTree {
            var buyers = [Bool](repeating: false, count: index.count)
            for buyer in volumes.countedBuyers { buyers[Int(buyer)] = true }
            let skipped = bonus.skippedByDynamicCompression(order: tree, buyers: buyers)
            for member in skipped.indices where skipped[member] { touched[member] = true }
        }
        return (sums, touched)
    }

    /// The line for a rounded gross: each deduction rounded on the gross, in the plan's order.
    func line(_ memberID: Int64, _ bonus: CommissionBonus, gross: Int64) -> CommissionLine {
        var deducted: Int64 = 0
        for deduction in plan.deductions {
            deducted += arithmetic.deduction(deduction.percent, from: gross).minor
        }
        return CommissionLine(
            memberID: memberID, bonus: bonus, grossMinor: gross, deductionsMinor: deducted,
            amountMinor: gross - deducted
        )
    }

    func minorUnits(_ amount: Int128, _ memberID: Int64) throws(CommissionInputError) -> Int64 {
        guard let minor = Int64(exactly: amount) else {
            throw CommissionInputError(
                "commission.amount_overflow", "member \(memberID)'s amount exceeds an Int64"
            )
        }
        return minor
    }
}

/// One thing that happens to one upline for one order, as ``UnilevelBonus/walk(buyer:_:)`` finds it.
struct UnilevelStep: Sendable {
    enum Kind: Sendable {
        /// `member` is paid `ownRate` (its level's) plus `rolledRate` (rolled up from below).
        case paid
        /// compression none: `member` is inactive, keeps its level, and `ownRate` is not paid.
        case unpaid
        /// compression roll_up: `member` is inactive; `ownRate` goes to the next paid step.
        case rolled
        /// compression roll_up: no active upline is left above; `rolledRate` is not paid.
        case lost
    }

    var kind: Kind
    /// A member position; -1 for `lost`.
    var member: Int32
    /// 1 ... number of levels; 0 for a roll-up paid above the last level.
    var level: Int
    var ownRate: Int64
    var rolledRate: Int64 = 0
}

/// The unilevel rules of docs/commissions.md for one period's active set: which upline each
/// level of an order's BV goes to. Every step costs O(1): inactive runs are jumped over with
/// `nextActive`, so a long dead sponsor line costs nothing.
struct UnilevelBonus: Sendable {
    let sponsor: [Int32]
    /// Own counted PV ≥ active_pv.
    let active: [Bool]
    /// The nearest active strict sponsor ancestor, or -1.
    let nextActive: [Int32]
    let rates: [Int64]
    let compression: CommissionPlan.Compression

    init(
        sponsor: [Int32], order: TreeOrder, active: [Bool], rates: [Int64],
        compression: CommissionPlan.Compression
    ) {
        var nextActive = [Int32](repeating: -1, count: sponsor.count)
        for member in order.preorder {
            let parent = sponsor[Int(member)]
            if parent >= 0 { nextActive[Int(member)] = active[Int(parent)] ? parent : nextActive[Int(parent)] }
        }
        self.sponsor = sponsor
        self.active = active
        self.nextActive = nextActive
        self.rates = rates
        self.compression = compression
    }

    /// Calls `visit` for each step of an order bought by `buyer`, from level 1 upward.
    func walk(buyer: Int32, _ visit: (UnilevelStep) -> Void) {
        switch compression {
        case .none:
            var upline = sponsor[Int(buyer)]
            for level in 1...rates.count where upline >= 0 {
                let kind: UnilevelStep.Kind = active[Int(upline)] ? .paid : .unpaid
                visit(UnilevelStep(kind: kind, member: upline, level: level, ownRate: rates[level - 1]))
                upline = sponsor[Int(upline)]
            }
        case .rollUp:
            var upline = sponsor[Int(buyer)]
            var last: Int32 = -1
            var pending: Int64 = 0
            for level in 1...rates.count where upline >= 0 {
                let rate = rates[level - 1]
                if active[Int(upline)] {
                    visit(UnilevelStep(
                        kind: .paid, member: upline, level: level, ownRate: rate, rolledRate: pending
                    ))
                    pending = 0
                } else {
                    visit(UnilevelStep(kind: .rolled, member: upline, level: level, ownRate: rate))
                    pending += rate
                }
                last = upline
                upline = sponsor[Int(upline)]
            }
            guard pending > 0 else { return }
            let above = upline >= 0 ? nextActive[Int(last)] : -1
            let kind: UnilevelStep.Kind = above >= 0 ? .paid : .lost
            visit(UnilevelStep(kind: kind, member: above, level: 0, ownRate: 0, rolledRate: pending))
        case .dynamic:
            var upline = nextActive[Int(buyer)]
            var level = 1
            while level <= rates.count && upline >= 0 {
                visit(UnilevelStep(kind: .paid, member: upline, level: level, ownRate: rates[level - 1]))
                upline = nextActive[Int(upline)]
                level += 1
            }
        }
    }

    /// compression dynamic: whether some buyer below each inactive member reaches it before its
    /// levels run out (the member is skipped for that order). One bottom-up pass: the fewest
    /// active members between the member and a buyer below it must be under the level count.
    func skippedByDynamicCompression(order: TreeOrder, buyers: [Bool]) -> [Bool] {
        let unreached = Int32.max
        var fewestActiveBetween = [Int32](repeating: unreached, count: sponsor.count)
        for member in order.preorder.reversed() {
            let position = Int(member)
            let parent = sponsor[position]
            guard parent >= 0 else { continue }
            var candidate = buyers[position] ? 0 : unreached
            if fewestActiveBetween[position] != unreached {
                candidate = min(candidate, fewestActiveBetween[position] + (active[position] ? 1 : 0))
            }
            fewestActiveBetween[Int(parent)] = min(fewestActiveBetween[Int(parent)], candidate)
        }
        return sponsor.indices.map { !active[$0] && fewestActiveBetween[$0] < Int32(rates.count) }
    }
}

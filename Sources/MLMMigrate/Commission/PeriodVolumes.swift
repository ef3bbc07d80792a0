/// How many orders a run counted and why it ignored the others.
public struct CommissionOrderTally: Sendable, Equatable, Codable {
    public var counted = 0
    /// Status not in the plan's counted_statuses.
    public var otherStatus = 0
    /// Dated outside [startsAt, endsAt).
    public var outsidePeriod = 0
    /// For a member the engine was not given (quarantined in the migration, say).
    public var unknownMember = 0
    /// A negative BV or PV: returns are not netted into a closed period.
    public var negativeVolume = 0
}

/// One period's volumes per member position: own PV and BV from the counted orders, and, for a
/// binary plan, opening carry and volume added under each leg (one bottom-up pass).
struct PeriodVolumes: Sendable {
    var personalBV: [Int64]
    var personalPV: [Int64]
    var opening: [LegVolumes] = []
    var added: [LegVolumes] = []
    /// Bit per leg holding an active member this member personally sponsored (qualification).
    var activeSponsoredLegs: [UInt8] = []
    /// Counted orders with BV: position in the caller's array, and the buyer's position.
    var countedOrders: [Int32] = []
    var countedBuyers: [Int32] = []
    var tally = CommissionOrderTally()

    init(
        _ engine: CommissionEngine, orders: [CommissionOrder], period: CommissionPeriod,
        openingCarry: [Int64: [String: Int64]]
    ) throws(CommissionInputError) {
        let count = engine.index.count
        personalBV = [Int64](repeating: 0, count: count)
        personalPV = [Int64](repeating: 0, count: count)
        let statuses = Set(engine.plan.period.countedStatuses)
        for (offset, order) in orders.enumerated() {
            guard statuses.contains(order.status) else {
                tally.otherStatus += 1
                continue
            }
            guard period.contains(order.occurredAt) else {
                tally.outsidePeriod += 1
                continue
            }
            guard let buyer = engine.index.position(of: order.memberID) else {
                tally.unknownMember += 1
                continue
            }
            guard order.bv >= 0, order.pv >= 0 else {
                tally.negativeVolume += 1
                continue
            }
            tally.counted += 1
            personalBV[Int(buyer)] += order.bv
            personalPV[Int(buyer)] += order.pv
            if order.bv > 0 {
                countedOrders.append(Int32(offset))
                countedBuyers.append(buyer)
            }
        }
        if let binary = engine.plan.binary, let placement = engine.placement {
            try readOpening(engine, binary, openingCarry)
            sumLegs(engine, placement)
            if let qualification = binary.qualification, qualification.sponsoredActiveEachLeg {
                activeSponsoredLegs = [UInt8](repeating: 0, count: count)
                for member in 0..<count where engine.legUnderSponsor[member] >= 0 {
                    guard personalPV[member] >= qualification.personalPV else { continue }
                    let leg = UInt8(engine.legUnderSponsor[member])
                    activeSponsoredLegs[Int(engine.sponsor[member])] |= 1 << leg
                }
            }
        } else if !openingCarry.isEmpty {
            throw CommissionInputError(
                "commission.unexpected_carry", "opening carry is given but the plan has no binary"
            )
        }
    }

    private mutating func readOpening(
        _ engine: CommissionEngine, _ binary: CommissionPlan.Binary, _ openingCarry: [Int64: [String: Int64]]
    ) throws(CommissionInputError) {
        opening = [LegVolumes](repeating: LegVolumes(), count: engine.index.count)
        for (memberID, legs) in openingCarry {
            guard let position = engine.index.position(of: memberID) else {
                throw CommissionInputError(
                    "commission.carry_unknown_member", "opening carry of member \(memberID), not given"
                )
            }
            for (code, volume) in legs {
                guard let leg = binary.legs.firstIndex(of: code), volume >= 0 else {
                    throw CommissionInputError(
                        "commission.carry_invalid",
                        "opening carry of member \(memberID) is negative or in a leg not among \(binary.legs)"
                    )
                }
                opening[Int(position)][leg] = volume
            }
        }
    }

    /// Reverse preorder: each member's subtree BV is complete before it is added to its parent's leg.
    private mutating func sumLegs(_ engine: CommissionEngine, _ placement: TreeOrder) {
        added = [LegVolumes](repeating: LegVolumes(), count: engine.index.count)
        var subtree = personalBV
        for member in placement.preorder.reversed() {
            let position = Int(member)
            let parent = engine.placementParent[position]
            guard parent >= 0 else { continue }
            added[Int(parent)][Int(engine.placementLeg[position])] += subtree[position]
            subtree[Int(parent)] += subtree[position]
        }
    }
}

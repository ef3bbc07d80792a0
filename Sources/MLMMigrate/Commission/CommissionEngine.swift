/// Recomputes a closed pay period of a legacy plan from migrated members and orders: pure, no I/O,
/// integers only, deterministic. Build one per member set, then ``run(orders:period:openingCarry:)``.
///
/// Per-member state lives in arrays indexed by the member's position in id order, and both trees
/// are laid out in preorder (``TreeOrder``), so a million members cost a few flat arrays.
public struct CommissionEngine: Sendable {
    public let plan: CommissionPlan
    let index: MemberIndex
    /// Sponsor position per member, or -1.
    let sponsor: [Int32]
    /// Placement parent position per member, or -1 (binary plans only).
    let placementParent: [Int32]
    /// Leg (0 or 1, the plan's order) under the placement parent, or -1 (binary plans only).
    let placementLeg: [Int8]
    /// The placement forest (binary plans).
    let placement: TreeOrder?
    /// The sponsor forest (unilevel plans).
    let sponsorTree: TreeOrder?
    /// For each member, the leg of its sponsor's placement subtree it lies in, or -1 (binary
    /// plans requiring an active personally sponsored member in each leg).
    let legUnderSponsor: [Int8]
    let arithmetic: CommissionArithmetic

    /// Validates the trees: unique ids, known sponsors and placement parents, no cycle, and (in a
    /// binary plan) a plan leg for every placed member.
    public init(plan: CommissionPlan, members: [CommissionMember]) throws(CommissionInputError) {
        self.plan = plan
        arithmetic = CommissionArithmetic(plan: plan)
        let byID = members.indices.sorted { members[$0].memberID < members[$1].memberID }
        var duplicate: Int64?
        let sortedIDs = byID.map { members[$0].memberID }
        guard let index = MemberIndex(sortedIDs: sortedIDs, duplicate: &duplicate) else {
            throw CommissionInputError("commission.duplicate_member", "member \(duplicate ?? 0) is given twice")
        }
        self.index = index
        let count = byID.count
        var sponsor = [Int32](repeating: -1, count: count)
        var parent = [Int32](repeating: -1, count: count)
        var leg = [Int8](repeating: -1, count: count)
        let legs = plan.binary?.legs ?? []
        for (position, source) in byID.enumerated() {
            let member = members[source]
            if let sponsorID = member.sponsorID {
                guard let found = index.position(of: sponsorID) else {
                    throw CommissionInputError(
                        "commission.unknown_sponsor",
                        "member \(member.memberID) has sponsor \(sponsorID), not given"
                    )
                }
                sponsor[position] = found
            }
            guard !legs.isEmpty, let placementID = member.placementID else { continue }
            guard let found = index.position(of: placementID) else {
                throw CommissionInputError(
                    "commission.unknown_placement",
                    "member \(member.memberID) is placed under \(placementID), not given"
                )
            }
            guard let code = member.placementLeg, let legIndex = legs.firstIndex(of: code) else {
                throw CommissionInputError(
                    "commission.unknown_leg",
                    "member \(member.memberID) is placed in a leg that is not one of the plan's \(legs)"
                )
            }
            parent[position] = found
            leg[position] = Int8(legIndex)
        }
        self.sponsor = sponsor
        placementParent = parent
        placementLeg = leg
        var cycleMember: Int32?
        if plan.binary != nil {
            guard let tree = TreeOrder(parents: parent, groups: leg, cycleMember: &cycleMember) else {
                let id = cycleMember.map { index.ids[Int($0)] } ?? 0
                throw CommissionInputError(
                    "commission.placement_cycle", "member \(id) is in or under a placement cycle"
                )
            }
            placement = tree
        } else {
            placement = nil
        }
        if plan.unilevel != nil {
            guard let tree = TreeOrder(parents: sponsor, cycleMember: &cycleMember) else {
                let id = cycleMember.map { index.ids[Int($0)] } ?? 0
                throw CommissionInputError(
                    "commission.sponsor_cycle", "member \(id) is in or under a sponsor cycle"
                )
            }
            sponsorTree = tree
        } else {
            sponsorTree = nil
        }
        if let placement, plan.binary?.qualification?.sponsoredActiveEachLeg == true {
            legUnderSponsor = Self.legsUnderSponsors(sponsor: sponsor, placement: placement, legs: leg)
        } else {
            legUnderSponsor = []
        }
    }

    /// Which leg of its sponsor's placement subtree each member lies in: the sponsor's child
    /// whose subtree holds it. -1 when the sponsor is not above it in the placement tree.
    private static func legsUnderSponsors(sponsor: [Int32], placement: TreeOrder, legs: [Int8]) -> [Int8] {
        var result = [Int8](repeating: -1, count: sponsor.count)
        for member in sponsor.indices where sponsor[member] >= 0 {
            let upline = Int(sponsor[member])
            for slot in Int(placement.childStart[upline])..<Int(placement.childStart[upline + 1]) {
                let child = placement.children[slot]
                if placement.contains(Int32(member), under: child) {
                    result[member] = legs[Int(child)]
                    break
                }
            }
        }
        return result
    }

    /// The member ids, ascending: position p in every internal array is `memberIDs[p]`.
    public var memberIDs: [Int64] { index.ids }
}

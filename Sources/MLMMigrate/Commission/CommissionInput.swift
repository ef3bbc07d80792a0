/// A member as the engine sees it: target ids of itself, its sponsor and its placement parent.
public struct CommissionMember: Sendable, Equatable {
    public var memberID: Int64
    /// The enroller; nil for a root. Unilevel levels and "personally sponsored" follow it.
    public var sponsorID: Int64?
    /// The placement parent; nil for a root. Binary legs follow it.
    public var placementID: Int64?
    /// The leg under `placementID`, as the target's `placement_leg` holds it.
    public var placementLeg: String?

    public init(memberID: Int64, sponsorID: Int64?, placementID: Int64?, placementLeg: String?) {
        self.memberID = memberID
        self.sponsorID = sponsorID
        self.placementID = placementID
        self.placementLeg = placementLeg
    }
}

/// An order with its volumes, scaled at the plan's `volume_scale`.
public struct CommissionOrder: Sendable, Equatable {
    /// The legacy order id; explanations cite it.
    public var orderID: String
    public var memberID: Int64
    /// UTC unix seconds.
    public var occurredAt: Int64
    public var status: String
    /// Business volume: what binary legs and unilevel levels are paid on.
    public var bv: Int64
    /// Personal volume: what qualifies and activates the buyer.
    public var pv: Int64

    public init(orderID: String, memberID: Int64, occurredAt: Int64, status: String, bv: Int64, pv: Int64) {
        self.orderID = orderID
        self.memberID = memberID
        self.occurredAt = occurredAt
        self.status = status
        self.bv = bv
        self.pv = pv
    }
}

/// A pay period: orders at or after `startsAt` and before `endsAt` (UTC unix seconds) count.
public struct CommissionPeriod: Sendable, Equatable {
    public var startsAt: Int64
    public var endsAt: Int64

    public init(startsAt: Int64, endsAt: Int64) {
        self.startsAt = startsAt
        self.endsAt = endsAt
    }

    /// Whether `instant` falls in the period.
    public func contains(_ instant: Int64) -> Bool { instant >= startsAt && instant < endsAt }
}

/// The bonuses the engine computes; the raw value names them in lines and explanations.
public enum CommissionBonus: String, Sendable, CaseIterable, Comparable, Codable {
    case binary
    case unilevel

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Why the engine refused its input: a broken tree, a period the plan does not have, an amount
/// beyond an Int64. Messages name member ids and legs, never a person.
public struct CommissionInputError: Error, Equatable, CustomStringConvertible {
    /// A stable dotted code (`commission.sponsor_cycle`).
    public var code: String
    public var message: String

    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code)]" }
}

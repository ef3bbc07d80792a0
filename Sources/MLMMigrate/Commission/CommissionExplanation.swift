import Foundation

/// Why a member got what it got from one bonus: every figure an analyst needs to redo the
/// legacy payout by hand. Volumes are BV text ("150.00"), exact money is currency-unit text
/// ("12.3456"), rounded money is integer minor units (keys ending in `Minor`).
public enum CommissionExplanation: Sendable, Equatable, Encodable {
    case binary(BinaryExplanation)
    case unilevel(UnilevelExplanation)

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .binary(let explanation): try explanation.encode(to: encoder)
        case .unilevel(let explanation): try explanation.encode(to: encoder)
        }
    }

    /// JSON with sorted keys, so the same explanation is always the same bytes.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// From rounded gross to net: the part of an explanation both bonuses share.
public struct AmountExplanation: Sendable, Equatable, Codable {
    /// The exact gross (binary: after the cap; unilevel: the sum of the exact lines).
    public var grossExact: String
    public var roundingMode: String
    public var roundingAt: String
    /// grossMinor minus grossExact, in currency units ("-0.004").
    public var roundingAdjustment: String
    public var grossMinor: Int64
    /// In the plan's order, each computed on grossMinor.
    public var deductions: [DeductionExplanation]
    public var deductionsMinor: Int64
    public var netMinor: Int64
}

/// One deduction taken from a rounded gross.
public struct DeductionExplanation: Sendable, Equatable, Codable {
    public var name: String
    public var percent: String
    public var exact: String
    public var amountMinor: Int64
}

/// A member's binary settlement.
public struct BinaryExplanation: Sendable, Equatable, Codable {
    public var bonus = "binary"
    public var memberID: Int64
    /// In the plan's leg order.
    public var legs: [BinaryLegExplanation]
    public var personalPV: String
    public var qualified: Bool
    /// Empty when qualified: "personal PV 40.00 < 50.00", "no active personally sponsored member
    /// in leg right".
    public var notQualifiedBecause: [String]
    /// "carry" or "flush" when not qualified.
    public var unqualifiedVolume: String?
    public var firstPair: FirstPairExplanation?
    /// Whole pairs; absent under a percent bonus without pair_volume.
    public var pairs: Int64?
    public var pairedVolume: String
    public var cap: CapExplanation?
    public var amount: AmountExplanation
}

/// One leg's volume, where total = openingCarry + added = usedByPaidPairs + flushed + closingCarry.
public struct BinaryLegExplanation: Sendable, Equatable, Codable {
    public var leg: String
    public var openingCarry: String
    /// Counted BV of the whole placement subtree under this leg.
    public var added: String
    public var total: String
    public var usedByPaidPairs: String
    public var flushed: String
    /// Paired volume over the cap given back (over_cap: carry); part of closingCarry.
    public var returnedOverCap: String
    public var closingCarry: String
}

/// The first-pair rule as it applied.
public struct FirstPairExplanation: Sendable, Equatable, Codable {
    public var rule: String
    /// The leg that had to give the two.
    public var twoFromLeg: String
    public var met: Bool
}

/// A cap that cut the bonus.
public struct CapExplanation: Sendable, Equatable, Codable {
    public var per: String
    /// Money in currency units, pairs, or BV.
    public var amount: String
    public var paidPairedVolume: String
    public var cutPairedVolume: String
    public var uncappedExact: String
    public var cutExact: String
    /// "carry": the cut paired volume stays on both legs; "flush": it is dropped.
    public var overCap: String
}

/// Every unilevel order line that reached a member.
public struct UnilevelExplanation: Sendable, Equatable, Codable {
    public var bonus = "unilevel"
    public var memberID: Int64
    public var personalPV: String
    public var activePV: String
    public var active: Bool
    public var compression: String
    /// Paid lines, by order id then generation.
    public var lines: [UnilevelLineExplanation]
    /// Levels the member did not get paid for (inactive), by order id then generation.
    public var notPaid: [UnilevelMissExplanation]
    public var amount: AmountExplanation
}

/// One order's bonus to the member.
public struct UnilevelLineExplanation: Sendable, Equatable, Codable {
    public var orderID: String
    public var buyerID: Int64
    public var bv: String
    /// The level the member took; absent when paid only amounts rolled up past the last level.
    public var level: Int?
    /// Sponsor generations from the buyer (1 = the buyer's sponsor).
    public var generation: Int
    /// Member ids from the buyer up to this member.
    public var path: [Int64]
    /// The sum of the parts' percents.
    public var percent: String
    /// The member's own level, then any level rolled up to it.
    public var parts: [UnilevelPartExplanation]
    /// Inactive members on the path that took no level (compression dynamic).
    public var skippedInactive: [Int64]
    public var exact: String
    /// This line rounded (rounding at line); absent when rounding at member_total.
    public var roundedMinor: Int64?
}

/// One level's percent within a line.
public struct UnilevelPartExplanation: Sendable, Equatable, Codable {
    public var level: Int
    /// The member whose level it was.
    public var memberID: Int64
    public var percent: String
    /// "own level" or "rolled up: inactive, personal PV 0.00 < 100.00".
    public var why: String
}

/// A level that reached the member and was not paid to it.
public struct UnilevelMissExplanation: Sendable, Equatable, Codable {
    public var orderID: String
    public var buyerID: Int64
    public var bv: String
    /// Absent when skipped (compression dynamic: no level taken).
    public var level: Int?
    public var generation: Int
    public var path: [Int64]
    /// The level's percent; absent when skipped.
    public var percent: String?
    public var exact: String?
    /// "unpaid" (none), "rolled_up" (roll_up) or "skipped" (dynamic).
    public var outcome: String
    /// Why, and where the amount went: "inactive: personal PV 0.00 < 100.00; rolled up to member 1".
    public var why: String
}

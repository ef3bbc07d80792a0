public import Foundation

/// Names the pay periods of a plan: which period an instant falls in, and the bounds of the
/// closed period the mapping's `commission_period` names. Calendar months are named `YYYY-MM`,
/// calendar weeks by their first day `YYYY-MM-DD`, both in the plan's time zone; an explicit
/// period has the name and bounds the mapping gives, and no instant outside it has a period.
public struct PeriodCalendar: Sendable {
    public let plan: CommissionPlan.Period
    public let closedID: String
    /// The closed period, UTC unix seconds, half-open.
    public let closed: CommissionPeriod

    /// nil when the closed period's id does not name a period of the plan's kind.
    public init?(plan: CommissionPlan.Period, closed spec: CommissionDataMapping.PeriodSpec) {
        self.plan = plan
        closedID = spec.id
        if let start = spec.startsAtMicros, let end = spec.endsAtMicros {
            guard plan.kind == .explicit else { return nil }
            closed = CommissionPeriod(startsAt: start / 1_000_000, endsAt: end / 1_000_000)
            return
        }
        guard plan.kind != .explicit, let instant = Self.firstInstant(of: spec.id, zone: plan.timeZone),
              let bounds = plan.bounds(containing: instant) else { return nil }
        closed = bounds
        guard name(bounds) == spec.id else { return nil }
    }

    /// The period `instant` (UTC unix seconds) falls in, or nil (explicit plans, outside the closed period).
    public func periodID(containing instant: Int64) -> String? {
        if closed.contains(instant) { return closedID }
        guard plan.kind != .explicit, let bounds = plan.bounds(containing: instant) else { return nil }
        return name(bounds)
    }

    /// The calendar period after the closed one (nil for explicit periods), named as ``periodID(containing:)`` names it.
    public var followingID: String? {
        guard plan.kind != .explicit, let bounds = plan.bounds(containing: closed.endsAt) else { return nil }
        return name(bounds)
    }

    /// The bounds of period `id`, when it is the closed one or a calendar period.
    public func bounds(of id: String) -> CommissionPeriod? {
        if id == closedID { return closed }
        guard plan.kind != .explicit, let instant = Self.firstInstant(of: id, zone: plan.timeZone) else { return nil }
        return plan.bounds(containing: instant)
    }

    private func name(_ bounds: CommissionPeriod) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: plan.timeZone ?? "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(bounds.startsAt)))
        let year = String(format: "%04d", parts.year ?? 0)
        let month = String(format: "%02d", parts.month ?? 0)
        return plan.kind == .calendarMonth ? "\(year)-\(month)" : "\(year)-\(month)-\(String(format: "%02d", parts.day ?? 0))"
    }

    /// Noon of the first day an id names (`2026-11` or `2026-11-02`), in `zone`.
    private static func firstInstant(of id: String, zone: String?) -> Int64? {
        let parts = id.split(separator: "-").map { Int($0) }
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0 != nil }),
              let zone = TimeZone(identifier: zone ?? "UTC") else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: parts[0], month: parts[1], day: parts.count == 3 ? parts[2] : 1, hour: 12)
        return calendar.date(from: components).map { Int64($0.timeIntervalSince1970) }
    }
}

import Foundation

/// Calendar periods of a plan: the bounds of the month or week that holds an instant, cut in the
/// plan's time zone, so a caller never guesses where a legacy month began.
extension CommissionPlan.Period {
    /// The calendar period containing `instant` (UTC unix seconds); nil for kind explicit, whose
    /// bounds come from the data.
    public func bounds(containing instant: Int64) -> CommissionPeriod? {
        guard let zoneName = timeZone, let zone = TimeZone(identifier: zoneName) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let component: Calendar.Component
        switch kind {
        case .explicit:
            return nil
        case .calendarMonth:
            component = .month
        case .calendarWeek:
            component = .weekOfYear
            calendar.firstWeekday = weekStarts == .sunday ? 1 : 2
        }
        let date = Date(timeIntervalSince1970: TimeInterval(instant))
        guard let interval = calendar.dateInterval(of: component, for: date) else { return nil }
        return CommissionPeriod(
            startsAt: Int64(interval.start.timeIntervalSince1970.rounded()),
            endsAt: Int64(interval.end.timeIntervalSince1970.rounded())
        )
    }

    /// Throws unless `period` is a period of this kind: for calendar kinds, exactly one month or
    /// week in the plan's zone.
    func check(_ period: CommissionPeriod) throws(CommissionInputError) {
        guard period.startsAt < period.endsAt else {
            throw CommissionInputError("commission.period_invalid", "the period ends before it starts")
        }
        guard kind != .explicit else { return }
        guard bounds(containing: period.startsAt) == period else {
            let zone = timeZone ?? "?"
            throw CommissionInputError(
                "commission.period_mismatch",
                "the period [\(period.startsAt), \(period.endsAt)) is not one \(kind.rawValue) in \(zone)"
            )
        }
    }
}

@testable import MLMMigrate
import Testing

/// `PeriodCalendar`: period ids cut in the plan's time zone, the closed period's bounds, and
/// which period an instant falls in (half-open bounds).
///
/// Instants are UTC unix seconds worked out from 2026-11-01T00:00Z = 1_793_491_200
/// (20758 days after 1970-01-01: 2026-01-01 is day 20454, and January to October hold 304 days).
@Suite struct PeriodCalendarTests {
    static let novemberUTC: Int64 = 1_793_491_200
    static let day: Int64 = 86_400
    /// Asia/Kolkata is UTC+5:30 all year.
    static let kolkataOffset: Int64 = 19_800

    static func plan(
        _ kind: CommissionPlan.PeriodKind, zone: String? = "UTC", weekStarts: CommissionPlan.Weekday? = nil
    ) -> CommissionPlan.Period {
        .init(kind: kind, timeZone: zone, weekStarts: weekStarts, countedStatuses: ["confirmed"])
    }

    /// The closed period `id`, with explicit bounds (UTC seconds) when given.
    static func spec(
        _ id: String, from start: Int64? = nil, to end: Int64? = nil
    ) -> CommissionDataMapping.PeriodSpec {
        .init(id: id, startsAtMicros: start.map { $0 * 1_000_000 }, endsAtMicros: end.map { $0 * 1_000_000 })
    }

    static let kolkataMonths = plan(.calendarMonth, zone: "Asia/Kolkata")
    static let mondayWeeks = plan(.calendarWeek, weekStarts: .monday)

    // MARK: Calendar months

    @Test func cutsACalendarMonthInThePlansTimeZone() throws {
        let calendar = try #require(PeriodCalendar(plan: Self.kolkataMonths, closed: Self.spec("2026-11")))
        // 2026-11-01T00:00 IST is 2026-10-31T18:30:00Z; 30 days later 2026-12-01T00:00 IST.
        let start = Self.novemberUTC - Self.kolkataOffset
        #expect(start == 1_793_471_400)
        #expect(calendar.closed == CommissionPeriod(startsAt: start, endsAt: start + 30 * Self.day))
        #expect(calendar.closedID == "2026-11")
    }

    @Test func namesAnInstantByTheMonthItFallsInLocally() throws {
        let calendar = try #require(PeriodCalendar(plan: Self.kolkataMonths, closed: Self.spec("2026-11")))
        let start: Int64 = 1_793_471_400
        let end = start + 30 * Self.day
        #expect(calendar.periodID(containing: start) == "2026-11", "the first second belongs to the period")
        #expect(calendar.periodID(containing: start - 1) == "2026-10")
        #expect(calendar.periodID(containing: end - 1) == "2026-11")
        #expect(calendar.periodID(containing: end) == "2026-12", "the end belongs to the next period")
        // 2026-10-31T20:00Z is still October in UTC, but 01:30 on 1 November in Kolkata.
        #expect(calendar.periodID(containing: Self.novemberUTC - 4 * 3600) == "2026-11")
    }

    @Test func drawsOtherMonthsFromTheSameCalendar() throws {
        let calendar = try #require(PeriodCalendar(plan: Self.kolkataMonths, closed: Self.spec("2026-11")))
        // December has 31 days: [2026-11-30T18:30Z, 2026-12-31T18:30Z).
        let december: Int64 = 1_796_063_400
        let expected = CommissionPeriod(startsAt: december, endsAt: december + 31 * Self.day)
        #expect(calendar.bounds(of: "2026-12") == expected)
        #expect(calendar.bounds(of: "2026-11") == calendar.closed)
    }

    @Test func cutsAMonthAcrossADaylightSavingChange() throws {
        // New York leaves DST on 2026-11-01 at 02:00: November starts at 00:00 EDT (04:00Z) and
        // ends at 00:00 EST on 1 December (05:00Z), so it is 30 days and one hour long.
        let newYork = Self.plan(.calendarMonth, zone: "America/New_York")
        let calendar = try #require(PeriodCalendar(plan: newYork, closed: Self.spec("2026-11")))
        #expect(calendar.closed == CommissionPeriod(
            startsAt: Self.novemberUTC + 4 * 3600, endsAt: Self.novemberUTC + 30 * Self.day + 5 * 3600
        ))
    }

    @Test(arguments: ["2026-11-01", "2026-13", "2026-1", "November", "2026-W47", ""])
    func refusesAMonthIDThatIsNotYYYYMM(_ id: String) {
        #expect(PeriodCalendar(plan: Self.kolkataMonths, closed: Self.spec(id)) == nil)
    }

    // MARK: Calendar weeks

    @Test func namesACalendarWeekByItsFirstDay() throws {
        // 2026-11-16 is a Monday, 15 days after 1 November (a Sunday).
        let calendar = try #require(PeriodCalendar(plan: Self.mondayWeeks, closed: Self.spec("2026-11-16")))
        let start = Self.novemberUTC + 15 * Self.day
        #expect(start == 1_794_787_200)
        #expect(calendar.closed == CommissionPeriod(startsAt: start, endsAt: start + 7 * Self.day))
        // Wednesday 2026-11-25T12:00Z falls in the week of Monday 23 November.
        #expect(calendar.periodID(containing: Self.novemberUTC + 24 * Self.day + 43_200) == "2026-11-23")
        #expect(calendar.periodID(containing: start - 1) == "2026-11-09")
    }

    @Test func refusesAWeekIDThatIsNotTheWeeksFirstDay() {
        let monday = Self.mondayWeeks
        #expect(PeriodCalendar(plan: monday, closed: Self.spec("2026-11-17")) == nil, "a Tuesday")
        #expect(PeriodCalendar(plan: monday, closed: Self.spec("2026-11")) == nil, "a month id")
        #expect(PeriodCalendar(plan: monday, closed: Self.spec("2026-W47")) == nil, "an ISO week number")
    }

    @Test func startsSundayWeeksOnSunday() throws {
        let sunday = Self.plan(.calendarWeek, weekStarts: .sunday)
        #expect(PeriodCalendar(plan: sunday, closed: Self.spec("2026-11-16")) == nil, "a Monday")
        let calendar = try #require(PeriodCalendar(plan: sunday, closed: Self.spec("2026-11-15")))
        let start = Self.novemberUTC + 14 * Self.day
        #expect(calendar.closed == CommissionPeriod(startsAt: start, endsAt: start + 7 * Self.day))
    }

    @Test func cutsAWeekInThePlansTimeZone() throws {
        let plan = Self.plan(.calendarWeek, zone: "Asia/Kolkata", weekStarts: .monday)
        let calendar = try #require(PeriodCalendar(plan: plan, closed: Self.spec("2026-11-16")))
        // Monday 2026-11-16 00:00 IST is Sunday 2026-11-15T18:30Z.
        let start = Self.novemberUTC + 15 * Self.day - Self.kolkataOffset
        #expect(calendar.closed == CommissionPeriod(startsAt: start, endsAt: start + 7 * Self.day))
        #expect(calendar.periodID(containing: start) == "2026-11-16")
        #expect(calendar.periodID(containing: start - 1) == "2026-11-09")
    }

    @Test func namesAWeekAcrossTheNewYearByItsMonday() throws {
        let calendar = try #require(PeriodCalendar(plan: Self.mondayWeeks, closed: Self.spec("2026-11-16")))
        // 2027-01-01T00:00Z (Friday) is 61 days after 1 November; its week began Monday 28 December.
        #expect(calendar.periodID(containing: Self.novemberUTC + 61 * Self.day) == "2026-12-28")
    }

    // MARK: Explicit periods

    @Test func takesAnExplicitPeriodsNameAndBounds() throws {
        // [2026-11-01T00:00Z, 2026-11-15T00:00Z): 14 days.
        let end = Self.novemberUTC + 14 * Self.day
        let spec = Self.spec("P-47", from: Self.novemberUTC, to: end)
        let calendar = try #require(PeriodCalendar(plan: Self.plan(.explicit, zone: nil), closed: spec))
        #expect(calendar.closed == CommissionPeriod(startsAt: 1_793_491_200, endsAt: 1_794_700_800))
        #expect(calendar.periodID(containing: Self.novemberUTC) == "P-47", "the start is inside")
        #expect(calendar.periodID(containing: Self.novemberUTC + 7 * Self.day) == "P-47")
        #expect(calendar.periodID(containing: end - 1) == "P-47")
        #expect(calendar.periodID(containing: end) == nil, "the end is outside (half-open)")
        #expect(calendar.periodID(containing: Self.novemberUTC - 1) == nil, "no period before it")
        #expect(calendar.bounds(of: "P-47") == calendar.closed)
        #expect(calendar.bounds(of: "2026-11") == nil)
    }

    @Test func refusesBoundsAndKindsThatDoNotMatch() {
        let end = Self.novemberUTC + 14 * Self.day
        let explicit = Self.plan(.explicit, zone: nil)
        #expect(PeriodCalendar(plan: explicit, closed: Self.spec("P-47")) == nil, "explicit needs bounds")
        let bounded = Self.spec("2026-11", from: Self.novemberUTC, to: end)
        let months = Self.plan(.calendarMonth)
        #expect(PeriodCalendar(plan: months, closed: bounded) == nil, "a calendar draws its own bounds")
    }
}

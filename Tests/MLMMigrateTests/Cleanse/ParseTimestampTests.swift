import MLMMigrate
import Testing

@Suite struct ParseTimestampTests {
    private func parse(_ text: String, _ format: String, _ zone: String = "UTC") -> ParseTimestamp.Outcome {
        ParseTimestamp(format: TimestampFormat(format) ?? .iso8601, zone: zone).parse(text)
    }

    @Test func convertsLegacyLocalTimeInKolkataToUTC() {
        // 07:18 IST is 01:48 UTC.
        #expect(parse("01/01/2015 07:18", "d/m/Y H:i", "Asia/Kolkata") == .value(1_420_076_880_000_000))
    }

    @Test func followsDaylightSavingTimeOfTheLegacyZone() {
        // New York: EST (-5) in January, EDT (-4) in July.
        #expect(parse("2021-01-15 12:00", "Y-m-d H:i", "America/New_York") == .value(1_610_730_000_000_000))
        #expect(parse("2021-07-15 12:00", "Y-m-d H:i", "America/New_York") == .value(1_626_364_800_000_000))
    }

    @Test func rejectsImpossibleDatesAndTrailingText() {
        #expect(parse("31/02/2019 10:00", "d/m/Y H:i") == .unparseable)
        #expect(parse("01/01/2019 24:00", "d/m/Y H:i") == .unparseable)
        #expect(parse("01/01/2019 10:00 pm", "d/m/Y H:i") == .unparseable)
        #expect(parse("N/A", "d/m/Y H:i") == .unparseable)
    }

    @Test func readsSingleDigitDayMonthAndTwoDigitYears() {
        #expect(parse("5/3/21 9:05", "j/n/y G:i") == parse("05/03/2021 09:05", "d/m/Y H:i"))
    }

    @Test func readsEpochSecondsAndMilliseconds() {
        #expect(parse("1420070400", "epoch", "Asia/Kolkata") == .value(1_420_070_400_000_000))
        #expect(parse("1420070400123", "epoch_ms") == .value(1_420_070_400_123_000))
        #expect(parse("yesterday", "epoch") == .unparseable)
    }

    @Test func readsISO8601WithAndWithoutOffset() {
        #expect(parse("2021-03-04T05:06:07Z", "iso8601", "Asia/Tokyo") == .value(1_614_834_367_000_000))
        #expect(parse("2021-03-04 14:06:07+09:00", "iso8601") == .value(1_614_834_367_000_000))
        #expect(parse("2021-03-04 14:06:07.5", "iso8601", "Asia/Tokyo") == .value(1_614_834_367_500_000))
    }

    @Test func rejectsTimestampsBefore1900OrFrom2100() {
        #expect(parse("01/01/1899 00:00", "d/m/Y H:i") == .outOfRange)
        #expect(parse("-2500000000", "epoch") == .outOfRange)
        #expect(parse("01/01/2100 00:00", "d/m/Y H:i") == .outOfRange)
    }
}

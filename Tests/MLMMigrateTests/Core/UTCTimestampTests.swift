import MLMMigrate
import Testing

@Suite struct UTCTimestampTests {
    @Test(arguments: [Int64(0), 1, 999_999, 1_700_000_000_000_000, 1_700_000_000_120_000, -2_208_988_800_000_000, 4_102_444_799_999_999, -1])
    func parsesBackWhatItFormats(micros: Int64) {
        #expect(UTCTimestamp.parse(UTCTimestamp.format(micros: micros)) == micros)
    }

    @Test func rejectsOtherShapes() {
        #expect(UTCTimestamp.parse("2021-03-04T05:06:07Z") == nil)
        #expect(UTCTimestamp.parse("2021-03-04 05:06:07+01") == nil)
        #expect(UTCTimestamp.parse("2021-03-04 05:06:07.1234567+00") == nil)
    }

    @Test func floorsMicrosecondsToTheSecondTheyFallIn() {
        // 1.5 s after the epoch is in second 1; 0.5 s before it is in second -1, not 0.
        #expect(UTCTimestamp.seconds(micros: 1_500_000) == 1)
        #expect(UTCTimestamp.seconds(micros: -500_000) == -1)
        #expect(UTCTimestamp.seconds(micros: -1_000_000) == -1)
        #expect(UTCTimestamp.seconds(micros: 0) == 0)
    }
}

import Foundation
import Testing
@testable import MLMMigrate

@Suite struct CutoverWindowTests {
    @Test func scalesEachStageByProductionRowsOverRehearsalRowsAndAddsTheMargin() {
        let window = CutoverWindow.estimate(
            timings: [("extract", 2, 1_000), ("load", 4, 1_000)],
            rehearsal: ["members": 200, "wallet_entries": 800], production: ["wallet_entries": 9_800],
            basis: "test"
        )
        // members as rehearsed (200) + 9,800 entries = 10,000 rows: ten times the rehearsal's.
        #expect(window.scale == 10)
        #expect(window.assumedAsRehearsed == ["members"])
        #expect(window.stages.map(\.estimatedSeconds) == [20, 40])
        #expect(window.stages.map(\.rowsPerSecond) == [500, 250])
        #expect(window.estimatedSeconds == 60)
        #expect(window.withMarginSeconds == 60 * CutoverWindow.defaultMargin)
        let markdown = CutoverWindowWriter.markdown(window).joined(separator: "\n")
        #expect(markdown.contains("| members | 200 | 200 (as rehearsed) |"))
        #expect(markdown.contains("**1:30**"))
    }

    @Test func readsProductionRowsAsEntityEqualsCount() throws {
        #expect(try CutoverWindow.parseRows("members=1_200_000, wallet_entries=48000000") == ["members": 1_200_000, "wallet_entries": 48_000_000])
        #expect(throws: MigrationError.self) { try CutoverWindow.parseRows("members") }
        #expect(throws: MigrationError.self) { try CutoverWindow.parseRows("members=-3") }
        do {
            _ = try CutoverWindow.parseRows("members=1,wallet_entries=lots")
        } catch {
            #expect(error.code == "rehearse.bad_option")
            #expect(error.message.contains("item 2"))
            #expect(!error.message.contains("lots"))
        }
    }

    @Test func writesClockTimes() {
        #expect(LoadProgress.clock(75) == "1:15")
        #expect(LoadProgress.clock(3_725) == "1:02:05")
        #expect(LoadProgress.clock(0.4) == "0:00")
    }

    @Test func drawsTheSameKillPointFromTheSameSeed() {
        var first = Rehearsal.SeededRandom(state: 42)
        var second = Rehearsal.SeededRandom(state: 42)
        let a = (0..<5).map { _ in Int.random(in: 1...1_000, using: &first) }
        let b = (0..<5).map { _ in Int.random(in: 1...1_000, using: &second) }
        #expect(a == b)
    }

    @Test func readsAcceptedDifferencesByTheirHeader() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("accepted.tsv", "what\tlegacy_id\tclassification\tbonus_type\nx\t42\tmigration\tcarry\n")
        #expect(try RehearsalSession.acceptedDifferences(path) == ["42\tcarry\tmigration"])
        let bad = try directory.write("bad.tsv", "legacy_id\tbonus\n42\tcarry\n")
        #expect(throws: MigrationError.self) { try RehearsalSession.acceptedDifferences(bad) }
    }
}

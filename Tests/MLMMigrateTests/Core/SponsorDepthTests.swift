@testable import MLMMigrate
import Testing

/// Members per sponsor-tree level, for the report's depth chart.
@Suite struct SponsorDepthTests {
    @Test func countsMembersPerLevelFromTheRoot() {
        // 0 is the root; 1 and 2 are its recruits; 3 is 1's; 4 is 3's.
        let histogram = SponsorDepth.histogram(parents: [-1, 0, 0, 1, 3])
        #expect(histogram.levels == [1, 2, 1, 1])
        #expect(histogram.unlinked == 0)
    }

    @Test func countsEveryMemberWithoutASponsorOnLevelOne() {
        #expect(SponsorDepth.histogram(parents: [-1, -1, 1]).levels == [2, 1])
    }

    @Test func leavesMembersBelowAMissingSponsorOrInACycleWithoutALevel() {
        // 1 names a sponsor that matches no row, 2 is below it; 3 and 4 sponsor each other, 5 is below them.
        let histogram = SponsorDepth.histogram(parents: [-1, SponsorDepth.unresolved, 1, 4, 3, 4])
        #expect(histogram.levels == [1])
        #expect(histogram.unlinked == 5)
    }

    @Test func countsAMillionLevelChainWithoutRecursion() {
        let parents = [-1] + (0..<999_999).map { $0 }
        let histogram = SponsorDepth.histogram(parents: parents)
        #expect(histogram.levels.count == 1_000_000)
        #expect(histogram.levels.allSatisfy { $0 == 1 })
    }

    @Test func countsAnEmptyTreeAsNoLevels() {
        #expect(SponsorDepth.histogram(parents: []).levels.isEmpty)
    }
}

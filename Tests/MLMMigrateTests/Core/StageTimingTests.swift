@testable import MLMMigrate
import Testing

/// Stage timings in the manifest, for the report's chart.
@Suite struct StageTimingTests {
    @Test func keepsTheStagesInPipelineOrderWhateverOrderTheyRanIn() {
        var manifest = RunManifest(source: "s", mappingDigest: "d")
        for stage in ["reconcile", "extract", "load", "cleanse", "transform"] { manifest.recordTiming(stage, since: .now) }
        #expect(manifest.timings?.map(\.stage) == ["extract", "cleanse", "transform", "load", "reconcile"])
    }

    @Test func replacesAStagesTimeOrAddsToItForAResumedLoad() {
        var manifest = RunManifest(source: "s", mappingDigest: "d")
        manifest.timings = [StageTiming(stage: "load", milliseconds: 60_000)]
        manifest.recordTiming("load", since: .now, adding: true)
        #expect((manifest.timings?.first?.milliseconds ?? 0) >= 60_000)
        manifest.recordTiming("load", since: .now)
        #expect((manifest.timings?.first?.milliseconds ?? 60_000) < 60_000)
        #expect(manifest.timings?.count == 1)
    }

    @Test func measuresWholeMillisecondsOnTheMonotonicClock() {
        let start = ContinuousClock.now - .milliseconds(1_500)
        let measured = StageTiming.milliseconds(since: start)
        #expect(measured >= 1_500 && measured < 60_000)
    }

    @Test func dropsTheTimesOfTheStagesARerunReplaces() {
        var manifest = RunManifest(source: "s", mappingDigest: "d")
        manifest.timings = ["extract", "cleanse", "transform", "load", "reconcile"].map { StageTiming(stage: $0, milliseconds: 1) }
        manifest.clearStages(from: .transform)
        #expect(manifest.timings?.map(\.stage) == ["extract", "cleanse"])
        manifest.clearStages(from: .cleanse)
        #expect(manifest.timings?.map(\.stage) == ["extract"])
    }
}

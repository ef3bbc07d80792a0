/// How long one stage took in this work directory, in whole milliseconds (the report's stage
/// timings chart). Measured with the monotonic clock; a resumed load adds to the time its
/// earlier attempts took.
public struct StageTiming: Codable, Sendable, Equatable {
    public var stage: String
    public var milliseconds: Int

    public init(stage: String, milliseconds: Int) {
        self.stage = stage
        self.milliseconds = milliseconds
    }

    /// Whole milliseconds from `start` to now.
    public static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

extension RunManifest {
    /// Records `stage`'s time since `start`, replacing an earlier one (or, with `adding`,
    /// adding to it), and keeps the stages in pipeline order.
    mutating func recordTiming(_ stage: String, since start: ContinuousClock.Instant, adding: Bool = false) {
        recordTiming(stage, milliseconds: StageTiming.milliseconds(since: start), adding: adding)
    }

    /// Records `milliseconds` as `stage`'s time (or, with `adding`, adds them to it).
    mutating func recordTiming(_ stage: String, milliseconds: Int, adding: Bool = false) {
        var timings = self.timings ?? []
        var milliseconds = milliseconds
        if let index = timings.firstIndex(where: { $0.stage == stage }) {
            if adding { milliseconds += timings[index].milliseconds }
            timings.remove(at: index)
        }
        timings.append(StageTiming(stage: stage, milliseconds: milliseconds))
        let order = ["extract", "cleanse", "transform", "load", "reconcile"]
        func rank(_ timing: StageTiming) -> Int { order.firstIndex(of: timing.stage) ?? order.count }
        timings.sort { rank($0) < rank($1) }
        self.timings = timings
    }
}

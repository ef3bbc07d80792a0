/// Reproducible numbers for tests that generate their inputs: a 64-bit linear congruential
/// generator (Knuth's MMIX constants), so a seed always gives the same inputs and a failure can
/// be replayed. For tests only: its low bits are weak, so draws take the high ones.
public struct SeededNumbers {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// The next state (its high bits are the random ones).
    public mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }

    /// A number in `0..<bound`.
    public mutating func next(below bound: Int) -> Int {
        Int((next() >> 33) % UInt64(bound))
    }
}

/// Counts a column's distinct values from their hashes: exactly while the set of hashes stays
/// within a bound, then as a HyperLogLog estimate, so memory is bounded whatever the export.
///
/// A key-like column (few blanks, few duplicates so far) may keep its exact set up to a larger
/// bound: that set is what references from other columns are matched against.
struct DistinctCounter {
    /// Exact distinct values kept for any column.
    static let exactLimit = 100_000

    private(set) var exact: Set<UInt64>? = []
    private var sketch: HyperLogLog?
    /// Repeats seen while counting exactly.
    private(set) var repeats = 0
    /// True once the exact set was given up because the column had more keys than allowed.
    private(set) var exceededKeyLimit = false

    var isExact: Bool { exact != nil }

    /// The number of distinct values (exact, or the estimate).
    var count: Int { exact?.count ?? sketch?.estimate ?? 0 }

    /// Adds a hash; `keepUpTo` is how many exact hashes this column may hold (the key limit for
    /// a key-like column, `asKey`, else ``exactLimit``). Returns true when the value is new (exact mode).
    @discardableResult
    mutating func insert(_ hash: UInt64, keepUpTo limit: Int, asKey: Bool = false) -> Bool {
        if exact != nil {
            let inserted = exact?.insert(hash).inserted ?? false
            if !inserted { repeats += 1 }
            if let size = exact?.count, size > limit {
                exceededKeyLimit = asKey
                switchToSketch()
            }
            return inserted
        }
        sketch?.insert(hash)
        return false
    }

    /// Gives up the exact set when it is over ``exactLimit`` (the column stopped looking like a key).
    mutating func shrink() {
        if let size = exact?.count, size > Self.exactLimit { switchToSketch() }
    }

    private mutating func switchToSketch() {
        var sketch = HyperLogLog()
        for hash in exact ?? [] { sketch.insert(hash) }
        self.sketch = sketch
        exact = nil
    }
}

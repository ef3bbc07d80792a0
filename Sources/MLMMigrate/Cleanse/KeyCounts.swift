/// How many rows share each key, keys packed (``PackedStrings``) and compared as strings, as in
/// a `[String: Int]` but without a heap block per key.
struct KeyCounts: Sendable {
    private var keys = PackedStrings()
    private var index = PackedTextIndex(capacity: 1 << 12)
    private var counts: [Int] = []

    mutating func add(_ key: String) {
        if let found = index.find(key, in: keys) {
            counts[Int(found)] += 1
            return
        }
        keys.append(key)
        counts.append(1)
        _ = index.insertIfAbsent(Int32(counts.count - 1), in: keys)
    }

    /// Rows seen with `key` (0 for a key never added).
    func count(_ key: String) -> Int { index.find(key, in: keys).map { counts[Int($0)] } ?? 0 }
}

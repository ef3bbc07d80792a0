/// Which ``TimestampGuess`` formats fit a shape, remembered per shape (a bounded cache shared by
/// a table's columns), with one UTC parser per format.
final class TimestampShapeCache {
    static let maxEntries = 4096
    let parsers: [ParseTimestamp] = TimestampGuess.parsed.map { ParseTimestamp(format: $0, zone: "UTC") }
    private var cache: [[UInt8]: [Int]] = [:]

    func candidates(_ shape: [UInt8]) -> [Int] {
        if let known = cache[shape] { return known }
        let found = TimestampGuess.candidates(forShape: shape[...])
        if cache.count < Self.maxEntries { cache[shape] = found }
        return found
    }
}

/// A column of optional strings packed in one byte arena: about 4 bytes plus the string's own per
/// value, where a `[String?]` takes 17 and a heap block for any string over 15 bytes.
public struct PackedStrings: Sendable {
    private var arena: [UInt8] = []
    /// `ends[i]` is where value `i` ends in `arena` (it starts where value `i - 1` ends), with
    /// ``nullBit`` set when the value is nil.
    private var ends: [UInt32] = []
    private static let nullBit: UInt32 = 1 << 31

    public init() {}

    public var count: Int { ends.count }

    public mutating func append(_ value: String?) {
        if let value {
            arena.append(contentsOf: value.utf8)
            precondition(arena.count < Int(Self.nullBit), "PackedStrings is full")
            ends.append(UInt32(arena.count))
        } else {
            ends.append(UInt32(arena.count) | Self.nullBit)
        }
    }

    public subscript(index: Int) -> String? {
        let end = ends[index]
        guard end & Self.nullBit == 0 else { return nil }
        let start = index == 0 ? 0 : Int(ends[index - 1] & ~Self.nullBit)
        return String(decoding: arena[start..<Int(end)], as: UTF8.self)
    }
}

/// Many short texts (legacy ids, usernames) packed end to end in one byte buffer and addressed
/// by position: about five bytes of overhead a text instead of a `String` and its heap block.
/// A position may hold nil. Texts compare as Swift strings do (``sameText(_:_:)``).
public struct PackedStrings: Sendable {
    private var bytes: [UInt8] = []
    /// End of each text in `bytes`, modulo 2^32; ``wraps`` says where the high part grows.
    private var ends: [UInt32] = []
    /// Positions from which every end is another 2^32 further (empty below 4 GiB of text).
    private var wraps: [Int] = []
    private var absent = PackedBits()

    public init() {}

    public var count: Int { ends.count }

    public mutating func append(_ value: String?) {
        if let value { bytes.append(contentsOf: value.utf8) }
        closeEntry(isNil: value == nil)
    }

    public mutating func append(bytes value: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: value)
        closeEntry(isNil: false)
    }

    private mutating func closeEntry(isNil: Bool) {
        while bytes.count >> 32 > wraps.count { wraps.append(ends.count) }
        ends.append(UInt32(truncatingIfNeeded: bytes.count))
        absent.append(isNil)
    }

    private func end(_ index: Int) -> Int {
        guard index >= 0 else { return 0 }
        var high = 0
        if !wraps.isEmpty { high = wraps.lastIndex { $0 <= index }.map { $0 + 1 } ?? 0 }
        return Int(ends[index]) | high << 32
    }

    public func isNil(_ index: Int) -> Bool { absent[index] }

    /// The bytes at `index` (empty for nil).
    @inline(__always)
    public func withBytes<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let range = end(index - 1)..<end(index)
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// Calls `body` with a function giving the bytes at any position (valid inside `body`).
    public func withAllBytes<R>(_ body: ((Int) -> UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { base in
            try body { index in UnsafeBufferPointer(rebasing: base[end(index - 1)..<end(index)]) }
        }
    }

    public subscript(index: Int) -> String? {
        isNil(index) ? nil : withBytes(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether the texts at two positions are equal as Swift strings (nil equals only nil).
    public func equals(_ a: Int, _ b: Int) -> Bool {
        guard !isNil(a), !isNil(b) else { return isNil(a) && isNil(b) }
        return withBytes(a) { left in withBytes(b) { right in Self.sameText(left, right) } }
    }

    /// Whether the text at `index` equals `value` as Swift strings.
    public func equals(_ index: Int, _ value: String) -> Bool {
        guard !isNil(index) else { return false }
        var value = value
        return withBytes(index) { stored in value.withUTF8 { Self.sameText(stored, $0) } }
    }

    /// Swift string equality of two UTF-8 texts: the same bytes, or (only when either is not
    /// ASCII) canonically equivalent, as `String ==` decides.
    public static func sameText(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if a.count == b.count && a.elementsEqual(b) { return true }
        if isASCII(a) && isASCII(b) { return false }
        return String(decoding: a, as: UTF8.self) == String(decoding: b, as: UTF8.self)
    }

    /// Swift string order of two UTF-8 texts (`String <`): byte order when both are ASCII.
    public static func precedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if isASCII(a) && isASCII(b) { return a.lexicographicallyPrecedes(b) }
        return String(decoding: a, as: UTF8.self) < String(decoding: b, as: UTF8.self)
    }

    @inline(__always) static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { $0 < 0x80 }
    }
}

/// A growable array of bits (one bit an element, not a byte).
public struct PackedBits: Sendable {
    private var words: [UInt64] = []
    public private(set) var count = 0

    public init() {}

    public init(repeating value: Bool, count: Int) {
        words = [UInt64](repeating: value ? .max : 0, count: (count + 63) / 64)
        self.count = count
    }

    public mutating func append(_ value: Bool) {
        if count % 64 == 0 { words.append(0) }
        count += 1
        self[count - 1] = value
    }

    public subscript(index: Int) -> Bool {
        get { words[index >> 6] & (1 << UInt64(index & 63)) != 0 }
        set {
            let bit: UInt64 = 1 << UInt64(index & 63)
            if newValue { words[index >> 6] |= bit } else { words[index >> 6] &= ~bit }
        }
    }
}

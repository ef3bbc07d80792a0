import Foundation

/// Distinct strings packed in one byte arena and found by their exact bytes through an
/// open-addressing table of `Int32` indexes: about 12 bytes plus the string's own per entry,
/// where a `[String: Int]` takes 50 or more. Entries are numbered 0, 1, 2... in insertion order.
///
/// A hash only picks the slot to probe: a key matches an entry only when every byte is equal,
/// so two keys whose hashes collide stay apart. Keys given as `String` match as Swift strings
/// do (canonical equivalence, like a `[String: Int]`): one with a non-ASCII byte is held in
/// Unicode NFC. Nothing here is seeded: the same keys land in the same slots in every run.
public struct PackedStringTable: Sendable {
    /// Hashes a key's UTF-8 bytes; tests give one that collides on purpose.
    public typealias HashFunction = @Sendable (UnsafeRawBufferPointer) -> UInt64

    private var arena: [UInt8] = []
    /// `ends[i]` is where entry `i` ends in `arena`; it starts where entry `i - 1` ends.
    private var ends: [UInt32] = []
    /// Entry indexes, -1 for an empty slot; at most half full, so a probe ends soon.
    private var slots: [Int32]
    private let hash: HashFunction

    public init(capacity: Int = 0, hash: @escaping HashFunction = PackedStringTable.fnv1a) {
        self.hash = hash
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slots = [Int32](repeating: -1, count: size)
        ends.reserveCapacity(capacity)
    }

    public var count: Int { ends.count }

    /// The entry `key` is, adding it when it is new.
    @discardableResult
    public mutating func insert(_ key: String) -> (index: Int, inserted: Bool) {
        var key = Self.canonical(key)
        return key.withUTF8 { insert(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The entry of exactly these bytes, adding it when it is new.
    public mutating func insert(bytes key: UnsafeRawBufferPointer) -> (index: Int, inserted: Bool) {
        let (slot, found) = probe(key)
        if let found { return (found, false) }
        precondition(ends.count < Int(Int32.max) && arena.count + key.count <= Int(UInt32.max), "PackedStringTable is full")
        let index = ends.count
        arena.append(contentsOf: key)
        ends.append(UInt32(arena.count))
        slots[slot] = Int32(index)
        if ends.count * 2 > slots.count { grow() }
        return (index, true)
    }

    /// The entry that is exactly `key`, if any.
    public func index(of key: String) -> Int? {
        var key = Self.canonical(key)
        return key.withUTF8 { probe(UnsafeRawBufferPointer($0)).found }
    }

    /// The entry of exactly these bytes, if any.
    public func index(ofBytes key: UnsafeRawBufferPointer) -> Int? {
        probe(key).found
    }

    /// `key` as compared: itself when ASCII, else its NFC form.
    private static func canonical(_ key: String) -> String {
        key.utf8.allSatisfy { $0 < 0x80 } ? key : key.precomposedStringWithCanonicalMapping
    }

    /// Entry `index` as text (in NFC when it was given as non-ASCII text).
    public func string(at index: Int) -> String {
        String(decoding: arena[range(of: index)], as: UTF8.self)
    }

    private func range(of index: Int) -> Range<Int> {
        (index == 0 ? 0 : Int(ends[index - 1]))..<Int(ends[index])
    }

    /// The slot holding `key`'s entry, or the empty slot where it would go.
    private func probe(_ key: UnsafeRawBufferPointer) -> (slot: Int, found: Int?) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash(key)) & mask
        return arena.withUnsafeBytes { arena in
            while true {
                let entry = Int(slots[slot])
                if entry < 0 { return (slot, nil) }
                let bytes = UnsafeRawBufferPointer(rebasing: arena[range(of: entry)])
                if bytes.count == key.count, Self.sameBytes(bytes, key) { return (slot, entry) }
                slot = (slot + 1) & mask
            }
        }
    }

    private static func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard let left = a.baseAddress, let right = b.baseAddress else { return a.count == b.count }
        return memcmp(left, right, a.count) == 0
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for index in 0..<ends.count {
            let key = arena.withUnsafeBytes { hash(UnsafeRawBufferPointer(rebasing: $0[range(of: index)])) }
            var slot = Int(truncatingIfNeeded: key) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }

    /// FNV-1a over the bytes, then a final mix so the low bits (the slot) depend on every byte.
    public static let fnv1a: HashFunction = { bytes in
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return hash
    }
}

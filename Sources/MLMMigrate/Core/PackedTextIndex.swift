/// An open-addressing hash set of 32-bit ids (linear probing, at most half full): four to eight
/// bytes an entry. It stores no keys and trusts no hash: callers pass each probe's hash and an
/// exact comparison with the ids found, so two keys with one hash stay apart.
public struct HashSlots: Sendable {
    private var slots: [Int32]
    public private(set) var count = 0

    public init(capacity: Int) {
        var size = 8
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
    }

    /// The id whose key `matches`, probing from `hash`.
    @inline(__always) public func find(hash: Int, where matches: (Int32) -> Bool) -> Int32? {
        let mask = slots.count - 1
        var slot = hash & mask
        while true {
            let id = slots[slot]
            if id < 0 { return nil }
            if matches(id) { return id }
            slot = (slot + 1) & mask
        }
    }

    /// Adds `id`, whose key is not in the set yet; `hashOf` gives the hash of a stored id's key
    /// when the set grows.
    public mutating func insert(_ id: Int32, hash: Int, hashOf: (Int32) -> Int) {
        if (count + 1) * 2 > slots.count {
            let old = slots
            slots = [Int32](repeating: -1, count: slots.count * 2)
            for stored in old where stored >= 0 { place(stored, hash: hashOf(stored)) }
        }
        place(id, hash: hash)
        count += 1
    }

    /// Puts `new` in the slot of `old` (their keys being equal), probing from `hash`.
    public mutating func replace(_ old: Int32, with new: Int32, hash: Int) {
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] >= 0 {
            if slots[slot] == old {
                slots[slot] = new
                return
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func place(_ id: Int32, hash: Int) {
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = id
    }
}

/// A hash index over the texts of a ``PackedStrings``: positions by text, texts compared as
/// Swift strings (canonically equivalent texts are one key, as in a `[String: Int]`).
public struct PackedTextIndex: Sendable {
    private var slots: HashSlots
    private let hash: @Sendable (String) -> Int

    /// `hash` must give equal strings equal values; tests pass a colliding one.
    public init(capacity: Int, hash: @escaping @Sendable (String) -> Int = { $0.hashValue }) {
        slots = HashSlots(capacity: capacity)
        self.hash = hash
    }

    public var count: Int { slots.count }

    /// The position of a text equal to `text`, if any.
    public func find(_ text: String, in strings: PackedStrings) -> Int32? {
        slots.find(hash: hash(text)) { strings.equals(Int($0), text) }
    }

    /// The indexed position whose text equals the one at `position`, if any.
    public func find(textAt position: Int32, in strings: PackedStrings) -> Int32? {
        guard let text = strings[Int(position)] else { return nil }
        return slots.find(hash: hash(text)) { strings.equals(Int($0), Int(position)) }
    }

    /// Adds the (non-nil) text at `position` unless an equal text is in; returns that one's
    /// position, or nil when `position` was added.
    public mutating func insertIfAbsent(_ position: Int32, in strings: PackedStrings) -> Int32? {
        guard let text = strings[Int(position)] else { return nil }
        let value = hash(text)
        if let existing = slots.find(hash: value, where: { strings.equals(Int($0), Int(position)) }) { return existing }
        slots.insert(position, hash: value) { [hash] stored in hash(strings[Int(stored)] ?? "") }
        return nil
    }

    /// Makes the entry at `old` point to `new`, whose text is equal.
    public mutating func replace(_ old: Int32, with new: Int32, in strings: PackedStrings) {
        guard let text = strings[Int(old)] else { return }
        slots.replace(old, with: new, hash: hash(text))
    }
}

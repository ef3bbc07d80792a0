/// Builds the RFC 6962 Merkle tree hash of ``LedgerHasher/merkleRoot(_:)`` one leaf at a time,
/// holding only one hash per level (O(log n) memory), so a wallet of any size streams through.
///
/// It keeps the perfect subtrees of the leaves so far, largest first; the tree hash of n leaves
/// is then those subtrees folded from the right, which is RFC 6962's split at the largest power
/// of two below n, applied repeatedly.
///
/// Nodes are held inline (``Hash32``): no allocation per leaf or node, as this runs once per
/// entry in Transform and in the read-back.
public struct MerkleAccumulator {
    private var stack: [(size: Int, hash: Hash32)] = []
    public private(set) var count = 0

    public init() {}

    /// Adds the next entry hash as a leaf.
    public mutating func append(_ entryHash: [UInt8]) {
        entryHash.withUnsafeBytes { append(leaf: $0) }
    }

    /// Adds the next entry hash as a leaf.
    mutating func append(_ entryHash: Hash32) {
        entryHash.withUnsafeBytes { append(leaf: $0) }
    }

    private mutating func append(leaf entryHash: UnsafeRawBufferPointer) {
        var hasher = SHA256Hasher()
        hasher.update(byte: 0x00)
        hasher.update(entryHash)
        var node = (size: 1, hash: hasher.finalizeHash())
        while let top = stack.last, top.size == node.size {
            stack.removeLast()
            node = (top.size * 2, Self.node(top.hash, node.hash))
        }
        stack.append(node)
        count += 1
    }

    /// The tree hash of the leaves so far (SHA-256 of nothing when there are none).
    public var root: [UInt8] { rootHash.bytes }

    /// ``root``, held inline.
    var rootHash: Hash32 {
        guard var accumulated = stack.last?.hash else {
            var hasher = SHA256Hasher()
            return hasher.finalizeHash()
        }
        for node in stack.dropLast().reversed() { accumulated = Self.node(node.hash, accumulated) }
        return accumulated
    }

    private static func node(_ left: Hash32, _ right: Hash32) -> Hash32 {
        var hasher = SHA256Hasher()
        hasher.update(byte: 0x01)
        hasher.update(left)
        hasher.update(right)
        return hasher.finalizeHash()
    }
}

/// Builds the RFC 6962 Merkle tree hash of ``LedgerHasher/merkleRoot(_:)`` one leaf at a time,
/// holding only one hash per level (O(log n) memory), so a wallet of any size streams through.
///
/// It keeps the perfect subtrees of the leaves so far, largest first; the tree hash of n leaves
/// is then those subtrees folded from the right, which is RFC 6962's split at the largest power
/// of two below n, applied repeatedly.
public struct MerkleAccumulator {
    private var stack: [(size: Int, hash: [UInt8])] = []
    public private(set) var count = 0

    public init() {}

    /// Adds the next entry hash as a leaf.
    public mutating func append(_ entryHash: [UInt8]) {
        var node = (size: 1, hash: Self.hash(0x00, entryHash))
        while let top = stack.last, top.size == node.size {
            stack.removeLast()
            node = (top.size * 2, Self.hash(0x01, top.hash, node.hash))
        }
        stack.append(node)
        count += 1
    }

    /// The tree hash of the leaves so far (SHA-256 of nothing when there are none).
    public var root: [UInt8] {
        guard var accumulated = stack.last?.hash else { return SHA256Hasher.hash([]) }
        for node in stack.dropLast().reversed() { accumulated = Self.hash(0x01, node.hash, accumulated) }
        return accumulated
    }

    private static func hash(_ prefix: UInt8, _ first: [UInt8], _ second: [UInt8] = []) -> [UInt8] {
        var hasher = SHA256Hasher()
        hasher.update(byte: prefix)
        hasher.update(first)
        hasher.update(second)
        return hasher.finalize()
    }
}

import MLMMigrate
import Testing

@Suite struct MerkleAccumulatorTests {
    private func leaves(_ count: Int) -> [[UInt8]] {
        (0..<count).map { index in (0..<32).map { UInt8(truncatingIfNeeded: index &* 31 &+ $0) } }
    }

    @Test(arguments: [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 100, 1000])
    func streamsTheSameRootAsTheRecursiveDefinition(count: Int) {
        var accumulator = MerkleAccumulator()
        for leaf in leaves(count) { accumulator.append(leaf) }
        #expect(accumulator.root == LedgerHasher.merkleRoot(leaves(count)))
        #expect(accumulator.count == count)
    }
}

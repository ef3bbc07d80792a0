import Crypto
@testable import MLMMigrate
import Testing

/// A hash held inline gives back exactly the bytes it was made from.
@Suite struct Hash32Tests {
    @Test func givesBackTheThirtyTwoBytesItWasMadeFrom() {
        let digest = Array(SHA256.hash(data: Array("entry".utf8)))
        #expect(Hash32(digest).bytes == digest)
        #expect(Hash32(digest) == Hash32.exactly(digest))
        #expect(Hash32(digest) != Hash32(LedgerHasher.genesis))
    }

    @Test func refusesAValueThatIsNotThirtyTwoBytes() {
        #expect(Hash32.exactly([UInt8](repeating: 1, count: 31)) == nil)
        #expect(Hash32.exactly([UInt8](repeating: 1, count: 33)) == nil)
    }

    @Test func aWalletSummaryKeepsItsHashesExactly() {
        let head = Array(SHA256.hash(data: [1]))
        let root = Array(SHA256.hash(data: [2]))
        let wallet = LedgerHasher.WalletSummary(memberID: 7, currency: "USD", entryCount: 1, balanceMinor: 5, headHash: head, merkleRoot: root)
        #expect(wallet.headHash == head)
        #expect(wallet.merkleRoot == root)
    }
}

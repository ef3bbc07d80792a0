import Crypto
import MLMMigrate
import Testing

@Suite struct LedgerHasherTests {
    let first = LedgerEntry(memberID: 42, currency: "USD", seq: 1, legacyTxnID: "TX-1001", kind: "commission", amountMinor: 1230, occurredAt: 1_614_834_367_000_000, balanceAfterMinor: 1230)
    let second = LedgerEntry(memberID: 42, currency: "USD", seq: 2, legacyTxnID: "TX-1002", kind: "withdrawal", amountMinor: -500, occurredAt: 1_614_920_767_000_000, balanceAfterMinor: 730)

    private func sha(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
    private func leaf(_ hash: [UInt8]) -> [UInt8] { sha([0x00] + hash) }
    private func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] { sha([0x01] + left + right) }

    /// The worked example of docs/ledger-hashing.md, computed independently with Python's
    /// hashlib and struct (the script is in the doc).
    @Test func matchesTheWorkedExampleDerivedWithoutSwift() {
        #expect(Hex.encode(LedgerHasher.encode(first)) == "01000000000000002a0000000355534400000000000000010000000754582d313030310000000a636f6d6d697373696f6e00000000000004ce0005bcaeecd0edc000000000000004ce")
        let h1 = LedgerHasher.entryHash(first, previous: LedgerHasher.genesis)
        #expect(Hex.encode(h1) == "5879d1547473205e800462d12ef30f552ac8399d914ec5db916da78543120e6d")
        let h2 = LedgerHasher.entryHash(second, previous: h1)
        #expect(Hex.encode(h2) == "6794ae977cb563928ca98521a4e5298dfa24d8d63c3be763a199de689003665d")
        #expect(LedgerHasher.chain([first, second]) == h2)
        let root = LedgerHasher.merkleRoot([h1, h2])
        #expect(Hex.encode(root) == "a6bbc531275830c0916d5b65cadf0f89ca95c2f9967bd4a49e8e53bb027dd640")
        let wallet = LedgerHasher.WalletSummary(memberID: 42, currency: "USD", entryCount: 2, balanceMinor: 730, headHash: h2, merkleRoot: root)
        #expect(Hex.encode(LedgerHasher.runDigest([wallet])) == "196153c395c9b479baf05625632d4b0acd54ea88d2dcc462290bdbc5c782e4f9")
    }

    @Test func buildsMerkleRootsForOneTwoThreeAndManyEntries() {
        let hashes = (0..<7).map { sha([UInt8($0)]) }
        #expect(LedgerHasher.merkleRoot([]) == sha([]))
        #expect(LedgerHasher.merkleRoot([hashes[0]]) == leaf(hashes[0]))
        #expect(LedgerHasher.merkleRoot(Array(hashes[0..<2])) == node(leaf(hashes[0]), leaf(hashes[1])))
        #expect(LedgerHasher.merkleRoot(Array(hashes[0..<3])) == node(node(leaf(hashes[0]), leaf(hashes[1])), leaf(hashes[2])))
        let left = node(node(leaf(hashes[0]), leaf(hashes[1])), node(leaf(hashes[2]), leaf(hashes[3])))
        let right = node(node(leaf(hashes[4]), leaf(hashes[5])), leaf(hashes[6]))
        #expect(LedgerHasher.merkleRoot(hashes) == node(left, right))
    }

    @Test func changesEveryHashDownstreamWhenAnyFieldChanges() {
        let base = LedgerHasher.chain([first, second])
        var tampered = first
        for change in [{ (e: inout LedgerEntry) in e.amountMinor += 1 }, { $0.occurredAt += 1 }, { $0.seq = 3 }, { $0.kind = "credit" }, { $0.currency = "EUR" }] {
            tampered = first
            change(&tampered)
            #expect(LedgerHasher.chain([tampered, second]) != base)
        }
        #expect(LedgerHasher.merkleRoot([sha([1]), sha([2])]) != LedgerHasher.merkleRoot([sha([2]), sha([1])]))
    }

    @Test func ordersWalletsInTheRunDigestWhateverTheInputOrder() {
        let a = LedgerHasher.WalletSummary(memberID: 1, currency: "USD", entryCount: 1, balanceMinor: 5, headHash: sha([1]), merkleRoot: sha([2]))
        let b = LedgerHasher.WalletSummary(memberID: 1, currency: "EUR", entryCount: 1, balanceMinor: 5, headHash: sha([3]), merkleRoot: sha([4]))
        #expect(LedgerHasher.runDigest([a, b]) == LedgerHasher.runDigest([b, a]))
        #expect(LedgerHasher.runDigest([a]) != LedgerHasher.runDigest([b]))
    }
}

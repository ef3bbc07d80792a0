import Crypto
@testable import MLMMigrate
import Testing

/// The ledger's hashes go through libcrypto's SHA-256 (``SHA256Hasher``); every other digest,
/// and the auditors' tools, use other implementations: they must agree to the bit.
@Suite struct SHA256HasherTests {
    @Test func hashesTheFIPSExamples() {
        #expect(Hex.encode(SHA256Hasher.hash(Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(SHA256Hasher.hash([]))
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(SHA256Hasher.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func agreesWithSwiftCryptoForEveryLengthAcrossBlockBoundariesAndSplitUpdates() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...300 {
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Array(SHA256.hash(data: message))
            #expect(SHA256Hasher.hash(message) == expected, "length \(length)")
            let cut = length == 0 ? 0 : Int.random(in: 0...length, using: &generator)
            var split = SHA256Hasher()
            split.update(Array(message[..<cut]))
            split.update([])
            split.update(Array(message[cut...]))
            #expect(split.finalize() == expected, "length \(length) cut at \(cut)")
        }
    }

    @Test func aCopiedHasherFinishesOnItsOwn() {
        var first = SHA256Hasher()
        first.update(byte: 0x01)
        var second = first
        second.update(byte: 0x02)
        #expect(first.finalize() == Array(SHA256.hash(data: [0x01])))
        #expect(second.finalize() == Array(SHA256.hash(data: [0x01, 0x02])))
    }
}

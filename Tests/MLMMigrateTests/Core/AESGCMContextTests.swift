import Crypto
import Foundation
@testable import MLMMigrate
import Testing

/// The kept-context AES-256-GCM (libcrypto) must make exactly swift-crypto's bytes: PII sealed in
/// Extract is opened by `FieldCipher.open`, key rotation and the auditors' docs/verify tools.
@Suite struct AESGCMContextTests {
    private func bytes(_ count: Int, _ generator: inout some RandomNumberGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    private func seal(_ context: AESGCMContext, _ plain: [UInt8], aad: [UInt8], nonce: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = [0xAA]
        let done = plain.withUnsafeBytes { plain in
            aad.withUnsafeBytes { aad in
                nonce.withUnsafeBytes { context.seal(plain, authenticating: aad, nonce: $0, appendingTo: &out) }
            }
        }
        guard done else {
            #expect(out == [0xAA], "a failed seal leaves the buffer as it was")
            return nil
        }
        #expect(out.first == 0xAA, "sealing appends")
        return Array(out.dropFirst())
    }

    private func open(_ context: AESGCMContext, _ combined: [UInt8], aad: [UInt8]) -> [UInt8]? {
        combined.withUnsafeBytes { combined in aad.withUnsafeBytes { context.open(combined, authenticating: $0) } }
    }

    private func setKey(_ context: AESGCMContext, _ key: [UInt8], sealing: Bool) -> Bool {
        key.withUnsafeBytes { context.setKey($0, sealing: sealing) }
    }

    @Test func makesTheGCMSpecificationsTestCase16() throws {
        let context = try #require(AESGCMContext())
        let key = try #require(Hex.decode("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"))
        let plain = try #require(Hex.decode(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
        ))
        let aad = try #require(Hex.decode("feedfacedeadbeeffeedfacedeadbeefabaddad2"))
        let nonce = try #require(Hex.decode("cafebabefacedbaddecaf888"))
        #expect(setKey(context, key, sealing: true))
        let sealed = try #require(seal(context, plain, aad: aad, nonce: nonce))
        #expect(Hex.encode(sealed) == "cafebabefacedbaddecaf888"
            + "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
            + "76fc6ece0f4e1768cddf8853bb2d551b")
    }

    @Test func sealsAndOpensExactlyAsSwiftCryptoForManyValuesUnderOneKey() throws {
        var generator = SystemRandomNumberGenerator()
        let sealer = try #require(AESGCMContext())
        let opener = try #require(AESGCMContext())
        for _ in 0..<8 {
            let key = bytes(32, &generator)
            let swiftKey = SymmetricKey(data: key)
            #expect(setKey(sealer, key, sealing: true))
            #expect(setKey(opener, key, sealing: false))
            for length in [0, 1, 15, 16, 17, 31, 32, 33, 64, 200, 1_000] {
                let plain = bytes(length, &generator)
                let aad = bytes(Int.random(in: 0...80, using: &generator), &generator)
                let nonce = bytes(12, &generator)
                let ours = try #require(seal(sealer, plain, aad: aad, nonce: nonce))
                let theirs = try AES.GCM.seal(plain, using: swiftKey, nonce: AES.GCM.Nonce(data: nonce), authenticating: aad)
                #expect(ours == Array(try #require(theirs.combined)), "length \(length)")
                #expect(open(opener, Array(try #require(theirs.combined)), aad: aad) == plain)
                let back = try AES.GCM.open(AES.GCM.SealedBox(combined: ours), using: swiftKey, authenticating: aad)
                #expect(Array(back) == plain)
            }
        }
    }

    @Test func refusesChangedBytesTheWrongDataAndTheWrongKey() throws {
        var generator = SystemRandomNumberGenerator()
        let context = try #require(AESGCMContext())
        let key = bytes(32, &generator)
        let plain = Array("+1 555 100 0001".utf8)
        let aad = Array("mlm-migrate pii v1\0mlm.member_pii\0phone\0100042".utf8)
        #expect(setKey(context, key, sealing: true))
        let sealed = try #require(seal(context, plain, aad: aad, nonce: bytes(12, &generator)))
        #expect(setKey(context, key, sealing: false), "one context seals, then opens")
        #expect(open(context, sealed, aad: aad) == plain)
        for position in [0, 11, 12, sealed.count - 17, sealed.count - 16, sealed.count - 1] {
            var changed = sealed
            changed[position] ^= 0x01
            #expect(open(context, changed, aad: aad) == nil, "byte \(position) changed")
        }
        #expect(open(context, sealed, aad: aad.dropLast() + [0x33]) == nil, "another member")
        #expect(open(context, Array(sealed.prefix(27)), aad: aad) == nil, "shorter than nonce and tag")
        #expect(open(context, sealed, aad: aad) == plain, "a failed open leaves the context usable")
        #expect(setKey(context, bytes(32, &generator), sealing: false))
        #expect(open(context, sealed, aad: aad) == nil, "another key")
    }

    @Test func refusesToSealWithoutAKeyForSealingOrWithABadNonceOrKey() throws {
        let context = try #require(AESGCMContext())
        let plain = Array("x".utf8)
        #expect(seal(context, plain, aad: [], nonce: Array(repeating: 1, count: 12)) == nil, "no key yet")
        #expect(!setKey(context, Array(repeating: 7, count: 16), sealing: true), "AES-256 only")
        #expect(setKey(context, Array(repeating: 7, count: 32), sealing: false))
        #expect(seal(context, plain, aad: [], nonce: Array(repeating: 1, count: 12)) == nil, "keyed for opening")
        #expect(setKey(context, Array(repeating: 7, count: 32), sealing: true))
        #expect(seal(context, plain, aad: [], nonce: Array(repeating: 1, count: 8)) == nil, "12-byte nonces only")
        #expect(open(context, Array(repeating: 0, count: 40), aad: []) == nil, "keyed for sealing")
    }

    @Test func fieldCipherOpensThroughAKeptContextWhatItSealed() throws {
        let key = FieldCipher.newDataKey()
        let binding = FieldCipher.Binding(table: "mlm.member_pii", column: "email", memberLegacyID: "100042")
        let sealed = try FieldCipher.seal("Zoë.O’Brien@example.test", for: binding, with: key)
        let context = try #require(AESGCMContext())
        #expect(key.withUnsafeBytes { context.setKey($0, sealing: false) })
        #expect(FieldCipher.open(sealed, for: binding, keyedIn: context) == "Zoë.O’Brien@example.test")
        let elsewhere = FieldCipher.Binding(table: "mlm.member_pii", column: "email", memberLegacyID: "100043")
        #expect(FieldCipher.open(sealed, for: elsewhere, keyedIn: context) == nil)
        var versionTwo = sealed
        versionTwo[0] = 2
        #expect(FieldCipher.open(versionTwo, for: binding, keyedIn: context) == nil, "unknown version")
    }
}

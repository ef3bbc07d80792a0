import Crypto
import Foundation
import MLMMigrate
import Testing

/// The worked example of docs/pii-encryption.md, re-derived independently with Python's
/// `cryptography` package when it was written; this test keeps the code and the document equal.
@Suite struct PIIWorkedExampleTests {
    static let kek = KeyEncryptionKey(key: SymmetricKey(data: (0..<32).map { UInt8($0) }))
    static var dataKey: SymmetricKey { SymmetricKey(data: (0..<32).map { UInt8(0x80 + $0) }) }
    static let binding = FieldCipher.Binding(table: "mlm.member_pii", column: "email", memberLegacyID: "100042")

    @Test func matchesTheDocumentedBytes() throws {
        let nonce = try AES.GCM.Nonce(data: (0..<12).map { UInt8(0xA0 + $0) })
        let sealed = try FieldCipher.seal("ana.muller.1@example.test", for: Self.binding, with: Self.dataKey, nonce: nonce)
        let wrapped = try FieldCipher.wrap(Self.dataKey, with: Self.kek)
        let index = BlindIndex(kek: Self.kek, column: "email").index("ana.muller.1@example.test")
        #expect(Self.kek.id == "kek-630dcd2966c43366")
        #expect(Hex.encode(Self.binding.authenticatedData) == "6d6c6d2d6d69677261746520706969207631006d6c6d2e6d656d6265725f70696900656d61696c00313030303432")
        #expect(Hex.encode(sealed) == "01a0a1a2a3a4a5a6a7a8a9aaab6161111e31d5ff5c1b1d2887c464f2e7c05a6ad401fce75eb4d52cc273db3caf101bed967234650fa7")
        #expect(Hex.encode(wrapped) == "0b7f5701329610d45b2c70d136de1198279861fdd332cbf619f650efb935879f7578bd583c5394da")
        #expect(Hex.encode(index) == "037e8e8633b644085ca49954ab234c235de3f0879a6ec4b9e7aaa3f0e7ff340f")
        #expect(try FieldCipher.open(sealed, for: Self.binding, with: FieldCipher.unwrap(wrapped, with: Self.kek)) == "ana.muller.1@example.test")
    }
}

extension PIIWorkedExampleTests {
    /// The record digest as docs/pii-encryption.md states it, with the salt read from the
    /// document itself, so a wrong salt in the doc fails here.
    @Test func recordDigestFollowsTheDocumentedKeyAndMessage() throws {
        let doc = try String(contentsOfFile: PackagePaths.root + "/docs/pii-encryption.md", encoding: .utf8)
        let section = try #require(doc.range(of: "## Record digest")?.upperBound)
        let start = try #require(doc.range(of: "salt = \"", range: section..<doc.endIndex)?.upperBound)
        let salt = String(doc[start...].prefix { $0 != "\"" })
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: Self.kek.key, salt: Array(salt.utf8), info: Array("mlm.member_pii".utf8), outputByteCount: 32
        )
        var message = Array("100042".utf8) + [0]
        for field in MemberPIILayout.fields {
            guard field == "email" else {
                message.append(0)
                continue
            }
            let value = Array("ana.muller.1@example.test".utf8)
            message.append(1)
            message += withUnsafeBytes(of: UInt32(value.count).bigEndian, Array.init)
            message += value
        }
        let documented = Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        #expect(PIIRecordDigest(kek: Self.kek).digest(legacyID: "100042", values: ["email": "ana.muller.1@example.test"]) == documented)
    }
}

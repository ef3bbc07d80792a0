import Crypto
import Foundation
import MLMMigrate
import Testing

@Suite struct FieldCipherTests {
    let kek = KeyEncryptionKey.generate().kek
    let here = FieldCipher.Binding(table: "mlm.member_pii", column: "email", memberLegacyID: "100042")

    @Test func roundTripsUnicodeWithAFreshNonceEachTime() throws {
        let key = FieldCipher.newDataKey()
        let first = try FieldCipher.seal("Zoë.O’Brien@example.test", for: here, with: key)
        let second = try FieldCipher.seal("Zoë.O’Brien@example.test", for: here, with: key)
        #expect(first != second, "a fresh random nonce per value")
        #expect(first.count == 1 + 12 + "Zoë.O’Brien@example.test".utf8.count + 16)
        #expect(try FieldCipher.open(first, for: here, with: key) == "Zoë.O’Brien@example.test")
    }

    @Test func refusesACiphertextMovedToAnotherMemberColumnOrTable() throws {
        let key = FieldCipher.newDataKey()
        let sealed = try FieldCipher.seal("a@example.test", for: here, with: key)
        for elsewhere in [
            FieldCipher.Binding(table: "mlm.member_pii", column: "email", memberLegacyID: "100043"),
            FieldCipher.Binding(table: "mlm.member_pii", column: "phone", memberLegacyID: "100042"),
            FieldCipher.Binding(table: "mlm_migration.quarantine", column: "email", memberLegacyID: "100042"),
        ] {
            #expect { _ = try FieldCipher.open(sealed, for: elsewhere, with: key) } throws: { ($0 as? MigrationError)?.code == "pii.open_failed" }
        }
    }

    @Test func refusesChangedBytesAndTheWrongKey() throws {
        let key = FieldCipher.newDataKey()
        var sealed = try FieldCipher.seal("+1 555 100 0001", for: here, with: key)
        #expect { _ = try FieldCipher.open(sealed, for: here, with: FieldCipher.newDataKey()) } throws: { ($0 as? MigrationError)?.code == "pii.open_failed" }
        sealed[20] ^= 0x01
        #expect { _ = try FieldCipher.open(sealed, for: here, with: key) } throws: { ($0 as? MigrationError)?.code == "pii.open_failed" }
    }

    @Test func wrapsDataKeysUnderTheKEKOnly() throws {
        let key = FieldCipher.newDataKey()
        let wrapped = try FieldCipher.wrap(key, with: kek)
        #expect(wrapped.count == 40)
        let unwrapped = try FieldCipher.unwrap(wrapped, with: kek)
        #expect(unwrapped.withUnsafeBytes { Array($0) } == key.withUnsafeBytes { Array($0) })
        let other = KeyEncryptionKey.generate().kek
        #expect { _ = try FieldCipher.unwrap(wrapped, with: other) } throws: { ($0 as? MigrationError)?.code == "keys.unwrap_failed" }
    }

    @Test func derivesADistinctBlindIndexKeyPerColumnAndKEK() {
        let email = BlindIndex(kek: kek, column: "email")
        #expect(email.index("ana.muller.1@example.test") == BlindIndex(kek: kek, column: "email").index("ana.muller.1@example.test"))
        #expect(email.index("ana.muller.1@example.test") != BlindIndex(kek: kek, column: "phone").index("ana.muller.1@example.test"))
        #expect(email.index("ana.muller.1@example.test") != BlindIndex(kek: KeyEncryptionKey.generate().kek, column: "email").index("ana.muller.1@example.test"))
        #expect(email.index("ana.muller.1@example.test").count == 32)
    }

    /// One keyed HMAC is shared by Extract's worker threads: each index copies it, so values
    /// indexed at once, in any order, give what they give alone (HMAC-SHA256 under the HKDF key).
    @Test func indexesTheSameFromManyThreadsAsFromOneWithTheDerivedKey() {
        let email = BlindIndex(kek: kek, column: "email")
        let values = (0..<2_000).map { "member.\($0)@example.test" }
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: kek.key, salt: Array("mlm-migrate blind index v1".utf8), info: Array("email".utf8),
            outputByteCount: 32
        )
        let expected = values.map { Array(HMAC<SHA256>.authenticationCode(for: Array($0.utf8), using: key)) }
        final class Results: @unchecked Sendable { var indexes = [[UInt8]](repeating: [], count: 2_000) }
        let results = Results()
        results.indexes.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            DispatchQueue.concurrentPerform(iterations: values.count) { slots[$0] = email.index(values[$0]) }
        }
        #expect(results.indexes == expected)
        #expect(email.index(values[0]) == email.index(values[0]))
    }
}

@Suite struct KeyEncryptionKeyTests {
    @Test func readsBackAGeneratedKeyFileAndHidesTheKey() throws {
        let directory = try TemporaryDirectory()
        let (kek, text) = KeyEncryptionKey.generate()
        let path = try directory.write("kek", text)
        #expect(chmod(path, 0o600) == 0)
        let loaded = try KeyEncryptionKey.load(path: path)
        #expect(loaded.id == kek.id && loaded.id.hasPrefix("kek-"))
        #expect("\(loaded)" == "KEK \(kek.id)")
        #expect(!"\(loaded)".contains(text.split(separator: " ")[2].prefix(10)))
    }

    @Test func refusesAKeyFileOthersCanRead() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("kek", KeyEncryptionKey.generate().text)
        #expect(chmod(path, 0o640) == 0)
        #expect { _ = try KeyEncryptionKey.load(path: path) } throws: { ($0 as? MigrationError)?.code == "keys.kek_exposed" }
    }

    @Test func refusesADamagedKey() throws {
        let (_, text) = KeyEncryptionKey.generate()
        let parts = text.split(separator: " ")
        #expect { _ = try KeyEncryptionKey.parse("mlm-kek-v1 kek-0000000000000000 \(parts[2])", source: "test") } throws: { ($0 as? MigrationError)?.code == "keys.kek_invalid" }
        #expect { _ = try KeyEncryptionKey.parse("not a key", source: "test") } throws: {
            ($0 as? MigrationError).map { $0.code == "keys.kek_invalid" && !$0.message.contains("not a key") } == true
        }
    }
}

import MLMMigrate
import Testing

@Suite struct PIIEncryptorTests {
    let email = ColumnSpec(field: "email", from: "email", kind: .text, required: false, pii: true, identity: .email)
    let phone = ColumnSpec(field: "phone", from: "mobile", kind: .text, required: false, pii: true, identity: .phone)
    let name = ColumnSpec(field: "full_name", from: "name", kind: .text, required: false, pii: true, identity: nil)

    private func open(_ protected: PIIEncryptor.Protected, _ index: Int, field: String, legacyID: String, kek: KeyEncryptionKey) throws -> String {
        let dataKey = try FieldCipher.unwrap(try #require(protected.wrappedKey), with: kek)
        let ciphertext = try #require(protected.ciphertexts[index])
        return try FieldCipher.open(ciphertext, for: .init(table: "mlm.member_pii", column: field, memberLegacyID: legacyID), with: dataKey)
    }

    @Test func encryptsTheNormalisedValueForItsMemberAndColumn() throws {
        let kek = KeyEncryptionKey.generate().kek
        let encryptor = PIIEncryptor(kek: kek)
        let protected = try encryptor.protect([(email, "  Jane.Doe@Example.COM "), (phone, "+1 (555) 010-2030"), (name, " Zoë  Müller ")], legacyID: "100042")
        #expect(try open(protected, 0, field: "email", legacyID: "100042", kek: kek) == "jane.doe@example.com")
        #expect(try open(protected, 1, field: "phone", legacyID: "100042", kek: kek) == "+15550102030")
        #expect(try open(protected, 2, field: "full_name", legacyID: "100042", kek: kek) == "Zoë  Müller")
        // Bound to the member: the same bytes do not open for another legacy id.
        #expect(throws: MigrationError.self) { try open(protected, 0, field: "email", legacyID: "100043", kek: kek) }
        // Nothing readable in what is written.
        let written = ([protected.wrappedKey] + protected.ciphertexts + protected.blindIndexes.values.map(Optional.some)).compactMap { $0 }.flatMap { $0 }
        #expect(!String(decoding: written, as: UTF8.self).lowercased().contains("jane"))
        #expect(protected.ciphertexts.allSatisfy { $0?.first == 1 })
    }

    @Test func givesTheSamePersonTheSameBlindIndexAndEveryMemberItsOwnKey() throws {
        let encryptor = PIIEncryptor(kek: KeyEncryptionKey.generate().kek)
        let a = try encryptor.protect([(email, "JANE@example.com "), (phone, "+1 555 0102")], legacyID: "1")
        let b = try encryptor.protect([(email, "jane@example.com"), (phone, "+1-555-0102")], legacyID: "2")
        #expect(a.blindIndexes["email"] != nil && a.blindIndexes["email"] == b.blindIndexes["email"])
        #expect(a.blindIndexes["phone"] == b.blindIndexes["phone"])
        #expect(a.blindIndexes["email"] != a.blindIndexes["phone"])
        #expect(a.wrappedKey != b.wrappedKey)
        #expect(a.ciphertexts[0] != b.ciphertexts[0])
        // Another KEK gives other blind indexes: they cannot be compared across keys.
        let other = try PIIEncryptor(kek: KeyEncryptionKey.generate().kek).protect([(email, "jane@example.com")], legacyID: "1")
        #expect(other.blindIndexes["email"] != a.blindIndexes["email"])
    }

    @Test func leavesBlanksEmptyAndIndexesOnlyUsableIdentities() throws {
        let kek = KeyEncryptionKey.generate().kek
        let encryptor = PIIEncryptor(kek: kek)
        let blank = try encryptor.protect([(email, "   "), (name, nil)], legacyID: "1")
        #expect(blank.wrappedKey == nil && blank.ciphertexts == [nil, nil] && blank.blindIndexes.isEmpty)
        let partial = try encryptor.protect([(phone, " n/a "), (name, "Ana")], legacyID: "1")
        #expect(partial.blindIndexes["phone"] == nil)
        #expect(try open(partial, 0, field: "phone", legacyID: "1", kek: kek) == "n/a")
    }

    @Test func normalisesIdentitiesAndTrimsOtherPII() {
        #expect(IdentityNormalizer.normalize(" +1 (555) 010-2030 ", as: .phone) == "+15550102030")
        #expect(IdentityNormalizer.normalize("n/a", as: .phone) == nil)
        #expect(PIINormalizer.normalize(" ÉLODIE@Example.FR ", identity: .email)?.stored == "élodie@example.fr")
        #expect(PIINormalizer.normalize(" 12 Rue X ", identity: nil)?.stored == "12 Rue X")
        #expect(PIINormalizer.normalize(" 12 Rue X ", identity: nil)?.indexed == nil)
        #expect(PIINormalizer.normalize(" \t ", identity: nil) == nil)
    }
}

import Foundation
@testable import MLMMigrate
import Testing

@Suite struct SigningKeyTests {
    private func code(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as MigrationError {
            return error.code
        } catch {
            return "\(error)"
        }
    }

    @Test func aKeyReadsBackFromItsTextAndSignsWhatItsPublicKeyVerifies() throws {
        let key = SigningKey(key: .init())
        let parsed = try SigningKey.parse(key.text, source: "k")
        #expect(parsed.id == key.id && key.id.hasPrefix("sig-") && key.id.count == 20)
        let publicKey = try SigningPublicKey.parse(key.publicKey.text, source: "p")
        let signature = try parsed.sign(Array("manifest".utf8))
        #expect(signature.count == 64)
        #expect(publicKey.isValidSignature(signature, for: Array("manifest".utf8)))
        #expect(!publicKey.isValidSignature(signature, for: Array("manifesT".utf8)))
        #expect(!key.description.contains(key.text.split(separator: " ")[2]))
    }

    @Test func refusesAKEKAPublicKeyAndDamagedFilesAsSigningKeys() throws {
        let key = SigningKey(key: .init())
        #expect(code { _ = try SigningKey.parse(KeyEncryptionKey.generate().text, source: "k") } == "keys.signing_key_is_kek")
        #expect(code { _ = try SigningKey.parse(key.publicKey.text, source: "k") } == "keys.signing_key_invalid")
        #expect(code { _ = try SigningKey.parse("mlm-signing-v1 sig-0 AAAA\n", source: "k") } == "keys.signing_key_invalid")
        let otherID = key.text.replacingOccurrences(of: key.id, with: "sig-0000000000000000")
        #expect(code { _ = try SigningKey.parse(otherID, source: "k") } == "keys.signing_key_invalid")
        #expect(code { _ = try SigningPublicKey.parse(key.text, source: "p") } == "keys.signing_key_invalid")
        #expect(code { _ = try SigningPublicKey.parse("", source: "p") } == "keys.signing_key_invalid")
    }

    @Test func refusesASigningKeyAsAKEK() {
        let key = SigningKey(key: .init())
        #expect(code { _ = try KeyEncryptionKey.parse(key.text, source: "k") } == "keys.kek_is_signing_key")
        #expect(code { _ = try KeyEncryptionKey.parse(key.publicKey.text, source: "k") } == "keys.kek_is_signing_key")
    }

    @Test func writesTheKeyMode0600ItsPublicKeyBesideItAndNeverOverwrites() throws {
        let directory = NSTemporaryDirectory() + "mlm-signing-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/evidence.key"
        let key = try SigningKey.writeNew(path: path)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try SigningKey.load(path: path).id == key.id)
        #expect(try SigningPublicKey.load(path: path + ".pub") == key.publicKey)
        #expect(code { _ = try SigningKey.writeNew(path: path) } == "keys.signing_key_exists")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["evidence.key", "evidence.key.pub"])
        chmod(path, 0o640)
        #expect(code { _ = try SigningKey.load(path: path) } == "keys.signing_key_exposed")
        #expect(code { _ = try SigningKey.load(path: "\(directory)/none") } == "keys.signing_key_unreadable")
    }
}

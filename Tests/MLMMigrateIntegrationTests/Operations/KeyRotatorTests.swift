import Crypto
import Foundation
import Logging
import MLMMigrate
import Testing

/// `keys rotate` against a real PostgreSQL: resumable, nothing re-encrypted, everything readable
/// under the new key and nothing under the old one.
@Suite struct KeyRotatorTests {
    private func loaded() throws -> (TemporaryDirectory, Pipeline, String, PostgresConnection) {
        let sample = try LoadedSample(database: "rotate")
        return (sample.directory, sample.pipeline, sample.target, try sample.connect())
    }

    @Test func resumesAnInterruptedRotationAndLeavesEveryValueReadableOnlyUnderTheNewKey() throws {
        let (directory, original, target, connection) = try loaded()
        let newKEK = try KeyEncryptionKey.load(path: TestKeys.newKEKFile("new"))
        let ciphertexts = try connection.query("SELECT md5(string_agg(email || tax_id, '' ORDER BY member_id)) FROM mlm.member_pii")
        // Interrupted after two batches of 300: those are committed, the rest untouched.
        let first = try original.operations.rotateKeys(target: target, to: newKEK, batchSize: 300, maxBatches: 2)
        #expect(first.dataKeys == 600 && !first.finished && first.remaining == 2_001 - 600 + 18)
        #expect(try connection.scalar("SELECT count(*) FROM mlm.data_keys WHERE kek_id = $1", [newKEK.id]) == "600")
        // Another rotation cannot start while this one is unfinished.
        var other = original
        other.kek = newKEK
        #expect(throws: MigrationError.self) { try other.operations.rotateKeys(target: target, to: try TestKeys.kek, batchSize: 300, maxBatches: nil) }
        // The same command again finishes it.
        let second = try original.operations.rotateKeys(target: target, to: newKEK, batchSize: 300, maxBatches: nil)
        #expect(second.finished && second.remaining == 0)
        #expect(second.dataKeys == 2_001 - 600 && second.quarantineKeys == 18)
        #expect(try connection.query("SELECT data_keys, quarantine_keys, finished_at IS NOT NULL FROM mlm_migration.key_rotations") == [["2001", "18", "t"]])
        // No value was re-encrypted.
        #expect(try connection.query("SELECT md5(string_agg(email || tax_id, '' ORDER BY member_id)) FROM mlm.member_pii") == ciphertexts)
        // Under the new key every check passes (round trip and recomputed blind indexes); the old
        // one wraps no key any more, so reconcile refuses it before any check (keys.kek_wrong).
        var rotated = original
        rotated.kek = newKEK
        #expect((try rotated.reconcile(target: target)).failedChecks == [])
        #expect { _ = try original.reconcile(target: target) } throws: { ($0 as? MigrationError)?.code == "keys.kek_wrong" }
        // A quarantined row stays replayable with the new key.
        let row = try #require(try connection.query("SELECT legacy_id, payload ->> '_wrapped_key', payload ->> 'email', payload ->> '_kek_id' FROM mlm_migration.quarantine WHERE entity = 'members' AND payload ? 'email' ORDER BY quarantine_id LIMIT 1").first)
        #expect(row[3] == newKEK.id)
        let dataKey = try FieldCipher.unwrap(try #require(row[1].flatMap(Hex.decodeBytea)), with: newKEK)
        let email = try FieldCipher.open(try #require(row[2].flatMap(Hex.decodeBytea)), for: .init(table: "mlm.member_pii", column: "email", memberLegacyID: try #require(row[0])), with: dataKey)
        #expect(email.hasSuffix("@example.test"))
        _ = directory
    }

    @Test func refusesTheSameKeyAndAWrongCurrentKeyWithoutChangingAnything() throws {
        let (directory, original, target, connection) = try loaded()
        #expect(throws: MigrationError.self) { try original.operations.rotateKeys(target: target, to: try TestKeys.kek, batchSize: 300, maxBatches: nil) }
        var wrong = original
        wrong.kek = try KeyEncryptionKey.load(path: TestKeys.newKEKFile("wrong"))
        // The rows name another KEK id: a wrong current key is refused, naming the ids found.
        let refused = #expect(throws: MigrationError.self) {
            try wrong.operations.rotateKeys(target: target, to: try KeyEncryptionKey.load(path: TestKeys.newKEKFile("next")), batchSize: 300, maxBatches: nil)
        }
        #expect(refused?.code == "keys.nothing_to_rotate")
        #expect(refused?.message.contains("\(try TestKeys.kek.id) (2001)") == true)
        // A row whose key id was forged to the wrong key's id fails to unwrap; the batch rolls back.
        let forged = try KeyEncryptionKey.load(path: TestKeys.newKEKFile("forged"))
        try connection.execute("UPDATE mlm.data_keys SET kek_id = '\(forged.id)' WHERE key_id = 1")
        var forger = original
        forger.kek = forged
        let error = #expect(throws: MigrationError.self) {
            try forger.operations.rotateKeys(target: target, to: try KeyEncryptionKey.load(path: TestKeys.newKEKFile("next2")), batchSize: 300, maxBatches: nil)
        }
        #expect(error?.code == "keys.unwrap_failed")
        #expect(error?.message.contains("key_id 1 does not unwrap") == true)
        #expect(try connection.scalar("SELECT kek_id FROM mlm.data_keys WHERE key_id = 1") == forged.id)
        _ = directory
    }
}

/// `erase --member` against a real PostgreSQL: crypto-shredded, logged, reported, idempotent.
@Suite struct MemberEraserTests {
    @Test func shredsOneMemberLogsItAndLeavesEveryoneElseReadable() throws {
        let directory = try TemporaryDirectory()
        let pipeline = try LoaderTests.transformedSample(directory)
        let target = try TestPostgres.freshDatabase("erase")
        _ = try pipeline.load(target: target)
        let connection = try PostgresConnection(target)
        let legacyID = try #require(try connection.scalar("SELECT legacy_id FROM mlm.members WHERE member_id = 42"))
        let row = try #require(try connection.query("SELECT p.email, k.wrapped_key FROM mlm.member_pii p JOIN mlm.data_keys k USING (key_id) WHERE p.member_id = 42").first)

        let summary = try pipeline.operations.erase(target: target, legacyID: legacyID, reason: "ticket 7")
        #expect(summary == ErasureSummary(legacyID: legacyID, memberID: 42, quarantineRows: 0, alreadyErased: false))
        #expect(try connection.query("SELECT wrapped_key IS NULL, erased_at IS NOT NULL FROM mlm.data_keys WHERE member_id = 42") == [["t", "t"]])
        #expect(try connection.query("SELECT email_bidx IS NULL AND phone_bidx IS NULL, email = $1::bytea FROM mlm.member_pii WHERE member_id = 42", [row[0]]) == [["t", "t"]])
        // The wrapped key that was destroyed did open the value; nothing in the target holds it now.
        let kek = try TestKeys.kek
        let old = try FieldCipher.unwrap(try #require(row[1].flatMap(Hex.decodeBytea)), with: kek)
        _ = try FieldCipher.open(try #require(row[0].flatMap(Hex.decodeBytea)), for: .init(table: "mlm.member_pii", column: "email", memberLegacyID: legacyID), with: old)
        let dump = try CommandRunner.run("/usr/lib/postgresql/15/bin/pg_dump", ["--data-only", "--dbname", target], separateErrors: true)
        #expect(dump.status == 0)
        #expect(!dump.output.contains(String(try #require(row[1]).dropFirst(2))))
        #expect(try connection.query("SELECT legacy_id, member_id, reason, quarantine_rows FROM mlm_migration.erasures") == [[legacyID, "42", "ticket 7", "0"]])

        // Again: nothing left to destroy, no second log entry.
        #expect(try pipeline.operations.erase(target: target, legacyID: legacyID, reason: nil).alreadyErased)
        #expect(try connection.scalar("SELECT count(*) FROM mlm_migration.erasures") == "1")
        // A quarantined-only member: the key kept in its payload is destroyed.
        let quarantined = try #require(try connection.scalar("SELECT legacy_id FROM mlm_migration.quarantine WHERE entity = 'members' AND payload ? '_wrapped_key' ORDER BY quarantine_id LIMIT 1"))
        #expect(try pipeline.operations.erase(target: target, legacyID: quarantined, reason: nil).quarantineRows >= 1)
        #expect(try connection.scalar("SELECT count(*) FROM mlm_migration.quarantine WHERE legacy_id = $1 AND payload ? '_wrapped_key'", [quarantined]) == "0")
        #expect(throws: MigrationError.self) { try pipeline.operations.erase(target: target, legacyID: "no-such-member", reason: nil) }

        // Reconcile still passes: the erased member is counted and listed, everyone else round-trips.
        let outcome = try pipeline.reconcile(target: target)
        #expect(outcome.report.content.checks.filter { !$0.passed }.map(\.name) == [])
        let pii = try #require(outcome.report.content.pii)
        #expect(pii.erasedMembers == 1 && pii.roundTripMembers == 2_000)
        #expect(pii.erasures.map(\.legacyID) == [legacyID, quarantined])
        _ = directory
    }
}

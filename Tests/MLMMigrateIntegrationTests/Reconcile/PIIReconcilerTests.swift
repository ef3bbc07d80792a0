import Logging
import MLMMigrate
import Testing

/// Tampering with encrypted PII in the target, or reconciling with the wrong key, fails the
/// PII checks and names the member and column (never a value).
@Suite struct PIIReconcilerTests {
    private func loaded() throws -> (TemporaryDirectory, Pipeline, String, PostgresConnection) {
        let sample = try LoadedSample(database: "piirec")
        return (sample.directory, sample.pipeline, sample.target, try sample.connect())
    }

    /// The legacy id of the member with `member_id`.
    private func legacyID(_ connection: PostgresConnection, _ memberID: Int) throws -> String {
        try #require(try connection.scalar("SELECT legacy_id FROM mlm.members WHERE member_id = \(memberID)"))
    }

    @Test func decryptsEveryValueAndMatchesTheSourceOnACleanLoad() throws {
        let (directory, pipeline, target, _) = try loaded()
        let outcome = try pipeline.reconcile(target: target)
        #expect(outcome.failedChecks == [])
        let pii = try #require(outcome.report.content.pii)
        #expect(pii.members == 2_001 && pii.roundTripMembers == 2_001)
        #expect(pii.roundTripValues == 2_001 * 10)
        #expect(pii.columns.map(\.field) == ["first_name", "last_name", "email", "phone", "date_of_birth", "address", "tax_id", "bank_account", "kyc_document_ref", "kyc_status"])
        #expect(pii.blindIndexes == ["email": 2_001, "phone": 2_001])
        _ = directory
    }

    @Test func namesAFlippedCiphertextByteByMemberAndColumn() throws {
        let (directory, pipeline, target, connection) = try loaded()
        try connection.execute("UPDATE mlm.member_pii SET tax_id = set_byte(tax_id, 20, get_byte(tax_id, 20) # 1) WHERE member_id = 7")
        let outcome = try pipeline.reconcile(target: target)
        #expect(outcome.failedChecks == ["pii.round_trip"])
        let findings = try #require(outcome.report.content.pii?.findings)
        #expect(findings == [PIIFigures.Finding(legacyID: try legacyID(connection, 7), column: "tax_id", problem: "does not decrypt for this member and column")])
        _ = directory
    }

    @Test func refusesCiphertextsSwappedBetweenMembersOrColumns() throws {
        let (directory, pipeline, target, connection) = try loaded()
        // Member 3's email given to member 4 and 4's to 3; member 5's phone moved into its first_name.
        try connection.execute("""
            UPDATE mlm.member_pii p SET email = o.email FROM mlm.member_pii o
            WHERE (p.member_id, o.member_id) IN ((3, 4), (4, 3));
            UPDATE mlm.member_pii SET first_name = phone WHERE member_id = 5;
            """)
        let outcome = try pipeline.reconcile(target: target)
        #expect(outcome.failedChecks == ["pii.round_trip"])
        let findings = Set(try #require(outcome.report.content.pii?.findings).map { "\($0.legacyID) \($0.column)" })
        #expect(findings == ["\(try legacyID(connection, 3)) email", "\(try legacyID(connection, 4)) email", "\(try legacyID(connection, 5)) first_name"])
        _ = directory
    }

    @Test func namesEachColumnOfAMemberWhoseValuesDecryptButDifferFromTheSource() throws {
        let (directory, pipeline, target, connection) = try loaded()
        // Values that decrypt, but not to the source's: a column emptied in the target.
        try connection.execute("""
            UPDATE mlm.member_pii SET phone = NULL, email = NULL WHERE member_id = 11;
            UPDATE mlm.member_pii SET last_name = NULL WHERE member_id = 12;
            """)
        let outcome = try pipeline.reconcile(target: target)
        #expect(Set(outcome.failedChecks) == ["pii.round_trip", "pii.blind_indexes"])
        let findings = try #require(outcome.report.content.pii?.findings).filter { $0.column != PIIRecordDigest.column }
        #expect(Set(findings.map { "\($0.legacyID) \($0.column) \($0.problem)" }) == [
            "\(try legacyID(connection, 11)) email missing in the target", "\(try legacyID(connection, 11)) phone missing in the target",
            "\(try legacyID(connection, 12)) last_name missing in the target",
        ])
        #expect(findings.count == 3)
        #expect(findings.firstIndex { $0.column == "email" } == findings.firstIndex { $0.column == "phone" }.map { $0 - 1 }, "one member's columns in field order")
        _ = directory
    }

    @Test func refusesAKeyThatWrapsNoDataKeyWithoutPrintingAnyValue() throws {
        let (directory, original, target, connection) = try loaded()
        var pipeline = original
        pipeline.kek = try KeyEncryptionKey.load(path: TestKeys.newKEKFile("wrong"))
        #expect {
            _ = try pipeline.reconcile(target: target)
        } throws: { error in
            let message = (error as? MigrationError)?.message ?? ""
            return (error as? MigrationError)?.code == "keys.kek_wrong" && !message.contains("@")
        }
        #expect(try connection.scalar("SELECT count(*) FROM mlm_migration.runs WHERE status = 'failed'") == "0")
        _ = directory
    }

    @Test func findsTheKeysAnUnfinishedRotationLeftUnderAnotherKEK() throws {
        let (directory, original, target, connection) = try loaded()
        let other = try KeyEncryptionKey.load(path: TestKeys.newKEKFile("other"))
        try connection.execute("UPDATE mlm.data_keys SET kek_id = '\(other.id)' WHERE member_id IN (3, 4)")
        let outcome = try original.reconcile(target: target)
        #expect(outcome.failedChecks.contains("pii.keys_under_kek"))
        _ = directory
    }

    @Test func catchesAChangedBlindIndexAndAPlaintextValue() throws {
        let (directory, pipeline, target, connection) = try loaded()
        try connection.execute("""
            UPDATE mlm.member_pii SET phone_bidx = email_bidx WHERE member_id = 9;
            UPDATE mlm.member_pii SET address = convert_to('12 Plain Street', 'UTF8') WHERE member_id = 10;
            """)
        let outcome = try pipeline.reconcile(target: target)
        #expect(Set(outcome.failedChecks) == ["pii.blind_indexes", "pii.all_encrypted", "pii.round_trip"])
        let findings = try #require(outcome.report.content.pii?.findings)
        #expect(findings.contains(PIIFigures.Finding(legacyID: try legacyID(connection, 9), column: "phone_bidx", problem: "blind index differs")))
        #expect(findings.contains(PIIFigures.Finding(legacyID: try legacyID(connection, 10), column: "address", problem: "does not decrypt for this member and column")))
        _ = directory
    }

    @Test func checksASeededSampleOfLargeRunsTheSameWayEachTime() throws {
        let (directory, pipeline, _, connection) = try loaded()
        let mapping = try MappingLoader.load(path: PackagePaths.mapping("vendor2-mlmsoft"))
        var reconciler = PIIReconciler(connection: connection, kek: try TestKeys.kek, logger: Logger(label: "test"))
        reconciler.fullCheckLimit = 500
        func sample() throws -> PIIFigures {
            try reconciler.run(
                runID: 1, fields: mapping.members.columns.filter(\.pii).map(\.field),
                source: Extractor(members: mapping.members, source: PackagePaths.sample("vendor2-mlmsoft"), logger: Logger(label: "test")),
                cleansedMembersPath: pipeline.work.file("cleanse/members.tsv"), expected: 2_001
            ).1
        }
        let first = try sample()
        #expect(first.roundTripScope.hasPrefix("a seeded sample of about 500 of 2001"))
        #expect((350...650).contains(first.roundTripMembers))
        #expect(first.findingCount == 0)
        #expect(try sample() == first)
        _ = directory
    }
}

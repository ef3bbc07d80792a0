import Logging
import MLMMigrate
import Testing

@Suite struct LoaderTests {
    /// Runs extract, cleanse and transform on vendor 2's sample into a work directory.
    static func transformedSample(_ directory: TemporaryDirectory) throws -> Pipeline {
        var pipeline = Pipeline(work: try WorkDirectory(path: directory.path), logger: Logger(label: "test"))
        pipeline.kek = try TestKeys.kek
        _ = try pipeline.extract(source: PackagePaths.sample("vendor2-mlmsoft"), mappingPath: PackagePaths.mapping("vendor2-mlmsoft"))
        _ = try pipeline.cleanse()
        _ = try pipeline.transform()
        return pipeline
    }

    @Test func loadsInBatchesEachWithItsManifestAndSponsorsFirst() throws {
        let directory = try TemporaryDirectory()
        var pipeline = try Self.transformedSample(directory)
        pipeline.batchSize = 300
        let target = try TestPostgres.freshDatabase("load")
        let (summary, _) = try pipeline.load(target: target)
        #expect(summary.members == 2_001)
        // Members 7 + quarantine 1; data keys 7, PII 7; wallets 3,338 / 300 = 12; entries 11,999 / 300 = 40; ledger quarantine 1;
        // commission: periods 3 rows = 1, ranks 5 = 1, orders 1,378 / 300 = 5, rank history 585 / 300 = 2, payouts 220 = 1,
        // no carry-forwards (a unilevel plan), commission quarantine 1.
        #expect(summary.batches == 7 + 1 + 7 + 7 + 12 + 40 + 1 + 1 + 1 + 5 + 2 + 1 + 1)
        #expect(summary.orders == 1_378 && summary.payouts == 220 && summary.carryForward == 0)
        #expect(summary.dataKeys == 2_001 && summary.memberPII == 2_001)
        #expect(summary.walletEntries == 11_999)
        let connection = try PostgresConnection(target)
        let batches = try connection.query("SELECT batch_no, kind, row_count, length(content_sha256) FROM mlm_migration.batches WHERE entity = 'members' ORDER BY batch_no")
        #expect(batches.count == 8)
        #expect(batches.first == ["1", "rows", "300", "64"])
        #expect(batches.last?[1] == "quarantine")
        // A member's sponsor and placement parent are never in a later batch than the member.
        let later = try connection.scalar("""
            SELECT count(*) FROM mlm.members m JOIN mlm.members p ON p.member_id IN (m.sponsor_id, m.placement_id)
            WHERE p.batch_no > m.batch_no
            """)
        #expect(later == "0")
        #expect(try connection.scalar("SELECT status FROM mlm_migration.runs") == "loaded")
        // The foreign keys dropped for the bulk load are back and validated.
        #expect(try connection.scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = 'mlm.members'::regclass AND contype = 'f' AND convalidated") == "2")
        #expect(try connection.scalar("SELECT count(*) FROM pg_constraint WHERE conname = 'wallet_entries_wallet_fkey' AND convalidated") == "1")
        #expect {
            try connection.execute("UPDATE mlm.members SET sponsor_id = 999999 WHERE member_id = 5")
        } throws: { ($0 as? MigrationError)?.message.contains("23503") == true }
    }

    /// A foreign key the registry does not name stays in place through the bulk load and costs
    /// a trigger call per row (mlm.wallets' key to its member once made the wallets load 4x the
    /// raw copy's time): every foreign key of a table the load writes must be a bulk-load key.
    @Test func everyForeignKeyOfALoadedTableIsDroppedForTheBulkLoadAndBackAfterIt() throws {
        let directory = try TemporaryDirectory()
        let pipeline = try Self.transformedSample(directory)
        let target = try TestPostgres.freshDatabase("allkeys")
        _ = try pipeline.load(target: target)
        let connection = try PostgresConnection(target)
        let tables = TargetTables.all.map { "'\($0.name)'::regclass" }.joined(separator: ", ")
        let inSchema = try connection.query("""
            SELECT n.nspname || '.' || c.relname, k.conname, k.convalidated
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE k.contype = 'f' AND k.conparentid = 0 AND k.conrelid IN (\(tables))
            """).map { "\($0[0] ?? "")|\($0[1] ?? "")|\($0[2] ?? "")" }
        let registry = TargetTables.bulkLoadForeignKeys.map { "\($0.table)|\($0.key.name)|t" }
        #expect(inSchema.sorted() == registry.sorted())
        // And reconcile's commission check counts the commission state's keys.
        let commission = [TargetTables.orders, TargetTables.carryForward, TargetTables.rankHistory, TargetTables.payouts]
        #expect(commission.flatMap(\.bulkLoadForeignKeys).count == 9)
    }

    @Test func refusesToLoadIntoATargetThatAlreadyHoldsMembers() throws {
        let directory = try TemporaryDirectory()
        let pipeline = try Self.transformedSample(directory)
        let target = try TestPostgres.freshDatabase("twice")
        let (first, _) = try pipeline.load(target: target)
        // The same work directory again: already loaded, nothing written twice.
        let (again, _) = try pipeline.load(target: target)
        #expect(again.runID == first.runID && again.members == first.members && again.batches == first.batches)
        #expect(try PostgresConnection(target).scalar("SELECT count(*) FROM mlm_migration.runs") == "1")
        // Another transform (another work directory): refused.
        let other = try TemporaryDirectory()
        let second = try Self.transformedSample(other)
        #expect { _ = try second.load(target: target) } throws: { ($0 as? MigrationError)?.code == "target.not_empty" }
    }

    @Test func refusesASecondRunWhileOneHoldsTheTarget() throws {
        let target = try TestPostgres.freshDatabase("lock")
        let first = try PostgresConnection(target)
        let second = try PostgresConnection(target)
        try RunRecords.lockTarget(first)
        #expect { try RunRecords.lockTarget(second) } throws: { ($0 as? MigrationError)?.code == "target.busy" }
    }

    @Test func appliesTheSchemaOnceAndIsRerunnable() throws {
        let connection = try PostgresConnection(try TestPostgres.freshDatabase("schema"))
        #expect(try TargetSchema.apply(on: connection) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
        #expect(try TargetSchema.apply(on: connection) == [])
        #expect(try connection.scalar("SELECT max(version) FROM mlm_migration.schema_versions") == "11")
    }
}

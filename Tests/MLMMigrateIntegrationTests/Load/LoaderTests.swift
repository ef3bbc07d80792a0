import Foundation
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

    /// Sets field `field` of line `line` (0: the header) of the work directory's `transform/wallets.tsv`.
    static func editWallets(_ work: String, line: Int, field: Int, to value: String) throws {
        let wallets = "\(work)/transform/wallets.tsv"
        var lines = try String(contentsOfFile: wallets, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var fields = lines[line].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        fields[field] = value
        lines[line] = fields.joined(separator: "\t")
        try lines.joined(separator: "\n").write(toFile: wallets, atomically: true, encoding: .utf8)
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

    /// The keys of a finished table go back while later steps load, on connections of their own:
    /// the members' before the last wallet entries are in; every key goes back that way, so the
    /// load's own final restore finds none missing.
    @Test func theKeysOfFinishedTablesGoBackWhileLaterStepsLoad() throws {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("earlykeys")
        let run = try ToolRun.run("mlm-migrate", WorkDirectoryIntegrityTests.runArguments(
            work.path, target, ["--batch-size", "300", "--log-level", "info", "--log-format", "json"]
        ))
        #expect(run.status == 0 && run.stdout.contains(", 0 failed"), "\(run.stdout)\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        let restored = lines.filter { $0.contains("foreign keys added back while the load goes on") }
        let keys = restored.compactMap { line -> Int? in
            guard let range = line.range(of: "\"keys\":\"") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(keys.reduce(0, +) == TargetTables.bulkLoadForeignKeys.count, "\(restored)")
        // One key at a time per table, its key on the members first: the entries' key on their
        // counterparty (a member) goes in before their key on their wallet, which waits for it
        // (they alter one table); the commission tables' keys wait for it too (the members).
        func restoredAt(_ key: String) throws -> Int {
            try #require(restored.firstIndex { $0.contains("\"key\":\"\(key)\"") }, "\(restored)")
        }
        #expect(try restoredAt("wallet_entries_counterparty_fkey") < (try restoredAt("wallet_entries_wallet_fkey")))
        #expect(try restoredAt("wallet_entries_counterparty_fkey") < (try restoredAt("orders_member_id_fkey")))
        let members = try #require(lines.firstIndex { $0.contains("foreign keys added back") && $0.contains("mlm.members") })
        let lastEntries = try #require(lines.lastIndex { $0.contains("\"batch committed\"") && $0.contains("\"entity\":\"wallet_entries\"") })
        #expect(members < lastEntries)
        let connection = try PostgresConnection(target)
        #expect(try connection.scalar("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated") == "0")
    }

    /// Reconcile counts each table group's keys from the registry: a key dropped after the load
    /// fails its group's check, naming how many are left.
    @Test func reconcileFailsTheGroupWhoseForeignKeyIsGone() throws {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("keysgone")
        let run = try ToolRun.run("mlm-migrate", WorkDirectoryIntegrityTests.runArguments(work.path, target))
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let connection = try PostgresConnection(target)
        try connection.execute("ALTER TABLE mlm.members DROP CONSTRAINT members_sponsor_id_fkey")
        try connection.execute("ALTER TABLE mlm.wallets DROP CONSTRAINT wallets_member_id_fkey")
        try connection.execute("ALTER TABLE mlm.orders DROP CONSTRAINT orders_period_fkey")
        let again = try ToolRun.run("mlm-migrate", ["reconcile", "--work-dir", work.path, "--target", target, "--kek-file", TestKeys.kekFile, "--no-progress"])
        #expect(again.status == 1, "\(again.stdout)\(again.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(work.path)/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let content = try #require(report["content"] as? [String: Any])
        let checks = try #require(content["checks"] as? [[String: Any]])
        func figures(_ name: String) -> [String]? {
            checks.first { $0["name"] as? String == name }.map { [$0["expected"] as? String ?? "", $0["actual"] as? String ?? ""] }
        }
        #expect(figures("genealogy.foreign_keys_enforced") == ["2", "1"])
        #expect(figures("ledger.foreign_keys_enforced") == ["3", "2"])
        #expect(figures("commission.foreign_keys_enforced") == ["9", "8"])
    }

    /// A row that breaks a key found while later steps load stops the load naming the key (no
    /// value), with the committed batches kept, and the same load stops the same way again.
    @Test func aBrokenKeyFoundWhileTheLoadGoesOnStopsItNamingTheKey() throws {
        let directory = try TemporaryDirectory()
        _ = try Self.transformedSample(directory)
        // A wallet of a member the target will not have: only its key to mlm.members can tell.
        try Self.editWallets(directory.path, line: 1, field: 0, to: "987654321")
        let target = try TestPostgres.freshDatabase("brokenkey")
        for _ in 0..<2 {
            let load = try ToolRun.run("mlm-migrate", ["load", "--work-dir", directory.path, "--target", target, "--batch-size", "300", "--no-progress"])
            #expect(load.status == 2)
            #expect(load.stderr.contains("wallets_member_id_fkey"), "\(load.stderr)")
            #expect(!load.stderr.contains("987654321"), "\(load.stderr)")
        }
        let connection = try PostgresConnection(target)
        #expect(try connection.scalar("SELECT status FROM mlm_migration.runs") == "loading")
        #expect(try connection.scalar("SELECT count(*) FROM mlm.wallet_entries") == "11999")
        // Every other key is back and validated; the broken one is not there.
        #expect(try connection.scalar("SELECT count(*) FROM pg_constraint WHERE conname = 'wallets_member_id_fkey'") == "0")
        #expect(try connection.scalar("SELECT count(*) FROM pg_constraint WHERE conname = 'members_sponsor_id_fkey' AND convalidated") == "1")
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

    /// Binary `COPY` (the default) and text `COPY` of the same transform give the same target:
    /// every row, its run and batch, and every batch's digest.
    @Test func aBinaryLoadGivesTheSameTargetAsATextOne() throws {
        let directory = try TemporaryDirectory()
        var pipeline = try Self.transformedSample(directory)
        pipeline.batchSize = 700
        let binary = try TestPostgres.freshDatabase("binarycopy")
        _ = try pipeline.load(target: binary)
        pipeline.binaryCopy = false
        let text = try TestPostgres.freshDatabase("textcopy")
        _ = try pipeline.load(target: text)
        let tables = try ResumeTests.tables(binary)
        #expect(tables == (try ResumeTests.tables(text)))
        #expect(tables["wallet_entries"]?.hasPrefix("11999:") == true)
    }

    /// A stage-file value binary `COPY` cannot send stops the load naming the file, line and
    /// column, never the value.
    @Test func aValueBinaryCopyCannotSendStopsTheLoadNamingItsPlace() throws {
        let directory = try TemporaryDirectory()
        let pipeline = try Self.transformedSample(directory)
        try Self.editWallets(directory.path, line: 1_500, field: 3, to: "twelve")
        #expect {
            _ = try pipeline.load(target: try TestPostgres.freshDatabase("binaryrefused"))
        } throws: { error in
            guard let error = error as? MigrationError else { return false }
            return error.code == ErrorCode.workdirCorrupt.rawValue && error.message.contains("wallets.tsv: line 1501 column entry_count cannot be sent as a bigint")
                && !error.message.contains("twelve")
        }
    }

    @Test func appliesTheSchemaOnceAndIsRerunnable() throws {
        let connection = try PostgresConnection(try TestPostgres.freshDatabase("schema"))
        #expect(try TargetSchema.apply(on: connection) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
        #expect(try TargetSchema.apply(on: connection) == [])
        #expect(try connection.scalar("SELECT max(version) FROM mlm_migration.schema_versions") == "11")
    }
}

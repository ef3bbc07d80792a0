import Foundation
import MLMMigrate
import Testing

/// A target whose `mlm.wallet_entries` is hash-partitioned (`--entry-partitions N`): loaded by
/// parallel streams, it holds the same rows as the plain layout; deltas, rollback and a killed
/// load work on it; and the client-side routing is PostgreSQL's own.
@Suite struct EntryPartitionTests {
    /// Every registry table's rows without `batch_no` (the layouts number their batches apart).
    static func rows(_ target: String) throws -> [String: String] {
        let connection = try PostgresConnection(target)
        var sums: [String: String] = [:]
        for table in TargetTables.all where try connection.scalar("SELECT to_regclass($1) IS NOT NULL", [table.name]) == "t" {
            let columns = table.columns.filter { $0 != "batch_no" }.joined(separator: ", ")
            sums[table.name] = try connection.scalar(
                "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM (SELECT \(columns) FROM \(table.name)) t"
            )
        }
        return sums
    }

    @Test func routesEveryKeyToThePartitionPostgreSQLChooses() throws {
        let connection = try PostgresConnection(try TestPostgres.freshDatabase("hashroute"))
        _ = try TargetSchema.apply(on: connection)
        #expect(try EntryPartitions.settle(requested: 5, on: connection) == 5)
        var keys: [Int64] = Array(-300...3_000) + [Int64.max, Int64.min, 1 << 32, (1 << 32) - 1, -(1 << 32), 9_007_199_254_740_993]
        keys += (0..<500).map { Int64($0) * 2_654_435_761 * 1_000_003 }
        for modulus in [2, 3, 5, 7, 64] {
            let remainders = keys.map { PostgresHashPartition.remainder(of: $0, modulus: modulus) }
            let wrong = remainders.map { ($0 + 1) % modulus }
            let check = """
                SELECT bool_and(satisfies_hash_partition('mlm.wallet_entries'::regclass, \(modulus), r, k))
                FROM unnest($1::bigint[], $2::integer[]) AS u(k, r)
                """
            let keyList = "{" + keys.map(String.init).joined(separator: ",") + "}"
            #expect(try connection.scalar(check, [keyList, "{" + remainders.map(String.init).joined(separator: ",") + "}"]) == "t")
            #expect(try connection.scalar(check, [keyList, "{" + wrong.map(String.init).joined(separator: ",") + "}"]) == "f")
        }
    }

    @Test func aPartitionedTargetHoldsTheSameRowsHashesAndReportAsThePlainOne() throws {
        let directory = try TemporaryDirectory()
        var pipeline = try LoaderTests.transformedSample(directory)
        pipeline.batchSize = 40
        let plain = try TestPostgres.freshDatabase("layoutplain")
        _ = try pipeline.load(target: plain)
        let plainOutcome = try pipeline.reconcile(target: plain)

        pipeline.entryPartitions = 4
        let partitioned = try TestPostgres.freshDatabase("layoutparts")
        let (summary, _) = try pipeline.load(target: partitioned)
        let partitionedOutcome = try pipeline.reconcile(target: partitioned)

        #expect(plainOutcome.failedChecks.isEmpty && partitionedOutcome.failedChecks.isEmpty, "\(partitionedOutcome.failedChecks)")
        #expect(partitionedOutcome.report.contentDigest == plainOutcome.report.contentDigest)
        #expect(try Self.rows(partitioned) == Self.rows(plain))
        let connection = try PostgresConnection(partitioned)
        #expect(try EntryPartitions.current(on: connection) == 4)
        #expect(try EntryPartitions.current(on: PostgresConnection(plain)) == nil)
        // Every partition got rows, each in batches of its own, straight into its table.
        #expect(try connection.scalar("SELECT count(DISTINCT tableoid) FROM mlm.wallet_entries") == "4")
        let batches = try connection.query("""
            SELECT t.key, count(*), sum(t.value::bigint) FROM mlm_migration.batches b, jsonb_each_text(b.rows_by_table) t
            WHERE b.entity = 'wallet_entries' AND t.key LIKE 'mlm.wallet_entries_p%' GROUP BY t.key ORDER BY t.key
            """)
        #expect(batches.count == 4)
        #expect(batches.compactMap { $0[2].flatMap { Int($0) } }.reduce(0, +) == summary.walletEntries)
        // Batch numbers run without a gap or a repeat across the partitions and the steps after them.
        #expect(try connection.scalar("SELECT count(*) = max(batch_no) FROM mlm_migration.batches") == "t")
    }

    @Test func aDeltaItsRollbackAndASnapshotRestoreWorkOnAPartitionedTarget() throws {
        let vendor = "vendor2-mlmsoft"
        let target = try TestPostgres.freshDatabase("partdelta")
        let first = try TemporaryDirectory()
        let common = ["--mapping", PackagePaths.mapping(vendor), "--target", target, "--kek-file", TestKeys.kekFile]
        let load = try ToolRun.run("mlm-migrate", ["run", "--source", PackagePaths.sample(vendor), "--work-dir", first.path, "--entry-partitions", "3"] + common)
        #expect(load.status == 0, "\(load.stdout)\(load.stderr)")
        let before = try ResumeTests.tables(target)

        let later = try TemporaryDirectory()
        let delta = try ToolRun.run("mlm-migrate", [
            "run", "--delta", "--source", PackagePaths.sample("later/\(vendor)"), "--work-dir", later.path, "--batch-size", "40",
        ] + common)
        #expect(delta.status == 0, "\(delta.stdout)\(delta.stderr)")
        let connection = try PostgresConnection(target)
        #expect(try Int(connection.scalar("SELECT count(*) FROM mlm.wallet_entries WHERE run_id = 2") ?? "0") ?? 0 > 0)
        #expect(try EntryPartitions.current(on: connection) == 3)
        let verify = try ToolRun.run("mlm-migrate", ["verify-ledger", "--work-dir", later.path, "--target", target])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

        let back = try ToolRun.run("mlm-migrate", ["rollback", "--run", "2", "--work-dir", later.path, "--target", target])
        #expect(back.status == 0, "\(back.stderr)")
        var after = try ResumeTests.tables(target)
        after["runs"] = before["runs"]
        #expect(after == before)

        // A full snapshot and its restore keep the layout and the rows.
        let dump = "\(first.path)/partitioned.dump"
        let snapshot = try ToolRun.run("mlm-migrate", ["snapshot", "--full", "--out", dump, "--target", target, "--work-dir", first.path])
        #expect(snapshot.status == 0, "\(snapshot.stderr)")
        let restore = try ToolRun.run("mlm-migrate", ["restore", "--from", dump, "--target", target, "--work-dir", first.path])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try EntryPartitions.current(on: PostgresConnection(target)) == 3)
        var restored = try ResumeTests.tables(target)
        restored["runs"] = before["runs"]
        #expect(restored == before)
    }

    @Test func aPartitionedLoadKilledOrPausedFinishesWithTheSameCommandAsAnUninterruptedOne() throws {
        let work = try TemporaryDirectory()
        _ = try LoaderTests.transformedSample(work)
        let options = ["--entry-partitions", "3"]
        let clean = try TestPostgres.freshDatabase("partclean")
        let uninterrupted = try LoadCommand.run(work: work.path, target: clean, batchSize: 20, extra: options)
        #expect(uninterrupted.status == 0, "\(uninterrupted.errorOutput)")
        let expected = try ResumeTests.tables(clean)
        let entriesFrom = try PostgresConnection(clean).scalar("SELECT min(batch_no) FROM mlm_migration.batches WHERE entity = 'wallet_entries'")
        let firstEntryBatch = Int(entriesFrom ?? "") ?? 0
        #expect(firstEntryBatch > 1)

        let target = try TestPostgres.freshDatabase("partkilled")
        let connection = try PostgresConnection(target)
        // Paused inside the partitioned step: some partitions' batches committed, not all.
        let paused = try LoadCommand.run(work: work.path, target: target, batchSize: 20, extra: options + ["--max-batches", String(firstEntryBatch + 1)])
        #expect(paused.status == 0, "\(paused.errorOutput)")
        #expect(try connection.scalar("SELECT count(*) FROM mlm_migration.batches WHERE entity = 'wallet_entries'") == "2")
        // Another batch size would number some partition's batch twice: refused, nothing written.
        let resized = try LoadCommand.run(work: work.path, target: target, batchSize: 50, extra: options)
        #expect(resized.status == 2 && resized.errorOutput.contains("[target.layout_mismatch]"), "\(resized.errorOutput)")
        #expect(resized.errorOutput.contains("--batch-size 20"))
        #expect(try connection.scalar("SELECT count(*) FROM mlm_migration.batches WHERE entity = 'wallet_entries'") == "2")
        // Killed (SIGKILL) as soon as one more partition batch has committed, three times over:
        // each time inside the parallel streams, with other streams mid-COPY.
        let kills = try Self.killLoadsInsideTheEntries(work: work.path, target: target, options: options, times: 3)
        #expect(kills == 3)
        let resumed = try LoadCommand.run(work: work.path, target: target, batchSize: 20, extra: options)
        #expect(resumed.status == 0, "\(resumed.errorOutput)")
        #expect(try ResumeTests.tables(target) == expected)
    }

    /// Runs `load` (batches of 20, `options`) `times` times, each killed (SIGKILL) as soon as one
    /// more wallet entries batch has committed, waiting for the killed sessions to end; returns
    /// how many were killed there (not finished first).
    static func killLoadsInsideTheEntries(work: String, target: String, options: [String], times: Int) throws -> Int {
        let connection = try PostgresConnection(target)
        func entryBatches() -> Int {
            Int((try? connection.scalar("SELECT count(*) FROM mlm_migration.batches WHERE entity = 'wallet_entries'")) ?? nil ?? "") ?? 0
        }
        var kills = 0
        for _ in 0..<times {
            let before = entryBatches()
            let tool = try KillableTool(["load", "--work-dir", work, "--target", target, "--batch-size", "20"] + options)
            if tool.kill(when: { entryBatches() > before }) { kills += 1 }
            // The killed streams' sessions end as soon as their backends notice.
            let others = """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                """
            var waited = 0
            while waited < 500, try connection.scalar(others) != "0" {
                usleep(20_000)
                waited += 1
            }
        }
        return kills
    }

    @Test func refusesToRepartitionATargetThatHoldsEntries() throws {
        let loaded = try LoadedSample(database: "partrefuse")
        let refused = try LoadCommand.run(work: loaded.directory.path, target: loaded.target, batchSize: 50, extra: ["--entry-partitions", "4"])
        #expect(refused.status == 2)
        #expect(refused.errorOutput.contains("[target.layout_mismatch]"))
        #expect(refused.errorOutput.contains("mlm.wallet_entries") && refused.errorOutput.contains("already holds entries"))
        let tooFew = try LoadCommand.run(work: loaded.directory.path, target: loaded.target, batchSize: 50, extra: ["--entry-partitions", "1"])
        #expect(tooFew.status != 0 && tooFew.errorOutput.contains("--entry-partitions must be between 2 and 64"))
    }

    /// The `mlm-migrate run` line of docs/scaling.md, run as written with its placeholders
    /// filled in (vendor 1's sample, the test key, a fresh target and work directory).
    @Test func runsTheCommandDocsScalingShows() throws {
        let text = try String(contentsOfFile: "\(PackagePaths.root)/docs/scaling.md", encoding: .utf8)
        var line = ""
        for raw in text.components(separatedBy: "\n") where line.hasSuffix("\\") || raw.hasPrefix("mlm-migrate run ") {
            line = String(line.dropLast(line.hasSuffix("\\") ? 1 : 0)) + " " + raw.trimmingCharacters(in: .whitespaces)
        }
        #expect(line.contains("--entry-partitions 4"), "\(line)")
        let target = try TestPostgres.freshDatabase("partdoc")
        let work = try TemporaryDirectory()
        let words = RunbookCommandTests.words(line).dropFirst().map { word in
            switch word {
            case "export/": PackagePaths.sample("vendor1-binaryplan")
            case "mappings/VENDOR.yaml": PackagePaths.mapping("vendor1-binaryplan")
            case "$K": TestKeys.kekFile
            case "$T": target
            case "$W": work.path
            default: word
            }
        }
        let result = try ToolRun.run("mlm-migrate", Array(words))
        #expect(result.status == 0, "\(line): \(result.stdout)\(result.stderr)")
        #expect(try EntryPartitions.current(on: PostgresConnection(target)) == 4)
    }
}

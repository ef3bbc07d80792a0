import Foundation
import MLMMigrate
import Testing

/// A load killed at any moment, or stopped with `--max-batches`, resumes from its last committed
/// batch with the same command, and ends with exactly the target an uninterrupted load gives.
@Suite struct ResumeTests {
    /// Every table the load writes, in a canonical text form (all columns but generated ids and
    /// commit times), to compare two targets.
    static func tables(_ target: String) throws -> [String: String] {
        let connection = try PostgresConnection(target)
        let queries = [
            "members": "SELECT * FROM mlm.members",
            "id_map": "SELECT * FROM mlm_migration.id_map",
            "data_keys": "SELECT * FROM mlm.data_keys",
            "member_pii": "SELECT * FROM mlm.member_pii",
            "wallets": "SELECT * FROM mlm.wallets",
            "wallet_entries": "SELECT * FROM mlm.wallet_entries",
            "periods": "SELECT * FROM mlm.periods",
            "ranks": "SELECT * FROM mlm.ranks",
            "orders": "SELECT * FROM mlm.orders",
            "carry_forward": "SELECT * FROM mlm.carry_forward",
            "rank_history": "SELECT * FROM mlm.rank_history",
            "commission_payouts": "SELECT * FROM mlm.commission_payouts",
            "quarantine": "SELECT run_id, batch_no, entity, source, line, legacy_id, reason, column_name, detail, payload FROM mlm_migration.quarantine",
            "batches": "SELECT run_id, batch_no, entity, kind, row_count, content_sha256 FROM mlm_migration.batches",
            "runs": "SELECT run_id, status, vendor, mapping_digest, counts, ledger_digest FROM mlm_migration.runs",
        ]
        var sums: [String: String] = [:]
        for (name, query) in queries {
            sums[name] = try connection.scalar("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM (\(query)) t")
        }
        return sums
    }

    /// A work directory with vendor 2's sample transformed, ready to load.
    private func transformed() throws -> TemporaryDirectory {
        let work = try TemporaryDirectory()
        _ = try LoaderTests.transformedSample(work)
        return work
    }

    private func load(_ work: String, _ target: String, extra: [String] = [], killAfter: Double? = nil) throws -> CommandRunner.Result {
        try LoadCommand.run(work: work, target: target, batchSize: 200, extra: extra, killAfter: killAfter)
    }

    @Test func resumesAfterBeingKilledAtManyPointsToTheSameTargetAsACleanLoad() throws {
        let work = try transformed()
        let clean = try TestPostgres.freshDatabase("clean")
        let cleanLoad = try load(work.path, clean, extra: ["--batch-size", "20"])
        #expect(cleanLoad.status == 0, "\(cleanLoad.errorOutput)")
        let expected = try Self.tables(clean)

        let target = try TestPostgres.freshDatabase("killed")
        let connection = try PostgresConnection(target)
        var killedAt: [Int] = []
        var finished = false
        var startup: Double?
        for attempt in 1...300 {
            // Kill points: every 5 ms from the start (connecting, creating the schema, taking
            // the lock) until a kill lands in the load itself; from then on a few milliseconds
            // after that point, again and again, so each attempt commits some batches and dies
            // in the middle of another (or of a COPY, a commit, the FK restore...).
            let delay = startup.map { $0 + 0.003 * Double(attempt % 7) } ?? 0.005 * Double(attempt)
            let result = try load(work.path, target, extra: ["--batch-size", "20"], killAfter: delay)
            if result.status == 0 {
                finished = true
                break
            }
            if result.errorOutput.contains("[target.busy]") {
                usleep(100_000)  // the killed session's lock is released as soon as its backend notices
                continue
            }
            #expect(result.status == 137, "attempt \(attempt): \(result.errorOutput)")
            let committed = (try? connection.scalar("SELECT coalesce(max(batch_no), 0) FROM mlm_migration.batches")).flatMap { $0.flatMap { Int($0) } } ?? -1
            killedAt.append(committed)
            if committed >= 0 && startup == nil { startup = delay }
        }
        if !finished {
            finished = try load(work.path, target, extra: ["--batch-size", "20"]).status == 0
        }
        print("resume test: killed \(killedAt.count) times, after batches \(killedAt)")
        #expect(finished)
        #expect(killedAt.count >= 25, "kill points tried: \(killedAt)")
        #expect(Set(killedAt).count >= 8, "kills landed at too few batch boundaries: \(killedAt)")
        #expect(try Self.tables(target) == expected)
        let reconcile = try ToolRun.run("mlm-migrate", ["reconcile", "--work-dir", work.path, "--target", target, "--kek-file", TestKeys.kekFile])
        #expect(reconcile.status == 0, "\(reconcile.stdout)")
    }

    @Test func retriesWhenTheDatabaseCutsTheConnectionAndEndsWithTheSameTarget() throws {
        let work = try transformed()
        let clean = try TestPostgres.freshDatabase("cleancut")
        #expect(try load(work.path, clean, extra: ["--batch-size", "20"]).status == 0)
        let target = try TestPostgres.freshDatabase("cut")
        let database = String(try #require(target.split(separator: " ").first { $0.hasPrefix("dbname=") }?.dropFirst(7)))
        // Cut every session of the target's database three times while one load runs.
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            for delay in [0.25, 0.9, 2.0] {
                usleep(UInt32(delay * 1_000_000))
                _ = try? PostgresConnection(clean).query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database])
            }
            done.signal()
        }
        let result = try load(work.path, target, extra: ["--batch-size", "20", "--log-level", "warning"])
        done.wait()
        #expect(result.status == 0, "\(result.errorOutput)")
        let retries = result.errorOutput.components(separatedBy: "transient database error; resuming the load").count - 1
        print("resume test: load retried \(retries) times after connection cuts")
        #expect(retries >= 1)
        #expect(try Self.tables(target) == (try Self.tables(clean)))
    }

    @Test func carriesOnWhenPostgreSQLRestartsMidLoad() throws {
        let work = try transformed()
        let clean = try TestPostgres.freshDatabase("cleanrestart")
        #expect(try load(work.path, clean, extra: ["--batch-size", "20"]).status == 0)
        // A private cluster, so restarting it disturbs no other test.
        let home = try TemporaryDirectory()
        let cluster = try EmbeddedPostgres.startFresh(workDirectory: home.path)
        defer { cluster.stop() }
        let restarted = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            usleep(400_000)
            try? cluster.restart()
            restarted.signal()
        }
        let result = try load(work.path, cluster.conninfo, extra: ["--batch-size", "20", "--log-level", "warning"])
        restarted.wait()
        #expect(result.status == 0, "\(result.errorOutput)")
        print("resume test: load after a PostgreSQL restart retried \(result.errorOutput.components(separatedBy: "resuming the load").count - 1) times")
        #expect(result.errorOutput.contains("transient database error; resuming the load"))
        #expect(try Self.tables(cluster.conninfo) == (try Self.tables(clean)))
    }

    @Test func stopsOnAPermanentErrorWithAClearMessageAndResumesOnceFixed() throws {
        let work = try transformed()
        let clean = try TestPostgres.freshDatabase("cleanbad")
        #expect(try load(work.path, clean).status == 0)
        // A wallet row the database refuses (a negative entry count, against its check), deep in the file.
        let wallets = "\(work.path)/transform/wallets.tsv"
        let original = try String(contentsOfFile: wallets, encoding: .utf8)
        var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var fields = lines[1_500].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        fields[3] = "-1"
        lines[1_500] = fields.joined(separator: "\t")
        try lines.joined(separator: "\n").write(toFile: wallets, atomically: true, encoding: .utf8)

        let target = try TestPostgres.freshDatabase("bad")
        let failed = try load(work.path, target)
        #expect(failed.status == 2)
        #expect(failed.errorOutput.contains("[SQLSTATE 23514]") && failed.errorOutput.contains("[target.sql_failed]"), "\(failed.errorOutput)")
        #expect(failed.errorOutput.contains("the same command resumes it"))
        let connection = try PostgresConnection(target)
        #expect(try connection.scalar("SELECT status FROM mlm_migration.runs") == "loading")
        #expect(try connection.scalar("SELECT count(*) FROM mlm.members") == "2001")
        // Fixed, the same command carries on from the last committed batch.
        try original.write(toFile: wallets, atomically: true, encoding: .utf8)
        let resumed = try load(work.path, target)
        #expect(resumed.status == 0, "\(resumed.errorOutput)")
        #expect(try Self.tables(target) == (try Self.tables(clean)))
    }

    @Test func stopsAfterMaxBatchesAndContinuesWithTheSameCommand() throws {
        let work = try transformed()
        let clean = try TestPostgres.freshDatabase("cleanmax")
        #expect(try load(work.path, clean).status == 0)
        let target = try TestPostgres.freshDatabase("paused")
        var pauses = 0
        while true {
            let result = try load(work.path, target, extra: ["--max-batches", "25"])
            #expect(result.status == 0, "\(result.errorOutput)")
            guard result.output.contains("load paused after batch") else { break }
            pauses += 1
            // While paused, the target is consistent: its foreign keys are in place (8 for members, PII and
            // ledger, the entries' counterparty included; 9 for the commission tables: members, periods and ranks).
            #expect(try PostgresConnection(target).scalar("SELECT count(*) FROM pg_constraint WHERE connamespace = 'mlm'::regnamespace AND contype = 'f'") == "17")
            #expect(pauses < 20)
        }
        // 127 batches of 200 rows (112 for members, PII and ledger, 15 for the commission state): paused 5 times.
        #expect(pauses == 5)
        #expect(try Self.tables(target) == (try Self.tables(clean)))
    }

    @Test func resumeCommandContinuesTheNamedRunAndReconciles() throws {
        let work = try transformed()
        let target = try TestPostgres.freshDatabase("resumecmd")
        #expect(try load(work.path, target, extra: ["--max-batches", "3"]).output.contains("paused"))
        let other = try transformed()
        let wrong = try ToolRun.run("mlm-migrate", ["resume", "1", "--work-dir", other.path, "--target", target, "--kek-file", TestKeys.kekFile])
        #expect(wrong.status == 2 && wrong.stderr.contains("[resume.other_work_directory]"))
        let resumed = try ToolRun.run("mlm-migrate", ["resume", "1", "--work-dir", work.path, "--target", target, "--kek-file", TestKeys.kekFile])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("checks:") && resumed.stdout.contains(", 0 failed"))
        let again = try ToolRun.run("mlm-migrate", ["resume", "1", "--work-dir", work.path, "--target", target, "--kek-file", TestKeys.kekFile])
        #expect(again.status == 2 && again.stderr.contains("[resume.not_unfinished]"))
    }

    @Test func refusesASecondLoadWhileTheFirstIsRunning() throws {
        let work = try transformed()
        // The second load comes from a copy: on the same work directory it would be refused
        // before it reached the target (workdir.locked, WorkDirectoryIntegrityTests).
        let copy = try TemporaryDirectory()
        try FileManager.default.removeItem(atPath: copy.path)
        try FileManager.default.copyItem(atPath: work.path, toPath: copy.path)
        let target = try TestPostgres.freshDatabase("twoatonce")
        let first = DispatchSemaphore(value: 0)
        let path = work.path
        nonisolated(unsafe) var firstResult: CommandRunner.Result?
        DispatchQueue.global().async {
            firstResult = try? CommandRunner.run(PackagePaths.executable("mlm-migrate"), ["load", "--work-dir", path, "--target", target, "--batch-size", "10"], separateErrors: true)
            first.signal()
        }
        // Wait until the first holds the target (its run row exists), then start the second.
        var started = false
        for _ in 0..<200 where !started {
            usleep(20_000)
            started = (try? PostgresConnection(target).scalar("SELECT count(*) FROM mlm_migration.batches")).flatMap { $0 }.map { $0 != "0" } ?? false
        }
        #expect(started)
        let second = try load(copy.path, target)
        first.wait()
        #expect(second.status == 2)
        #expect(second.errorOutput.contains("another mlm-migrate run is writing to") && second.errorOutput.contains("[target.busy]"))
        #expect(firstResult?.status == 0, "\(firstResult?.errorOutput ?? "")")
    }

    @Test func refusesAnotherWorkDirectorysUnfinishedRun() throws {
        let first = try transformed()
        let target = try TestPostgres.freshDatabase("other")
        #expect(try load(first.path, target, extra: ["--max-batches", "2"]).output.contains("paused"))
        let second = try transformed()
        let refused = try load(second.path, target)
        #expect(refused.status == 2)
        #expect(refused.errorOutput.contains("[target.run_unfinished]"))
    }
}

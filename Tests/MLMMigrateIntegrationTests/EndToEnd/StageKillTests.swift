import Foundation
import Glibc
import MLMMigrate
import Testing

/// Each stage command killed (SIGKILL) at a few points, then the same command again: it
/// finishes, and the target ends as a clean run's. Kill points are read from the work (a stage
/// file being written, a batch committed, the load done), not guessed delays.
@Suite struct StageKillTests {
    static let vendor = WorkDirectoryIntegrityTests.vendor

    /// Whether `path` was written (created or truncated, and not empty) since `start`.
    static func written(_ path: String, since start: Date) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_size > 0 else { return false }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9 >= start.timeIntervalSince1970 - 0.01
    }

    /// Runs `arguments` once per kill point, killing it when the point's condition holds (given
    /// the attempt's start), then once more to the end; returns the last run's result.
    static func killed(at points: [(String, (Date) -> Bool)], then arguments: [String], required: Int? = nil) throws -> ToolRun {
        var kills = 0
        for (name, condition) in points {
            let start = Date()
            let tool = try KillableTool(arguments)
            let landed = tool.kill { condition(start) }
            if landed { kills += 1 }
            if required == nil { #expect(landed, "\(arguments[0]) was not killed at \(name): \(tool.stderr)") }
        }
        #expect(kills >= required ?? points.count, "\(arguments[0]) was killed \(kills) times")
        var result = try ToolRun.run("mlm-migrate", arguments)
        // A kill in a transaction leaves the target's lock held until its backend notices.
        for _ in 0..<50 where result.stderr.contains("[target.busy]") {
            usleep(100_000)
            result = try ToolRun.run("mlm-migrate", arguments)
        }
        return result
    }

    /// Every table but the PII ciphertexts and wrapped keys, which a new extract draws afresh;
    /// their row counts are kept.
    static func stableTables(_ target: String) throws -> [String: String] {
        var tables = try ResumeTests.tables(target)
        let connection = try PostgresConnection(target)
        tables["data_keys"] = try connection.scalar("SELECT count(*) || ':' || count(DISTINCT member_id) FROM mlm.data_keys")
        tables["member_pii"] = try connection.scalar("SELECT count(*) || ':' || count(email_bidx) FROM mlm.member_pii")
        let stable = [
            "quarantine": "SELECT run_id, batch_no, entity, source, line, legacy_id, reason, column_name, detail FROM mlm_migration.quarantine",
            "batches": "SELECT run_id, batch_no, entity, kind, row_count FROM mlm_migration.batches",
        ]
        for (name, query) in stable {
            tables[name] = try connection.scalar("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM (\(query)) t")
        }
        return tables
    }

    /// A copy of `template` (a work directory) in a new temporary directory.
    static func copy(_ template: TemporaryDirectory) throws -> TemporaryDirectory {
        let copy = try TemporaryDirectory()
        try FileManager.default.removeItem(atPath: copy.path)
        try FileManager.default.copyItem(atPath: template.path, toPath: copy.path)
        return copy
    }

    private func tool(_ arguments: [String]) throws -> ToolRun { try ToolRun.run("mlm-migrate", arguments) }

    /// The manifest of work directory `work` as JSON; empty when it has none (yet).
    static func manifest(_ work: String) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: "\(work)/manifest.json") else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// Vendor 2's sample transformed, and loaded and reconciled into a clean database: the
    /// reference, with how long its reconcile took.
    private func reference() throws -> (template: TemporaryDirectory, clean: String, reconcile: Double) {
        let template = try TemporaryDirectory()
        _ = try LoaderTests.transformedSample(template)
        let clean = try TestPostgres.freshDatabase("killclean")
        // From a copy: the template's own run stays unloaded, for stage commands to redo.
        let work = try Self.copy(template)
        #expect(try tool(["load", "--work-dir", work.path, "--target", clean]).status == 0)
        let started = Date()
        #expect(try tool(["reconcile", "--work-dir", work.path, "--target", clean, "--kek-file", TestKeys.kekFile]).status == 0)
        return (template, clean, Date().timeIntervalSince(started))
    }

    /// The tables that differ, by name, for the failure message.
    static func differences(_ left: [String: String], _ right: [String: String]) -> [String] {
        Set(left.keys).union(right.keys).filter { left[$0] != right[$0] }.sorted()
    }

    /// Transform (unless skipped), load into a fresh database and reconcile; the database.
    private func finish(_ work: String, from stage: String) throws -> String {
        let common = ["--work-dir", work, "--no-progress"]
        if stage == "cleanse" { #expect(try tool(["transform"] + common).status == 0) }
        let target = try TestPostgres.freshDatabase("killed")
        let load = try tool(["load", "--target", target] + common)
        #expect(load.status == 0, "\(load.stderr)")
        let reconcile = try tool(["reconcile", "--target", target, "--kek-file", TestKeys.kekFile] + common)
        #expect(reconcile.status == 0 && reconcile.stdout.contains(", 0 failed"), "\(reconcile.stdout)\(reconcile.stderr)")
        return target
    }

    @Test func extractKilledThenRunAgainFinishes() throws {
        let (_, clean, _) = try reference()
        let work = try TemporaryDirectory()
        let extract = ["extract", "--source", PackagePaths.sample(Self.vendor), "--mapping", PackagePaths.mapping(Self.vendor),
                       "--kek-file", TestKeys.kekFile, "--work-dir", work.path, "--no-progress"]
        let result = try Self.killed(at: [
            ("members written", { Self.written("\(work.path)/extract/members.tsv", since: $0) }),
            ("wallet entries written", { Self.written("\(work.path)/extract/wallet_entries.tsv", since: $0) }),
        ], then: extract)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try tool(["cleanse", "--work-dir", work.path, "--no-progress"]).status == 0)
        let target = try finish(work.path, from: "cleanse")
        let (got, want) = (try Self.stableTables(target), try Self.stableTables(clean))
        #expect(got == want, "\(Self.differences(got, want))")
    }

    @Test func cleanseKilledThenRunAgainFinishes() throws {
        let (template, clean, _) = try reference()
        let work = try Self.copy(template)
        let result = try Self.killed(at: [
            ("members written", { Self.written("\(work.path)/cleanse/members.tsv", since: $0) }),
            ("wallet entries written", { Self.written("\(work.path)/cleanse/wallet_entries.tsv", since: $0) }),
        ], then: ["cleanse", "--work-dir", work.path, "--no-progress"])
        #expect(result.status == 0, "\(result.stderr)")
        let target = try finish(work.path, from: "cleanse")
        let (got, want) = (try ResumeTests.tables(target), try ResumeTests.tables(clean))
        #expect(got == want, "\(Self.differences(got, want))")
    }

    @Test func transformKilledThenRunAgainFinishes() throws {
        let (template, clean, _) = try reference()
        let work = try Self.copy(template)
        let result = try Self.killed(at: [
            ("members written", { Self.written("\(work.path)/transform/members.tsv", since: $0) }),
            ("wallet entries written", { Self.written("\(work.path)/transform/wallet_entries.tsv", since: $0) }),
        ], then: ["transform", "--work-dir", work.path, "--no-progress"])
        #expect(result.status == 0, "\(result.stderr)")
        let target = try finish(work.path, from: "transform")
        let (got, want) = (try ResumeTests.tables(target), try ResumeTests.tables(clean))
        #expect(got == want, "\(Self.differences(got, want))")
    }

    @Test func reconcileKilledThenRunAgainFinishes() throws {
        let (template, clean, duration) = try reference()
        let work = try Self.copy(template)
        let target = try TestPostgres.freshDatabase("killrecon")
        #expect(try tool(["load", "--work-dir", work.path, "--target", target]).status == 0)
        // Kill points from the clean reconcile's duration: early (reading the target), late (the PII round trip, the report).
        let result = try Self.killed(at: [0.1, 0.3, 0.5].map { fraction in
            ("\(fraction) of a reconcile", { Date().timeIntervalSince($0) >= fraction * duration })
        }, then: ["reconcile", "--work-dir", work.path, "--target", target, "--kek-file", TestKeys.kekFile], required: 2)
        #expect(result.status == 0 && result.stdout.contains(", 0 failed"), "\(result.stdout)\(result.stderr)")
        let (got, want) = (try ResumeTests.tables(target), try ResumeTests.tables(clean))
        #expect(got == want, "\(Self.differences(got, want))")
    }

    /// `run` loads the members while it transforms the ledger and commission state: killed then
    /// (the manifest says the transform is pending and the load begun, batches are committed),
    /// the same `run` transforms them again and finishes the load from its last batch.
    @Test func aRunKilledWhileItTransformsTheLedgerBesideTheMembersLoadIsFinishedByTheSameCommand() throws {
        let clean = try TestPostgres.freshDatabase("besideclean")
        let reference = try TemporaryDirectory()
        let expected = try tool(WorkDirectoryIntegrityTests.runArguments(reference.path, clean, ["--batch-size", "10"]))
        #expect(expected.status == 0, "\(expected.stderr)")

        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("beside")
        let arguments = WorkDirectoryIntegrityTests.runArguments(work.path, target, ["--batch-size", "10"])
        func manifest() -> [String: Any] { Self.manifest(work.path) }
        func pending() -> Bool {
            let now = manifest()
            return now["transformPending"] as? Bool == true && now["loadPending"] as? Bool == true
        }
        func batches() -> Int { WorkDirectoryIntegrityTests.scalar(target, "SELECT count(*) FROM mlm_migration.batches").flatMap { Int($0) } ?? 0 }
        let result = try Self.killed(at: [("members loading, ledger pending", { _ in pending() && batches() >= 3 })], then: arguments)
        #expect(result.status == 0 && result.stdout.contains(", 0 failed"), "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("resuming this work directory's unfinished load"), "\(result.stderr)")
        #expect(manifest()["transformPending"] == nil)
        // Released once the ledger's transform had read it, as after an uninterrupted run.
        #expect(!FileManager.default.fileExists(atPath: "\(work.path)/cleanse/wallet_entries.tsv"))
        let (got, want) = (try Self.stableTables(target), try Self.stableTables(clean))
        #expect(got == want, "\(Self.differences(got, want))")
    }

    /// `run` transforms the members beside the ledger's extract and cleanse (no manifest yet, or
    /// one with no cleanse: Extract writes it last, Cleanse records itself at its end) and cleanses
    /// the commission state beside the end of the ledger's Cleanse: killed in either, the same
    /// `run` starts again and the target ends as a clean run's.
    @Test func aRunKilledWhereItsStagesOverlapIsFinishedByTheSameCommand() throws {
        let clean = try TestPostgres.freshDatabase("overlapclean")
        let reference = try TemporaryDirectory()
        let expected = try tool(WorkDirectoryIntegrityTests.runArguments(reference.path, clean))
        #expect(expected.status == 0, "\(expected.stderr)")

        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("overlap")
        let arguments = WorkDirectoryIntegrityTests.runArguments(work.path, target)
        let result = try Self.killed(at: [
            ("members transformed during the extract or the ledger's cleanse", { start in
                Self.written("\(work.path)/transform/members.tsv", since: start) && Self.manifest(work.path)["cleanse"] == nil
            }),
            ("commission state cleansed during the ledger's cleanse", { Self.written("\(work.path)/cleanse/orders.tsv", since: $0) }),
        ], then: arguments)
        #expect(result.status == 0 && result.stdout.contains(", 0 failed"), "\(result.stdout)\(result.stderr)")
        let (got, want) = (try Self.stableTables(target), try Self.stableTables(clean))
        #expect(got == want, "\(Self.differences(got, want))")
    }

    @Test func aDeltaRunKilledInItsStagesItsLoadAndItsReconcileIsFinishedByTheSameCommand() throws {
        let (template, clean, _) = try reference()
        let target = try TestPostgres.freshDatabase("killdelta")
        // The same first run in both (ciphertexts too), loaded from copies of one transform.
        let first = try Self.copy(template)
        let firstLoad = try tool(["load", "--work-dir", first.path, "--target", target])
        #expect(firstLoad.status == 0, "\(firstLoad.stderr)")
        #expect(try tool(["reconcile", "--work-dir", first.path, "--target", target, "--kek-file", TestKeys.kekFile]).status == 0)
        func delta(_ work: String, _ database: String) -> [String] {
            WorkDirectoryIntegrityTests.runArguments(work, database, source: PackagePaths.sample("later/\(Self.vendor)"), ["--delta", "--batch-size", "10"])
        }
        let uninterrupted = try TemporaryDirectory()
        let expected = try tool(delta(uninterrupted.path, clean))
        #expect(expected.status == 0, "\(expected.stderr)")

        let work = try TemporaryDirectory()
        func run2(_ sql: String) -> String? { WorkDirectoryIntegrityTests.scalar(target, sql) }
        func batches() -> Int { run2("SELECT count(*) FROM mlm_migration.batches WHERE run_id = 2").flatMap { Int($0) } ?? 0 }
        let points: [(String, (Date) -> Bool)] = [
            ("cleansing", { start in Self.written("\(work.path)/cleanse/members.tsv", since: start) }),
            ("two batches loaded", { _ in batches() >= 2 }),
            ("reconciling", { _ in run2("SELECT status FROM mlm_migration.runs WHERE run_id = 2") == "loaded" }),
        ]
        let result = try Self.killed(at: points, then: delta(work.path, target))
        #expect(result.status == 0 && result.stdout.contains(", 0 failed"), "\(result.stdout)\(result.stderr)")
        let (got, want) = (try Self.stableTables(target), try Self.stableTables(clean))
        #expect(got == want, "\(Self.differences(got, want))")
    }
}

import Foundation
import MLMMigrate
import Testing

/// One command at a time per work directory, a run that is never extracted over while it is
/// unfinished, and files only their owner can read.
@Suite struct WorkDirectoryIntegrityTests {
    static let vendor = "vendor2-mlmsoft"

    static func runArguments(_ work: String, _ target: String, source: String = PackagePaths.sample(vendor), _ extra: [String] = []) -> [String] {
        ["run", "--source", source, "--mapping", PackagePaths.mapping(vendor), "--target", target, "--work-dir", work,
         "--kek-file", TestKeys.kekFile, "--no-progress"] + extra
    }

    /// A one-value query, nil while the target cannot answer it (no schema yet...).
    static func scalar(_ target: String, _ sql: String) -> String? {
        (try? PostgresConnection(target).scalar(sql)).flatMap { $0 }
    }

    @Test func aSecondCommandOnABusyWorkDirectoryIsRefusedAndAKillReleasesTheLock() throws {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("locked")
        let first = try KillableTool(Self.runArguments(work.path, target, ["--batch-size", "20"]))
        // Once the first has written its lock, a second command on the same directory is refused.
        var pid = ""
        for _ in 0..<5_000 where pid.isEmpty {
            pid = ((try? String(contentsOfFile: "\(work.path)/.lock", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            usleep(2_000)
        }
        #expect(pid == String(first.pid))
        let second = try ToolRun.run("mlm-migrate", ["cleanse", "--work-dir", work.path, "--no-progress"])
        #expect(!first.isFinished, "the first run ended before the second started; the test proves nothing")
        #expect(second.status == 2)
        #expect(second.stderr.contains("[workdir.locked]") && second.stderr.contains(work.path) && second.stderr.contains("process \(first.pid)"), "\(second.stderr)")
        #expect(first.wait() == 0, "\(first.stderr)")
        #expect(try PostgresConnection(target).scalar("SELECT count(*) FROM mlm.members") == "2001")

        // A killed holder's lock goes with it: the next command is not refused.
        let killedWork = try TemporaryDirectory()
        let killedTarget = try TestPostgres.freshDatabase("lockkilled")
        let killed = try KillableTool(Self.runArguments(killedWork.path, killedTarget))
        #expect(killed.kill { KillableTool.fileHolds("\(killedWork.path)/extract/members.tsv") })
        let again = try ToolRun.run("mlm-migrate", Self.runArguments(killedWork.path, killedTarget))
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test func aRunInAPreExistingWorldWritableDirectoryLeavesEverythingPrivate() throws {
        let base = try TemporaryDirectory()
        let work = "\(base.path)/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: work)
        let old = umask(0)
        defer { umask(old) }
        let run = try ToolRun.run("mlm-migrate", Self.runArguments(work, try TestPostgres.freshDatabase("modes")))
        #expect(run.status == 0, "\(run.stderr)")
        let files = try #require(FileManager.default.enumerator(atPath: work)?.allObjects as? [String])
        #expect(files.contains("manifest.json") && files.contains("mapping.yaml") && files.contains("report.json") && files.contains("report.md"))
        for relative in [""] + files {
            let path = relative.isEmpty ? work : "\(work)/\(relative)"
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let mode = try #require(attributes[.posixPermissions] as? Int)
            let isDirectory = attributes[.type] as? FileAttributeType == .typeDirectory
            #expect(mode == (isDirectory ? 0o700 : 0o600), "\(relative.isEmpty ? "." : relative): \(String(mode, radix: 8))")
        }
    }

    @Test func aRunKilledWhileReconcilingIsFinishedByTheSameCommandWithoutExtractingAgain() throws {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("killrecon")
        let killed = try KillableTool(Self.runArguments(work.path, target))
        #expect(killed.kill { Self.scalar(target, "SELECT status FROM mlm_migration.runs") == "loaded" })
        let loaded = try ResumeTests.tables(target)
        let manifest = try WorkDirectory(path: work.path).readManifest()
        #expect(manifest.load?.complete != false && manifest.reconciled != true)

        let again = try ToolRun.run("mlm-migrate", Self.runArguments(work.path, target))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains(", 0 failed"), "\(again.stdout)")
        // Killed before the manifest heard the load finished, it resumes a load with nothing left to do.
        #expect(again.stderr.contains("reconciling it") || again.stderr.contains("resuming this work directory's unfinished load"))
        #expect(try WorkDirectory(path: work.path).readManifest().workID == manifest.workID)
        var finished = try ResumeTests.tables(target)
        #expect(finished["runs"] != loaded["runs"])
        finished["runs"] = loaded["runs"]
        #expect(finished == loaded)
    }

    @Test func aKilledLoadOfATouchedExportIsRefusedLeavingTheWorkDirectoryIntactAndTheNamedCommandsFinishIt() throws {
        let source = try TemporaryDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: PackagePaths.sample(Self.vendor)) {
            try FileManager.default.copyItem(atPath: PackagePaths.sample("\(Self.vendor)/\(name)"), toPath: "\(source.path)/\(name)")
        }
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("touched")
        let arguments = Self.runArguments(work.path, target, source: source.path, ["--batch-size", "20"])
        let killed = try KillableTool(arguments)
        #expect(killed.kill { (Self.scalar(target, "SELECT count(*) FROM mlm_migration.batches").flatMap { Int($0) } ?? 0) >= 3 })
        let before = try Self.snapshot(work.path)

        let touched = try #require(try FileManager.default.contentsOfDirectory(atPath: source.path).first)
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: "\(source.path)/\(touched)")
        let refused = try ToolRun.run("mlm-migrate", arguments)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("[workdir.run_unfinished]") && refused.stderr.contains("export's files changed"), "\(refused.stderr)")
        #expect(refused.stderr.contains("mlm-migrate load --work-dir \(work.path)") && refused.stderr.contains("rollback --run"))
        #expect(try Self.snapshot(work.path) == before)
        // The stage commands refuse to overwrite it too.
        let extract = ["extract", "--source", source.path, "--mapping", PackagePaths.mapping(Self.vendor), "--kek-file", TestKeys.kekFile]
        for command in [extract, ["cleanse"], ["transform"]] {
            let stage = try ToolRun.run("mlm-migrate", command + ["--work-dir", work.path])
            #expect(stage.status == 2 && stage.stderr.contains("[workdir.run_unfinished]"), "\(command[0]): \(stage.stderr)")
        }
        #expect(try Self.snapshot(work.path) == before)

        let load = try ToolRun.run("mlm-migrate", ["load", "--work-dir", work.path, "--target", target])
        #expect(load.status == 0, "\(load.stderr)")
        let reconcile = try ToolRun.run("mlm-migrate", ["reconcile", "--work-dir", work.path, "--target", target, "--kek-file", TestKeys.kekFile])
        #expect(reconcile.status == 0 && reconcile.stdout.contains(", 0 failed"), "\(reconcile.stdout)\(reconcile.stderr)")
        #expect(try PostgresConnection(target).scalar("SELECT count(*) FROM mlm.members") == "2001")
    }

    /// Every file of a work directory but its lock, with its bytes.
    static func snapshot(_ work: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for relative in FileManager.default.enumerator(atPath: work)?.allObjects as? [String] ?? [] where relative != ".lock" {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: "\(work)/\(relative)", isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[relative] = try Data(contentsOf: URL(fileURLWithPath: "\(work)/\(relative)"))
        }
        return files
    }
}

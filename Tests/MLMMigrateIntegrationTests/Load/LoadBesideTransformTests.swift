import Foundation
import Logging
import MLMMigrate
import Testing

/// A `run` transforms only the members, then its load transforms the ledger and commission
/// state on a second thread while the members, their quarantine and PII go in
/// (``Pipeline/transform(delta:target:releasing:besideLoad:)``, ``Loader/finishingTransform``),
/// and starts reconcile's PII round trip while the ledger and commission state go in, the
/// ledger's read-back as the wallet entries go in, and the rest of reconcile once every row is
/// in, while the load adds its foreign keys back.
@Suite struct LoadBesideTransformTests {
    /// The PII round trip, the ledger's read-back and the rest of the checks begun during the
    /// load give the report a reconcile run afterwards gives.
    @Test func aRunChecksThePIIAndTheLedgerWhileTheRestLoadsAndReportsWhatAFreshCheckFinds() throws {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("earlypii")
        // Batches of 500: the entries (12,000) load in 24 batches on two streams, read back as they commit.
        let run = try ToolRun.run(
            "mlm-migrate", WorkDirectoryIntegrityTests.runArguments(work.path, target, ["--log-level", "info", "--log-format", "json", "--batch-size", "500"])
        )
        #expect(run.status == 0 && run.stdout.contains(", 0 failed"), "\(run.stdout)\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        let started = try #require(lines.firstIndex { $0.contains("checking the PII round trip while the rest loads") }, "\(run.stderr)")
        let walletsLoading = try #require(lines.firstIndex { $0.contains("\"batch committed\"") && $0.contains("\"entity\":\"wallets\"") })
        let piiChecked = try #require(lines.firstIndex { $0.contains("\"reconciled PII\"") })
        #expect(started < walletsLoading && started < piiChecked)
        #expect(lines.filter { $0.contains("\"reconciled PII\"") }.count == 1)
        #expect(lines.filter { $0.contains("checking the PII round trip while the rest loads") }.count == 1)
        // The ledger is read back from the start of its entries' load, the members whose entries
        // are in first; the read begun then is the one reconcile takes (none failed and was redone).
        let ledgerRead = try #require(lines.firstIndex { $0.contains("reading the ledger back as its entries load") })
        let lastWallets = try #require(lines.lastIndex { $0.contains("\"batch committed\"") && $0.contains("\"entity\":\"wallets\"") })
        let firstEntries = try #require(lines.firstIndex { $0.contains("\"batch committed\"") && $0.contains("\"entity\":\"wallet_entries\"") })
        #expect(lastWallets < ledgerRead && ledgerRead < firstEntries)
        #expect(lines.filter { $0.contains("reading the ledger back as its entries load") }.count == 1)
        #expect(lines.filter { $0.contains("\"reconciled ledger\"") }.count == 1)
        // The rest of reconcile's reads begin once the last row is in, before the load has
        // added its foreign keys back; what only the load's end settles is read after it.
        let gathering = try #require(lines.firstIndex { $0.contains("reconciling while the foreign keys are validated") })
        let lastRows = try #require(lines.lastIndex { $0.contains("\"batch committed\"") })
        let loadFinished = try #require(lines.firstIndex { $0.contains("\"load finished\"") })
        #expect(lastRows < gathering && gathering < loadFinished)
        #expect(lines.filter { $0.contains("reconciling while the foreign keys are validated") }.count == 1)
        #expect(lines.filter { $0.contains("\"reconciled\"") }.count == 1)
        #expect(!lines.contains { $0.contains("begun during the load failed") }, "\(run.stderr)")
        let report = try String(contentsOfFile: "\(work.path)/report.md", encoding: .utf8)
        #expect(!report.contains(LoadSettledChecks.openFigure))

        func digest() throws -> String {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(work.path)/report.json"))
            let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return try #require(report["contentDigest"] as? String)
        }
        let early = try digest()
        let again = try ToolRun.run("mlm-migrate", ["reconcile", "--work-dir", work.path, "--target", target, "--kek-file", TestKeys.kekFile, "--no-progress"])
        #expect(again.status == 0 && again.stdout.contains(", 0 failed"), "\(again.stdout)\(again.stderr)")
        #expect(try digest() == early)
    }

    /// Every session of the target cut several times while a `run` loads and reconciles (its
    /// early checks begun, dropped, begun again by the load's retries): the same command, run
    /// again as long as one fails, ends with every check passed and the report a fresh
    /// `reconcile` gives.
    @Test func aRunWhoseSessionsAreCutFinishesWithTheReportAFreshCheckGives() throws {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("earlycut")
        let database = String(try #require(target.split(separator: " ").first { $0.hasPrefix("dbname=") }?.dropFirst(7)))
        let other = try TestPostgres.freshDatabase("earlycutother")
        let arguments = WorkDirectoryIntegrityTests.runArguments(work.path, target, ["--log-level", "warning", "--batch-size", "500"])
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            for delay in [1.0, 0.7, 0.7, 0.7, 0.7, 0.7] {
                usleep(UInt32(delay * 1_000_000))
                _ = try? PostgresConnection(other).query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database]
                )
            }
            done.signal()
        }
        var runs = [try ToolRun.run("mlm-migrate", arguments)]
        done.wait()
        while runs.last?.status != 0 && runs.count < 6 { runs.append(try ToolRun.run("mlm-migrate", arguments)) }
        let last = try #require(runs.last)
        #expect(last.status == 0 && last.stdout.contains(", 0 failed"), "\(runs.map { $0.stdout + $0.stderr })")
        let retried = runs.contains { $0.stderr.contains("transient database error; resuming the load") }
        print("early checks under cuts: \(runs.count) runs, load retried: \(retried)")
        #expect(retried || runs.count > 1, "no cut landed: \(runs.map(\.stderr))")

        let data = try Data(contentsOf: URL(fileURLWithPath: "\(work.path)/report.json"))
        let early = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["contentDigest"] as? String)
        let again = try ToolRun.run("mlm-migrate", ["reconcile", "--work-dir", work.path, "--target", target, "--kek-file", TestKeys.kekFile, "--no-progress"])
        #expect(again.status == 0 && again.stdout.contains(", 0 failed"), "\(again.stdout)\(again.stderr)")
        let fresh = try Data(contentsOf: URL(fileURLWithPath: "\(work.path)/report.json"))
        #expect((try JSONSerialization.jsonObject(with: fresh) as? [String: Any])?["contentDigest"] as? String == early)
    }

    /// Vendor 2's sample extracted and cleansed once, in a work directory to copy.
    private static func cleansed() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        var pipeline = Pipeline(work: try WorkDirectory(path: directory.path), logger: Logger(label: "test"))
        pipeline.kek = try TestKeys.kek
        _ = try pipeline.extract(source: PackagePaths.sample("vendor2-mlmsoft"), mappingPath: PackagePaths.mapping("vendor2-mlmsoft"))
        _ = try pipeline.cleanse()
        return directory
    }

    private static func pipeline(_ directory: TemporaryDirectory) throws -> Pipeline {
        var pipeline = Pipeline(work: try WorkDirectory(path: directory.path), logger: Logger(label: "test"))
        pipeline.kek = try TestKeys.kek
        pipeline.batchSize = 300
        return pipeline
    }

    @Test func theLedgerTransformedBesideTheMembersLoadGivesTheSameTargetAsAWholeTransform() throws {
        let template = try Self.cleansed()
        let wholeDirectory = try StageKillTests.copy(template)
        let whole = try Self.pipeline(wholeDirectory)
        _ = try whole.transform()
        let expectedTarget = try TestPostgres.freshDatabase("besidewhole")
        let (expected, _) = try whole.load(target: expectedTarget)

        let splitDirectory = try StageKillTests.copy(template)
        let split = try Self.pipeline(splitDirectory)
        _ = try split.transform(besideLoad: true)
        let pending = try split.work.readManifest()
        #expect(pending.transformPending == true && pending.transform != nil && pending.workID != nil)
        #expect(pending.ledgerTransform == nil && pending.commissionTransform == nil)
        #expect(!FileManager.default.fileExists(atPath: split.work.path(.transformWalletEntries)))

        let target = try TestPostgres.freshDatabase("beside")
        let (summary, _) = try split.load(target: target)
        #expect(summary == expected)
        let finished = try split.work.readManifest()
        let reference = try whole.work.readManifest()
        #expect(finished.transformPending == nil)
        #expect(finished.ledgerTransform == reference.ledgerTransform && finished.commissionTransform == reference.commissionTransform)
        #expect(finished.timings?.map(\.stage) == ["extract", "cleanse", "transform", "load"])
        // Every row, batch digest, the run's counts and ledger digest: the same.
        let (got, want) = (try ResumeTests.tables(target), try ResumeTests.tables(expectedTarget))
        #expect(got == want, "\(StageKillTests.differences(got, want))")
        // The plan the target records is the whole load's, the ledger's batches included.
        let plan = "SELECT planned_batches || '/' || planned_rows FROM mlm_migration.runs"
        #expect(try PostgresConnection(target).scalar(plan) == (try PostgresConnection(expectedTarget).scalar(plan)))
        #expect(try PostgresConnection(target).scalar("SELECT planned_batches FROM mlm_migration.runs") == String(summary.batches))
    }

    /// The ledger's transform fails beside the members' load (its cleansed file damaged): the load
    /// stops with that error, naming the file; the members' batches stay committed and the
    /// manifest still says the transform is pending, so once the file is whole again the same
    /// load transforms the ledger and finishes the run.
    @Test func aLedgerTransformThatFailsBesideTheLoadStopsItResumably() throws {
        let directory = try Self.cleansed()
        let pipeline = try Self.pipeline(directory)
        _ = try pipeline.transform(besideLoad: true)
        let cleansed = pipeline.work.path(.cleanseWalletEntries)
        let kept = try Data(contentsOf: URL(fileURLWithPath: cleansed))
        try Data("not\ta\tstage\tfile\n".utf8).write(to: URL(fileURLWithPath: cleansed))

        let target = try TestPostgres.freshDatabase("besidefail")
        let error = #expect(throws: MigrationError.self) { try pipeline.load(target: target) }
        #expect(error?.message.contains("cleanse/wallet_entries.tsv") == true, "\(String(describing: error))")
        let stopped = try pipeline.work.readManifest()
        #expect(stopped.transformPending == true && stopped.loadPending == true && stopped.ledgerTransform == nil)
        let connection = try PostgresConnection(target)
        #expect(try connection.scalar("SELECT status FROM mlm_migration.runs") == "loading")
        #expect(try connection.scalar("SELECT count(*) FROM mlm.members") == "2001")
        #expect(try connection.scalar("SELECT count(*) FROM mlm.wallets") == "0")

        try kept.write(to: URL(fileURLWithPath: cleansed))
        let (summary, _) = try pipeline.load(target: target)
        #expect(summary.complete != false && summary.members == 2_001 && summary.walletEntries == 11_999)
        #expect(try pipeline.work.readManifest().transformPending == nil)
        #expect(try connection.scalar("SELECT status FROM mlm_migration.runs") == "loaded")
    }
}

import Foundation
import MLMMigrate
import Testing

/// `mlm-migrate status` shows a running load's progress from the target alone, and the load's
/// `--log-format json` logs are one JSON object a line with the same figures.
@Suite struct RunStatusTests {
    @Test func statusShowsARunningLoadsProgressAndJSONLogsCarryTheSameFigures() throws {
        let work = try TemporaryDirectory()
        _ = try LoaderTests.transformedSample(work)
        let target = try TestPostgres.freshDatabase("status")
        var seen: [RunStatus] = []
        var lastAsked = Date.distantPast
        // The load runs as a child; while it runs, `status` is asked from "another terminal".
        let load = try CommandRunner.run(
            PackagePaths.executable("mlm-migrate"),
            ["load", "--work-dir", work.path, "--target", target, "--batch-size", "20", "--log-format", "json", "--log-level", "info"],
            separateErrors: true
        ) {
            guard Date().timeIntervalSince(lastAsked) > 0.15 else { return false }
            lastAsked = Date()
            if let status = try? ToolRun.run("mlm-migrate", ["status", "--target", target, "--json"]), status.status == 0,
               let decoded = try? JSONDecoder().decode(RunStatus.self, from: Data(status.stdout.utf8)) {
                seen.append(decoded)
            }
            return false
        }
        #expect(load.status == 0, "\(load.errorOutput.suffix(2_000))")
        let running = seen.filter { $0.status == "loading" && $0.batchesCommitted > 0 }
        print("status test: \(seen.count) status reads, \(running.count) while loading")
        let progress = try #require(running.first { ($0.batchesPlanned ?? 0) > $0.batchesCommitted && $0.rowsPerSecond > 0 })
        #expect(progress.stage.hasPrefix("load "))
        #expect(progress.secondsLeft != nil)
        #expect((progress.rowsPlanned ?? 0) > progress.rowsCommitted)

        let finished = try ToolRun.run("mlm-migrate", ["status", "--target", target])
        #expect(finished.status == 0)
        #expect(finished.stdout.contains("stage: reconcile") || finished.stdout.contains("loaded"), "\(finished.stdout)")
        let planned = try #require(progress.batchesPlanned)
        #expect(finished.stdout.contains("batches committed: \(planned) of \(planned)"), "\(finished.stdout)")

        var batchLines = 0
        for line in load.errorOutput.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(Set(object.keys) == ["time", "level", "label", "message", "metadata"])
            if object["message"] as? String == "batch committed", let metadata = object["metadata"] as? [String: String] {
                batchLines += 1
                #expect(metadata["planned_batches"] == String(planned))
                #expect(metadata["rows_per_second"] != nil)
            }
        }
        #expect(batchLines == planned)
    }

    @Test func statusOfATargetWithoutRunsSaysSo() throws {
        let target = try TestPostgres.freshDatabase("nostatus")
        let result = try ToolRun.run("mlm-migrate", ["status", "--target", target])
        #expect(result.status == 2)
        #expect(result.stderr.contains("[status.no_run]"))
    }

    /// `status` only reads: it answers while another command holds the work directory's lock
    /// (a load in progress), where a command that writes is refused.
    @Test func statusAnswersWhileAnotherCommandHoldsTheWorkDirectory() throws {
        let sample = try LoadedSample(database: "lockedstatus")
        try sample.pipeline.work.lock()
        let refused = try ToolRun.run("mlm-migrate", ["load", "--work-dir", sample.directory.path, "--target", sample.target])
        #expect(refused.status == 2 && refused.stderr.contains("[workdir.locked]"), "\(refused.stderr)")
        let status = try ToolRun.run("mlm-migrate", ["status", "--work-dir", sample.directory.path, "--target", sample.target])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("loaded"), "\(status.stdout)")
    }
}

extension RunStatusTests {
    /// A target loaded before schema migration 8 (no plan recorded) still shows its status.
    @Test func statusReadsATargetOlderThanThePlanColumns() throws {
        let sample = try LoadedSample(database: "oldstatus")
        let connection = try sample.connect()
        try connection.execute("""
            ALTER TABLE mlm_migration.runs DROP COLUMN planned_batches, DROP COLUMN planned_rows,
                DROP COLUMN batch_size, DROP COLUMN resumes;
            DELETE FROM mlm_migration.schema_versions WHERE version = 8
            """)
        let status = try RunStatusReader(connection: connection).read(runID: nil)
        #expect(status.batchesPlanned == nil && status.resumes == nil)
        #expect(status.batchesCommitted > 0 && status.status == "loaded")
        #expect(status.text.contains("(plan not recorded)"))
    }
}

import Foundation
import MLMMigrate
import Testing

/// `mlm-migrate rehearse` on both samples ends go with its report and window estimate; a later
/// export that rewrites ledger history ends no-go with the reason.
@Suite struct RehearseTests {
    /// Each sample with its later export's closed period (as scripts/migrate-samples.sh runs them).
    static let samples = [("vendor1-binaryplan", "2026-12"), ("vendor2-mlmsoft", "2026-11-23")]

    static func arguments(_ vendor: String, later: String, period: String, work: String) -> [String] {
        [
            "rehearse", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor),
            "--kek-file", TestKeys.kekFile, "--later", later, "--later-commission-period", period,
            "--accepted-differences", PackagePaths.sample("expected/\(vendor)-parallel-run.tsv"),
            "--later-accepted-differences", PackagePaths.sample("later/expected/\(vendor)-parallel-run.tsv"),
            "--work-dir", work, "--log-level", "warning",
        ]
    }

    static func report(_ work: String) throws -> RehearsalReport {
        try JSONDecoder().decode(RehearsalReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(work)/rehearsal.json")))
    }

    @Test(arguments: samples)
    func rehearsesEachSampleToGoWithItsReportAndWindowEstimate(vendor: String, period: String) throws {
        let work = try TemporaryDirectory()
        // vendor1 on the disposable PostgreSQL rehearse starts itself, vendor2 on a given target.
        var arguments = Self.arguments(vendor, later: PackagePaths.sample("later/\(vendor)"), period: period, work: work.path)
        arguments += ["--seed", "7", "--production-rows", "members=1000000,wallet_entries=10000000"]
        if vendor == "vendor2-mlmsoft" { arguments += ["--target", try TestPostgres.freshDatabase("rehearse")] }
        let result = try ToolRun.run("mlm-migrate", arguments)
        print("rehearse \(vendor):\n\(result.stdout)")
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("rehearsal seed: 7"))
        #expect(result.stdout.contains("rehearsal: GO"))
        let report = try Self.report(work.path)
        #expect(report.isGo)
        #expect(report.disposableTarget == (vendor == "vendor1-binaryplan"))
        let names = report.steps.map(\.name)
        #expect(names == [
            "first_load", "kill_and_resume", "parallel_run", "delta", "delta_rollback", "delta_again", "parallel_run",
            "snapshot_restore",
        ])
        for step in report.steps {
            #expect(step.verdict == "pass", "\(step.name): \(step.reason ?? "")")
            #expect(step.seconds > 0)
        }
        let kill = try #require(report.steps.first { $0.name == "kill_and_resume" })
        #expect(kill.facts.contains { $0.contains("load killed (SIGKILL) after batch") })
        // Open exceptions are named, and do not make the rehearsal fail.
        let first = try #require(report.steps.first { $0.name == "first_load" })
        let exceptions = try #require(first.facts.first { $0.hasPrefix("exceptions: ") })
        #expect(exceptions.contains(" open, 0 decided") && !exceptions.hasPrefix("exceptions: 0 open"), "\(exceptions)")
        let window = try #require(report.window)
        #expect(window.productionRows["members"] == 1_000_000)
        #expect(window.stages.map(\.stage).starts(with: ["extract", "cleanse", "transform", "load", "reconcile"]))
        #expect(window.withMarginSeconds > window.estimatedSeconds && window.estimatedSeconds > 0)
        let markdown = try String(contentsOfFile: "\(work.path)/rehearsal.md", encoding: .utf8)
        #expect(markdown.contains("# Rehearsal report: GO"))
        #expect(markdown.contains("- exceptions: "))
        #expect(markdown.contains("## Cutover window estimate"))
        #expect(markdown.contains("production row counts given by --production-rows"))
    }

    @Test func endsNoGoWhenTheLaterExportRewritesLedgerHistory() throws {
        let work = try TemporaryDirectory()
        let later = "\(work.path)/later-rewritten"
        try FileManager.default.copyItem(atPath: PackagePaths.sample("later/vendor1-binaryplan"), toPath: later)
        // The legacy system changed an entry the first export already had: 350.24 became 351.24.
        let ledger = "\(later)/wallet_transactions.csv"
        let original = try String(contentsOfFile: ledger, encoding: .isoLatin1)  // the export is not UTF-8: keep its bytes
        let rewritten = original.replacingOccurrences(of: "TXN00000001,liam1,INR,COM,350.24,", with: "TXN00000001,liam1,INR,COM,351.24,")
        #expect(rewritten != original)
        try rewritten.write(toFile: ledger, atomically: true, encoding: .isoLatin1)

        let arguments = Self.arguments("vendor1-binaryplan", later: later, period: "2026-12", work: "\(work.path)/rehearsal")
            + ["--target", try TestPostgres.freshDatabase("nogo"), "--production-source", PackagePaths.sample("vendor1-binaryplan")]
        let result = try ToolRun.run("mlm-migrate", arguments)
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("rehearsal: NO-GO"))
        let report = try Self.report("\(work.path)/rehearsal")
        #expect(report.verdict == "no-go")
        let delta = try #require(report.steps.first { $0.name == "delta" })
        #expect(delta.verdict == "fail")
        #expect(delta.reason?.contains("ledger.history_unchanged") == true, "\(delta.reason ?? "")")
        #expect(report.reasons.contains { $0.contains("ledger.history_unchanged") })
        #expect(report.steps.filter { $0.verdict == "skipped" }.map(\.name) == ["delta_rollback", "delta_again", "parallel_run", "snapshot_restore"])
        // The production export's rows were counted from its files: here, the rehearsal's own.
        let window = try #require(report.window)
        #expect(window.productionRows == window.rehearsalRows)
        #expect(window.basis.contains("rows counted in the production export"))
        let markdown = try String(contentsOfFile: "\(work.path)/rehearsal/rehearsal.md", encoding: .utf8)
        #expect(markdown.contains("# Rehearsal report: NO-GO"))
        #expect(markdown.contains("## Why no-go"))
    }
}

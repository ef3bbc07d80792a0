import ArgumentParser
import Foundation
import MLMMigrate

struct VerifyLedger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-ledger",
        abstract: "Re-read every wallet entry from the target and recompute chains, Merkle roots and the run digest.",
        discussion: """
            Fails (exit 1) naming the wallet and seq of every entry whose contents, seq or running balance no \
            longer match its hash chain, every wallet whose stored figures differ, and a run digest that differs \
            from the one recorded at load or, with --report, from an auditor's copy of report.json.
            """
    )

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    @Option(name: .customLong("run"), help: "The run to verify (mlm_migration.runs.run_id); default: the newest run with a ledger.")
    var runID: Int?

    @Option(name: .long, help: "A report.json whose ledger run digest must match too.")
    var report: String?

    func run() throws {
        try reportingErrors {
            var expectedFromReport: String?
            if let report {
                guard let data = FileManager.default.contents(atPath: report),
                      let decoded = try? JSONDecoder().decode(MigrationReport.self, from: data) else {
                    throw MigrationError(.verifyReportUnreadable, "\(report) is not a report.json written by mlm-migrate")
                }
                guard let digest = decoded.content.ledger?.runDigest else {
                    throw MigrationError(.verifyReportUnreadable, "\(report) has no ledger section")
                }
                expectedFromReport = digest
            }
            let (result, runID, described) = try common.readingPipeline(target: target).operations.verifyLedger(target: target.target, runID: runID)
            print("target: \(described.endpoint), run \(runID)")
            print("read: \(result.entries) entries in \(result.wallets) wallets")
            for finding in result.findings { print("FAIL \(finding)") }
            if result.findingCount > result.findings.count {
                print("... and \(result.findingCount - result.findings.count) more problems")
            }
            if result.malformedRows > 0 { print("FAIL \(result.malformedRows) rows could not be read as wallets or entries") }
            print("run digest recomputed: \(result.runDigest)")
            print("run digest recorded:   \(result.storedRunDigest ?? "none")")
            var passed = result.passed
            if let expectedFromReport {
                print("run digest in report:  \(expectedFromReport)")
                passed = passed && expectedFromReport == result.runDigest
            }
            print(passed ? "ledger verified" : "LEDGER VERIFICATION FAILED")
            if !passed { throw ExitCode(1) }
        }
    }
}

import ArgumentParser
import Foundation
import MLMMigrate

struct ParallelRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parallel-run",
        abstract: "Recompute a closed period from the target with the mapping's plan and compare it with what the legacy system paid.",
        discussion: """
            Compares, per member and bonus type, the recomputed payouts with the migrated legacy payouts, and the \
            recomputed closing carry-forwards with the legacy ones. Every difference is stored in \
            mlm_migration.parallel_run with its explanation and written to parallel-run-<period>.json and .md in \
            the work directory. Exit 0 only when everything matches (the go-live gate), 1 otherwise.
            """
    )

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    @Option(help: "The closed period to recompute, as mlm.periods names it (2026-11).")
    var period: String

    @Option(help: "The mapping whose commission_plan to use; default: the work directory's copy.")
    var mapping: String?

    func run() throws {
        try reportingErrors {
            let (summary, json, markdown) = try common.pipeline(target: target).operations.parallelRun(target: target.target, period: period, mappingPath: mapping)
            for bonus in summary.bonuses {
                print("\(bonus.bonusType): \(bonus.members) members, \(bonus.matched) matched, \(bonus.mismatched) mismatched (legacy \(bonus.legacyMinor), recomputed \(bonus.recomputedMinor) minor units)")
            }
            for difference in summary.differences {
                print("DIFF \(difference.legacyID) \(difference.bonusType): legacy \(difference.legacyMinor.map { String($0) } ?? "-"), recomputed \(difference.recomputedMinor.map { String($0) } ?? "-") [\(difference.classification)]")
            }
            print("report: \(markdown)")
            print("report (json): \(json)")
            print(summary.matches ? "parallel run: every payout and carry-forward matches" : "PARALLEL RUN: \(summary.differences.count) differences")
            if !summary.matches { throw ExitCode(1) }
        }
    }
}

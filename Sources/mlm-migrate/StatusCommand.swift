import ArgumentParser
import Foundation
import MLMMigrate

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show how far a run is, from the target's own tables: stage, batches, rows/s, time left, resumes.",
        discussion: """
            Reads mlm_migration.runs and mlm_migration.batches only (no lock, no file of the running process), so \
            it can watch a long load from another terminal or host. Without --run: the newest run.
            """
    )

    @Option(name: .customLong("run"), help: "The run to show (mlm_migration.runs.run_id); default: the newest.")
    var runID: Int?

    @Flag(name: .long, help: "Print the status as one JSON object.")
    var json = false

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let status = try common.readingPipeline(target: target).operations.status(target: target.target, runID: runID)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: (try? encoder.encode(status)) ?? Data(), as: UTF8.self))
            } else {
                print(status.text)
            }
        }
    }
}

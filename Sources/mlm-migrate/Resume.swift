import ArgumentParser
import MLMMigrate

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue an unfinished run from its last committed batch, then reconcile (the same as re-running `run` or `load`).",
        discussion: "RUN is mlm_migration.runs.run_id; the work directory must be the one the run was loaded from."
    )

    @Argument(help: "The run to continue.")
    var runID: Int

    @OptionGroup var batches: BatchOptions
    @OptionGroup var target: TargetOptions
    @OptionGroup var keys: KeyOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let pipeline = try common.pipeline(target: target, batches: batches, keys: keys)
            try finish(try pipeline.resume(target: target.target, runID: runID), of: pipeline)
        }
    }
}

import ArgumentParser
import MLMMigrate

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run every stage: extract, cleanse, transform, load, reconcile.")

    @OptionGroup var input: SourceOptions

    @Flag(help: ArgumentHelp(
        "Apply a later export to a target that holds an earlier one: write only the changes.",
        discussion: "Members keep their ids; new rows are inserted, changed ones updated (their prior images kept for rollback), wallets only appended to; members gone from the export are kept and reported. Without --target, give --after WORKDIR, the first run's work directory, to use its disposable PostgreSQL."
    ))
    var delta = false

    @OptionGroup var batches: BatchOptions
    @OptionGroup var target: TargetOptions
    @OptionGroup var keys: KeyOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            var pipeline = try common.pipeline(target: target, batches: batches, keys: keys)
            pipeline.commissionPeriod = input.commissionPeriod
            try finish(try pipeline.run(source: input.source, mappingPath: input.mapping, target: target.target, delta: delta), of: pipeline)
        }
    }
}

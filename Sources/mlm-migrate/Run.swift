import ArgumentParser
import MLMMigrate

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run every stage: extract, cleanse, transform, load, reconcile.")

    @OptionGroup var input: SourceOptions
    @OptionGroup var batches: BatchOptions
    @OptionGroup var target: TargetOptions
    @OptionGroup var keys: KeyOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let pipeline = try common.pipeline(batches: batches, keys: keys)
            guard let outcome = try pipeline.run(source: input.source, mappingPath: input.mapping, target: target.target) else {
                return printPaused(try pipeline.work.readManifest().load)
            }
            try finish(outcome)
        }
    }
}

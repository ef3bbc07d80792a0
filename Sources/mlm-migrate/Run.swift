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
            var pipeline = try common.pipeline()
            pipeline.batchSize = batches.batchSize
            pipeline.kek = try keys.kek()
            try finish(try pipeline.run(source: input.source, mappingPath: input.mapping, target: target.target))
        }
    }
}

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
            pipeline.maxBatches = batches.maxBatches
            pipeline.kek = try keys.kek()
            guard let outcome = try pipeline.run(source: input.source, mappingPath: input.mapping, target: target.target) else {
                let load = try pipeline.work.readManifest().load
                print("load paused after batch \(load?.batches ?? 0) of run \(load?.runID ?? 0) (--max-batches); run the same command again to continue")
                return
            }
            try finish(outcome)
        }
    }
}

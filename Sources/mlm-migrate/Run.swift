import ArgumentParser
import MLMMigrate

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run every stage: extract, cleanse, transform, load, reconcile.")

    @Option(name: .long, help: "The legacy export: a directory of CSV files, or a SQLite file.")
    var source: String

    @Option(name: .long, help: "The vendor's mapping file (mappings/*.yaml).")
    var mapping: String

    @Option(name: .long, help: "Rows per batch transaction.")
    var batchSize = 50_000

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            var pipeline = try common.pipeline()
            pipeline.batchSize = batchSize
            try finish(try pipeline.run(source: source, mappingPath: mapping, target: target.target))
        }
    }
}

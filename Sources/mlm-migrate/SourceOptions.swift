import ArgumentParser

/// Where the legacy export is and how to read it (`run`, `extract`).
struct SourceOptions: ParsableArguments {
    @Option(name: .long, help: "The legacy export: a directory of CSV files, or a SQLite file.")
    var source: String

    @Option(name: .long, help: "The vendor's mapping file (mappings/*.yaml).")
    var mapping: String
}

/// How Load splits the rows (`run`, `load`).
struct BatchOptions: ParsableArguments {
    @Option(name: .long, help: "Rows per batch transaction.")
    var batchSize = 50_000

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
    }
}

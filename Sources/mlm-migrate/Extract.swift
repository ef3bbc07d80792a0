import ArgumentParser
import MLMMigrate

struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read the legacy export into the work directory (PII protected as it is read).")

    @Option(name: .long, help: "The legacy export: a directory of CSV files, or a SQLite file.")
    var source: String

    @Option(name: .long, help: "The vendor's mapping file (mappings/*.yaml).")
    var mapping: String

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let summary = try common.pipeline().extract(source: source, mappingPath: mapping)
            print("extract: \(summary.rows) rows from \(summary.files.joined(separator: ", ")); \(summary.unreadable) unreadable (quarantined by cleanse)")
        }
    }
}

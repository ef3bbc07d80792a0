import ArgumentParser
import MLMMigrate

struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read the legacy export into the work directory (PII protected as it is read).")

    @OptionGroup var input: SourceOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let summary = try common.pipeline().extract(source: input.source, mappingPath: input.mapping)
            print("extract: \(summary.rows) rows from \(summary.files.joined(separator: ", ")); \(summary.unreadable) unreadable (quarantined by cleanse)")
        }
    }
}

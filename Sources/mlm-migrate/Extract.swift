import ArgumentParser
import MLMMigrate

struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read the legacy export into the work directory (PII protected as it is read).")

    @OptionGroup var input: SourceOptions
    @OptionGroup var keys: KeyOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let pipeline = try common.pipeline(keys: keys)
            let members = try pipeline.extract(source: input.source, mappingPath: input.mapping)
            let ledger = try pipeline.work.readManifest().ledgerExtract
            for summary in [members, ledger?.entries, ledger?.balances].compactMap({ $0 }) {
                print("extract \(summary.entity): \(summary.rows) rows from \(summary.files.joined(separator: ", ")); \(summary.unreadable) unreadable (quarantined by cleanse)")
            }
        }
    }
}

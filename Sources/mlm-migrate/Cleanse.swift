import ArgumentParser
import MLMMigrate

struct Cleanse: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Normalise fields and validate the genealogy; quarantine what fails.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let pipeline = try common.pipeline()
            let members = try pipeline.cleanse()
            let ledger = try pipeline.work.readManifest().ledgerCleanse
            let counts = [EntityCounts(entity: "members", accepted: members.accepted, quarantinedByReason: members.quarantinedByReason), ledger?.entries, ledger?.balances]
            for summary in counts.compactMap({ $0 }) {
                print("cleanse \(summary.entity): \(summary.accepted) accepted, \(summary.quarantinedByReason.values.reduce(0, +)) quarantined")
                for (reason, rows) in summary.quarantinedByReason.sorted(by: { $0.key < $1.key }) {
                    print("  \(reason): \(rows)")
                }
            }
            for total in ledger?.totals ?? [] {
                print("  \(total.currency): source \(total.sourceEntries) entries, \(total.sourceMinor) minor units; quarantined \(total.quarantinedEntries), \(total.quarantinedMinor)")
            }
        }
    }
}

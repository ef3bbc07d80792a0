import ArgumentParser
import MLMMigrate

struct Cleanse: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Normalise fields and validate the genealogy; quarantine what fails.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let summary = try common.pipeline().cleanse()
            print("cleanse: \(summary.accepted) accepted, \(summary.quarantined) quarantined")
            for (reason, rows) in summary.quarantinedByReason.sorted(by: { $0.key < $1.key }) {
                print("  \(reason): \(rows)")
            }
        }
    }
}

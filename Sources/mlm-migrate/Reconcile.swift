import ArgumentParser
import MLMMigrate

struct Reconcile: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the target against the stage counts and write report.json and report.md.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var keys: KeyOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            try finish(try common.pipeline(target: target, keys: keys).reconcile(target: target.target))
        }
    }
}

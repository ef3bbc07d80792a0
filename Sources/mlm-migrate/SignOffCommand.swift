import ArgumentParser
import Foundation
import MLMMigrate

struct SignOffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign-off",
        abstract: "Record decisions on exceptions from an exceptions.csv with decision and comment columns filled in.",
        discussion: """
            decision is accepted, fix_in_source or fix_in_target, and needs a comment; a row with neither stays \
            open. Each decision is stored in mlm_migration.signoffs with the exception's content digest, --by and \
            the time; signing again adds a decision (the latest counts). A file with any wrong row records nothing \
            and names each row's line and column.
            """
    )

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "The exceptions.csv with decision and comment filled in.")
    var exceptions: String

    @Option(name: .long, help: "Who decided (recorded with each decision).")
    var by: String

    func run() throws {
        try reportingErrors {
            let operations = try common.readingPipeline(target: target).operations
            let summary = try operations.signOff(target: target.target, file: exceptions, by: by)
            print("run \(summary.runID): \(summary.recorded) decisions recorded, \(summary.undecided) rows left undecided")
            print("exceptions: \(summary.figures.open) open, \(summary.figures.decided) decided")
        }
    }
}

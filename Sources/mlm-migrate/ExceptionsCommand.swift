import ArgumentParser
import Foundation
import MLMMigrate

struct ExceptionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exceptions",
        abstract: """
            List a run's exceptions (quarantine, balance variances, duplicate candidates, parallel-run differences) \
            as exceptions.csv.
            """,
        discussion: """
            Reads the target only. Each exception has an id derived from its content, so the same exception of a \
            later run keeps it, and a status: open, or the decision recorded with `mlm-migrate sign-off` on the \
            same content. With --require-none-open, exits 1 when any exception is open (the go/no-go gate). \
            Format: docs/exceptions.md.
            """
    )

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    @Option(name: .customLong("run"), help: "The run whose exceptions to list; default: the newest loaded run.")
    var runID: Int?

    @Option(name: .long, help: "Write the register to FILE (RFC 4180 CSV, UTF-8).")
    var out: String?

    @Flag(name: .long, help: "Exit 1 when any exception is open.")
    var requireNoneOpen = false

    func run() throws {
        try reportingErrors {
            let operations = try common.readingPipeline(target: target).operations
            let figures = try operations.exceptions(target: target.target, runID: runID, writeTo: out)
            print("run \(figures.runID): \(figures.total) exceptions, \(figures.open) open, \(figures.decided) decided")
            for kind in figures.kinds where kind.total > 0 {
                print("  \(kind.kind): \(kind.total) (\(kind.open) open, \(kind.decided) decided)")
            }
            if let out { print("exceptions: \(out)") }
            if requireNoneOpen && figures.open > 0 {
                print("NO-GO: \(figures.open) exceptions open; decide each with mlm-migrate sign-off")
                throw ExitCode(1)
            }
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import MLMMigrate

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract:
            "Profile a legacy export before mapping it: types, shapes, keys, references, sentinels, float money, encodings, PII.",
        discussion: """
            Writes profile.json and profile.md into --out (no value of a personal-data column appears in either). \
            With --draft-mapping, also writes a starting mapping from what was found, each guess commented with its \
            evidence, for a person to review (docs/profile.md).
            """
    )

    @Option(name: .long, help: "The legacy export: a directory of CSV files, or a SQLite file.")
    var source: String

    @Option(name: .long, help: "Directory for profile.json and profile.md.")
    var out = "mlm-profile"

    @Option(name: .long, help: "Also write a draft mapping to this file.")
    var draftMapping: String?

    @Option(name: .long, help: "Log level on stderr: trace, debug, info, notice, warning, error.")
    var logLevel = "notice"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
            return handler
        }
        try reportingErrors {
            let profile = try Profiler(logger: Logger(label: "mlm-migrate")).profile(source: source)
            let paths = try ProfileWriter.write(profile, to: out)
            var counts: [String: Int] = [:]
            for finding in profile.findings { counts[finding.code, default: 0] += 1 }
            print(
                "profiled \(profile.tables.count) table(s), \(profile.tables.reduce(0) { $0 + $1.rows }) rows"
            )
            for (code, count) in counts.sorted(by: { $0.key < $1.key }) { print("finding \(code): \(count)") }
            print("profile: \(paths.markdown)")
            print("profile (json): \(paths.json)")
            if let draftMapping {
                try MappingDraft(profile: profile).write(to: draftMapping)
                print(
                    "draft mapping: \(draftMapping) (review it, then: mlm-migrate validate-mapping \(draftMapping))"
                )
            }
        }
    }
}

import Foundation
import MLMMigrate
import Testing

/// Every `mlm-migrate` command in the fenced shell blocks of runbooks/rehearsal.md and
/// runbooks/cutover.md runs, in the runbook's order, exactly as written, on vendor 1's sample:
/// only the runbook's placeholders are substituted (`$T`, `$K`, `$W`, `$B`, `export/`,
/// `mappings/VENDOR.yaml`, `RUN`...), and before a `sign-off` the person's decisions are filled
/// in. A failure names the runbook line, so the runbooks cannot drift from the CLI.
///
/// Serialized: commands a runbook shows without `--work-dir` (restore, status) use `./mlm-work`
/// in the package directory, whose lock two runbooks running at once would contend for.
@Suite(.serialized) struct RunbookCommandTests {
    struct Command {
        var line: Int
        var words: [String]
    }

    /// The `mlm-migrate` commands of a runbook's ```sh blocks, continuation lines joined, comments
    /// dropped, split into words as the shell would (double quotes kept together).
    static func commands(_ runbook: String) throws -> [Command] {
        var commands: [Command] = []
        var pending: (line: Int, text: String)?
        for block in try DocBlocks.blocks("runbooks/\(runbook)") {
            for (offset, raw) in block.text.components(separatedBy: "\n").enumerated() {
                var line = raw.trimmingCharacters(in: .whitespaces)
                if let comment = line.range(of: "   # ") { line = String(line[..<comment.lowerBound]) }
                if var current = pending {
                    current.text += " " + line
                    pending = current
                } else if line.hasPrefix("mlm-migrate ") {
                    pending = (block.line + offset, line)
                }
                if let current = pending, !current.text.hasSuffix("\\") {
                    commands.append(Command(line: current.line, words: words(current.text)))
                    pending = nil
                } else if let current = pending {
                    pending = (current.line, String(current.text.dropLast()))
                }
            }
        }
        return commands
    }

    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var word = ""
        var quoted = false
        for character in text {
            if character == "\"" {
                quoted.toggle()
            } else if character == " " && !quoted {
                if !word.isEmpty { words.append(word) }
                word = ""
            } else {
                word.append(character)
            }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    /// Runs a runbook's commands with `substitutions` (longest placeholder first); parallel-run may
    /// exit 1 (the samples' seeded legacy mistakes), every other command must exit 0.
    func run(_ runbook: String, _ substitutions: [String: String], target: String) throws -> [Int] {
        let commands = try Self.commands(runbook)
        var lines: [Int] = []
        for command in commands {
            var arguments = Array(command.words.dropFirst())
            let newestRun = command.words.contains("RUN") ? try PostgresConnection(target).scalar(
                "SELECT max(run_id) FROM mlm_migration.runs WHERE status <> 'rolled_back'"
            ) : nil
            for (index, word) in arguments.enumerated() {
                var replaced = word == "RUN" ? (newestRun ?? "RUN") : word
                for key in substitutions.keys.sorted(by: { $0.count > $1.count }) {
                    if let value = substitutions[key], replaced.hasPrefix(key) || replaced == key {
                        replaced = value + replaced.dropFirst(key.count)
                    }
                }
                arguments[index] = replaced
            }
            if arguments.first == "sign-off" { try decideOpenExceptions(arguments) }
            let result = try ToolRun.run("mlm-migrate", arguments + ["--no-progress"].filter { _ in arguments.first != "validate-mapping" })
            let allowed: Set<Int32> = arguments.first == "parallel-run" ? [0, 1] : [0]
            #expect(allowed.contains(result.status), "runbooks/\(runbook):\(command.line): \(command.words.joined(separator: " "))\n\(result.stdout)\n\(result.stderr)")
            lines.append(command.line)
        }
        return lines
    }

    /// The person's step before `sign-off --exceptions DIR/X.csv`: DIR/exceptions.csv (exported by
    /// the runbook's previous command) with every open exception accepted, saved as X.csv.
    func decideOpenExceptions(_ arguments: [String]) throws {
        guard let flag = arguments.firstIndex(of: "--exceptions"), flag + 1 < arguments.count else { return }
        let decided = arguments[flag + 1]
        let exported = URL(fileURLWithPath: decided).deletingLastPathComponent().appendingPathComponent("exceptions.csv").path
        try ExceptionsSignOffTests.decided(exported, to: decided) { $0["status"] == "open" ? "accepted" : nil }
    }

    var sample: [String: String] {
        [
            "export/": PackagePaths.sample("vendor1-binaryplan"),
            "export-later/": PackagePaths.sample("later/vendor1-binaryplan"),
            "export-final/": PackagePaths.sample("later/vendor1-binaryplan"),
            "export-production/": PackagePaths.sample("vendor1-binaryplan"),
            "mappings/VENDOR.yaml": PackagePaths.mapping("vendor1-binaryplan"),
            "accepted-2026-11.tsv": PackagePaths.sample("expected/vendor1-binaryplan-parallel-run.tsv"),
            "accepted-2026-12.tsv": PackagePaths.sample("later/expected/vendor1-binaryplan-parallel-run.tsv"),
            "$K": TestKeys.kekFile,
        ]
    }

    @Test func rehearsalRunbookCommandsRunAsWritten() throws {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("runbookrehearsal")
        var substitutions = sample
        substitutions["$T"] = target
        substitutions["$W"] = "\(work.path)/rehearsal"
        let lines = try run("rehearsal.md", substitutions, target: target)
        let commands = try Self.commands("rehearsal.md").map { $0.words[1] }
        #expect(commands == ["validate-mapping", "rehearse", "status"], "runbook lines \(lines)")
        let report = try JSONDecoder().decode(
            RehearsalReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(work.path)/rehearsal/rehearsal.json"))
        )
        #expect(report.isGo)
    }

    @Test func cutoverRunbookCommandsRunAsWritten() throws {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("runbookcutover")
        var substitutions = sample
        substitutions["$T"] = target
        substitutions["$W"] = "\(work.path)/cutover"
        substitutions["$B"] = "\(work.path)/backups"
        try FileManager.default.createDirectory(atPath: "\(work.path)/backups", withIntermediateDirectories: true)
        substitutions["$S"] = "\(work.path)/evidence.key"
        _ = try SigningKey.writeNew(path: "\(work.path)/evidence.key")
        let lines = try run("cutover.md", substitutions, target: target)
        let commands = try Self.commands("cutover.md").map { $0.words[1] }
        #expect(commands == [
            "run", "verify-ledger", "parallel-run", "snapshot", "exceptions", "sign-off", "snapshot", "run", "status",
            "verify-ledger", "parallel-run", "snapshot", "evidence", "verify-evidence", "exceptions", "sign-off", "exceptions",
            "snapshots", "rollback", "restore",
        ], "runbook lines \(lines)")
        // The rollback trigger's commands left the first load only.
        let runs = try PostgresConnection(target).query("SELECT run_id, status FROM mlm_migration.runs ORDER BY run_id")
        #expect(runs.last?[1] == "rolled_back" || runs.count == 1, "\(runs)")
    }
}

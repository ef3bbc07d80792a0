import Foundation
import MLMMigrate
import Testing

/// docs/exceptions.md's shell blocks, run exactly as written (taken from the Markdown) in a
/// migrated sample's work directory: the commands work, the worked id is the one stated, and
/// the re-derivation agrees with every row of the register and catches an edited one.
@Suite struct ExceptionsRecipeTests {
    /// Runs `block` unchanged with bash in `directory`, `mlm-migrate` on the PATH and `$T` set.
    private func run(_ block: String, in directory: String, target: String) throws -> CommandRunner.Result {
        let bin = URL(fileURLWithPath: PackagePaths.executable("mlm-migrate")).deletingLastPathComponent().path
        let environment = ProcessInfo.processInfo.environment.merging([
            "PATH": "\(bin):/usr/bin:/bin", "T": target, "WORK": directory, "BLOCK": block,
        ]) { _, new in new }
        return try CommandRunner.run("/bin/bash", ["-c", "cd \"$WORK\" && eval \"$BLOCK\""], environment: environment, separateErrors: true)
    }

    @Test func theExceptionsDocRecipesRunAsWritten() throws {
        let vendor = "vendor1-binaryplan"
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("exceptionrecipes")
        let migrated = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--target", target,
            "--work-dir", work.path, "--kek-file", TestKeys.kekFile, "--no-progress",
        ])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let blocks = try DocBlocks.blocks("docs/exceptions.md").map(\.text)
        #expect(blocks.count == 4)
        guard blocks.count == 4 else { return }

        let export = try run(blocks[0], in: work.path, target: target)
        #expect(export.status == 0, "\(export.errorOutput)")
        let rows = try ExceptionsSignOffTests.rows("\(work.path)/exceptions.csv")
        #expect(export.output.contains("run 1: \(rows.count) exceptions, \(rows.count) open, 0 decided"))

        let id = try run(blocks[1], in: work.path, target: target)
        #expect(id.output == "a24b3ab23e459ddf\n")

        let derived = try run(blocks[2], in: work.path, target: target)
        #expect(derived.output == "\(rows.count) rows checked, 0 differ\n", "\(derived.output)\(derived.errorOutput)")
        let tampered = try TemporaryDirectory()
        let text = try String(contentsOfFile: "\(work.path)/exceptions.csv", encoding: .utf8)
        let row = try #require(rows.first { $0["kind"] == "balance_variance" && $0["amount_minor"] != "" })
        let line = try #require(text.components(separatedBy: "\r\n").first { $0.hasPrefix(row["exception_id"] ?? "?") })
        let edited = line.replacingOccurrences(of: ",\(row["amount_minor"] ?? ""),", with: ",0,")
        _ = try tampered.write("exceptions.csv", text.replacingOccurrences(of: line, with: edited))
        let caught = try run(blocks[2], in: tampered.path, target: target)
        #expect(caught.output.hasSuffix("\(rows.count) rows checked, 1 differ\n"), "\(caught.output)")
        #expect(caught.output.contains("differs: \(row["exception_id"] ?? "?")"))

        try ExceptionsSignOffTests.decided("\(work.path)/exceptions.csv", to: "\(work.path)/decided.csv") { _ in "accepted" }
        let signed = try run(blocks[3], in: work.path, target: target)
        #expect(signed.status == 0, "\(signed.output)\(signed.errorOutput)")
        #expect(signed.output.contains("\(rows.count) decisions recorded"))
        #expect(signed.output.contains("run 1: \(rows.count) exceptions, 0 open, \(rows.count) decided"))
    }
}

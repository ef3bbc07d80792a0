import Foundation
import MLMMigrate
import Testing

/// `mlm-migrate run` removes each stage file once nothing later reads it, so its work directory
/// holds at most what one stage reads and writes; `--keep-stage-files` keeps them all, and the
/// rows loaded are the same either way.
@Suite struct StageFileReleaseTests {
    static let vendor = "vendor1-binaryplan"

    static func run(_ work: String, _ target: String, _ extra: [String] = []) throws -> ToolRun {
        try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--target", target,
            "--work-dir", work, "--kek-file", TestKeys.kekFile, "--no-progress", "--log-level", "info", "--log-format", "json",
        ] + extra)
    }

    static func exists(_ work: String, _ file: StageFile) -> Bool {
        FileManager.default.fileExists(atPath: "\(work)/\(file.rawValue)")
    }

    /// The `stage files on disk` log line after `stage`: bytes before and after the removal.
    static func logged(_ stderr: String, after stage: String) throws -> (bytes: Int, kept: Int?) {
        let line = try #require(stderr.split(separator: "\n").first { $0.contains("\"stage files on disk\"") && $0.contains("\"after\":\"\(stage)\"") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let metadata = try #require(object["metadata"] as? [String: Any])
        return (try #require((metadata["bytes"] as? String).flatMap { Int($0) }), (metadata["bytes_kept"] as? String).flatMap { Int($0) })
    }

    @Test func aRunRemovesTheFilesNothingLaterReadsAndStillReconciles() throws {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("release")
        let result = try Self.run(work.path, target)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(", 0 failed"), "\(result.stdout)")
        for file in StageFile.released(after: "cleanse") + StageFile.released(after: "transform") {
            #expect(!Self.exists(work.path, file), "\(file.rawValue) is still there")
        }
        for file in [StageFile.cleanseMembers, .cleanseQuarantine, .transformMembers, .transformMemberPII, .transformWalletEntries] {
            #expect(Self.exists(work.path, file), "\(file.rawValue) is gone")
        }
        #expect(StageFile.released(after: "cleanse").contains(.extractWalletEntries))
        #expect(StageFile.released(after: "transform").contains(.extractMemberPII) && StageFile.released(after: "transform").contains(.cleanseWalletEntries))
        for stage in ["cleanse", "transform"] {
            let (bytes, kept) = try Self.logged(result.stderr, after: stage)
            #expect(try #require(kept) < bytes, "after \(stage): \(bytes) bytes, \(String(describing: kept)) kept")
        }

        // What is left is what reconcile reads: reconciling again passes.
        let again = try ToolRun.run("mlm-migrate", ["reconcile", "--work-dir", work.path, "--target", target, "--kek-file", TestKeys.kekFile, "--no-progress"])
        #expect(again.status == 0 && again.stdout.contains(", 0 failed"), "\(again.stdout)\(again.stderr)")

        // A stage whose inputs are gone says so and names the way out.
        for command in ["cleanse", "transform"] {
            let stage = try ToolRun.run("mlm-migrate", [command, "--work-dir", work.path, "--no-progress"])
            #expect(stage.status == 2, "\(command): \(stage.stderr)")
            #expect(stage.stderr.contains("[workdir.stage_missing]") && stage.stderr.contains("run `mlm-migrate extract` first")
                && stage.stderr.contains("--keep-stage-files"), "\(command): \(stage.stderr)")
        }
    }

    @Test func keepStageFilesKeepsEveryFileAndLoadsTheSameRows() throws {
        let released = try TemporaryDirectory()
        let kept = try TemporaryDirectory()
        let first = try Self.run(released.path, try TestPostgres.freshDatabase("released"))
        let second = try Self.run(kept.path, try TestPostgres.freshDatabase("kept"), ["--keep-stage-files"])
        #expect(first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
        for file in [StageFile.extractMembers, .extractMemberPII, .extractWalletEntries, .cleanseWalletEntries, .cleanseAcceptedRows] {
            #expect(Self.exists(kept.path, file), "\(file.rawValue) was removed despite --keep-stage-files")
        }
        #expect(try Self.logged(second.stderr, after: "transform").kept == nil)
        // PII ciphertexts differ per extract (fresh data keys); every other loaded file is the same.
        for file in [StageFile.transformMembers, .transformIDMap, .transformWallets, .transformWalletEntries, .transformOrders] {
            let a = try Data(contentsOf: URL(fileURLWithPath: "\(released.path)/\(file.rawValue)"))
            let b = try Data(contentsOf: URL(fileURLWithPath: "\(kept.path)/\(file.rawValue)"))
            #expect(a == b, "\(file.rawValue) differs")
        }
        // With its files kept, a stage runs again on its own.
        let cleanse = try ToolRun.run("mlm-migrate", ["cleanse", "--work-dir", kept.path, "--no-progress"])
        #expect(cleanse.status == 0, "\(cleanse.stderr)")
    }

    @Test func transformRefusesAcceptedRowsOutOfOrderOrPastExtractsPII() throws {
        let template = try TemporaryDirectory()
        for command in [["extract", "--source", PackagePaths.sample(Self.vendor), "--mapping", PackagePaths.mapping(Self.vendor), "--kek-file", TestKeys.kekFile], ["cleanse"]] {
            let step = try ToolRun.run("mlm-migrate", command + ["--work-dir", template.path, "--no-progress"])
            #expect(step.status == 0, "\(step.stderr)")
        }
        let rows = "\(template.path)/\(StageFile.cleanseAcceptedRows.rawValue)"
        let lines = try String(contentsOfFile: rows, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "extract_row" && lines.count > 10)
        for (damage, expected) in [("swapped", "line 4 has no extract_row after the previous line's"), ("past the end", "has no row 99999999, which \(rows) line \(lines.count) names")] {
            let copy = try TemporaryDirectory()
            try FileManager.default.removeItem(atPath: copy.path)
            try FileManager.default.copyItem(atPath: template.path, toPath: copy.path)
            var edited = lines
            if damage == "swapped" { edited.swapAt(2, 3) } else { edited[edited.count - 1] = "99999999" }
            try (edited.joined(separator: "\n") + "\n").write(toFile: "\(copy.path)/\(StageFile.cleanseAcceptedRows.rawValue)", atomically: false, encoding: .utf8)
            let result = try ToolRun.run("mlm-migrate", ["transform", "--work-dir", copy.path, "--no-progress"])
            #expect(result.status == 2 && result.stderr.contains("[workdir.corrupt]"), "\(damage): \(result.stderr)")
            #expect(result.stderr.contains(expected.replacingOccurrences(of: template.path, with: copy.path)), "\(damage): \(result.stderr)")
        }
    }
}

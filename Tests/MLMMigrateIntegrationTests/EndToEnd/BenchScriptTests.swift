import Foundation
import MLMMigrate
import Testing

/// Every benchmark in bench/ runs on today's code at a tiny size (with the test build's
/// binaries, MLM_BIN_DIR), so none can break silently; the timings themselves are not checked.
@Suite struct BenchScriptTests {
    private func bench(_ arguments: [String]) throws -> CommandRunner.Result {
        let bin = (PackagePaths.executable("mlm-migrate") as NSString).deletingLastPathComponent
        var environment = ProcessInfo.processInfo.environment
        environment["MLM_BIN_DIR"] = bin
        let script = "\(PackagePaths.root)/bench/\(arguments[0])"
        return try CommandRunner.run("/bin/bash", [script] + arguments.dropFirst(), environment: environment, separateErrors: true)
    }

    @Test(arguments: [
        ["members.sh", "300"], ["ledger.sh", "2000", "300"], ["batches.sh", "300", "100"], ["delta.sh", "300"],
        ["parallel-run.sh", "300"],
    ])
    func runsAtATinySize(arguments: [String]) throws {
        let result = try bench(arguments)
        #expect(result.status == 0, "\(arguments[0]): \(result.errorOutput.suffix(2_000))")
        #expect(result.output.contains("ratio"), "\(arguments[0]): \(result.output)")
        if ["ledger.sh", "delta.sh", "batches.sh"].contains(arguments[0]) { #expect(result.output.contains("ratio, best:")) }
    }

    /// `bench/run-all.sh`'s table at one tiny size: every figure present, the ratios and rates
    /// positive numbers, each stage's seconds given, and pgloader's row when it is installed.
    @Test(arguments: [[] as [String], ["--entry-partitions", "2"]])
    func runAllPrintsItsTableAtATinySize(extra: [String]) throws {
        let result = try bench(["run-all.sh", "--sizes", "300"] + extra)
        #expect(result.status == 0, "\(result.errorOutput.suffix(2_000))")
        var figures: [String: String] = [:]
        for line in result.output.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.count == 2 { figures[cells[0]] = cells[1] }
        }
        #expect(result.output.contains("## 300 members, 3000 wallet entries generated"))
        let numeric = [
            "mlm-migrate run (every stage, PII encrypted)", "best raw load (FKs dropped, psql \\copy, FKs re-added)",
            "raw load, foreign keys in place", "ratio, run / best raw", "ratio, run / raw with FKs",
            "rows loaded (every table: members to commission state, quarantine included)", "rows per second, run", "rows per second, best raw",
            "peak RSS", "work directory, disk peak",
        ]
        for name in numeric {
            let value = figures[name]?.split(separator: " ").first.flatMap { Double($0) }
            #expect((value ?? -1) > 0, "\(name): \(figures[name] ?? "missing") in \(result.output)")
        }
        let stages = try #require(figures["stage seconds"])
        for stage in ["extract", "cleanse", "transform", "load", "reconcile"] {
            let seconds = stages.components(separatedBy: "\(stage) ").dropFirst().first?.split(separator: ",").first.flatMap { Double($0) }
            #expect((seconds ?? -1) >= 0, "\(stage) in \(stages)")
        }
        if CommandRunner.which("pgloader") != nil {
            let pgloader = figures.first { $0.key.hasPrefix("pgloader, members.csv") }?.value ?? "missing"
            #expect(pgloader.hasSuffix("rows/s"), "\(pgloader)")
        }
    }
}

import Foundation
import MLMMigrate
import Testing

/// Every benchmark in bench/ runs on today's code at a tiny size (with the test build's
/// binaries, MLM_BIN_DIR), so none can break silently; the timings themselves are not checked.
@Suite struct BenchScriptTests {
    @Test(arguments: [
        ["members.sh", "300"], ["ledger.sh", "2000", "300"], ["batches.sh", "300", "100"], ["delta.sh", "300"],
        ["parallel-run.sh", "300"],
    ])
    func runsAtATinySize(arguments: [String]) throws {
        let bin = (PackagePaths.executable("mlm-migrate") as NSString).deletingLastPathComponent
        var environment = ProcessInfo.processInfo.environment
        environment["MLM_BIN_DIR"] = bin
        let script = "\(PackagePaths.root)/bench/\(arguments[0])"
        let result = try CommandRunner.run("/bin/bash", [script] + arguments.dropFirst(), environment: environment, separateErrors: true)
        #expect(result.status == 0, "\(arguments[0]): \(result.errorOutput.suffix(2_000))")
        #expect(result.output.contains("ratio"), "\(arguments[0]): \(result.output)")
        if arguments[0] == "ledger.sh" { #expect(result.output.contains("ratio, best:")) }
    }
}

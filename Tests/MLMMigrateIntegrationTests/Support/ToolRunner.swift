import Foundation
import MLMMigrate

/// Runs a built executable of this package and captures its exit status, stdout and stderr.
struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String

    /// `environment` nil: this test process's whole environment, given on purpose (a test may
    /// set what the tool reads, such as `MLM_TEST_PG`); the tool itself never passes its own on.
    static func run(_ name: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ToolRun {
        let given = environment ?? ProcessInfo.processInfo.environment
        let result = try CommandRunner.run(PackagePaths.executable(name), arguments, environment: given, separateErrors: true)
        return ToolRun(result)
    }

    init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Another program's result, read the same way.
    init(_ result: CommandRunner.Result) {
        self.init(status: result.status, stdout: result.output, stderr: result.errorOutput)
    }

    /// The process environment without libpq's connection variables.
    static var environmentWithoutLibpq: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
    }
}

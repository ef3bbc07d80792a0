import Foundation
import MLMMigrate

/// Runs a built executable of this package and captures its exit status, stdout and stderr.
struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String

    static func run(_ name: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ToolRun {
        let result = try CommandRunner.run(PackagePaths.executable(name), arguments, environment: environment, separateErrors: true)
        return ToolRun(status: result.status, stdout: result.output, stderr: result.errorOutput)
    }

    /// The process environment without libpq's connection variables.
    static var environmentWithoutLibpq: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
    }
}

import Foundation
import Testing
@testable import MLMMigrate

@Suite struct CommandRunnerTests {
    /// The variables `/usr/bin/env` printed.
    private func childVariables(_ environment: [String: String] = [:]) throws -> [String: String] {
        let result = try CommandRunner.run("/usr/bin/env", [], environment: environment, separateErrors: true)
        var variables: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            variables[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return variables
    }

    @Test func aChildNeverInheritsTheKEKOrAnythingOutsideTheAllowList() throws {
        // Set in this process as an operator would; the value names no real key.
        setenv(KeyEncryptionKey.environmentVariable, "mlm-kek-v1 kek-test-not-a-key SECRETSECRET", 1)
        setenv("PGPASSWORD", "secret-password-from-env", 1)
        defer {
            unsetenv(KeyEncryptionKey.environmentVariable)
            unsetenv("PGPASSWORD")
        }
        let variables = try childVariables()
        #expect(variables[KeyEncryptionKey.environmentVariable] == nil)
        #expect(variables["PGPASSWORD"] == nil)
        #expect(variables["PATH"] == ProcessInfo.processInfo.environment["PATH"])
        let allowed = CommandRunner.inheritedVariables
        #expect(variables.keys.allSatisfy { allowed.contains($0) || $0.hasPrefix("LC_") }, "\(variables.keys.sorted())")
    }

    @Test func aChildGetsWhatItsCallerAddsOnPurpose() throws {
        let variables = try childVariables(["PGHOST": "/tmp/socket-dir"])
        #expect(variables["PGHOST"] == "/tmp/socket-dir")
    }
}

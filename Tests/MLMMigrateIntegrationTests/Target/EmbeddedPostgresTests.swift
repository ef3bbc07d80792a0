import Foundation
import MLMMigrate
import Testing

@Suite struct EmbeddedPostgresTests {
    /// The environment of a running process, from /proc.
    private func processEnvironment(_ pid: String) throws -> [String] {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
        return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func theDisposablePostmasterNeverHoldsTheKEKGivenInTheEnvironment() throws {
        let work = try TemporaryDirectory()
        let vendor = "vendor2-mlmsoft"
        let kek = try String(contentsOfFile: TestKeys.kekFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var environment = ToolRun.environmentWithoutLibpq
        environment[KeyEncryptionKey.environmentVariable] = kek
        let result = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--work-dir", work.path,
        ], environment: environment)
        let data = try #require(FileManager.default.contents(atPath: "\(work.path)/embedded-postgres.json"))
        let cluster = try JSONDecoder().decode(EmbeddedPostgres.self, from: data)
        defer { cluster.stop() }
        #expect(result.status == 0, "\(result.stderr)")
        let pidFile = try String(contentsOfFile: "\(cluster.dataDirectory)/postmaster.pid", encoding: .utf8)
        let pid = try #require(pidFile.split(separator: "\n").first.map(String.init))
        let variables = try processEnvironment(pid)
        #expect(!variables.isEmpty)
        #expect(!variables.contains { $0.hasPrefix("\(KeyEncryptionKey.environmentVariable)=") })
        #expect(!variables.contains { $0.contains(kek) })
    }
}

import Foundation
import MLMMigrate
import Testing

@Suite struct DeltaAfterTests {
    /// The README's path: a delta run in a new work directory, with no --target, over the
    /// disposable PostgreSQL the first run started (`--after` names the first work directory).
    @Test func aDeltaInANewWorkDirectoryUsesTheFirstRunsDisposablePostgreSQL() throws {
        let vendor = "vendor1-binaryplan"
        let directory = try TemporaryDirectory()
        let first = "\(directory.path)/first"
        let later = "\(directory.path)/later"
        let environment = ToolRun.environmentWithoutLibpq
        defer { try? EmbeddedPostgres.attach(workDirectory: first).stop() }
        let initial = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--work-dir", first,
            "--kek-file", TestKeys.kekFile,
        ], environment: environment)
        #expect(initial.status == 0, "\(initial.stderr)")
        let withoutAfter = try ToolRun.run("mlm-migrate", [
            "run", "--delta", "--source", PackagePaths.sample("later/\(vendor)"), "--mapping", PackagePaths.mapping(vendor),
            "--commission-period", "2026-12", "--work-dir", "\(later)-x", "--kek-file", TestKeys.kekFile,
        ], environment: environment)
        #expect(withoutAfter.status == 2)
        let delta = try ToolRun.run("mlm-migrate", [
            "run", "--delta", "--source", PackagePaths.sample("later/\(vendor)"), "--mapping", PackagePaths.mapping(vendor),
            "--commission-period", "2026-12", "--work-dir", later, "--kek-file", TestKeys.kekFile, "--after", first,
        ], environment: environment)
        #expect(delta.status == 0, "\(delta.stderr)")
        let cluster = try EmbeddedPostgres.attach(workDirectory: first)
        let runs = try PostgresConnection(cluster.conninfo).query("SELECT run_id::text, delta::text, status FROM mlm_migration.runs ORDER BY run_id")
        #expect(runs == [["1", "false", "reconciled"], ["2", "true", "reconciled"]])
    }
}

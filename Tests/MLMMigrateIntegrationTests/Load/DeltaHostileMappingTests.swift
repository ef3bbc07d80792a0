import Foundation
import MLMMigrate
import Testing

/// A mapping value spliced into a delta run's SQL (`gone_status`), on a target whose sessions
/// have `standard_conforming_strings = off`: it must be written as given and run nothing.
@Suite struct DeltaHostileMappingTests {
    @Test func aHostileGoneStatusIsWrittenExactlyAndRunsNoSQL() throws {
        let vendor = "vendor2-mlmsoft"
        let target = try TestPostgres.freshDatabase("deltahostile")
        let name = try #require(target.split(separator: " ").last { $0.hasPrefix("dbname=") }?.dropFirst("dbname=".count))
        try PostgresConnection(target).execute("ALTER DATABASE \"\(name)\" SET standard_conforming_strings = off")
        let work = try TemporaryDirectory()
        let first = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--target", target,
            "--work-dir", "\(work.path)/first", "--kek-file", TestKeys.kekFile,
        ])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let hostile = "x\\'); CREATE TABLE pwned(); --"
        // YAML single quotes: a backslash is itself, '' is one quote.
        let yaml = "'" + hostile.replacingOccurrences(of: "'", with: "''") + "'"
        let mapping = try work.write("mapping.yaml", try String(contentsOfFile: PackagePaths.mapping(vendor), encoding: .utf8)
            + "\ndelta:\n  gone_members: mark\n  gone_status: \(yaml)\n")
        #expect(try MappingLoader.load(path: mapping).delta.goneStatus == hostile)
        let delta = try ToolRun.run("mlm-migrate", [
            "run", "--delta", "--source", PackagePaths.sample("later/\(vendor)"), "--mapping", mapping, "--target", target,
            "--work-dir", "\(work.path)/delta", "--kek-file", TestKeys.kekFile,
        ])
        #expect(delta.status == 0, "\(delta.stdout)\(delta.stderr)")
        let connection = try PostgresConnection(target)
        #expect(try connection.scalar("SELECT to_regclass('pwned') IS NULL") == "t")
        let marked = try connection.scalar("SELECT count(*) FROM mlm.members WHERE status = $1", [hostile])
        #expect(marked != nil && marked != "0")
        #expect(try connection.scalar("""
            SELECT count(*) FROM mlm.members m JOIN mlm_migration.kept_members k USING (member_id)
            WHERE k.reason = 'gone_from_source' AND m.status IS DISTINCT FROM $1
            """, [hostile]) == "0")
    }
}

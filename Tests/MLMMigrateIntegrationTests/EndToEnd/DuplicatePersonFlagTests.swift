import Foundation
import MLMMigrate
import Testing

@Suite struct DuplicatePersonFlagTests {
    @Test func flagLoadsTheSampleDuplicateAndListsThePairByColumnNameOnly() throws {
        let vendor = "vendor1-binaryplan"
        let work = try TemporaryDirectory()
        let committed = try String(contentsOfFile: PackagePaths.mapping(vendor), encoding: .utf8)
        #expect(committed.contains("duplicate_person_policy: quarantine"))
        let mapping = try work.write("flag.yaml", committed.replacingOccurrences(of: "duplicate_person_policy: quarantine", with: "duplicate_person_policy: flag"))
        let target = try TestPostgres.freshDatabase("dupflag")
        let result = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample(vendor), "--mapping", mapping, "--target", target,
            "--work-dir", "\(work.path)/w", "--kek-file", TestKeys.kekFile,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let connection = try PostgresConnection(target)
        let pairs = try connection.query("""
            SELECT m.legacy_id, o.legacy_id, array_to_string(d.columns, ','), d.score_percent::text
            FROM mlm_migration.duplicate_candidates d JOIN mlm.members m USING (member_id)
            JOIN mlm.members o ON o.member_id = d.duplicate_of_member_id
            """)
        #expect(pairs.count == 1)
        #expect(pairs.first?[2] == "email")
        #expect(pairs.first?[3] == "50")
        let quarantined = try connection.scalar("SELECT count(*) FROM mlm_migration.quarantine WHERE reason = 'genealogy.duplicate_person'")
        #expect(quarantined == "0")
        let report = try String(contentsOfFile: "\(work.path)/w/report.md", encoding: .utf8)
        #expect(report.contains("## Same person registered twice, both loaded: for review"))
        #expect(report.contains("| \(pairs.first?[0] ?? "?") | \(pairs.first?[1] ?? "?") | email | 50% |"))
        #expect(!report.contains("@example.test"))
    }
}

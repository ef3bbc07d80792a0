import Logging
import MLMMigrate
import Testing

@Suite struct ReconcilerTests {
    private func loaded() throws -> (TemporaryDirectory, Pipeline, String) {
        let directory = try TemporaryDirectory()
        let pipeline = try LoaderTests.transformedSample(directory)
        let target = try TestPostgres.freshDatabase("reconcile")
        _ = try pipeline.load(target: target)
        return (directory, pipeline, target)
    }

    private func failed(_ outcome: Pipeline.Outcome) -> [String] {
        outcome.report.content.checks.filter { !$0.passed }.map(\.name)
    }

    @Test func passesEveryCheckOnACleanLoad() throws {
        let (directory, pipeline, target) = try loaded()
        let outcome = try pipeline.reconcile(target: target)
        #expect(failed(outcome) == [])
        #expect(outcome.report.passed)
        _ = directory
    }

    @Test func detectsAChangedValueThroughTheContentDigest() throws {
        let (directory, pipeline, target) = try loaded()
        try PostgresConnection(target).execute("UPDATE mlm.members SET status = 'inactive' WHERE member_id = (SELECT max(member_id) FROM mlm.members WHERE status <> 'inactive')")
        #expect(failed(try pipeline.reconcile(target: target)) == ["content.members_digest"])
        _ = directory
    }

    @Test func detectsOrphansEvenWhenTheForeignKeyWasDropped() throws {
        let (directory, pipeline, target) = try loaded()
        let connection = try PostgresConnection(target)
        try connection.execute("ALTER TABLE mlm.members DROP CONSTRAINT members_sponsor_id_fkey")
        try connection.execute("UPDATE mlm.members SET sponsor_id = 999999 WHERE member_id = 5")
        let names = failed(try pipeline.reconcile(target: target))
        #expect(names.contains("genealogy.orphan_sponsors"))
        #expect(names.contains("genealogy.no_sponsor_cycles"))
        _ = directory
    }

    @Test func detectsRowsLostAfterLoad() throws {
        let (directory, pipeline, target) = try loaded()
        try PostgresConnection(target).execute("DELETE FROM mlm_migration.quarantine WHERE quarantine_id = (SELECT min(quarantine_id) FROM mlm_migration.quarantine)")
        let names = failed(try pipeline.reconcile(target: target))
        #expect(names.contains("members.counts_balance"))
        #expect(names.contains("members.quarantined_as_cleansed"))
        _ = directory
    }
}

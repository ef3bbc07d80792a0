import Logging
import MLMMigrate
import Testing

@Suite struct ReconcilerTests {
    private func loaded() throws -> (TemporaryDirectory, Pipeline, String) {
        let sample = try LoadedSample(database: "reconcile")
        return (sample.directory, sample.pipeline, sample.target)
    }

    @Test func passesEveryCheckOnACleanLoad() throws {
        let (directory, pipeline, target) = try loaded()
        let outcome = try pipeline.reconcile(target: target)
        #expect(outcome.failedChecks == [])
        #expect(outcome.report.passed)
        _ = directory
    }

    @Test func detectsAChangedValueThroughTheContentDigest() throws {
        let (directory, pipeline, target) = try loaded()
        try PostgresConnection(target).execute("UPDATE mlm.members SET status = 'inactive' WHERE member_id = (SELECT max(member_id) FROM mlm.members WHERE status <> 'inactive')")
        #expect((try pipeline.reconcile(target: target)).failedChecks == ["content.members_digest"])
        _ = directory
    }

    @Test func detectsOrphansEvenWhenTheForeignKeyWasDropped() throws {
        let (directory, pipeline, target) = try loaded()
        let connection = try PostgresConnection(target)
        try connection.execute("ALTER TABLE mlm.members DROP CONSTRAINT members_sponsor_id_fkey")
        try connection.execute("UPDATE mlm.members SET sponsor_id = 999999 WHERE member_id = 5")
        let names = (try pipeline.reconcile(target: target)).failedChecks
        #expect(names.contains("genealogy.orphan_sponsors"))
        #expect(names.contains("genealogy.no_sponsor_cycles"))
        _ = directory
    }

    @Test func detectsRowsLostAfterLoad() throws {
        let (directory, pipeline, target) = try loaded()
        try PostgresConnection(target).execute("DELETE FROM mlm_migration.quarantine WHERE quarantine_id = (SELECT min(quarantine_id) FROM mlm_migration.quarantine)")
        let names = (try pipeline.reconcile(target: target)).failedChecks
        #expect(names.contains("members.counts_balance"))
        #expect(names.contains("members.quarantined_as_cleansed"))
        _ = directory
    }
}

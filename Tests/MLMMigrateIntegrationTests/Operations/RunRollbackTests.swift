import Foundation
import MLMMigrate
import Testing

/// Runs the built mlm-migrate.
private func tool(_ arguments: [String]) throws -> ToolRun {
    try ToolRun.run("mlm-migrate", arguments)
}

/// `rollback` against a real PostgreSQL: every target table's checksum after a rollback equals
/// its checksum before the undone batches.
@Suite struct RunRollbackTests {
    @Test func rollsBackToABatchBoundaryThenToBeforeTheRunAndResumesInBetween() throws {
        let work = try TemporaryDirectory()
        _ = try LoaderTests.transformedSample(work)
        let target = try TestPostgres.freshDatabase("rollback")
        let load = ["load", "--work-dir", work.path, "--target", target, "--batch-size", "300"]
        // The empty target, after the schema exists (a load paused after 0 batches is not possible: take it from a dry schema).
        _ = try TargetSchema.apply(on: try PostgresConnection(target))
        let empty = try ResumeTests.tables(target)
        // Paused after 9 batches (members, their quarantine, part of the data keys): the restore point.
        #expect(try tool(load + ["--max-batches", "9"]).stdout.contains("paused after batch 9"))
        let atNine = try ResumeTests.tables(target)
        // Finished and reconciled.
        #expect(try tool(load).status == 0)
        let full = try ResumeTests.tables(target)
        #expect(full != atNine)

        let listed = try tool(["snapshots", "--work-dir", work.path, "--target", target])
        #expect(listed.stdout.contains("mlm-migrate rollback --to-batch 1:9"))

        let back = try tool(["rollback", "--to-batch", "1:9", "--work-dir", work.path, "--target", target])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout.contains("rolled back run 1 to after batch 9"))
        var after = try ResumeTests.tables(target)
        after["runs"] = atNine["runs"]  // the run row itself stays, `loading` again
        #expect(after == atNine)
        #expect(try PostgresConnection(target).scalar("SELECT status FROM mlm_migration.runs") == "loading")

        // The same load command continues from there to the same full target.
        #expect(try tool(load).status == 0)
        #expect(try ResumeTests.tables(target) == full)

        // The whole run: back to the empty target (the run is kept, marked rolled back).
        let whole = try tool(["rollback", "--run", "1", "--work-dir", work.path, "--target", target])
        #expect(whole.status == 0, "\(whole.stderr)")
        var cleared = try ResumeTests.tables(target)
        cleared["runs"] = empty["runs"]
        #expect(cleared == empty)
        #expect(try PostgresConnection(target).query("SELECT status, (SELECT count(*) FROM mlm_migration.rollbacks) FROM mlm_migration.runs") == [["rolled_back", "2"]])
        // And the work directory loads again into it as a new run.
        #expect(try tool(load).status == 0)
    }

    @Test func refusesToRollBackAnOlderRunOrAMissingBatch() throws {
        let work = try TemporaryDirectory()
        _ = try LoaderTests.transformedSample(work)
        let target = try TestPostgres.freshDatabase("rollbackbad")
        #expect(try tool(["load", "--work-dir", work.path, "--target", target]).status == 0)
        let missing = try tool(["rollback", "--to-batch", "1:999", "--work-dir", work.path, "--target", target])
        #expect(missing.status == 2 && missing.stderr.contains("[rollback.no_batch]"))
        let older = try tool(["rollback", "--run", "7", "--work-dir", work.path, "--target", target])
        #expect(older.status == 2 && older.stderr.contains("[rollback.not_newest]"))
        let both = try tool(["rollback", "--run", "1", "--to-batch", "1:2", "--work-dir", work.path, "--target", target])
        #expect(both.status != 0 && both.stderr.contains("exactly one of"))
    }
}

/// `snapshot --full` and `restore` against a real PostgreSQL.
@Suite struct FullSnapshotTests {
    @Test func restoresTheSnapshotExactlyAndKeepsLaterErasures() throws {
        let work = try TemporaryDirectory()
        _ = try LoaderTests.transformedSample(work)
        let target = try TestPostgres.freshDatabase("snapshot")
        let common = ["--work-dir", work.path, "--target", target]
        #expect(try tool(["load"] + common).status == 0)
        let before = try ResumeTests.tables(target)
        let file = "\(work.path)/pre-cutover.dump"
        let taken = try tool(["snapshot", "--full", "--out", file] + common)
        #expect(taken.status == 0, "\(taken.stderr)")
        var info = stat()
        #expect(stat(file, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try tool(["snapshot", "--full", "--out", file] + common).stderr.contains("[snapshot.exists]"))

        // After the snapshot: a member erased, and the whole run rolled back.
        let connection = try PostgresConnection(target)
        let legacyID = try #require(try connection.scalar("SELECT legacy_id FROM mlm.members WHERE member_id = 3"))
        #expect(try tool(["erase", "--member", legacyID, "--reason", "DSR-9"] + common).status == 0)
        #expect(try tool(["rollback", "--run", "1"] + common).status == 0)
        #expect(try connection.scalar("SELECT count(*) FROM mlm.members") == "0")

        let restored = try tool(["restore", "--from", file] + common)
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("erased again, as the snapshot predates their erasure: \(legacyID)"))
        var after = try ResumeTests.tables(target)
        // Everything is as it was, but the member erased since stays erased.
        let check = try PostgresConnection(target)
        #expect(try check.scalar("SELECT wrapped_key IS NULL FROM mlm.data_keys WHERE member_id = 3") == "t")
        #expect(try check.scalar("SELECT count(*) FROM mlm_migration.erasures WHERE legacy_id = $1", [legacyID]) == "1")
        after["data_keys"] = before["data_keys"]
        after["member_pii"] = before["member_pii"]
        #expect(after == before)
        #expect(try check.scalar("SELECT count(*) FROM mlm.data_keys WHERE wrapped_key IS NULL") == "1")

        // A damaged snapshot is refused before anything is touched.
        let handle = try #require(FileHandle(forUpdatingAtPath: file))
        try handle.seek(toOffset: 100)
        try handle.write(contentsOf: Data([0x58]))
        try handle.close()
        let refused = try tool(["restore", "--from", file] + common)
        #expect(refused.status == 2 && refused.stderr.contains("[snapshot.checksum_mismatch]"))
        #expect(try check.scalar("SELECT count(*) FROM mlm.members") == "2001")
    }
}

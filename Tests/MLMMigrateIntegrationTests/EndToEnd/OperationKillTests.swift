import Foundation
import MLMMigrate
import Testing

/// The commands that write a loaded target (rollback, keys rotate, restore) killed (SIGKILL) at
/// a few points, then the same command again: it finishes, and the target ends as after an
/// uninterrupted command.
@Suite struct OperationKillTests {
    private func tool(_ arguments: [String]) throws -> ToolRun { try ToolRun.run("mlm-migrate", arguments) }

    /// Vendor 2's sample transformed once and loaded into `count` fresh databases (the same
    /// rows, ciphertexts too), each from its own copy of the work directory.
    private func loaded(_ count: Int, _ hint: String) throws -> (work: [TemporaryDirectory], targets: [String]) {
        let template = try TemporaryDirectory()
        _ = try LoaderTests.transformedSample(template)
        var works: [TemporaryDirectory] = []
        var targets: [String] = []
        for _ in 0..<count {
            let work = try StageKillTests.copy(template)
            let target = try TestPostgres.freshDatabase(hint)
            #expect(try tool(["load", "--work-dir", work.path, "--target", target]).status == 0)
            works.append(work)
            targets.append(target)
        }
        return (works, targets)
    }

    /// How long `arguments` takes to run to the end.
    private func timed(_ arguments: [String]) throws -> Double {
        let started = Date()
        let result = try tool(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return Date().timeIntervalSince(started)
    }

    private func expectSame(_ got: [String: String], _ want: [String: String]) {
        #expect(got == want, "\(StageKillTests.differences(got, want))")
    }

    @Test func rollbackKilledThenRunAgainFinishes() throws {
        let (works, targets) = try loaded(2, "killrollback")
        let duration = try timed(["rollback", "--run", "1", "--work-dir", works[0].path, "--target", targets[0]])
        let result = try StageKillTests.killed(at: [0.15, 0.3, 0.45, 0.6].map { fraction in
            ("\(fraction) of a rollback", { Date().timeIntervalSince($0) >= fraction * duration })
        }, then: ["rollback", "--run", "1", "--work-dir", works[1].path, "--target", targets[1]], required: 2)
        #expect(result.status == 0, "\(result.stderr)")
        expectSame(try ResumeTests.tables(targets[1]), try ResumeTests.tables(targets[0]))
        // Killed after its commit, before it could say so: the same command finds it done.
        let again = try tool(["rollback", "--run", "1", "--work-dir", works[1].path, "--target", targets[1]])
        #expect(again.status == 0 && again.stdout.contains("rolled back run 1"), "\(again.stderr)")
        expectSame(try ResumeTests.tables(targets[1]), try ResumeTests.tables(targets[0]))
    }

    @Test func keyRotationKilledThenRunAgainFinishes() throws {
        let (works, targets) = try loaded(2, "killrotate")
        let newKEK = TestKeys.newKEKFile("killrotate")
        let newID = try KeyEncryptionKey.load(path: newKEK).id
        func rotate(_ index: Int) -> [String] {
            ["keys", "rotate", "--new-kek-file", newKEK, "--kek-file", TestKeys.kekFile, "--batch-size", "100",
             "--work-dir", works[index].path, "--target", targets[index]]
        }
        #expect(try tool(rotate(0)).status == 0)
        func rotated() -> Int {
            WorkDirectoryIntegrityTests.scalar(targets[1], "SELECT count(*) FROM mlm.data_keys WHERE kek_id = '\(newID)'").flatMap { Int($0) } ?? 0
        }
        let points: [(String, (Date) -> Bool)] = [
            ("3 batches rotated", { _ in rotated() >= 300 }),
            ("12 batches rotated", { _ in rotated() >= 1_200 }),
        ]
        let result = try StageKillTests.killed(at: points, then: rotate(1))
        #expect(result.status == 0 && result.stdout.contains("finished"), "\(result.stdout)\(result.stderr)")
        func tables(_ target: String) throws -> [String: String] {
            var tables = try ResumeTests.tables(target)
            tables["data_keys"] = try PostgresConnection(target).scalar(
                "SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) FROM (SELECT key_id, member_id, kek_id, wrapped_key, erased_at FROM mlm.data_keys) t"
            )
            return tables
        }
        expectSame(try tables(targets[1]), try tables(targets[0]))
        let reconcile = try tool(["reconcile", "--work-dir", works[1].path, "--target", targets[1], "--kek-file", newKEK])
        #expect(reconcile.status == 0 && reconcile.stdout.contains(", 0 failed"), "\(reconcile.stdout)\(reconcile.stderr)")
    }

    @Test func restoreKilledThenRunAgainFinishes() throws {
        let (works, targets) = try loaded(1, "killrestore")
        let (work, target) = (works[0].path, targets[0])
        let snapshot = try TemporaryDirectory()
        let file = "\(snapshot.path)/before.dump"
        #expect(try tool(["snapshot", "--full", "--out", file, "--work-dir", work, "--target", target]).status == 0)
        let expected = try ResumeTests.tables(target)
        let restore = ["restore", "--from", file, "--work-dir", work, "--target", target]
        let rollback = ["rollback", "--run", "1", "--work-dir", work, "--target", target]
        // The shorter of two restores: on a loaded machine the first can take twice as long as
        // the killed ones, whose later kill points then come after they have finished.
        var duration = Double.infinity
        for _ in 0..<2 {
            #expect(try tool(rollback).status == 0)
            duration = min(duration, try timed(restore))
        }
        #expect(try tool(rollback).status == 0)
        let result = try StageKillTests.killed(at: [0.3, 0.6, 0.9].map { fraction in
            ("\(fraction) of a restore", { Date().timeIntervalSince($0) >= fraction * duration })
        }, then: restore, required: 2)
        #expect(result.status == 0, "\(result.stderr)")
        // A killed restore's psql may still be finishing its transaction: wait for it to end.
        let database = target.split(separator: " ").first { $0.hasPrefix("dbname=") }?.dropFirst(7) ?? ""
        for _ in 0..<300 {
            let others = WorkDirectoryIntegrityTests.scalar(target, "SELECT count(*) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()")
            if others == "0" { break }
            usleep(100_000)
        }
        expectSame(try ResumeTests.tables(target), expected)
    }
}

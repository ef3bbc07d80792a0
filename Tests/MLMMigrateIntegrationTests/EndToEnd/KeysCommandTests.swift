import Foundation
import MLMMigrate
import Testing

@Suite struct KeysCommandTests {
    @Test func generatesAPrivateKeyFileOnceAndNeverPrintsTheKey() throws {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/kek"
        let first = try ToolRun.run("mlm-migrate", ["keys", "generate", "--out", path])
        #expect(first.status == 0, "\(first.stderr)")
        let kek = try KeyEncryptionKey.load(path: path)
        #expect(first.stdout.contains(kek.id))
        let secret = try String(contentsOfFile: path, encoding: .utf8).split(separator: " ")[2].trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!first.stdout.contains(secret) && !first.stderr.contains(secret))
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let again = try ToolRun.run("mlm-migrate", ["keys", "generate", "--out", path])
        #expect(again.status == 2)
        #expect(again.stderr.contains("[keys.kek_exists]"))
        #expect(try KeyEncryptionKey.load(path: path).id == kek.id, "the existing key is untouched")
    }

    @Test func rotatesInInterruptedStepsThenErasesAMemberFromTheCommandLine() throws {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("keyscli")
        let vendor = "vendor1-binaryplan"
        let migrated = try ToolRun.run("mlm-migrate", ["run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--target", target, "--work-dir", work.path, "--kek-file", TestKeys.kekFile])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let newKEK = TestKeys.newKEKFile("cli")
        let rotate = ["keys", "rotate", "--target", target, "--work-dir", work.path, "--kek-file", TestKeys.kekFile, "--new-kek-file", newKEK, "--batch-size", "500"]
        let first = try ToolRun.run("mlm-migrate", rotate + ["--max-batches", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("re-wrapped 500 data keys") && first.stdout.contains("run the same command again to continue"))
        let second = try ToolRun.run("mlm-migrate", rotate)
        #expect(second.stdout.contains("finished: every key is under \(try KeyEncryptionKey.load(path: newKEK).id)"), "\(second.stderr)")

        let erase = try ToolRun.run("mlm-migrate", ["erase", "--target", target, "--work-dir", work.path, "--member", "100007", "--reason", "DSR-1"])
        #expect(erase.status == 0, "\(erase.stderr)")
        #expect(erase.stdout.contains("erased member 100007 (member_id"))
        let reconcile = try ToolRun.run("mlm-migrate", ["reconcile", "--target", target, "--work-dir", work.path, "--kek-file", newKEK])
        #expect(reconcile.status == 0, "\(reconcile.stdout)")
        let report = try String(contentsOfFile: "\(work.path)/report.md", encoding: .utf8)
        #expect(report.contains("| 100007 |") && report.contains("DSR-1"))
        #expect(report.contains("1 of them erased"))
        // With the old key, reconcile stops (it wraps no key any more) and records nothing.
        let old = try ToolRun.run("mlm-migrate", ["reconcile", "--target", target, "--work-dir", work.path, "--kek-file", TestKeys.kekFile])
        #expect(old.status == 2)
        #expect(old.stderr.contains("[keys.kek_wrong]"))
    }
}

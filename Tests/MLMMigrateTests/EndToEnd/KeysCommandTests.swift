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
}

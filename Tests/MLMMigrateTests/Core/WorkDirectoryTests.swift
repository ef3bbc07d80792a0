import Foundation
@testable import MLMMigrate
import Testing

/// The work directory is its owner's alone, even when it existed before with a wider mode.
@Suite struct WorkDirectoryTests {
    private func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func tightensAPreExistingWorldWritableDirectoryAndItsStageDirectories() throws {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/work"
        try FileManager.default.createDirectory(atPath: "\(path)/cleanse", withIntermediateDirectories: true)
        for dir in [path, "\(path)/cleanse"] { try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir) }
        let work = try WorkDirectory(path: path)
        for stage in ["", "/extract", "/cleanse", "/transform"] {
            #expect(try mode(work.path + stage) == 0o700, "\(stage)")
        }
    }

    @Test func writesTheManifestMode0600Atomically() throws {
        let directory = try TemporaryDirectory()
        let work = try WorkDirectory(path: directory.path)
        try work.writeManifest(RunManifest(source: "s", mappingDigest: "d"))
        #expect(try mode(work.manifestFile) == 0o600)
        #expect(try work.readManifest().source == "s")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasSuffix(".tmp") }.isEmpty)
    }

    @Test func aProcessTakesItsOwnLockOnceAndKeepsIt() throws {
        let directory = try TemporaryDirectory()
        let work = try WorkDirectory(path: directory.path)
        try work.lock()
        try work.lock()
        #expect(try mode(work.lockFile) == 0o600)
        #expect(try String(contentsOfFile: work.lockFile, encoding: .utf8) == "\(getpid())\n")
    }

    @Test func countsTheStageFilesBytesAndNothingElse() throws {
        let directory = try TemporaryDirectory()
        let work = try WorkDirectory(path: directory.path)
        #expect(work.stageFileBytes == 0)
        try Data(count: 1_000).write(to: URL(fileURLWithPath: work.file("extract/members.tsv")))
        try Data(count: 234).write(to: URL(fileURLWithPath: work.file("transform/members.tsv")))
        try Data(count: 5_000).write(to: URL(fileURLWithPath: work.file("report.json")))
        #expect(work.stageFileBytes == 1_234)
    }
}

import Foundation
import Glibc
import MLMMigrate
import Testing

/// AtomicFile replaces a file whole or not at all, and every file the tool writes is mode 0600.
@Suite struct FileIOTests {
    private func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    private func leftovers(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
    }

    @Test func replacesTheFileAndLeavesNoTemporaryFileBehind() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("report.json", "old")
        try AtomicFile.write("new report", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new report")
        #expect(try leftovers(directory.path).isEmpty)
        #expect(try mode(path) == 0o600)
    }

    @Test func leavesTheOldFileIntactWhenTheWriteFailsHalfWay() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("report.json", "the complete old report")
        // As a full disk does: part of the new file is written, then a write fails.
        #expect {
            try AtomicFile.write(to: path) { file throws(MigrationError) in
                try file.write(Array(repeating: UInt8(ascii: "x"), count: 200_000))
                try file.flush()
                throw MigrationError(.workdirUnwritable, "No space left on device")
            }
        } throws: { ($0 as? MigrationError)?.code == "workdir.unwritable" }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "the complete old report")
        #expect(try leftovers(directory.path).isEmpty)
    }

    @Test func writesMode0600WhateverTheUmask() throws {
        let directory = try TemporaryDirectory()
        let old = umask(0)
        defer { umask(old) }
        let atomic = "\(directory.path)/report.md"
        try AtomicFile.write("x", to: atomic)
        let stage = "\(directory.path)/members.tsv"
        let writer = try BufferedFileWriter(path: stage)
        try writer.close()
        #expect(try mode(atomic) == 0o600)
        #expect(try mode(stage) == 0o600)
    }
}

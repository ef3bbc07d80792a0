import Foundation
import Glibc
import MLMMigrate
import TestSupport
import Testing

/// AtomicFile replaces a file whole or not at all, every file the tool writes is mode 0600, and
/// a file written behind (its pages handed to the disk as it grows) holds every byte in order.
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

    /// Pieces of odd sizes, through writes, direct appends and flushes, over several write-behind
    /// steps (8 MiB): the file is the bytes in order, with or without write-behind.
    @Test(arguments: [true, false]) func writesEveryByteInOrderWhenWrittenBehind(_ writeBehind: Bool) throws {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/entries.tsv"
        let writer = try BufferedFileWriter(path: path, writeBehind: writeBehind)
        var expected: [UInt8] = []
        var numbers = SeededNumbers(seed: 0xF11E)
        while expected.count < 26 << 20 {
            let piece = (0..<(1 + numbers.next(below: 700_000))).map { UInt8(truncatingIfNeeded: $0 &+ expected.count) }
            expected += piece
            switch expected.count % 3 {
            case 0: try writer.write(piece)
            case 1: try writer.append { $0.append(contentsOf: piece) }
            default:
                try writer.write(piece)
                try writer.flush()
            }
        }
        try writer.close()
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == expected)
    }
}

import Foundation
import MLMMigrate
import Testing

/// A stage file edited or cut between stages stops the reading stage with `workdir.corrupt`
/// naming the file and line, whichever way it is read, and never quotes a value.
@Suite struct StageFileReaderTests {
    private let secret = "jane.doe@example.com"

    private func file(_ body: String) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let path = try directory.write("members.tsv", "a\tb\tc\n1\t\(secret)\t3\n4\t5\t6\n" + body)
        return (directory, path)
    }

    /// Reads with `next` (false at end of file) until it throws, which it must.
    private func expectCorrupt(_ path: String, line: Int, _ next: (StageFileReader) throws(MigrationError) -> Bool) throws {
        let reader = try StageFileReader(path: path, expecting: ["a", "b", "c"])
        do throws(MigrationError) {
            while try next(reader) {}
            Issue.record("read \(path) to the end without an error")
        } catch {
            #expect(error.code == "workdir.corrupt")
            #expect(error.message.contains(path) && error.message.contains("line \(line)"), "\(error.message)")
            #expect(!error.message.contains(secret) && !error.message.contains("\t"))
        }
    }

    @Test func refusesARowWithFieldsDroppedWhicheverWayItIsRead() throws {
        let (directory, path) = try file("7\t\(secret)\n8\t9\t10\n")
        _ = directory
        try expectCorrupt(path, line: 4) { reader throws(MigrationError) in try reader.next() != nil }
        try expectCorrupt(path, line: 4) { reader throws(MigrationError) in try reader.skip() }
        try expectCorrupt(path, line: 4) { reader throws(MigrationError) in try reader.nextRawLine() != nil }
        try expectCorrupt(path, line: 4) { reader throws(MigrationError) in try reader.nextLines(maxLines: 10) { _ in } > 0 }
    }

    @Test func refusesARowWithAFieldTooMany() throws {
        let (directory, path) = try file("7\t8\t9\t\(secret)\n")
        _ = directory
        try expectCorrupt(path, line: 4) { reader throws(MigrationError) in try reader.next() != nil }
    }

    @Test func refusesAFileCutMidLineWhicheverWayItIsRead() throws {
        let (directory, path) = try file("7\tjane")
        _ = directory
        try expectCorrupt(path, line: 4) { reader throws(MigrationError) in try reader.next() != nil }
        try expectCorrupt(path, line: 4) { reader throws(MigrationError) in try reader.skip() }
        try expectCorrupt(path, line: 4) { reader throws(MigrationError) in try reader.nextLines(maxLines: 1) { _ in } > 0 }
    }

    /// Passing over rows (those another parallel stream sends, and checks) counts whole lines
    /// without checking their width; the rows after them are read and checked as ever, and a
    /// cut last line is still refused.
    @Test func passesOverRowsWithoutCheckingThemAndReadsOnFromTheNext() throws {
        let (directory, path) = try file("7\t\(secret)\n8\t9\t10\n")
        _ = directory
        let reader = try StageFileReader(path: path, expecting: ["a", "b", "c"])
        #expect(try reader.passLines(maxLines: 3) == 3)
        #expect(try reader.next() == ["8", "9", "10"])
        #expect(reader.lineNumber == 5)
        #expect(try reader.passLines(maxLines: 2) == 0)
        let (cutDirectory, cut) = try file("7\tjane")
        _ = cutDirectory
        try expectCorrupt(cut, line: 4) { reader throws(MigrationError) in try reader.passLines(maxLines: 5) > 0 }
    }

    @Test func refusesAFileCutInItsHeader() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("members.tsv", "a\tb")
        #expect { _ = try StageFileReader(path: path) } throws: {
            ($0 as? MigrationError)?.code == "workdir.corrupt" && ($0 as? MigrationError)?.message.contains("line 1") == true
        }
    }

    @Test func namesTheStageThatWritesTheFile() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(directory.path)/cleanse", withIntermediateDirectories: true)
        let path = try directory.write("cleanse/members.tsv", "a\tb\n1\n")
        let reader = try StageFileReader(path: path)
        #expect { _ = try reader.next() } throws: { ($0 as? MigrationError)?.message.contains("`mlm-migrate cleanse`") == true }
    }

    /// The share of `path`'s pages in the page cache (`mincore` over a mapping of it).
    private static func cachedShare(_ path: String) -> Double {
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var status = stat()
        guard fd >= 0, fstat(fd, &status) == 0, status.st_size > 0 else { return -1 }
        let size = Int(status.st_size)
        guard let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else { return -1 }
        defer { munmap(map, size) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var pages = [UInt8](repeating: 0, count: (size + page - 1) / page)
        guard mincore(map, size, &pages) == 0 else { return -1 }
        return Double(pages.filter { $0 & 1 == 1 }.count) / Double(pages.count)
    }

    /// Whether the temporary directory's file system drops clean pages when told to, tried on a
    /// file of its own: tmpfs (its pages are the file) and ZFS (its own cache) do not.
    private static var dropsCachedPages: Bool {
        guard let directory = try? TemporaryDirectory(),
              let path = try? directory.write("probe", [UInt8](repeating: 7, count: 1 << 20)) else { return false }
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        guard fd >= 0, fsync(fd) == 0 else { return false }
        var bytes = [UInt8](repeating: 0, count: 1 << 20)
        guard read(fd, &bytes, bytes.count) == bytes.count else { return false }
        return posix_fadvise(fd, 0, 1 << 20, POSIX_FADV_DONTNEED) == 0 && StageFileReaderTests.cachedShare(path) < 0.5
    }

    @Test(.enabled(if: dropsCachedPages, "the temporary directory's file system keeps its pages"))
    func dropsThePagesItHasPassedFromTheCacheWhenAsked() throws {
        // 46 MiB of rows, on disk (fsynced: clean pages can be dropped) and read once into the cache.
        let directory = try TemporaryDirectory()
        let path = directory.path + "/wallet_entries.tsv"
        let writer = try StageFileWriter(path: path, columns: ["a", "b"])
        let filler = String(repeating: "x", count: 4_000)
        for row in 0..<12_000 { try writer.append([String(row), filler]) }
        try writer.close()
        func readAll(dropping: Bool) throws -> Int {
            let reader = try StageFileReader(path: path, expecting: ["a", "b"])
            if dropping { reader.dropCachedPages(behind: 0) }
            var rows = 0
            while true {
                let read = try reader.nextLines(maxLines: 1_000, { _ in })
                guard read > 0 else { return rows }
                rows += read
            }
        }
        _ = try readAll(dropping: false)
        #expect(Self.cachedShare(path) > 0.9)
        // Read again, dropping: the rows are all there, and most of the file has left the cache
        // (all but the last 8 MiB at most).
        #expect(try readAll(dropping: true) == 12_000)
        #expect(Self.cachedShare(path) < 0.3)
        // The file itself is whole: read again (from disk), every row.
        let reader = try StageFileReader(path: path, expecting: ["a", "b"])
        var count = 0
        while let fields = try reader.next() {
            if fields[0] != String(count) || fields[1] != filler { break }
            count += 1
        }
        #expect(count == 12_000)
    }

    @Test func readsAWellFormedFileToTheEnd() throws {
        let (directory, path) = try file("7\t8\t9\n")
        _ = directory
        let reader = try StageFileReader(path: path, expecting: ["a", "b", "c"])
        var rows = 0
        while try reader.next() != nil { rows += 1 }
        #expect(rows == 3 && reader.lineNumber == 4)
    }
}

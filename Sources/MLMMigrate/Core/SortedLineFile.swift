import Glibc

/// Looks keys up in a text file whose lines after the first are in key order, by binary search
/// over byte offsets (a few `pread`s a lookup, whatever the file's size): for checking a handful
/// of late rows against a stage file written in order, without reading it through.
final class SortedLineFile {
    let path: String
    private let fd: Int32
    private let size: Int
    private let firstLine: Int
    private let keyOf: (UnsafeRawBufferPointer) throws(MigrationError) -> [UInt8]

    /// Opens `path` (complete on disk: flushed by its writer); `keyOf` reads a line's key (its
    /// newline included).
    init(path: String, keyOf: @escaping (UnsafeRawBufferPointer) throws(MigrationError) -> [UInt8]) throws(MigrationError) {
        self.path = path
        self.keyOf = keyOf
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MigrationError(.workdirUnreadable, "cannot reopen \(path): \(String(cString: strerror(errno)))") }
        var status = stat()
        var end = 0
        do throws(MigrationError) {
            guard fstat(fd, &status) == 0 else {
                throw MigrationError(.workdirUnreadable, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            // The header line: the first line start is after its newline.
            while end < Int(status.st_size) {
                let chunk = try Self.read(fd, path, at: end, count: 4_096)
                if let newline = chunk.firstIndex(of: 0x0A) {
                    end += newline + 1
                    break
                }
                end += chunk.count
            }
        } catch {
            close(fd)
            throw error
        }
        size = Int(status.st_size)
        firstLine = end
    }

    deinit { close(fd) }

    /// How many lines have exactly `key` (they are adjacent).
    func count(of key: [UInt8]) throws(MigrationError) -> Int {
        // Invariant: lines starting before `low` have smaller keys, lines starting at or after
        // `high` have keys at least `key`; both are line starts (or the end).
        var (low, high) = (firstLine, size)
        while low < high {
            let middle = low + (high - low) / 2
            let start = try lineStart(containing: middle, notBefore: low)
            let line = try self.line(at: start)
            if try compare(line, key) < 0 {
                low = start + line.count
            } else {
                high = start
            }
        }
        var count = 0
        var at = low
        while at < size {
            let line = try self.line(at: at)
            guard try compare(line, key) == 0 else { break }
            count += 1
            at += line.count
        }
        return count
    }

    private func compare(_ line: [UInt8], _ key: [UInt8]) throws(MigrationError) -> Int {
        let lineKey = try MigrationError.typed { try line.withUnsafeBytes { try keyOf($0) } }
        return lineKey.withUnsafeBytes { a in key.withUnsafeBytes { b in ExternalSorter.compare(a, b) } }
    }

    /// The start of the line holding byte `offset`, searching back no further than `floor` (a
    /// line start).
    private func lineStart(containing offset: Int, notBefore floor: Int) throws(MigrationError) -> Int {
        var end = offset
        while end > floor {
            let from = max(floor, end - 4_096)
            let chunk = try Self.read(fd, path, at: from, count: end - from)
            if let newline = chunk.lastIndex(of: 0x0A) { return from + newline + 1 }
            end = from
        }
        return floor
    }

    /// The line starting at `offset`, its newline included.
    private func line(at offset: Int) throws(MigrationError) -> [UInt8] {
        var line: [UInt8] = []
        var at = offset
        while at < size {
            let chunk = try Self.read(fd, path, at: at, count: 4_096)
            if let newline = chunk.firstIndex(of: 0x0A) {
                line.append(contentsOf: chunk[...newline])
                return line
            }
            line.append(contentsOf: chunk)
            at += chunk.count
        }
        throw MigrationError(.workdirCorrupt, "\(path) ends inside a line: it was cut after it was written; run the stage again")
    }

    private static func read(_ fd: Int32, _ path: String, at offset: Int, count: Int) throws(MigrationError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = bytes.withUnsafeMutableBytes { raw in pread(fd, raw.baseAddress.map { $0 + filled }, count - filled, off_t(offset + filled)) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw MigrationError(.workdirUnreadable, "cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            filled += n
        }
        guard filled > 0 || count == 0 else {
            throw MigrationError(.workdirCorrupt, "\(path) is shorter than it was: it changed while it was read; run the stage again")
        }
        return Array(bytes[..<filled])
    }
}

import CLinux
import Foundation
import Glibc

/// Reads a file in fixed-size chunks with `read(2)`, so memory does not grow with the file.
public final class ChunkedFileReader {
    public let path: String
    private let fd: Int32
    private var buffer: [UInt8]
    /// The file offset after the last chunk read, and the end of the cached pages dropped.
    private var offset: Int
    private var dropped: Int
    /// When set, the file's cached pages this many bytes or more behind the reader are dropped
    /// from the page cache as it goes (`posix_fadvise` `DONTNEED`, 8 MiB at a time); nil keeps
    /// them.
    public var dropBehind: Int?

    /// Opens `path` for reading; throws `source.unreadable` naming the path (never its contents).
    public init(path: String, chunkSize: Int = 1 << 20, from offset: Int = 0) throws(MigrationError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw MigrationError(.sourceUnreadable, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        if offset > 0 && lseek(fd, off_t(offset), SEEK_SET) < 0 {
            let failure = String(cString: strerror(errno))
            close(fd)
            throw MigrationError(.sourceUnreadable, "cannot read \(path) from byte \(offset): \(failure)")
        }
        self.fd = fd
        self.buffer = [UInt8](repeating: 0, count: chunkSize)
        self.offset = offset
        self.dropped = offset
    }

    deinit { close(fd) }

    /// Calls `body` with the next chunk; returns false at end of file.
    public func nextChunk(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Bool {
        let count = buffer.withUnsafeMutableBytes { raw -> Int in
            var n: Int
            repeat { n = read(fd, raw.baseAddress, raw.count) } while n < 0 && errno == EINTR
            return n
        }
        if count < 0 {
            throw MigrationError(.sourceUnreadable, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        if count == 0 { return false }
        offset += count
        dropPassed()
        try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
        return true
    }

    /// Asks the kernel to drop the cached pages of the file that lie ``dropBehind`` bytes or
    /// more behind the reader (from a 4 KiB boundary, 8 MiB at a time; `POSIX_FADV_DONTNEED`:
    /// the kernel keeps any page only partly in the range). The data stays on disk, and a later
    /// read finds it there. The memory is free at once for whatever writes next (the stage's own
    /// output, PostgreSQL's tables and WAL): a one-pass read of a stage file of gigabytes holds a
    /// few MiB of it in memory, not all of it. Pages not yet written to disk stay cached (the
    /// kernel drops only clean ones). Advice only: a refusal changes nothing.
    private func dropPassed() {
        guard let lag = dropBehind else { return }
        let upTo = (offset - lag) & ~4_095
        guard upTo - dropped >= 8 << 20 else { return }
        _ = posix_fadvise(fd, off_t(dropped), off_t(upTo - dropped), POSIX_FADV_DONTNEED)
        dropped = upTo
    }
}

/// Writes bytes through a 1 MiB buffer with `write(2)`; files get mode 0600 (set explicitly,
/// whatever the umask) because stage files may hold protected (never plaintext) PII.
///
/// A file that will be fsynced (``close(sync:)``) is written behind: every ``writeBehindBytes``
/// written, the kernel is asked to start writing them to disk without waiting
/// (`sync_file_range(SYNC_FILE_RANGE_WRITE)`), so the fsync at the end waits for the last few
/// MiB instead of the whole file (0.4 to 0.6 s a GB on the bench machine, with a core idle).
/// The external sort's scratch files (`writeBehind: false`) are left to the kernel; a stage
/// file closed without an fsync on a rare path (the ledger Cleanse's sink moving its file aside
/// to sort it) is written behind all the same, at the cost of some disk writes only.
public final class BufferedFileWriter {
    public let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int
    private let writeBehind: Bool
    /// Bytes written to the file so far, and where the part not yet handed to write-behind starts.
    private var written = 0
    private var writtenBehind = 0

    static let writeBehindBytes = 8 << 20

    public init(path: String, capacity: Int = 1 << 20, mode: UInt32 = 0o600, writeBehind: Bool = true) throws(MigrationError) {
        self.path = path
        self.capacity = capacity
        self.writeBehind = writeBehind
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw MigrationError(.workdirUnwritable, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard fchmod(fd, mode) == 0 else {
            Glibc.close(fd)
            throw MigrationError(.workdirUnwritable, "cannot set the mode of \(path): \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        buffer.reserveCapacity(capacity)
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    public func write(_ bytes: [UInt8]) throws(MigrationError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { try flush() }
    }

    /// Lets `body` append to the write buffer directly (no intermediate copy), then flushes
    /// when the buffer is full.
    @inline(__always)
    public func append(_ body: (inout [UInt8]) -> Void) throws(MigrationError) {
        body(&buffer)
        if buffer.count >= capacity { try flush() }
    }

    public func write(_ string: String) throws(MigrationError) {
        var string = string
        string.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= capacity { try flush() }
    }

    public func write(byte: UInt8) throws(MigrationError) {
        buffer.append(byte)
        if buffer.count >= capacity { try flush() }
    }

    public func flush() throws(MigrationError) {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.write(fd, base + offset, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw MigrationError(.workdirUnwritable, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
        written += offset
        if writeBehind && written - writtenBehind >= Self.writeBehindBytes {
            // A hint: an error here (an old kernel, a file system without it) shows, if it
            // matters, at the fsync.
            _ = mlm_start_writeback(fd, Int64(writtenBehind), Int64(written - writtenBehind))
            writtenBehind = written
        }
    }

    /// Flushes, fsyncs (unless `sync` is false, for scratch files) and closes; the file is
    /// complete only after this returns.
    public func close(sync: Bool = true) throws(MigrationError) {
        try flush()
        guard fd >= 0 else { return }
        defer { fd = -1 }
        // A full disk may only show here (delayed allocation): the file is not complete then.
        let synced = !sync || fsync(fd) == 0 || errno == EINVAL
        let failure = errno
        guard Glibc.close(fd) == 0, synced else {
            throw MigrationError(.workdirUnwritable, "cannot write \(path): \(String(cString: strerror(synced ? errno : failure)))")
        }
    }

    /// Closes without flushing what is buffered, after a failed write.
    func abandon() {
        buffer.removeAll()
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}

/// Replaces a file whole or not at all: writes a temporary file beside it (same directory, so
/// the same file system), fsyncs it and renames it over the old one. A full disk, an error or a
/// kill leaves the old file as it was, never a truncated one under the real name.
public enum AtomicFile {
    /// Writes what `body` writes to `path`, mode `mode` (set explicitly, whatever the umask).
    public static func write(
        to path: String, mode: UInt32 = 0o600, _ body: (BufferedFileWriter) throws(MigrationError) -> Void
    ) throws(MigrationError) {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).\(getpid()).tmp"
        let writer = try BufferedFileWriter(path: temporary, capacity: 1 << 16, mode: mode)
        do throws(MigrationError) {
            try body(writer)
            try writer.close()
        } catch {
            writer.abandon()
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw MigrationError(.workdirUnwritable, "cannot replace \(path): \(reason)")
        }
        // The rename itself is durable once the directory is synced.
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            Glibc.close(fd)
        }
    }

    /// Writes `bytes` to `path` whole or not at all.
    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32 = 0o600) throws(MigrationError) {
        try write(to: path, mode: mode) { file throws(MigrationError) in try file.write(bytes) }
    }

    /// Writes `text` (UTF-8) to `path` whole or not at all.
    public static func write(_ text: String, to path: String, mode: UInt32 = 0o600) throws(MigrationError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }
}

/// Reads byte ranges of a file by position (`pread`), for rows found by an earlier sequential
/// pass; one reused buffer.
public final class PositionalFileReader {
    public let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []

    /// Opens `path`; `workdir.unreadable` naming the path when it cannot be.
    public init(path: String) throws(MigrationError) {
        self.path = path
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MigrationError(.workdirUnreadable, "cannot open \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Hands `count` bytes from `offset` to `body`; `workdir.corrupt` when the file ends before
    /// them (it was cut since the pass that found them).
    public func read(at offset: Int, count: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(MigrationError) -> Void) throws(MigrationError) {
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: max(count, 2 * buffer.count)) }
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { raw in pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                if n < 0 { throw MigrationError(.workdirUnreadable, "cannot read \(path): \(String(cString: strerror(errno)))") }
                throw MigrationError(.workdirCorrupt, "\(path) ends before a row an earlier pass found in it: the file was cut; run the stage that wrote it again")
            }
            done += n
        }
        try buffer.withUnsafeBufferPointer { all throws(MigrationError) in try body(UnsafeBufferPointer(rebasing: all[..<count])) }
    }
}

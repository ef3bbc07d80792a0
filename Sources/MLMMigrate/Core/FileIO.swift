import Glibc

/// Reads a file in fixed-size chunks with `read(2)`, so memory does not grow with the file.
public final class ChunkedFileReader {
    public let path: String
    private let fd: Int32
    private var buffer: [UInt8]

    /// Opens `path` for reading; throws `source.unreadable` naming the path (never its contents).
    public init(path: String, chunkSize: Int = 1 << 20) throws(MigrationError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw MigrationError(.sourceUnreadable, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        self.buffer = [UInt8](repeating: 0, count: chunkSize)
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
        try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
        return true
    }
}

/// Writes bytes through a 1 MiB buffer with `write(2)`; files are created with mode 0600
/// because stage files may hold protected (never plaintext) PII.
public final class BufferedFileWriter {
    public let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int

    public init(path: String, capacity: Int = 1 << 20) throws(MigrationError) {
        self.path = path
        self.capacity = capacity
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else {
            throw MigrationError(.workdirUnwritable, "cannot create \(path): \(String(cString: strerror(errno)))")
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
    }

    /// Flushes, fsyncs (unless `sync` is false, for scratch files) and closes; the file is
    /// complete only after this returns.
    public func close(sync: Bool = true) throws(MigrationError) {
        try flush()
        guard fd >= 0 else { return }
        if sync { fsync(fd) }
        Glibc.close(fd)
        fd = -1
    }
}

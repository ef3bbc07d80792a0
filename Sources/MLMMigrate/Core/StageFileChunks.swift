/// Streams a stage file's data lines (header skipped) as raw byte chunks that always end on
/// a line boundary, a bounded number of lines at a time: the shape `COPY FROM STDIN` wants.
public final class StageFileChunks {
    public let path: String
    private let file: ChunkedFileReader
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var headerSkipped = false

    public init(path: String) throws(MigrationError) {
        self.path = path
        self.file = try ChunkedFileReader(path: path)
    }

    /// Hands up to `maxLines` whole lines to `body`, in one or more chunks; returns how many
    /// lines were handed over (0 at end of file).
    public func next(maxLines: Int, _ body: (UnsafeRawBufferPointer) throws(MigrationError) -> Void) throws(MigrationError) -> Int {
        var lines = 0
        while lines < maxLines {
            if position >= buffer.count || !buffer[position...].contains(0x0A) {
                guard try refill() else { break }
                continue
            }
            if !headerSkipped {
                if let newline = buffer[position...].firstIndex(of: 0x0A) { position = newline + 1 }
                headerSkipped = true
                continue
            }
            var end = position
            var counted = 0
            var lastNewline = -1
            while end < buffer.count && lines + counted < maxLines {
                if buffer[end] == 0x0A {
                    counted += 1
                    lastNewline = end
                }
                end += 1
            }
            guard lastNewline >= 0 else { continue }
            let slice = position..<(lastNewline + 1)
            do {
                try buffer.withUnsafeBytes { raw in try body(UnsafeRawBufferPointer(rebasing: raw[slice])) }
            } catch let error as MigrationError {
                throw error
            } catch {
                throw MigrationError("workdir.unreadable", "\(path): \(error)")
            }
            position = lastNewline + 1
            lines += counted
        }
        return lines
    }

    /// Moves the unread tail to the front and appends the next chunk; false at end of file.
    private func refill() throws(MigrationError) -> Bool {
        guard !atEnd else {
            if position < buffer.count {
                throw MigrationError("workdir.corrupt", "\(path): last line has no line end; run the previous stage again")
            }
            return false
        }
        buffer.removeFirst(position)
        position = 0
        do {
            let more = try file.nextChunk { chunk in buffer.append(contentsOf: chunk) }
            if !more { atEnd = true }
        } catch let error as MigrationError {
            throw error
        } catch {
            throw MigrationError("workdir.unreadable", "\(path): \(error)")
        }
        return true
    }
}

import Glibc

/// One CSV record as raw bytes: all fields back to back, with the end offset of each.
public struct CSVRecord {
    /// 1-based physical line where the record starts.
    public var line: Int
    /// 1-based physical line where the record ends (after `line` when a quoted field spans lines).
    public var endLine: Int
    public var bytes: [UInt8] = []
    public var fieldEnds: [Int] = []
    /// True when a closing quote was followed by something other than a delimiter or line end,
    /// or (for a record read from one line alone) a quote was never closed on the line.
    public var malformed = false
    /// True for a line of a record spanning lines that was read again line by line.
    public internal(set) var readAlone = false
    /// Byte offsets of the record's text in the file, terminator excluded.
    var startOffset = 0
    var endOffset = 0

    init(line: Int, startOffset: Int) {
        self.line = line
        self.endLine = line
        self.startOffset = startOffset
    }

    public var fieldCount: Int { fieldEnds.count }

    /// Empties the record for one starting at `line`, keeping its buffers (new ones when a
    /// copy handed out still shares them).
    mutating func reset(line: Int, startOffset: Int) {
        self.line = line
        endLine = line
        bytes.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        malformed = false
        readAlone = false
        self.startOffset = startOffset
        endOffset = 0
    }

    /// Calls `body` with the bytes of field `index`.
    public func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<fieldEnds[index]])) }
    }
}

/// A streaming RFC 4180 reader working on bytes: quoted fields with embedded delimiters,
/// newlines and doubled quotes; CRLF, LF or CR line ends; a leading UTF-8 byte-order mark.
///
/// Memory is one read buffer plus the current record, whatever the file size. Blank lines are
/// skipped and counted.
///
/// A stray quote (a field that opens a quote and never closes it on its line) would make a
/// plain RFC 4180 reader swallow the records after it into one field. So a record that spans
/// lines is read again line by line (``CSVRecord/malformed`` on the lines that do not parse
/// alone) when it is malformed, has the wrong field count, or when any of its later lines is on
/// its own a complete record of ``expectedFieldCount`` fields; the same for a quote still open
/// at the end of the file. Every physical line therefore ends up in exactly one record, the
/// header or the blank count, and ``physicalLines`` counts the lines independently of the parse.
public final class CSVReader {
    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    public let path: String
    /// The name used in locations and messages (the path relative to the source directory).
    public let displayName: String
    /// The file read chunk by chunk, or (``init(piece:of:)``) nil and a part of it in memory.
    private let file: ChunkedFileReader?
    private let piece: [UInt8]?
    private var pieceRead = 0
    private static let piecePart = 1 << 16
    private let delimiter: UInt8
    private let quote: UInt8

    private var state = State.fieldStart
    private var line = 1
    private var record: CSVRecord
    private var quoteStartLine = 0
    private var atFileStart = true
    private var bomBytesSeen = 0
    private var lastWasCR = false
    private var ready: [CSVRecord] = []
    private var readyIndex = 0
    /// Records handed out by ``next()`` before the current chunk, whose buffers the next
    /// records reuse (no allocation per record once the first chunk is read).
    private var spare: [CSVRecord] = []
    private var finished = false
    private var split: [CSVRecord] = []
    private var chunkBase = 0
    private var lineCounter = PhysicalLineCounter()
    private var rereader: Int32 = -1

    /// Field count of a complete record (the header's), once known; records spanning lines are
    /// checked against it (see the type's summary).
    public var expectedFieldCount: Int?
    /// Blank lines skipped so far.
    public private(set) var blankLines = 0
    /// Physical lines in the file (LF, CRLF or CR ends, and a last line without one), counted
    /// apart from the parse; complete once ``next()`` has returned nil.
    public var physicalLines: Int { lineCounter.lines }

    public convenience init(path: String, displayName: String, delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8 = UInt8(ascii: "\"")) throws(MigrationError) {
        try self.init(path: path, displayName: displayName, delimiter: delimiter, quote: quote, chunkSize: 1 << 20)
    }

    /// Reads the file `chunkSize` bytes at a time (tests cut files in small chunks).
    init(path: String, displayName: String, delimiter: UInt8, quote: UInt8, chunkSize: Int) throws(MigrationError) {
        self.path = path
        self.displayName = displayName
        self.file = try ChunkedFileReader(path: path, chunkSize: chunkSize)
        self.piece = nil
        self.delimiter = delimiter
        self.quote = quote
        self.record = CSVRecord(line: 1, startOffset: 0)
    }

    /// Reads the records of `piece`, a part of the file at `path` that starts a record (see
    /// ``CSVPieceCutter``): the records the reader of the whole file gives there, with the same
    /// lines, offsets and line-by-line reads (which read the file again). With `toEnd`, the
    /// piece's bytes are not used: the file is read from the piece's start to its end.
    init(piece: CSVPieceCutter.Piece, of path: String, displayName: String, delimiter: UInt8, quote: UInt8, expectedFieldCount: Int?, toEnd: Bool = false) throws(MigrationError) {
        self.path = path
        self.displayName = displayName
        self.file = toEnd ? try ChunkedFileReader(path: path, from: piece.offset) : nil
        self.piece = toEnd ? nil : piece.bytes
        self.delimiter = delimiter
        self.quote = quote
        self.expectedFieldCount = expectedFieldCount
        line = piece.line
        record = CSVRecord(line: piece.line, startOffset: piece.offset)
        record.bytes.reserveCapacity(160)
        record.fieldEnds.reserveCapacity(16)
        atFileStart = piece.offset == 0
        lastWasCR = piece.afterCR
        chunkBase = piece.offset
        lineCounter = PhysicalLineCounter(lineEndsBefore: piece.line - 1, afterCR: piece.afterCR)
    }

    deinit { if rereader >= 0 { close(rereader) } }

    /// Reads the header line: its column names, decoded by `decode` and trimmed (undecodable:
    /// empty). From then on a record spanning lines is checked against the header's width
    /// (``expectedFieldCount``). An empty file is `source.empty`.
    public func readHeader(
        decode: (UnsafeBufferPointer<UInt8>) -> String?
    ) throws(MigrationError) -> (record: CSVRecord, names: [String]) {
        guard let header = try next() else {
            throw MigrationError(.sourceEmpty, "\(displayName): the file is empty; a header line is expected")
        }
        expectedFieldCount = header.fieldCount
        let names = (0..<header.fieldCount).map { index in header.withField(index) { decode($0)?.trimmingWhitespace() ?? "" } }
        return (header, names)
    }

    /// The next record, or nil at end of file.
    public func next() throws(MigrationError) -> CSVRecord? {
        while true {
            if !split.isEmpty { return split.removeFirst() }
            if readyIndex < ready.count {
                let record = ready[readyIndex]
                readyIndex += 1
                guard record.endLine > record.line, try needsLineByLineRead(record) else { return record }
                split = try readLineByLine(record)
                continue
            }
            if finished { return nil }
            // Moved, not copied: `append(contentsOf:)` retained and released both buffers of
            // every record (a fifth of the reading thread's time on 10M entries).
            while let record = ready.popLast() { spare.append(record) }
            readyIndex = 0
            func take(_ chunk: UnsafeBufferPointer<UInt8>) {
                lineCounter.count(chunk)
                consume(chunk)
                chunkBase += chunk.count
            }
            var more = false
            do {
                if let file {
                    more = try file.nextChunk(take)
                } else if let bytes = piece, pieceRead < bytes.count {
                    // A part at a time, as from a file: the records of one part are recycled
                    // for the next (a piece at once took two allocations a record).
                    let end = min(bytes.count, pieceRead + Self.piecePart)
                    more = true
                    bytes.withUnsafeBufferPointer { take(UnsafeBufferPointer(rebasing: $0[pieceRead..<end])) }
                    pieceRead = end
                }
            } catch let error as MigrationError {
                throw error
            } catch {
                throw MigrationError(.sourceUnreadable, "\(displayName): \(error)")
            }
            if !more {
                finished = true
                try finish()
            }
        }
    }

    /// Runs the state machine over one chunk. State lives in locals for the loop (class
    /// properties would cost a dynamic exclusivity check per byte) and is stored back after.
    private func consume(_ chunk: UnsafeBufferPointer<UInt8>) {
        var index = 0
        if atFileStart {
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            while index < chunk.count && bomBytesSeen < 3 && chunk[index] == bom[bomBytesSeen] {
                bomBytesSeen += 1
                index += 1
            }
            guard index < chunk.count || bomBytesSeen == 3 else { return }
            atFileStart = false
            if bomBytesSeen == 3 {
                record.startOffset = 3
            } else if bomBytesSeen > 0 {
                let partial = Array(bom[0..<bomBytesSeen])
                partial.withUnsafeBufferPointer { consume($0) }
            }
        }
        var state = self.state
        var line = self.line
        var record = self.record
        var quoteStartLine = self.quoteStartLine
        var lastWasCR = self.lastWasCR
        var ready = self.ready
        var spare = self.spare
        var blankLines = self.blankLines
        self.ready = []
        self.spare = []
        let delimiter = self.delimiter
        let quote = self.quote
        let base = chunkBase

        func endRecord(at offset: Int) {
            record.fieldEnds.append(record.bytes.count)
            record.endLine = line
            record.endOffset = offset
            let isBlank = record.fieldEnds.count == 1 && record.bytes.isEmpty
            line += 1
            if isBlank {
                blankLines += 1
                record.fieldEnds.removeAll(keepingCapacity: true)
                record.line = line
                record.endLine = line
                record.startOffset = offset + 1
                record.malformed = false
            } else {
                ready.append(record)
                if var reused = spare.popLast() {
                    reused.reset(line: line, startOffset: offset + 1)
                    record = reused
                } else {
                    record = CSVRecord(line: line, startOffset: offset + 1)
                    record.bytes.reserveCapacity(160)
                    record.fieldEnds.reserveCapacity(16)
                }
            }
            state = .fieldStart
        }

        // Appends the byte just read (`chunk[index - 1]`) and the bytes after it up to the next
        // line end or `stop` (the bytes that change the state), in one append rather than byte
        // by byte; returns the index of that byte. None of them is a CR, so `lastWasCR` stays false.
        func appendRun(stoppingAt stop: UInt8) -> Int {
            var end = index
            while end < chunk.count {
                let next = chunk[end]
                if next == stop || next == 0x0A || next == 0x0D { break }
                end += 1
            }
            record.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[(index - 1)..<end]))
            return end
        }

        while index < chunk.count {
            let byte = chunk[index]
            index += 1
            let afterCR = lastWasCR
            lastWasCR = byte == 0x0D
            if afterCR && byte == 0x0A {
                if state == .quoted {
                    record.bytes.append(byte)
                } else {
                    record.startOffset += 1
                }
                continue
            }
            switch state {
            case .fieldStart:
                if byte == quote {
                    state = .quoted
                    quoteStartLine = line
                } else if byte == delimiter {
                    record.fieldEnds.append(record.bytes.count)
                } else if byte == 0x0A || byte == 0x0D {
                    endRecord(at: base + index - 1)
                } else {
                    index = appendRun(stoppingAt: delimiter)
                    state = .unquoted
                }
            case .unquoted:
                if byte == delimiter {
                    record.fieldEnds.append(record.bytes.count)
                    state = .fieldStart
                } else if byte == 0x0A || byte == 0x0D {
                    endRecord(at: base + index - 1)
                } else {
                    index = appendRun(stoppingAt: delimiter)
                }
            case .quoted:
                if byte == quote {
                    state = .quoteInQuoted
                } else if byte == 0x0A || byte == 0x0D {
                    line += 1
                    record.bytes.append(byte)
                } else {
                    index = appendRun(stoppingAt: quote)
                }
            case .quoteInQuoted:
                if byte == quote {
                    record.bytes.append(quote)
                    state = .quoted
                } else if byte == delimiter {
                    record.fieldEnds.append(record.bytes.count)
                    state = .fieldStart
                } else if byte == 0x0A || byte == 0x0D {
                    endRecord(at: base + index - 1)
                } else {
                    record.malformed = true
                    record.bytes.append(byte)
                    state = .unquoted
                }
            }
        }
        self.state = state
        self.line = line
        self.record = record
        self.quoteStartLine = quoteStartLine
        self.lastWasCR = lastWasCR
        self.ready = ready
        self.spare = spare
        self.blankLines = blankLines
    }

    /// Ends the last record at end of file. A quote still open there makes the record
    /// malformed, and it is read again line by line like any other record spanning lines.
    private func finish() throws(MigrationError) {
        if state == .quoted {
            record.malformed = true
            record.fieldEnds.append(record.bytes.count)
            record.endLine = max(record.line, physicalLines)
            record.endOffset = chunkBase
            ready.append(record)
            return
        }
        if state != .fieldStart || !record.fieldEnds.isEmpty {
            record.fieldEnds.append(record.bytes.count)
            record.endLine = line
            record.endOffset = chunkBase
            ready.append(record)
        }
    }

    // MARK: Records spanning lines

    /// True when a record spanning lines must be read again line by line (see the type's summary).
    private func needsLineByLineRead(_ record: CSVRecord) throws(MigrationError) -> Bool {
        if record.malformed { return true }
        guard let expected = expectedFieldCount else { return false }
        if record.fieldCount != expected { return true }
        let lines = try physicalLineTexts(of: record)
        return lines.dropFirst().contains { text in
            let alone = Self.parseLine(text, line: 0, delimiter: delimiter, quote: quote)
            return !alone.malformed && alone.fieldCount == expected
        }
    }

    /// The record's physical lines as separate records, blank lines counted and dropped.
    private func readLineByLine(_ record: CSVRecord) throws(MigrationError) -> [CSVRecord] {
        var records: [CSVRecord] = []
        for (offset, text) in try physicalLineTexts(of: record).enumerated() {
            if text.isEmpty {
                blankLines += 1
                continue
            }
            var alone = Self.parseLine(text, line: record.line + offset, delimiter: delimiter, quote: quote)
            alone.readAlone = true
            records.append(alone)
        }
        return records
    }

    /// The record's bytes split at LF, CRLF and CR, read again from the file.
    private func physicalLineTexts(of record: CSVRecord) throws(MigrationError) -> [ArraySlice<UInt8>] {
        if rereader < 0 { rereader = open(path, O_RDONLY) }
        var bytes = [UInt8](repeating: 0, count: max(0, record.endOffset - record.startOffset))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { raw in
                pread(rereader, raw.baseAddress.map { $0 + done }, raw.count - done, off_t(record.startOffset + done))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw MigrationError(.sourceUnreadable, "\(displayName): line \(record.line): cannot read the record again: the file changed or is unreadable")
            }
            done += count
        }
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                lines.append(bytes[start..<index])
                if byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A { index += 1 }
                start = index + 1
            }
            index += 1
        }
        // A quote left open at the end of the file takes the file's last line end with it.
        let endsWithLineEnd = bytes.last == 0x0A || bytes.last == 0x0D
        if start < bytes.count || !endsWithLineEnd { lines.append(bytes[start..<bytes.count]) }
        return lines
    }

    /// Splits one physical line (no line ends in it) into a record; a quote not closed on the
    /// line, or text after a closing quote, makes it malformed.
    static func parseLine(_ text: ArraySlice<UInt8>, line: Int, delimiter: UInt8, quote: UInt8) -> CSVRecord {
        var record = CSVRecord(line: line, startOffset: 0)
        var state = State.fieldStart
        for byte in text {
            switch state {
            case .fieldStart:
                if byte == quote {
                    state = .quoted
                } else if byte == delimiter {
                    record.fieldEnds.append(record.bytes.count)
                } else {
                    record.bytes.append(byte)
                    state = .unquoted
                }
            case .unquoted:
                if byte == delimiter {
                    record.fieldEnds.append(record.bytes.count)
                    state = .fieldStart
                } else {
                    record.bytes.append(byte)
                }
            case .quoted:
                if byte == quote { state = .quoteInQuoted } else { record.bytes.append(byte) }
            case .quoteInQuoted:
                if byte == quote {
                    record.bytes.append(quote)
                    state = .quoted
                } else if byte == delimiter {
                    record.fieldEnds.append(record.bytes.count)
                    state = .fieldStart
                } else {
                    record.malformed = true
                    record.bytes.append(byte)
                    state = .unquoted
                }
            }
        }
        if state == .quoted { record.malformed = true }
        record.fieldEnds.append(record.bytes.count)
        return record
    }
}

/// Counts physical lines (LF, CRLF or CR ends, and a last line without one) by looking only at
/// line-end bytes, so the count cannot be fooled by quoting.
struct PhysicalLineCounter {
    private(set) var ends = 0
    private var lastWasCR = false
    private var openLine = false

    init() {}

    /// Counting on from a line start that follows `lineEndsBefore` line ends, the last of them
    /// a CR when `afterCR` (a LF next is then part of it).
    init(lineEndsBefore: Int, afterCR: Bool) {
        ends = lineEndsBefore
        lastWasCR = afterCR
    }

    var lines: Int { ends + (openLine ? 1 : 0) }

    /// Counts the line ends in `chunk`: each CR, and each LF not right after a CR (``ByteCount``:
    /// the whole export passes through here).
    mutating func count(_ chunk: UnsafeBufferPointer<UInt8>) {
        guard let last = chunk.last, let first = chunk.first else { return }
        let counts = ByteCount.lineEnds(in: chunk)
        let pairs = counts.pairs + (lastWasCR && first == 0x0A ? 1 : 0)
        ends += counts.crs + counts.lfs - pairs
        lastWasCR = last == 0x0D
        openLine = last != 0x0A && last != 0x0D
    }
}

/// One CSV record as raw bytes: all fields back to back, with the end offset of each.
public struct CSVRecord {
    /// 1-based physical line where the record starts.
    public var line: Int
    public var bytes: [UInt8] = []
    public var fieldEnds: [Int] = []
    /// True when a closing quote was followed by something other than a delimiter or line end.
    public var malformed = false

    public var fieldCount: Int { fieldEnds.count }

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
/// skipped. An unterminated quote stops the read with an error naming the line where the field
/// began, instead of silently swallowing the rest of the file.
public final class CSVReader {
    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    public let path: String
    /// The name used in locations and messages (the path relative to the source directory).
    public let displayName: String
    private let file: ChunkedFileReader
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
    private var finished = false

    public init(path: String, displayName: String, delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8 = UInt8(ascii: "\"")) throws(MigrationError) {
        self.path = path
        self.displayName = displayName
        self.file = try ChunkedFileReader(path: path)
        self.delimiter = delimiter
        self.quote = quote
        self.record = CSVRecord(line: 1)
    }

    /// The next record, or nil at end of file.
    public func next() throws(MigrationError) -> CSVRecord? {
        while true {
            if readyIndex < ready.count {
                defer { readyIndex += 1 }
                return ready[readyIndex]
            }
            if finished { return nil }
            ready.removeAll(keepingCapacity: true)
            readyIndex = 0
            let more: Bool
            do {
                more = try file.nextChunk { chunk in consume(chunk) }
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
            if bomBytesSeen != 3 && bomBytesSeen > 0 {
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
        self.ready = []
        let delimiter = self.delimiter
        let quote = self.quote

        func endRecord(_ terminator: UInt8) {
            if terminator == 0x0D { lastWasCR = true }
            record.fieldEnds.append(record.bytes.count)
            let isBlank = record.fieldEnds.count == 1 && record.bytes.isEmpty
            line += 1
            if isBlank {
                record.fieldEnds.removeAll(keepingCapacity: true)
                record.line = line
                record.malformed = false
            } else {
                ready.append(record)
                record = CSVRecord(line: line)
                record.bytes.reserveCapacity(160)
                record.fieldEnds.reserveCapacity(16)
            }
            state = .fieldStart
        }

        while index < chunk.count {
            let byte = chunk[index]
            index += 1
            if lastWasCR {
                lastWasCR = false
                if byte == 0x0A && state != .quoted { continue }
            }
            switch state {
            case .fieldStart:
                if byte == quote {
                    state = .quoted
                    quoteStartLine = line
                } else if byte == delimiter {
                    record.fieldEnds.append(record.bytes.count)
                } else if byte == 0x0A || byte == 0x0D {
                    endRecord(byte)
                } else {
                    record.bytes.append(byte)
                    state = .unquoted
                }
            case .unquoted:
                if byte == delimiter {
                    record.fieldEnds.append(record.bytes.count)
                    state = .fieldStart
                } else if byte == 0x0A || byte == 0x0D {
                    endRecord(byte)
                } else {
                    record.bytes.append(byte)
                }
            case .quoted:
                if byte == quote {
                    state = .quoteInQuoted
                } else {
                    if byte == 0x0A { line += 1 }
                    record.bytes.append(byte)
                }
            case .quoteInQuoted:
                if byte == quote {
                    record.bytes.append(quote)
                    state = .quoted
                } else if byte == delimiter {
                    record.fieldEnds.append(record.bytes.count)
                    state = .fieldStart
                } else if byte == 0x0A || byte == 0x0D {
                    endRecord(byte)
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
    }

    private func finish() throws(MigrationError) {
        if state == .quoted {
            throw MigrationError(
                .sourceUnterminatedQuote,
                "\(displayName): line \(quoteStartLine), field \(record.fieldEnds.count + 1): quoted field is never closed; the file is truncated or corrupt"
            )
        }
        if state != .fieldStart || !record.fieldEnds.isEmpty {
            record.fieldEnds.append(record.bytes.count)
            ready.append(record)
        }
    }
}

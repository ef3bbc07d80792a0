import Foundation
import Glibc

/// PostgreSQL's `COPY ... (FORMAT text)` row encoding, used for every stage file.
///
/// One row per line, fields separated by a tab, `\N` for NULL, and the backslash escapes
/// PostgreSQL's `COPY TO` writes: `\\` for backslash, `\b \t \n \v \f \r` for backspace, tab,
/// newline, vertical tab, form feed and carriage return (bytes 8 to 13). Stage files in this
/// format stream straight into `COPY FROM STDIN`, and a `COPY TO STDOUT` of the target re-reads
/// byte for byte the same form, which is how Reconcile proves the target holds exactly what
/// Transform produced.
public enum CopyText {
    public static let null: [UInt8] = Array(#"\N"#.utf8)

    /// Appends `\N` (NULL): two bytes, not ``null``'s (a global array, retained and released at each use).
    @inline(__always)
    public static func appendNull(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "N"))
    }

    /// Appends one escaped field (or `\N` for nil) to `out`.
    @inline(__always)
    public static func appendField(_ value: String?, to out: inout [UInt8]) {
        guard var value else {
            appendNull(to: &out)
            return
        }
        value.withUTF8 { appendField(bytes: $0, to: &out) }
    }

    /// Appends one escaped field holding the text `bytes` (UTF-8) to `out`.
    @inline(__always)
    public static func appendField(bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        // Most fields need no escape: copy them in one go.
        var plain = true
        for byte in bytes where byte == UInt8(ascii: "\\") || byte &- 0x08 < 6 {
            plain = false
            break
        }
        if plain {
            out.append(contentsOf: bytes)
            return
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
            case 0x08: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "b"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0B: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "v"))
            case 0x0C: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "f"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            default: out.append(byte)
            }
        }
    }

    /// Appends a signed integer's decimal digits (a COPY field needing no escape).
    @inline(__always)
    public static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        out.appendWritten(bound: CopyTextWriter.decimalLength(value)) { CopyTextWriter.decimal(value, at: $0) }
    }

    /// Appends a `bytea` in hex form as a COPY field: `\\x` then two lower-case hex digits a byte
    /// (the backslash doubled, as COPY text escapes it). Contiguous bytes (an entry hash, once
    /// per entry in Transform and the read-back) are written in place, not appended one by one.
    @inline(__always)
    public static func appendBytea(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        let written: Void? = bytes.withContiguousStorageIfAvailable { source in
            out.appendWritten(bound: 3 + 2 * source.count) { CopyTextWriter.bytea(UnsafeRawBufferPointer(source), at: $0) }
        }
        guard written == nil else { return }
        out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
        for byte in bytes {
            out.append(CopyTextWriter.hexDigit(byte >> 4))
            out.append(CopyTextWriter.hexDigit(byte & 0x0F))
        }
    }

    /// Encodes a full row, newline included.
    public static func encodeRow(_ fields: [String?], into out: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(0x09) }
            appendField(field, to: &out)
        }
        out.append(0x0A)
    }

    /// Splits one line of `COPY ... TO STDOUT` output (its newline included, as
    /// ``PostgresConnection/copyOut(_:what:consume:)`` hands it over) into unescaped fields.
    public static func decodeRow(copyLine bytes: UnsafeRawBufferPointer) -> [String?] {
        decodeRow(bytes.dropLast().withMemoryRebound(to: UInt8.self) { $0 })
    }

    /// Splits one line (without its newline) into unescaped fields.
    public static func decodeRow(_ line: UnsafeBufferPointer<UInt8>) -> [String?] {
        var fields: [String?] = []
        var start = 0
        var needsUnescape = false
        var index = 0
        while index <= line.count {
            if index == line.count || line[index] == 0x09 {
                let slice = UnsafeBufferPointer(rebasing: line[start..<index])
                fields.append(decodeField(slice, unescape: needsUnescape))
                start = index + 1
                needsUnescape = false
            } else if line[index] == UInt8(ascii: "\\") {
                needsUnescape = true
            }
            index += 1
        }
        return fields
    }

    /// The fields of one line (without its newline) as ranges of `line`, still escaped: for
    /// readers that decode only some fields, or parse them as bytes (``text(_:)``, ``int64(_:)``).
    public static func fieldRanges(_ line: UnsafeBufferPointer<UInt8>, into ranges: inout [Range<Int>]) {
        ranges.removeAll(keepingCapacity: true)
        var start = 0
        for index in 0..<line.count where line[index] == 0x09 {
            ranges.append(start..<index)
            start = index + 1
        }
        ranges.append(start..<line.count)
    }

    /// Whether an escaped field is `\N` (NULL).
    @inline(__always)
    public static func isNull(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        field.count == 2 && field[0] == UInt8(ascii: "\\") && field[1] == UInt8(ascii: "N")
    }

    /// Appends an escaped field's text as UTF-8, as ``text(_:)`` decodes it (`\N` gives no
    /// bytes); a field without a backslash is its own text, copied as it is.
    @inline(__always)
    static func appendText(of field: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if field.contains(UInt8(ascii: "\\")) {
            out.append(contentsOf: (text(field) ?? "").utf8)
        } else {
            out.append(contentsOf: field)
        }
    }

    /// One escaped field unescaped, as ``decodeRow(_:)`` gives it (nil for `\N`).
    public static func text(_ field: UnsafeBufferPointer<UInt8>) -> String? {
        decodeField(field, unescape: field.contains(UInt8(ascii: "\\")))
    }

    /// The first field of a COPY text line (bytes from its start) as ``int64(_:)`` reads it: the
    /// member id a `mlm.wallet_entries` line starts with.
    public static func leadingInt64(_ line: UnsafeRawBufferPointer) -> Int64? {
        let end = line.firstIndex(of: 0x09) ?? line.count
        return int64(UnsafeBufferPointer(rebasing: line.assumingMemoryBound(to: UInt8.self)[..<end]))
    }

    /// One escaped field as a decimal `Int64`, as `Int64(_:)` reads ``text(_:)`` of it: an
    /// optional sign, then digits; nil for `\N`, nothing, or anything else.
    public static func int64(_ field: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        var negative = false
        if let first = field.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            index = 1
        }
        guard index < field.count else { return nil }
        var value: Int64 = 0
        while index < field.count {
            let digit = field[index] &- 0x30
            guard digit < 10 else { return nil }
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = negative ? times.subtractingReportingOverflow(Int64(digit)) : times.addingReportingOverflow(Int64(digit))
            guard !overflowA && !overflowB else { return nil }
            value = next
            index += 1
        }
        return value
    }

    private static func decodeField(_ bytes: UnsafeBufferPointer<UInt8>, unescape: Bool) -> String? {
        if !unescape { return String(decoding: bytes, as: UTF8.self) }
        if bytes.count == 2 && bytes[0] == UInt8(ascii: "\\") && bytes[1] == UInt8(ascii: "N") { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") && index + 1 < bytes.count {
                index += 1
                switch bytes[index] {
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "v"): out.append(0x0B)
                default: out.append(bytes[index])
                }
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes a stage file: a header line naming the columns, then one COPY-text row per line.
/// With `digesting`, it also keeps the ``RowDigest`` of exactly the row bytes it writes.
public final class StageFileWriter {
    public let columns: [String]
    public private(set) var rowCount = 0
    private let file: BufferedFileWriter
    private var digest: RowDigest?

    public init(path: String, columns: [String], digesting: Bool = false) throws(MigrationError) {
        self.columns = columns
        self.file = try BufferedFileWriter(path: path)
        self.digest = digesting ? RowDigest() : nil
        try file.write(columns.joined(separator: "\t") + "\n")
    }

    public var path: String { file.path }

    public func append(_ fields: [String?]) throws(MigrationError) {
        precondition(fields.count == columns.count, "stage row width must match its header")
        try file.append { buffer in
            let start = buffer.count
            CopyText.encodeRow(fields, into: &buffer)
            if digest != nil {
                buffer.withUnsafeBytes { digest?.add(copyText: UnsafeRawBufferPointer(rebasing: $0[start...])) }
            }
        }
        rowCount += 1
    }

    /// Appends one row already encoded as COPY text, its newline included.
    public func append(encodedLine bytes: UnsafeRawBufferPointer) throws(MigrationError) {
        try file.append { buffer in buffer.append(contentsOf: bytes) }
        digest?.add(copyText: bytes)
        rowCount += 1
    }

    /// Appends `rows` rows already encoded as COPY text, newlines included.
    public func append(encodedLines bytes: UnsafeRawBufferPointer, rows: Int) throws(MigrationError) {
        try file.append { buffer in buffer.append(contentsOf: bytes) }
        digest?.add(copyText: bytes)
        rowCount += rows
    }

    /// Appends `rows` rows already encoded as COPY text, newlines included.
    public func append(encodedLines bytes: [UInt8], rows: Int) throws(MigrationError) {
        try file.append { buffer in buffer.append(contentsOf: bytes) }
        if digest != nil { bytes.withUnsafeBytes { digest?.add(copyText: $0) } }
        rowCount += rows
    }

    /// Appends one row given as its encoded fields without the newline (as ``StageFileReader/nextRawLine()`` reads it).
    public func append(encodedFields bytes: some Collection<UInt8>) throws(MigrationError) {
        try file.append { buffer in
            buffer.append(contentsOf: bytes)
            buffer.append(0x0A)
        }
        precondition(digest == nil, "raw rows are not digested")
        rowCount += 1
    }

    /// The SHA-256 (hex) of the rows written so far, when created with `digesting`.
    public func rowsDigest() -> String? { digest?.finalize() }

    /// Writes what is buffered to the file (a reader of the file then sees every row so far).
    public func flush() throws(MigrationError) { try file.flush() }

    /// Flushes and closes; `sync: false` skips the fsync, for a file that is read back at once
    /// and then removed.
    public func close(sync: Bool = true) throws(MigrationError) { try file.close(sync: sync) }

    /// Copies a stage file row for row (quarantine rows pass through Transform unchanged);
    /// returns the rows copied.
    public static func copy(from source: String, to destination: String, columns: [String]) throws(MigrationError) -> Int {
        let reader = try StageFileReader(path: source, expecting: columns)
        let writer = try StageFileWriter(path: destination, columns: columns)
        while let row = try reader.next() { try writer.append(row) }
        try writer.close()
        return writer.rowCount
    }
}

/// Reads a stage file written by ``StageFileWriter``, streaming: row by row, decoded only when
/// asked for (`skip()` passes over one cheaply), or as raw COPY-text chunks (`nextLines`).
public final class StageFileReader {
    public let path: String
    public private(set) var columns: [String] = []
    private let file: ChunkedFileReader
    private var buffer: [UInt8] = []
    private var position = 0
    /// The file offset of `buffer[0]`.
    private var bufferOffset = 0
    private var atEnd = false
    /// 1-based line number of the last row returned (the header is line 1).
    public private(set) var lineNumber = 0

    /// The byte offset in the file where the next row (the one ``next()`` or ``nextRawLine()``
    /// would return) begins.
    public var nextRowOffset: Int { bufferOffset + position }

    public init(path: String) throws(MigrationError) {
        self.path = path
        self.file = try ChunkedFileReader(path: path)
        guard let header = try nextLine(CopyText.decodeRow) else {
            throw corrupt(line: 1, "(the header) is missing")
        }
        lineNumber = 1
        columns = header.map { $0 ?? "" }
    }

    /// Drops the file's cached pages that lie `lag` bytes or more behind this reader as it
    /// reads (``ChunkedFileReader/dropBehind``): for a large file read once, start to end. `lag`
    /// leaves room for other readers of the same file a little behind this one (they would read
    /// a dropped page from disk again).
    public func dropCachedPages(behind lag: Int) {
        file.dropBehind = lag
    }

    /// Opens a stage file and checks it has exactly the expected columns.
    public convenience init(path: String, expecting expected: [String]) throws(MigrationError) {
        try self.init(path: path)
        guard columns == expected else { throw corrupt(line: 1, "(the header) does not name the columns this stage expects") }
    }

    /// The next row, or nil at end of file; `workdir.corrupt` naming the line when it has not
    /// as many fields as the header (a row edited or cut short since the stage wrote it).
    public func next() throws(MigrationError) -> [String?]? {
        guard let row = try nextLine(CopyText.decodeRow) else { return nil }
        lineNumber += 1
        try checkWidth(row.count, line: lineNumber)
        return row
    }

    /// The next row's raw COPY-text bytes, without its newline and undecoded; nil at end of
    /// file. Its field count is checked as ``next()`` checks it.
    public func nextRawLine() throws(MigrationError) -> [UInt8]? {
        guard let (fields, line) = try nextLine({ (Self.fieldCount($0), Array($0)) }) else { return nil }
        lineNumber += 1
        try checkWidth(fields, line: lineNumber)
        return line
    }

    /// Passes over the next row without decoding it (its field count is still checked); false
    /// at end of file.
    public func skip() throws(MigrationError) -> Bool {
        guard let fields = try nextLine(Self.fieldCount) else { return false }
        lineNumber += 1
        try checkWidth(fields, line: lineNumber)
        return true
    }

    /// Fields in one line of COPY text: a field separator is a raw tab (a tab in a value is `\t`).
    static func fieldCount(_ line: UnsafeBufferPointer<UInt8>) -> Int {
        var tabs = 0
        for byte in line where byte == 0x09 { tabs += 1 }
        return tabs + 1
    }

    /// The 0-based index of the first of `lines` (newline-terminated) whose field count is not
    /// `width`, with that count. Every byte of every stage file the load sends passes here, so
    /// 8-byte words without a line end have their tabs counted at once (SWAR: the high bit of
    /// each byte equal to the one sought, exactly, then a population count).
    static func firstMisfit(_ lines: UnsafeBufferPointer<UInt8>, width: Int) -> (index: Int, fields: Int)? {
        guard let base = lines.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        // The high bit of each byte of `word` that is zero, and no other bit.
        func zeroBytes(_ word: UInt64) -> UInt64 { ~(((word & low7) &+ low7) | word | low7) }
        var tabs = 0
        var index = 0
        // Bytes `start..<end` one by one; the misfit when a line ends with the wrong count.
        func scalar(_ start: Int, _ end: Int) -> (index: Int, fields: Int)? {
            for position in start..<end {
                let byte = base[position]
                if byte == 0x09 {
                    tabs += 1
                } else if byte == 0x0A {
                    if tabs + 1 != width { return (index, tabs + 1) }
                    tabs = 0
                    index += 1
                }
            }
            return nil
        }
        var offset = 0
        while offset + 8 <= lines.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            if zeroBytes(word ^ 0x0A0A_0A0A_0A0A_0A0A) != 0 {
                if let misfit = scalar(offset, offset + 8) { return misfit }
            } else {
                tabs += zeroBytes(word ^ 0x0909_0909_0909_0909).nonzeroBitCount
            }
            offset += 8
        }
        return scalar(offset, lines.count)
    }

    private func checkWidth(_ fields: Int, line: Int) throws(MigrationError) {
        guard fields != columns.count else { return }
        throw corrupt(line: line, "has \(fields) fields where the header has \(columns.count)")
    }

    /// `workdir.corrupt` naming this file and `line` (never a value), and the stage to run again.
    private func corrupt(line: Int, _ problem: String) -> MigrationError {
        let stage = ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent
        let again = StageFile.stageDirectories.contains(stage) ? "`mlm-migrate \(stage)`" : "the stage that wrote it"
        return MigrationError(
            .workdirCorrupt, "\(path): line \(line) \(problem): the file was changed or cut after it was written; run \(again) again"
        )
    }

    /// Hands up to `maxLines` whole rows to `body` as raw COPY-text bytes (newlines included),
    /// in one or more chunks that end on line boundaries, without decoding them: the shape
    /// `COPY FROM STDIN` wants. Returns how many rows were handed over (0 at end of file).
    public func nextLines(maxLines: Int, _ body: (UnsafeRawBufferPointer) throws(MigrationError) -> Void) throws(MigrationError) -> Int {
        try lines(maxLines: maxLines, checkingWidth: true, body)
    }

    private func lines(
        maxLines: Int, checkingWidth: Bool, _ body: (UnsafeRawBufferPointer) throws(MigrationError) -> Void
    ) throws(MigrationError) -> Int {
        var lines = 0
        while lines < maxLines {
            let (end, counted) = bufferedLines(maxLines - lines)
            guard counted > 0 else {
                guard try refillForLines() else { break }
                continue
            }
            let slice = position..<end
            let misfit = !checkingWidth ? nil
                : buffer.withUnsafeBufferPointer { Self.firstMisfit(UnsafeBufferPointer(rebasing: $0[slice]), width: columns.count) }
            if let misfit { throw corrupt(line: lineNumber + misfit.index + 1, "has \(misfit.fields) fields where the header has \(columns.count)") }
            try MigrationError.typed(.workdirUnreadable, "\(path): ") {
                try buffer.withUnsafeBytes { raw in try body(UnsafeRawBufferPointer(rebasing: raw[slice])) }
            }
            position = end
            lines += counted
            lineNumber += counted
        }
        return lines
    }

    /// Up to `maxLines` whole lines buffered from `position`: the index just past the last one's
    /// newline, and how many.
    private func bufferedLines(_ maxLines: Int) -> (end: Int, count: Int) {
        buffer.withUnsafeBufferPointer { bytes -> (Int, Int) in
            var cursor = position
            var counted = 0
            while counted < maxLines, cursor < bytes.count, let base = bytes.baseAddress,
                  let hit = memchr(base + cursor, 0x0A, bytes.count - cursor) {
                cursor = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
                counted += 1
            }
            return (cursor, counted)
        }
    }

    /// With no whole line buffered: reads more and returns true, or false at the end of the
    /// file (`workdir.corrupt` when its last line has no line end).
    private func refillForLines() throws(MigrationError) -> Bool {
        guard atEnd else {
            try refill()
            return true
        }
        guard position >= buffer.count else { throw corrupt(line: lineNumber + 1, "is cut short (no line end)") }
        return false
    }

    /// Passes over up to `maxLines` rows without checking their width (rows another reader
    /// of the file sends, and checks); returns how many (0 at end of file).
    public func passLines(maxLines: Int) throws(MigrationError) -> Int {
        try lines(maxLines: maxLines, checkingWidth: false) { _ in }
    }

    /// Hands the next line (without its newline) to `body`; nil at end of file.
    private func nextLine<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) throws(MigrationError) -> R? {
        while true {
            let found = buffer.withUnsafeBufferPointer { bytes -> (Int, R)? in
                guard position < bytes.count, let base = bytes.baseAddress,
                      let hit = memchr(base + position, 0x0A, bytes.count - position) else { return nil }
                let end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                return (end, body(UnsafeBufferPointer(rebasing: bytes[position..<end])))
            }
            if let (end, result) = found {
                position = end + 1
                return result
            }
            if atEnd {
                guard position < buffer.count else { return nil }
                throw corrupt(line: lineNumber + 1, "is cut short (no line end)")
            }
            try refill()
        }
    }

    /// Moves the unread tail to the front and appends the next chunk (or marks end of file).
    private func refill() throws(MigrationError) {
        buffer.removeFirst(position)
        bufferOffset += position
        position = 0
        if try MigrationError.typed(.workdirUnreadable, "\(path): ", { try !file.nextChunk { buffer.append(contentsOf: $0) } }) { atEnd = true }
    }
}

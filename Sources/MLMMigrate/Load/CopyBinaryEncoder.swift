/// Re-encodes a stage file's COPY-text rows in PostgreSQL's binary `COPY` format, so the server
/// reads each value as it stores it instead of parsing its text: a third less server time for
/// the wallet entries (no `timestamptz` parse, no hex decode of the entry hash, no per-row
/// `current_setting` for the run and batch columns).
///
/// The rows stay text on disk and in every digest (a batch's `content_sha256` is still SHA-256
/// of its lines of the stage file); only what travels to the server changes. A table whose
/// columns are not all of the types below is sent as text (``init(columns:types:stamps:)``
/// gives nil). A value this encoder cannot read as its column's type is refused with the file,
/// line and column (never the value): Transform writes every value of these types in the one
/// form read here, so another form means the file changed after it was written.
///
/// Format (PostgreSQL's "Binary Format" of `COPY`): the 19-byte header
/// `PGCOPY\n\xff\r\n\0`, flags 0, extension length 0; per row a 16-bit field count, then each
/// field's 32-bit length (-1 for NULL) and bytes, all integers big-endian; the trailer -1 (16 bits).
struct CopyBinaryEncoder: Sendable {
    /// The column types sent in binary, and their wire form.
    enum Kind: Sendable, Equatable {
        /// `smallint`, `integer`, `bigint`: two, four or eight bytes.
        case integer(bytes: Int)
        /// `boolean`: one byte (`t` or `f` in the stage file).
        case boolean
        /// `text`: its UTF-8 bytes, COPY escapes undone.
        case text
        /// `bytea`: the bytes of its hex form (`\x...`).
        case bytea
        /// `timestamp with time zone`: microseconds since 2000-01-01 00:00 UTC, 64-bit.
        case timestamptz

        /// The kind for a type as `format_type` names it; nil for one sent as text.
        init?(typeName: String) {
            switch typeName {
            case "smallint": self = .integer(bytes: 2)
            case "integer": self = .integer(bytes: 4)
            case "bigint": self = .integer(bytes: 8)
            case "boolean": self = .boolean
            case "text": self = .text
            case "bytea": self = .bytea
            case "timestamp with time zone": self = .timestamptz
            default: return nil
            }
        }

        var name: String {
            switch self {
            case .integer(bytes: 2): "smallint"
            case .integer(bytes: 4): "integer"
            case .integer: "bigint"
            case .boolean: "boolean"
            case .text: "text"
            case .bytea: "bytea"
            case .timestamptz: "timestamp with time zone"
            }
        }
    }

    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]
    static let trailer: [UInt8] = [0xFF, 0xFF]
    /// 2000-01-01 00:00 UTC in microseconds since 1970-01-01: PostgreSQL's epoch.
    static let postgresEpochMicros: Int64 = 946_684_800_000_000

    /// The stage file's columns, in order.
    let columns: [String]
    let kinds: [Kind]
    /// Each row also carries the run and batch numbers (`run_id` bigint, `batch_no` integer),
    /// which the target's columns would otherwise fill per row from the session's settings.
    let stamps: Bool

    /// The encoder for a stage file's `columns` into a table whose columns have `types`
    /// (name to `format_type`); nil when one of `columns` has a type sent as text. `stamps`
    /// when the table has `run_id bigint` and `batch_no integer` and the stage file neither.
    init?(columns: [String], types: [String: String]) {
        var kinds: [Kind] = []
        for column in columns {
            guard let type = types[column], let kind = Kind(typeName: type) else { return nil }
            kinds.append(kind)
        }
        self.columns = columns
        self.kinds = kinds
        stamps = types["run_id"] == "bigint" && types["batch_no"] == "integer"
            && !columns.contains("run_id") && !columns.contains("batch_no")
    }

    /// The columns a `COPY` of this encoder's rows names.
    var copyColumns: [String] { stamps ? columns + ["run_id", "batch_no"] : columns }

    /// Where a value could not be encoded: its line (0-based in the lines given) and column.
    struct Refusal: Error, Equatable {
        var line: Int
        var column: Int
    }

    /// Appends the binary rows of `lines` (whole COPY-text lines, newlines included) to `out`.
    func encode(_ lines: UnsafeRawBufferPointer, runID: Int64, batchNo: Int64, into out: inout [UInt8]) -> Refusal? {
        let bytes = lines.assumingMemoryBound(to: UInt8.self)
        let fieldCount = UInt16(kinds.count + (stamps ? 2 : 0))
        var start = 0
        var line = 0
        var scratch: [UInt8] = []
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            Self.append(fieldCount, to: &out)
            var fieldStart = start
            for (column, kind) in kinds.enumerated() {
                // Fewer fields than columns (the reader has checked the width; this is a guard).
                guard fieldStart <= end else { return Refusal(line: line, column: column) }
                var fieldEnd = fieldStart
                while fieldEnd < end, bytes[fieldEnd] != 0x09 { fieldEnd += 1 }
                let field = UnsafeBufferPointer(rebasing: bytes[fieldStart..<fieldEnd])
                guard Self.append(field, as: kind, to: &out, scratch: &scratch) else { return Refusal(line: line, column: column) }
                fieldStart = fieldEnd + 1
            }
            guard fieldStart == end + 1 else { return Refusal(line: line, column: kinds.count - 1) }
            if stamps {
                Self.append(UInt32(8), to: &out)
                Self.append(UInt64(bitPattern: runID), to: &out)
                Self.append(UInt32(4), to: &out)
                Self.append(UInt32(truncatingIfNeeded: batchNo), to: &out)
            }
            start = end + 1
            line += 1
        }
        return nil
    }

    /// Appends one field (still COPY-escaped) as its length and bytes; false when it is not a
    /// value of `kind` in the form Transform writes.
    static func append(_ field: UnsafeBufferPointer<UInt8>, as kind: Kind, to out: inout [UInt8], scratch: inout [UInt8]) -> Bool {
        if field.count == 2, field[0] == UInt8(ascii: "\\"), field[1] == UInt8(ascii: "N") {
            append(UInt32.max, to: &out)
            return true
        }
        switch kind {
        case .integer(let width):
            guard let value = CopyText.int64(field) else { return false }
            switch width {
            case 2:
                guard let narrow = Int16(exactly: value) else { return false }
                append(UInt32(2), to: &out)
                append(UInt16(bitPattern: narrow), to: &out)
            case 4:
                guard let narrow = Int32(exactly: value) else { return false }
                append(UInt32(4), to: &out)
                append(UInt32(bitPattern: narrow), to: &out)
            default:
                append(UInt32(8), to: &out)
                append(UInt64(bitPattern: value), to: &out)
            }
        case .boolean:
            guard field.count == 1, field[0] == UInt8(ascii: "t") || field[0] == UInt8(ascii: "f") else { return false }
            append(UInt32(1), to: &out)
            out.append(field[0] == UInt8(ascii: "t") ? 1 : 0)
        case .text:
            guard field.contains(UInt8(ascii: "\\")) else {
                append(UInt32(field.count), to: &out)
                out.append(contentsOf: field)
                return true
            }
            scratch.removeAll(keepingCapacity: true)
            unescape(field, into: &scratch)
            append(UInt32(scratch.count), to: &out)
            out.append(contentsOf: scratch)
        case .bytea:
            // `\\x` then hex digits: the escaped backslash, as CopyText.appendBytea writes it.
            guard field.count >= 3, field.count % 2 == 1, field[0] == UInt8(ascii: "\\"), field[1] == UInt8(ascii: "\\"),
                  field[2] == UInt8(ascii: "x") else { return false }
            let count = (field.count - 3) / 2
            append(UInt32(count), to: &out)
            var index = 3
            while index < field.count {
                guard let high = hexValue(field[index]), let low = hexValue(field[index + 1]) else { return false }
                out.append(high << 4 | low)
                index += 2
            }
        case .timestamptz:
            guard let micros = UTCTimestamp.parse(bytes: field) else { return false }
            let (value, overflow) = micros.subtractingReportingOverflow(postgresEpochMicros)
            guard !overflow else { return false }
            append(UInt32(8), to: &out)
            append(UInt64(bitPattern: value), to: &out)
        }
        return true
    }

    /// Undoes COPY text's escapes as PostgreSQL's `COPY FROM` does: `\b \f \n \r \t \v`, one to
    /// three octal digits, `\x` and one or two hex digits, and any other character for itself.
    static func unescape(_ field: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var index = 0
        while index < field.count {
            let byte = field[index]
            index += 1
            guard byte == UInt8(ascii: "\\"), index < field.count else {
                out.append(byte)
                continue
            }
            let escaped = field[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(escaped - UInt8(ascii: "0"))
                for _ in 0..<2 {
                    guard index < field.count, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(field[index]) else { break }
                    value = value * 8 + Int(field[index] - UInt8(ascii: "0"))
                    index += 1
                }
                out.append(UInt8(truncatingIfNeeded: value))
            case UInt8(ascii: "x") where index < field.count && hexValue(field[index]) != nil:
                var value = hexValue(field[index]) ?? 0
                index += 1
                if index < field.count, let low = hexValue(field[index]) {
                    value = value << 4 | low
                    index += 1
                }
                out.append(value)
            default: out.append(escaped)
            }
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    @inline(__always)
    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }
}

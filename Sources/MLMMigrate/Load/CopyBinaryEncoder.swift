import Glibc

/// Re-encodes a stage file's COPY-text rows in PostgreSQL's binary `COPY` format
/// (``CopyBinaryType``), so the server stores each value without parsing its text (for the
/// wallet entries: no `timestamptz` parse, no hex decode of the entry hash, and no per-row
/// `current_setting` for the run and batch columns).
///
/// The rows stay text on disk and in every digest (a batch's `content_sha256` is still SHA-256
/// of its lines of the stage file); only what travels to the server changes. A table whose
/// columns are not all of those types is sent as text (``init(columns:types:)`` gives nil). A
/// value this encoder cannot read as its column's type is refused with the file, line and column
/// (never the value): Transform writes every value of these types in the one form read here, so
/// another form means the file changed after it was written.
struct CopyBinaryEncoder: Sendable {
    typealias Kind = CopyBinaryType

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
    struct Refusal: Equatable {
        var line: Int
        var column: Int
    }

    /// Appends the binary rows of `lines` (whole COPY-text lines, newlines included) to `out`.
    func encode(_ lines: UnsafeRawBufferPointer, runID: Int64, batchNo: Int64, into out: Output) -> Refusal? {
        let bytes = lines.assumingMemoryBound(to: UInt8.self)
        let fieldCount = UInt16(kinds.count + (stamps ? 2 : 0))
        // A value's binary form is at most its text plus 12 bytes (length, and 8 for a short integer).
        let perLine = 2 + kinds.count * 12 + (stamps ? 20 : 0)
        var start = 0
        var line = 0
        while start < bytes.count {
            var end = start
            if let base = bytes.baseAddress, let hit = memchr(base + start, 0x0A, bytes.count - start) {
                end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            } else {
                end = bytes.count
            }
            out.reserve(end - start + perLine)
            out.put(fieldCount)
            var fieldStart = start
            for (column, kind) in kinds.enumerated() {
                // Fewer fields than columns (the reader has checked the width; this is a guard).
                guard fieldStart <= end else { return Refusal(line: line, column: column) }
                var fieldEnd = fieldStart
                while fieldEnd < end, bytes[fieldEnd] != 0x09 { fieldEnd += 1 }
                let field = UnsafeBufferPointer(rebasing: bytes[fieldStart..<fieldEnd])
                guard Self.append(field, as: kind, to: out) else { return Refusal(line: line, column: column) }
                fieldStart = fieldEnd + 1
            }
            guard fieldStart == end + 1 else { return Refusal(line: line, column: kinds.count - 1) }
            if stamps {
                out.put(UInt32(8))
                out.put(UInt64(bitPattern: runID))
                out.put(UInt32(4))
                out.put(UInt32(truncatingIfNeeded: batchNo))
            }
            start = end + 1
            line += 1
        }
        return nil
    }

    /// Appends one field (still COPY-escaped) as its length and bytes; false when it is not a
    /// value of `kind` in the form Transform writes. `out` has room for the field's text plus 12 bytes.
    static func append(_ field: UnsafeBufferPointer<UInt8>, as kind: Kind, to out: Output) -> Bool {
        if field.count == 2, field[0] == UInt8(ascii: "\\"), field[1] == UInt8(ascii: "N") {
            out.put(UInt32.max)
            return true
        }
        switch kind {
        case .integer(let width):
            guard let value = CopyText.int64(field) else { return false }
            switch width {
            case 2:
                guard let narrow = Int16(exactly: value) else { return false }
                out.put(UInt32(2))
                out.put(UInt16(bitPattern: narrow))
            case 4:
                guard let narrow = Int32(exactly: value) else { return false }
                out.put(UInt32(4))
                out.put(UInt32(bitPattern: narrow))
            default:
                out.put(UInt32(8))
                out.put(UInt64(bitPattern: value))
            }
        case .boolean:
            guard field.count == 1, field[0] == UInt8(ascii: "t") || field[0] == UInt8(ascii: "f") else { return false }
            out.put(UInt32(1))
            out.put(UInt8(field[0] == UInt8(ascii: "t") ? 1 : 0))
        case .text:
            let lengthAt = out.count
            out.put(UInt32(0))
            if let start = field.baseAddress, memchr(start, Int32(UInt8(ascii: "\\")), field.count) != nil {
                unescape(field, into: out)
            } else {
                out.put(field)
            }
            out.patch(UInt32(out.count - lengthAt - 4), at: lengthAt)
        case .bytea:
            // `\\x` then hex digits: the escaped backslash, as CopyText.appendBytea writes it.
            guard field.count >= 3, field.count % 2 == 1, field[0] == UInt8(ascii: "\\"), field[1] == UInt8(ascii: "\\"),
                  field[2] == UInt8(ascii: "x") else { return false }
            let count = (field.count - 3) / 2
            out.put(UInt32(count))
            // Decoded straight into the buffer, its count moved once: 32 bytes an entry hash.
            // Without a branch per digit (hex digits are random, so a branch is a coin toss).
            var valid: UInt8 = 1
            let destination = out.tail
            for index in 0..<count {
                let high = field[3 + 2 * index], low = field[4 + 2 * index]
                valid &= Hex.isDigit(high) & Hex.isDigit(low)
                destination[index] = Hex.digitValue(high) << 4 | Hex.digitValue(low)
            }
            guard valid == 1 else { return false }
            out.advance(count)
        case .timestamptz:
            guard let micros = UTCTimestamp.parse(bytes: field) else { return false }
            let (value, overflow) = micros.subtractingReportingOverflow(CopyBinaryType.postgresEpochMicros)
            guard !overflow else { return false }
            out.put(UInt32(8))
            out.put(UInt64(bitPattern: value))
        }
        return true
    }

    /// Undoes COPY text's escapes as PostgreSQL's `COPY FROM` does: `\b \f \n \r \t \v`, one to
    /// three octal digits, `\x` and one or two hex digits, and any other character for itself.
    static func unescape(_ field: UnsafeBufferPointer<UInt8>, into out: Output) {
        var index = 0
        while index < field.count {
            let byte = field[index]
            index += 1
            guard byte == UInt8(ascii: "\\"), index < field.count else {
                out.put(byte)
                continue
            }
            let escaped = field[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "b"): out.put(UInt8(0x08))
            case UInt8(ascii: "f"): out.put(UInt8(0x0C))
            case UInt8(ascii: "n"): out.put(UInt8(0x0A))
            case UInt8(ascii: "r"): out.put(UInt8(0x0D))
            case UInt8(ascii: "t"): out.put(UInt8(0x09))
            case UInt8(ascii: "v"): out.put(UInt8(0x0B))
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(escaped - UInt8(ascii: "0"))
                for _ in 0..<2 {
                    guard index < field.count, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(field[index]) else { break }
                    value = value * 8 + Int(field[index] - UInt8(ascii: "0"))
                    index += 1
                }
                out.put(UInt8(truncatingIfNeeded: value))
            case UInt8(ascii: "x") where index < field.count && hexValue(field[index]) != nil:
                var value = hexValue(field[index]) ?? 0
                index += 1
                if index < field.count, let low = hexValue(field[index]) {
                    value = value << 4 | low
                    index += 1
                }
                out.put(value)
            default: out.put(escaped)
            }
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        Hex.isDigit(byte) == 1 ? Hex.digitValue(byte) : nil
    }

    /// A growable byte buffer written with plain stores (an array's `append` checks uniqueness
    /// and capacity on every call, which cost more than the encoding). Reused batch after batch.
    final class Output {
        private var base: UnsafeMutableRawPointer
        private var capacity: Int
        private(set) var count = 0

        init(capacity: Int = 1 << 16) {
            self.capacity = capacity
            base = .allocate(byteCount: capacity, alignment: 8)
        }

        deinit { base.deallocate() }

        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

        func removeAll() { count = 0 }

        /// Where the next byte goes (room reserved by the caller); ``advance(_:)`` then counts what was written there.
        var tail: UnsafeMutablePointer<UInt8> { (base + count).assumingMemoryBound(to: UInt8.self) }

        func advance(_ written: Int) { count += written }

        /// Room for `more` bytes after the current ones.
        func reserve(_ more: Int) {
            guard count + more > capacity else { return }
            var grown = capacity * 2
            while grown < count + more { grown *= 2 }
            let moved = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
            moved.copyMemory(from: base, byteCount: count)
            base.deallocate()
            base = moved
            capacity = grown
        }

        @inline(__always)
        func put<T: FixedWidthInteger>(_ value: T) {
            base.storeBytes(of: value.bigEndian, toByteOffset: count, as: T.self)
            count += MemoryLayout<T>.size
        }

        @inline(__always)
        func put(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            (base + count).copyMemory(from: source, byteCount: bytes.count)
            count += bytes.count
        }

        func put(_ bytes: [UInt8]) {
            reserve(bytes.count)
            bytes.withUnsafeBufferPointer { put($0) }
        }

        /// Overwrites the big-endian `value` at `offset` (a length written before its bytes).
        func patch(_ value: UInt32, at offset: Int) {
            base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
        }
    }
}

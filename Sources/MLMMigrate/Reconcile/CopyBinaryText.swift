/// Reads `COPY ... TO STDOUT (FORMAT binary)` output (``CopyBinaryType``) and gives each row as
/// the `COPY` text line PostgreSQL prints for it in a UTC session with `bytea_output = hex`: the
/// same bytes, so digests and the text readers downstream are unchanged, while the server skips
/// formatting every value (for the wallet entries, 40% of its `COPY` time: timestamps and hex).
///
/// Text as PostgreSQL's `COPY TO` escapes it: backslash, `\b \f \n \r \t \v`; integers in
/// decimal; `boolean` `t`/`f`; `bytea` `\\x` and lower-case hex; `timestamptz` as
/// ``UTCTimestamp`` prints it. Chunks may end anywhere; a row is handed over once complete. One
/// reader takes several `COPY` streams one after another (the read-back's member ranges).
struct CopyBinaryText {
    let types: [CopyBinaryType]
    private var pending: [UInt8] = []
    private var headerDone = false
    private var line: [UInt8] = []

    init(types: [CopyBinaryType]) {
        self.types = types
    }

    /// Feeds the next bytes of the stream; `row` gets each complete row's text line, its newline
    /// included. Throws when the stream is not rows of ``types``.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, what: String, row: (UnsafeRawBufferPointer) throws(MigrationError) -> Void) throws(MigrationError) {
        pending.append(contentsOf: chunk)
        var consumed = 0
        defer { pending.removeFirst(consumed) }
        while true {
            let available = pending.count - consumed
            if !headerDone {
                guard available >= CopyBinaryType.header.count else { return }
                guard pending[consumed..<consumed + 11].elementsEqual(CopyBinaryType.header.prefix(11)) else { throw malformed(what) }
                let extensionLength = Int(read(UInt32.self, at: consumed + 15))
                guard available >= 19 + extensionLength else { return }
                consumed += 19 + extensionLength
                headerDone = true
                continue
            }
            guard let length = try rowLength(from: consumed, available: available, what: what) else { return }
            if length == 2 {
                // The trailer: another `COPY`'s stream, header first, may follow.
                consumed += 2
                headerDone = false
                continue
            }
            line.removeAll(keepingCapacity: true)
            var at = consumed + 2
            for (index, type) in types.enumerated() {
                if index > 0 { line.append(0x09) }
                let size = Int(Int32(bitPattern: read(UInt32.self, at: at)))
                at += 4
                guard size >= 0 else {
                    line.append(contentsOf: CopyText.null)
                    continue
                }
                try append(at, size, as: type, what: what)
                at += size
            }
            line.append(0x0A)
            consumed += length
            try MigrationError.typed { try line.withUnsafeBytes { bytes in try row(bytes) } }
        }
    }

    /// The byte length of the row (or trailer) at `start`, once all of it is in; nil before.
    private func rowLength(from start: Int, available: Int, what: String) throws(MigrationError) -> Int? {
        guard available >= 2 else { return nil }
        let fields = Int16(bitPattern: read(UInt16.self, at: start))
        if fields == -1 { return 2 }
        guard Int(fields) == types.count else { throw malformed(what) }
        var length = 2
        for _ in 0..<types.count {
            guard available >= length + 4 else { return nil }
            let size = Int(Int32(bitPattern: read(UInt32.self, at: start + length)))
            guard size >= -1 else { throw malformed(what) }
            length += 4 + max(size, 0)
        }
        return available >= length ? length : nil
    }

    private mutating func append(_ start: Int, _ size: Int, as type: CopyBinaryType, what: String) throws(MigrationError) {
        switch type {
        case .integer(let width):
            guard size == width else { throw malformed(what) }
            let value: Int64 = switch width {
            case 2: Int64(Int16(bitPattern: read(UInt16.self, at: start)))
            case 4: Int64(Int32(bitPattern: read(UInt32.self, at: start)))
            default: Int64(bitPattern: read(UInt64.self, at: start))
            }
            CopyText.appendDecimal(value, to: &line)
        case .boolean:
            guard size == 1 else { throw malformed(what) }
            line.append(pending[start] == 0 ? UInt8(ascii: "f") : UInt8(ascii: "t"))
        case .text:
            for byte in pending[start..<start + size] {
                switch byte {
                case UInt8(ascii: "\\"): line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x08: line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                case 0x0A: line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0x0B: line.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "v")])
                default: line.append(byte)
                }
            }
        case .bytea:
            CopyText.appendBytea(pending[start..<start + size], to: &line)
        case .timestamptz:
            guard size == 8 else { throw malformed(what) }
            let (micros, overflow) = Int64(bitPattern: read(UInt64.self, at: start)).addingReportingOverflow(CopyBinaryType.postgresEpochMicros)
            guard !overflow else { throw malformed(what) }
            UTCTimestamp.append(micros: micros, to: &line)
        }
    }

    private func read<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        pending.withUnsafeBytes { T(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    private func malformed(_ what: String) -> MigrationError {
        MigrationError(.targetSQLFailed, "\(what): the server's binary COPY output is not rows of the columns asked for")
    }
}

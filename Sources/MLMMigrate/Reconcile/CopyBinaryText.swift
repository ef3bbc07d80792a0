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
    /// The row printed (``CopyTextWriter``), room reserved once a row; a copy of this reader
    /// shares it, so a reader is used on one thread at a time.
    private let line: CopyTextLine
    /// The row's values where they are in the data read (``CopyBinaryRow``); -1 for NULL.
    private var starts: [Int] = []
    private var sizes: [Int] = []

    /// `lineCapacity`: the printed row's room at first (a test starts it at nothing, so the
    /// room each row reserves is exactly its bound).
    init(types: [CopyBinaryType], lineCapacity: Int = 4_096) {
        self.types = types
        line = CopyTextLine(capacity: lineCapacity)
    }

    /// Feeds the next bytes of the stream; `row` gets each complete row's text line, its newline
    /// included. Throws when the stream is not rows of ``types``.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, what: String, row: (UnsafeRawBufferPointer) throws(MigrationError) -> Void) throws(MigrationError) {
        try feed(chunk, what: what) { (line, _) throws(MigrationError) in try row(line) }
    }

    /// ``feed(_:what:row:)``, `row` also given the row's values as read (``CopyBinaryRow``), so a
    /// reader that needs the numbers need not parse them back from the text.
    mutating func feed(
        _ chunk: UnsafeRawBufferPointer, what: String, row: (UnsafeRawBufferPointer, CopyBinaryRow) throws(MigrationError) -> Void
    ) throws(MigrationError) {
        // The server sends a row a message: read them from the chunk itself, keeping only a
        // row cut short for the next chunk.
        guard pending.isEmpty else {
            pending.append(contentsOf: chunk)
            let all = pending
            let consumed = try MigrationError.typed { try all.withUnsafeBytes { bytes in try parse(bytes, what: what, row: row) } }
            pending.removeFirst(consumed)
            return
        }
        let consumed = try parse(chunk, what: what, row: row)
        if consumed < chunk.count { pending.append(contentsOf: chunk[consumed...]) }
    }

    /// Call after each `COPY`: throws when its stream ended inside a row or before its trailer.
    func finish(what: String) throws(MigrationError) {
        guard pending.isEmpty, !headerDone else { throw malformed(what) }
    }

    /// Prints the complete rows at the start of `data`; returns the bytes they took.
    private mutating func parse(
        _ data: UnsafeRawBufferPointer, what: String, row: (UnsafeRawBufferPointer, CopyBinaryRow) throws(MigrationError) -> Void
    ) throws(MigrationError) -> Int {
        var consumed = 0
        while true {
            let available = data.count - consumed
            if !headerDone {
                guard available >= CopyBinaryType.header.count else { return consumed }
                guard data[consumed..<consumed + 11].elementsEqual(CopyBinaryType.header.prefix(11)) else { throw malformed(what) }
                let extensionLength = Int(Self.read(UInt32.self, data, at: consumed + 15))
                guard available >= 19 + extensionLength else { return consumed }
                consumed += 19 + extensionLength
                headerDone = true
                continue
            }
            guard let length = try rowLength(data, from: consumed, available: available, what: what) else { return consumed }
            if length == 2 {
                // The trailer: another `COPY`'s stream, header first, may follow.
                consumed += 2
                headerDone = false
                continue
            }
            starts.removeAll(keepingCapacity: true)
            sizes.removeAll(keepingCapacity: true)
            // A value's text takes at most twice its bytes plus 48 (a `bytea`'s `\\x`, a number's
            // 20 digits, a timestamp's 40), a tab or the newline after it.
            var out = line.reserve(2 * length + 49 * types.count)
            var at = consumed + 2
            for (index, type) in types.enumerated() {
                if index > 0 {
                    out.pointee = 0x09
                    out += 1
                }
                let size = Int(Int32(bitPattern: Self.read(UInt32.self, data, at: at)))
                at += 4
                starts.append(at)
                sizes.append(size)
                guard size >= 0 else {
                    out = CopyTextWriter.null(at: out)
                    continue
                }
                out = try write(UnsafeRawBufferPointer(rebasing: data[at..<at + size]), as: type, at: out, what: what)
                at += size
            }
            out.pointee = 0x0A
            let bytes = line.bytes(to: out + 1)
            consumed += length
            try MigrationError.typed {
                try starts.withUnsafeBufferPointer { starts in
                    try sizes.withUnsafeBufferPointer { sizes in try row(bytes, CopyBinaryRow(data: data, starts: starts, sizes: sizes)) }
                }
            }
        }
    }

    /// The byte length of the row (or trailer) at `start` of `data`, once all of it is in; nil before.
    private func rowLength(_ data: UnsafeRawBufferPointer, from start: Int, available: Int, what: String) throws(MigrationError) -> Int? {
        guard available >= 2 else { return nil }
        let fields = Int16(bitPattern: Self.read(UInt16.self, data, at: start))
        if fields == -1 { return 2 }
        guard Int(fields) == types.count else { throw malformed(what) }
        var length = 2
        for _ in 0..<types.count {
            guard available >= length + 4 else { return nil }
            let size = Int(Int32(bitPattern: Self.read(UInt32.self, data, at: start + length)))
            guard size >= -1 else { throw malformed(what) }
            length += 4 + max(size, 0)
        }
        return available >= length ? length : nil
    }

    /// `value`'s text at `out`; returns where it ends.
    private func write(
        _ value: UnsafeRawBufferPointer, as type: CopyBinaryType, at out: UnsafeMutablePointer<UInt8>, what: String
    ) throws(MigrationError) -> UnsafeMutablePointer<UInt8> {
        switch type {
        case .integer(let width):
            guard value.count == width else { throw malformed(what) }
            let number: Int64 = switch width {
            case 2: Int64(Int16(bitPattern: Self.read(UInt16.self, value, at: 0)))
            case 4: Int64(Int32(bitPattern: Self.read(UInt32.self, value, at: 0)))
            default: Int64(bitPattern: Self.read(UInt64.self, value, at: 0))
            }
            return CopyTextWriter.decimal(number, at: out)
        case .boolean:
            guard value.count == 1 else { throw malformed(what) }
            out.pointee = value[0] == 0 ? UInt8(ascii: "f") : UInt8(ascii: "t")
            return out + 1
        case .text:
            return CopyTextWriter.field(value, at: out)
        case .bytea:
            return CopyTextWriter.bytea(value, at: out)
        case .timestamptz:
            guard value.count == 8 else { throw malformed(what) }
            let stored = Int64(bitPattern: Self.read(UInt64.self, value, at: 0))
            // PostgreSQL's infinities, printed as it prints them (the verifier then finds the row malformed).
            if stored == .max || stored == .min {
                let word = stored == .max ? "infinity" : "-infinity"
                var at = out
                for byte in word.utf8 {
                    at.pointee = byte
                    at += 1
                }
                return at
            }
            let (micros, overflow) = stored.addingReportingOverflow(CopyBinaryType.postgresEpochMicros)
            guard !overflow else { throw malformed(what) }
            return UTCTimestamp.write(micros: micros, at: out)
        }
    }

    @inline(__always)
    private static func read<T: FixedWidthInteger>(_: T.Type, _ data: UnsafeRawBufferPointer, at offset: Int) -> T {
        T(bigEndian: data.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    private func malformed(_ what: String) -> MigrationError {
        MigrationError(.targetSQLFailed, "\(what): the server's binary COPY output is not rows of the columns asked for")
    }
}

/// One row of binary `COPY` output as read: its values, valid during the call it is given to.
/// The types are the reader's; every value the row has was checked against its type when printed.
struct CopyBinaryRow {
    let data: UnsafeRawBufferPointer
    let starts: UnsafeBufferPointer<Int>
    /// -1 for NULL.
    let sizes: UnsafeBufferPointer<Int>

    func isNull(_ field: Int) -> Bool { sizes[field] < 0 }

    /// The value's bytes (empty for NULL).
    func bytes(_ field: Int) -> UnsafeRawBufferPointer {
        sizes[field] < 0 ? UnsafeRawBufferPointer(start: nil, count: 0) : UnsafeRawBufferPointer(rebasing: data[starts[field]..<starts[field] + sizes[field]])
    }

    /// A `bigint` value; nil for NULL.
    func int64(_ field: Int) -> Int64? {
        guard sizes[field] == 8 else { return nil }
        return Int64(bigEndian: data.loadUnaligned(fromByteOffset: starts[field], as: Int64.self))
    }

    /// A `timestamptz` value as microseconds since 1970 (``UTCTimestamp``); nil for NULL, an
    /// infinity, or an instant too far from 1970 to count in microseconds.
    func timestampMicros(_ field: Int) -> Int64? {
        guard let stored = int64(field), stored != .max, stored != .min else { return nil }
        let (micros, overflow) = stored.addingReportingOverflow(CopyBinaryType.postgresEpochMicros)
        return overflow ? nil : micros
    }
}

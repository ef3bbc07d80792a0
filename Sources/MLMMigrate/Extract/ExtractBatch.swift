/// Records on their way from Extract's reading thread to a worker. A CSV record travels as its
/// field bytes, packed in one buffer per batch, and is decoded (text per column, null values,
/// defaults, unreadable bytes) by ``records()`` on the worker: the reading thread only splits
/// the file into fields, the part that cannot be shared out. A SQLite row arrives decoded.
///
/// A batch holds one entity's records, so all of them come from one source format; ``records()``
/// gives them in the order they were appended.
struct ExtractBatch: Sendable {
    /// A CSV file's part in decoding its records: its name, the mapped columns, where each one's
    /// value is in this file's records (a field, none, or past `fieldCount` the joined file's),
    /// and the encoding. One object per file, shared by its records.
    final class CSVFile: Sendable {
        let name: String
        let columns: [ColumnRead]
        /// Per column: its field's position, or -1 when it reads no source column.
        let positions: [Int]
        let fieldCount: Int
        let encoding: TextEncoding
        /// The file's name as a stage-file field.
        let nameField: [UInt8]
        /// Per column, how ``appendPlainRows(to:header:other:)`` writes its values from their
        /// bytes; nil for the whole file when one column cannot be (its records are decoded).
        let plainColumns: [PlainColumn]?
        /// Per column, whether ``PlainColumn/raw``: a trivial array, read with no reference
        /// counting per value.
        let rawColumns: [Bool]

        init(name: String, columns: [ColumnRead], fieldCount: Int, encoding: TextEncoding) {
            self.name = name
            self.columns = columns
            positions = columns.map { $0.index ?? -1 }
            self.fieldCount = fieldCount
            self.encoding = encoding
            var nameField: [UInt8] = []
            CopyText.appendField(name, to: &nameField)
            self.nameField = nameField
            let plain = columns.map(PlainColumn.init)
            plainColumns = plain.allSatisfy(\.usable) ? plain : nil
            rawColumns = plain.map(\.raw)
        }
    }

    /// A mapped column's constant, null values and default as bytes, applied to a value whose
    /// bytes are printable-or-control ASCII without NUL: the outcome of
    /// ``ColumnRead/sourceValue(_:)`` on its text, without the text.
    struct PlainColumn: Sendable {
        /// The constant's field, written whatever the value.
        let constant: [UInt8]?
        /// The default's field, written for a blank value or a null value (else a blank value
        /// stays as it is and a null value is NULL).
        let defaultField: [UInt8]?
        /// The value is written as it stands (no constant, null values or default).
        let raw: Bool
        /// The null values' bytes (a mapping lists a few).
        let nullValues: [[UInt8]]
        /// False when a null value is not ASCII: `String` equality (canonical equivalence) could
        /// then match an ASCII value that differs in bytes, so only the text rules decide.
        let usable: Bool

        init(_ column: ColumnRead) {
            func field(_ value: String?) -> [UInt8] {
                var out: [UInt8] = []
                CopyText.appendField(value, to: &out)
                return out
            }
            constant = column.constant.map(field)
            raw = column.constant == nil && column.nullValues.isEmpty && column.defaultValue == nil
            nullValues = column.nullValues.sorted().map { Array($0.utf8) }
            usable = column.nullValues.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
            defaultField = column.defaultValue.map { field($0) }
        }

        /// Appends the field for `value` (ASCII, no NUL).
        func append(_ value: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
            if let constant { return out.append(contentsOf: constant) }
            if !raw, let trimmed = String.asciiTrimRange(value) {
                if trimmed.isEmpty, let defaultField { return out.append(contentsOf: defaultField) }
                let text = value[trimmed]
                if !trimmed.isEmpty, nullValues.contains(where: { $0.elementsEqual(text) }) {
                    return out.append(contentsOf: defaultField ?? CopyText.null)
                }
            }
            CopyText.appendField(bytes: value, to: &out)
        }
    }

    /// A record as read: decoded, or a CSV record with why it cannot be split into its columns
    /// (malformed, wrong field count) and the joined file's row for it.
    enum Read {
        case decoded(Extractor.Record)
        case csv(CSVRecord, CSVFile, unreadable: ReasonCode?, joined: [String?]?)
    }

    /// Where a mapped column's value is: bytes in ``bytes``, no source column, or the joined
    /// file's value at an index of ``joined`` (payloads are plain integers: no reference counting
    /// per value).
    private enum Value {
        case bytes(Range<Int>)
        case none
        case joined(Int)
    }

    private struct CSVRow {
        var file: Int
        var line: Int
        var unreadable: ReasonCode?
        /// The index of its first column's value in ``values``.
        var firstValue: Int
    }

    private var decoded: [Extractor.Record] = []
    private var files: [CSVFile] = []
    private var rows: [CSVRow] = []
    private var values: [Value] = []
    private var joined: [String?] = []
    private var bytes: [UInt8] = []

    var count: Int { decoded.count + rows.count }

    mutating func removeAll() {
        decoded.removeAll(keepingCapacity: true)
        files.removeAll(keepingCapacity: true)
        rows.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        joined.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func append(_ read: Read) {
        switch read {
        case .decoded(let record):
            decoded.append(record)
        case .csv(let csv, let file, let unreadable, let joinedRow):
            if files.last !== file { files.append(file) }
            rows.append(CSVRow(file: files.count - 1, line: csv.line, unreadable: unreadable, firstValue: values.count))
            guard unreadable == nil else { return }
            let base = bytes.count
            bytes.append(contentsOf: csv.bytes)
            let fieldCount = file.fieldCount
            csv.fieldEnds.withUnsafeBufferPointer { ends in
                file.positions.withUnsafeBufferPointer { positions in
                    for index in positions {
                        if index < 0 {
                            values.append(.none)
                        } else if index < fieldCount {
                            let start = index == 0 ? 0 : ends[index - 1]
                            values.append(.bytes(base + start..<base + ends[index]))
                        } else {
                            values.append(.joined(joined.count))
                            joined.append(joinedRow?[index - fieldCount] ?? nil)
                        }
                    }
                }
            }
        }
    }

    /// The batch's records, decoded: a column's bytes become text (``SourceValue``), then its
    /// constant, null values and default apply (``Extractor/Record/append(_:column:)``).
    func records() -> [Extractor.Record] {
        var out = decoded
        out.reserveCapacity(count)
        bytes.withUnsafeBufferPointer { all in
            for row in rows { out.append(record(row, all)) }
        }
        return out
    }

    /// Appends each record's stage-file row to `out` as ``records()`` then `other` would, with
    /// no `String` per value where it can: a CSV record whose mapped values are all ASCII with
    /// no NUL byte gets `header` (its file's name field and line), then its values written
    /// from their bytes (``PlainColumn``); every other record (decoded, unreadable, non-ASCII
    /// or NUL bytes, a file whose null values are not ASCII) is decoded and given to `other`.
    func appendPlainRows(
        to out: inout [UInt8], header: (CSVFile, Int, inout [UInt8]) -> Void,
        other: (Extractor.Record, inout [UInt8]) -> Void
    ) {
        for record in decoded { other(record, &out) }
        bytes.withUnsafeBufferPointer { all in
            values.withUnsafeBufferPointer { values in
                // Rows come in runs from one file: its columns are looked up once a run.
                var first = 0
                while first < rows.count {
                    let file = files[rows[first].file]
                    var end = first + 1
                    while end < rows.count && rows[end].file == rows[first].file { end += 1 }
                    appendPlainRows(first..<end, of: file, all, values, to: &out, header: header, other: other)
                    first = end
                }
            }
        }
    }

    /// ``appendPlainRows(to:header:other:)`` for rows `run`, all from `file`.
    private func appendPlainRows(
        _ run: Range<Int>, of file: CSVFile, _ all: UnsafeBufferPointer<UInt8>, _ values: UnsafeBufferPointer<Value>,
        to out: inout [UInt8], header: (CSVFile, Int, inout [UInt8]) -> Void,
        other: (Extractor.Record, inout [UInt8]) -> Void
    ) {
        guard let plainColumns = file.plainColumns else {
            for index in run { other(record(rows[index], all), &out) }
            return
        }
        plainColumns.withUnsafeBufferPointer { plain in
            file.rawColumns.withUnsafeBufferPointer { raw in
                for index in run {
                    let row = rows[index]
                    // An unreadable row has no values.
                    let values = row.unreadable == nil
                        ? UnsafeBufferPointer(rebasing: values[row.firstValue..<row.firstValue + plain.count]) : nil
                    guard let values, Self.isPlain(values, all) else {
                        other(record(row, all), &out)
                        continue
                    }
                    header(file, row.line, &out)
                    for offset in 0..<plain.count {
                        out.append(0x09)
                        switch values[offset] {
                        case .none:
                            CopyText.appendField(file.columns[offset].sourceValue(nil), to: &out)
                        case .joined(let index):
                            CopyText.appendField(file.columns[offset].sourceValue(joined[index]), to: &out)
                        case .bytes(let range) where raw[offset]:
                            CopyText.appendField(bytes: UnsafeBufferPointer(rebasing: all[range]), to: &out)
                        case .bytes(let range):
                            plain[offset].append(UnsafeBufferPointer(rebasing: all[range]), to: &out)
                        }
                    }
                    out.append(0x0A)
                }
            }
        }
    }

    /// Whether every value read from its bytes is ASCII without NUL (the bytes ``SourceValue``
    /// keeps as they are, in any encoding).
    private static func isPlain(_ values: UnsafeBufferPointer<Value>, _ all: UnsafeBufferPointer<UInt8>) -> Bool {
        for value in values {
            guard case .bytes(let range) = value else { continue }
            for byte in all[range] where byte == 0 || byte >= 0x80 { return false }
        }
        return true
    }

    /// One CSV row's record, decoded.
    private func record(_ row: CSVRow, _ all: UnsafeBufferPointer<UInt8>) -> Extractor.Record {
        let file = files[row.file]
        var record = Extractor.Record(location: SourceLocation(source: file.name, line: row.line), unreadable: nil, values: [])
        if let reason = row.unreadable {
            record.unreadable = (reason, nil)
            record.values = Array(repeating: nil, count: file.columns.count)
            return record
        }
        record.values.reserveCapacity(file.columns.count)
        for (offset, column) in file.columns.enumerated() {
            switch values[row.firstValue + offset] {
            case .none:
                record.append(.null, column: column)
            case .joined(let index):
                record.append(joined[index].map(SourceValue.text) ?? .null, column: column)
            case .bytes(let range):
                record.append(SourceValue(UnsafeBufferPointer(rebasing: all[range]), encoding: file.encoding), column: column)
            }
        }
        return record
    }
}

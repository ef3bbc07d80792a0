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

        init(name: String, columns: [ColumnRead], fieldCount: Int, encoding: TextEncoding) {
            self.name = name
            self.columns = columns
            positions = columns.map { $0.index ?? -1 }
            self.fieldCount = fieldCount
            self.encoding = encoding
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
            for row in rows {
                let file = files[row.file]
                var record = Extractor.Record(location: SourceLocation(source: file.name, line: row.line), unreadable: nil, values: [])
                if let reason = row.unreadable {
                    record.unreadable = (reason, nil)
                    record.values = Array(repeating: nil, count: file.columns.count)
                    out.append(record)
                    continue
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
                out.append(record)
            }
        }
        return out
    }
}

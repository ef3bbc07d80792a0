/// Streams one table's rows for the profile: a CSV file through ``CSVReader`` (header first,
/// malformed records reported apart), or a SQLite table through ``SQLiteReader``.
final class ProfileTableReader {
    /// A row's values, read in place.
    enum Row {
        case csv(CSVRecord)
        case sqlite([[UInt8]?])

        func withValue<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
            switch self {
            case .csv(let record):
                return index < record.fieldCount ? record.withField(index) { body($0) } : body(nil)
            case .sqlite(let values):
                guard index < values.count, let value = values[index] else { return body(nil) }
                return value.withUnsafeBufferPointer { body($0) }
            }
        }
    }

    /// Why a CSV record was left out of the statistics.
    enum Rejection { case malformed, fieldCount }

    let table: ProfileTableSource
    private(set) var columnNames: [String] = []
    private(set) var delimiter = UInt8(ascii: ",")
    private(set) var physicalLines = 0
    private(set) var blankLines = 0

    init(table: ProfileTableSource) {
        self.table = table
    }

    /// Calls `row` for every good record and `rejected` (with its line) for every other.
    func read(row: (Int, Row) -> Void, rejected: (Int, Rejection) -> Void) throws(MigrationError) {
        switch table.kind {
        case .csv:
            delimiter = try CSVDialect.sniffDelimiter(path: table.path, displayName: table.file)
            let reader = try CSVReader(path: table.path, displayName: table.file, delimiter: delimiter)
            let header = try reader.readHeader {
                TextDecoding.decode($0, as: .utf8) ?? TextDecoding.decode($0, as: .windows1252)
            }
            columnNames = header.names
            while let record = try reader.next() {
                if record.malformed {
                    rejected(record.line, .malformed)
                } else if record.fieldCount != header.record.fieldCount {
                    rejected(record.line, .fieldCount)
                } else {
                    row(record.line, .csv(record))
                }
            }
            physicalLines = reader.physicalLines
            blankLines = reader.blankLines
        case .sqlite(let name, _):
            let reader = try SQLiteReader(path: table.path, displayName: table.file, selection: .table(name))
            columnNames = reader.columnNames
            while let next = try reader.next() {
                row(next.record, .sqlite(next.values))
            }
        }
    }
}

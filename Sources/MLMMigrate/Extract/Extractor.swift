public import Logging

/// What Extract read: rows per source file and rows it could not read.
public struct ExtractSummary: Codable, Sendable, Equatable {
    public var entity: String
    public var rows: Int
    public var unreadable: Int
    public var files: [String]
}

/// Extract: streams one entity's source (CSV or SQLite) into its stage file
/// (`extract/<entity>.tsv`), mapping source columns to target fields and protecting PII
/// columns as they are read.
///
/// Values are decoded but otherwise untouched (no trimming, no parsing): that is Cleanse's work.
/// A record that cannot be read (malformed CSV, wrong field count, bad encoding) is kept with
/// its extract reason so Cleanse quarantines it and the counts still balance.
public struct Extractor {
    public let entity: String
    public let mapping: EntityMapping
    public let source: String
    public let logger: Logger

    public init(entity: String, mapping: EntityMapping, source: String, logger: Logger) {
        self.entity = entity
        self.mapping = mapping
        self.source = source
        self.logger = logger
    }

    public init(members: MembersMapping, source: String, logger: Logger) {
        self.init(entity: "members", mapping: EntityMapping(source: members.source, columns: members.columns), source: source, logger: logger)
    }

    public func run(outputPath: String, progress: Bool? = nil) throws(MigrationError) -> ExtractSummary {
        let files = try SourceFiles.resolve(source: source, glob: mapping.source.files)
        let writer = try StageFileWriter(path: outputPath, columns: MemberStageLayout.extractBookkeeping + mapping.columns.map(\.field))
        let protector = PIIProtector()
        let line = ProgressLine("extract \(entity)", enabled: progress)
        var summary = ExtractSummary(entity: entity, rows: 0, unreadable: 0, files: files.map(\.name))
        for file in files {
            let before = summary.rows
            switch mapping.source.format {
            case .csv(let options):
                try readCSV(file, options: options, protector: protector, writer: writer, summary: &summary, progress: line)
            case .sqlite(let selection):
                try readSQLite(file, selection: selection, protector: protector, writer: writer, summary: &summary, progress: line)
            }
            logger.info("extracted rows", metadata: ["entity": "\(entity)", "file": "\(file.name)", "rows": "\(summary.rows - before)"])
        }
        line.finish(summary.rows)
        try writer.close()
        return summary
    }

    private func readCSV(
        _ file: (path: String, name: String), options: CSVOptions, protector: PIIProtector,
        writer: StageFileWriter, summary: inout ExtractSummary, progress: ProgressLine
    ) throws(MigrationError) {
        let reader = try CSVReader(path: file.path, displayName: file.name, delimiter: options.delimiter, quote: options.quote)
        guard let header = try reader.next() else {
            throw MigrationError("source.empty", "\(file.name): the file is empty; a header line is expected")
        }
        let names = (0..<header.fieldCount).map { index in
            header.withField(index) { TextDecoding.decode($0, as: options.encoding)?.trimmingWhitespace() ?? "" }
        }
        let indexes = try columnIndexes(names, file: file.name)
        while let record = try reader.next() {
            var row: [String?] = [file.name, String(record.line), nil, nil]
            if record.malformed || record.fieldCount != names.count {
                row[2] = (record.malformed ? ReasonCode.malformedRecord : ReasonCode.columnCount).rawValue
                row.append(contentsOf: repeatElement(nil, count: mapping.columns.count))
            } else {
                for (column, index) in zip(mapping.columns, indexes) {
                    let text = record.withField(index) { TextDecoding.decode($0, as: options.encoding) }
                    row.append(protect(text.map(SourceValue.text) ?? .undecodable, column: column, row: &row, protector: protector))
                }
            }
            try writer.append(row)
            count(row, summary: &summary, progress: progress)
        }
    }

    private func readSQLite(
        _ file: (path: String, name: String), selection: SQLiteSelection, protector: PIIProtector,
        writer: StageFileWriter, summary: inout ExtractSummary, progress: ProgressLine
    ) throws(MigrationError) {
        let name: String
        switch selection {
        case .table(let table): name = "\(file.name):\(table)"
        case .query: name = "\(file.name):query"
        }
        let reader = try SQLiteReader(path: file.path, displayName: name, selection: selection)
        let indexes = try columnIndexes(reader.columnNames, file: name)
        while let (record, values) = try reader.next() {
            var row: [String?] = [name, String(record), nil, nil]
            for (column, index) in zip(mapping.columns, indexes) {
                let value: SourceValue
                if let bytes = values[index] {
                    value = bytes.withUnsafeBufferPointer { TextDecoding.decode($0, as: .utf8) }.map(SourceValue.text) ?? .undecodable
                } else {
                    value = .null
                }
                row.append(protect(value, column: column, row: &row, protector: protector))
            }
            try writer.append(row)
            count(row, summary: &summary, progress: progress)
        }
    }

    /// A source value as read: SQL NULL, decoded text, or bytes invalid in the declared encoding.
    private enum SourceValue {
        case null
        case text(String)
        case undecodable
    }

    /// The field value to store: undecodable bytes mark the row (first column wins), PII is protected.
    private func protect(_ value: SourceValue, column: ColumnSpec, row: inout [String?], protector: PIIProtector) -> String? {
        switch value {
        case .null:
            return nil
        case .undecodable:
            if row[2] == nil {
                row[2] = ReasonCode.invalidEncoding.rawValue
                row[3] = column.field
            }
            return nil
        case .text(let text):
            return column.pii ? protector.protect(text, column: column) : text
        }
    }

    private func count(_ row: [String?], summary: inout ExtractSummary, progress: ProgressLine) {
        summary.rows += 1
        if row[2] != nil { summary.unreadable += 1 }
        progress.update(summary.rows)
    }

    /// Index of each mapped column in the source's columns (exact name, then case-insensitive).
    private func columnIndexes(_ names: [String], file: String) throws(MigrationError) -> [Int] {
        var indexes: [Int] = []
        for column in mapping.columns {
            if let index = names.firstIndex(of: column.from) ?? names.firstIndex(where: { $0.lowercased() == column.from.lowercased() }) {
                indexes.append(index)
            } else {
                throw MigrationError("source.column_missing", "\(file): no source column '\(column.from)' (mapped to field \(column.field))")
            }
        }
        return indexes
    }
}

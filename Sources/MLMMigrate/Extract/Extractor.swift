public import Logging

/// What Extract read: rows per source file and rows it could not read.
public struct ExtractSummary: Codable, Sendable, Equatable {
    public var entity: String
    public var rows: Int
    public var unreadable: Int
    public var files: [String]
    /// The KEK the PII was encrypted under (members with PII only).
    public var kekID: String?
}

/// Extract: streams one entity's source (CSV or SQLite) into its stage file
/// (`extract/<entity>.tsv`), mapping source columns to target fields and encrypting PII
/// columns as they are read (``PIIEncryptor``).
///
/// Values are decoded but otherwise untouched (no trimming, no parsing): that is Cleanse's work.
/// PII is the exception: it is normalised, then encrypted, here, because no plaintext may reach
/// a file. A record that cannot be read (malformed CSV, wrong field count, bad encoding) is kept
/// with its extract reason so Cleanse quarantines it and the counts still balance.
public struct Extractor {
    public let entity: String
    public let mapping: EntityMapping
    public let source: String
    public let logger: Logger
    /// Required when the mapping has PII columns.
    public var encryptor: PIIEncryptor?

    public init(entity: String, mapping: EntityMapping, source: String, logger: Logger, encryptor: PIIEncryptor? = nil) {
        self.entity = entity
        self.mapping = mapping
        self.source = source
        self.logger = logger
        self.encryptor = encryptor
    }

    public init(members: MembersMapping, source: String, logger: Logger, encryptor: PIIEncryptor? = nil) {
        self.init(entity: "members", mapping: EntityMapping(source: members.source, columns: members.columns), source: source, logger: logger, encryptor: encryptor)
    }

    public func run(outputPath: String, progress: Bool? = nil) throws(MigrationError) -> ExtractSummary {
        let files = try SourceFiles.resolve(source: source, glob: mapping.source.files)
        let piiColumns = mapping.columns.indices.filter { mapping.columns[$0].pii }
        let identityFields = piiColumns.map { mapping.columns[$0] }.filter { $0.identity != nil }.map(\.field)
        if !piiColumns.isEmpty && encryptor == nil {
            throw MigrationError("keys.kek_missing", "the mapping has PII columns, encrypted as they are read (runbooks/keys.md): give --kek-file or set \(KeyEncryptionKey.environmentVariable)")
        }
        let legacyIDColumn = mapping.columns.firstIndex { $0.field == "legacy_id" }
        let layout = MemberStageLayout.extractBookkeeping + mapping.columns.map(\.field)
            + (piiColumns.isEmpty ? [] : MemberPIILayout.extractBookkeeping(identityFields: identityFields))
        let writer = try StageFileWriter(path: outputPath, columns: layout)
        let line = ProgressLine("extract \(entity)", enabled: progress)
        var summary = ExtractSummary(entity: entity, rows: 0, unreadable: 0, files: files.map(\.name), kekID: piiColumns.isEmpty ? nil : encryptor?.kek.id)
        for file in files {
            let before = summary.rows
            try forEachRecord(in: file) { record throws(MigrationError) in
                var row: [String?] = [record.location.source, String(record.location.line), record.unreadable?.reason.rawValue, record.unreadable?.column]
                row.append(contentsOf: record.values)
                if let encryptor, !piiColumns.isEmpty {
                    let legacyID = legacyIDColumn.flatMap { record.values[$0] }?.trimmingWhitespace() ?? ""
                    let protected = try encryptor.protect(piiColumns.map { (mapping.columns[$0], record.values[$0]) }, legacyID: legacyID)
                    for (position, ciphertext) in zip(piiColumns, protected.ciphertexts) {
                        row[MemberStageLayout.extractBookkeeping.count + position] = ciphertext
                    }
                    row.append(protected.wrappedKey)
                    row.append(contentsOf: identityFields.map { protected.blindIndexes[$0] })
                }
                try writer.append(row)
                summary.rows += 1
                if record.unreadable != nil { summary.unreadable += 1 }
                line.update(summary.rows)
            }
            logger.info("extracted rows", metadata: ["entity": "\(entity)", "file": "\(file.name)", "rows": "\(summary.rows - before)"])
        }
        line.finish(summary.rows)
        try writer.close()
        return summary
    }

    /// Reads the source again and hands each record's PII, normalised as Extract encrypts it
    /// (``PIINormalizer``), to `body`, keyed by field. For Reconcile's round trip: the plaintext
    /// stays in memory and must never be logged or written.
    public func readNormalizedPII(_ body: (SourceLocation, [String: String]) throws(MigrationError) -> Void) throws(MigrationError) {
        let pii = mapping.columns.indices.filter { mapping.columns[$0].pii }
        for file in try SourceFiles.resolve(source: source, glob: mapping.source.files) {
            try forEachRecord(in: file) { record throws(MigrationError) in
                var values: [String: String] = [:]
                for index in pii {
                    let column = mapping.columns[index]
                    if let normal = record.values[index].flatMap({ PIINormalizer.normalize($0, identity: column.identity) }) {
                        values[column.field] = normal.stored
                    }
                }
                try body(record.location, values)
            }
        }
    }

    // MARK: Reading records

    /// One source record: where it is, why it could not be read (if so), and its raw values in
    /// mapping order (all nil when the record could not be split into fields).
    fileprivate struct Record {
        var location: SourceLocation
        var unreadable: (reason: ReasonCode, column: String?)?
        var values: [String?]
    }

    private func forEachRecord(in file: (path: String, name: String), _ body: (Record) throws(MigrationError) -> Void) throws(MigrationError) {
        switch mapping.source.format {
        case .csv(let options): try readCSV(file, options: options, body)
        case .sqlite(let selection): try readSQLite(file, selection: selection, body)
        }
    }

    private func readCSV(_ file: (path: String, name: String), options: CSVOptions, _ body: (Record) throws(MigrationError) -> Void) throws(MigrationError) {
        let reader = try CSVReader(path: file.path, displayName: file.name, delimiter: options.delimiter, quote: options.quote)
        guard let header = try reader.next() else {
            throw MigrationError("source.empty", "\(file.name): the file is empty; a header line is expected")
        }
        let names = (0..<header.fieldCount).map { index in
            header.withField(index) { TextDecoding.decode($0, as: options.encoding)?.trimmingWhitespace() ?? "" }
        }
        let indexes = try columnIndexes(names, file: file.name)
        while let csv = try reader.next() {
            var record = Record(location: SourceLocation(source: file.name, line: csv.line), unreadable: nil, values: [])
            if csv.malformed || csv.fieldCount != names.count {
                record.unreadable = (csv.malformed ? ReasonCode.malformedRecord : ReasonCode.columnCount, nil)
                record.values = Array(repeating: nil, count: mapping.columns.count)
            } else {
                for (column, index) in zip(mapping.columns, indexes) {
                    let text = csv.withField(index) { TextDecoding.decode($0, as: options.encoding) }
                    record.append(text.map(SourceValue.text) ?? .undecodable, column: column)
                }
            }
            try body(record)
        }
    }

    private func readSQLite(_ file: (path: String, name: String), selection: SQLiteSelection, _ body: (Record) throws(MigrationError) -> Void) throws(MigrationError) {
        let name: String
        switch selection {
        case .table(let table): name = "\(file.name):\(table)"
        case .query: name = "\(file.name):query"
        }
        let reader = try SQLiteReader(path: file.path, displayName: name, selection: selection)
        let indexes = try columnIndexes(reader.columnNames, file: name)
        while let (ordinal, values) = try reader.next() {
            var record = Record(location: SourceLocation(source: name, line: ordinal), unreadable: nil, values: [])
            for (column, index) in zip(mapping.columns, indexes) {
                let value: SourceValue
                if let bytes = values[index] {
                    value = bytes.withUnsafeBufferPointer { TextDecoding.decode($0, as: .utf8) }.map(SourceValue.text) ?? .undecodable
                } else {
                    value = .null
                }
                record.append(value, column: column)
            }
            try body(record)
        }
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

/// A source value as read: SQL NULL, decoded text, or bytes invalid in the declared encoding.
fileprivate enum SourceValue {
    case null
    case text(String)
    case undecodable
}

extension Extractor.Record {
    /// Adds a column's value; undecodable bytes mark the record (the first such column wins).
    fileprivate mutating func append(_ value: SourceValue, column: ColumnSpec) {
        switch value {
        case .null:
            values.append(nil)
        case .undecodable:
            if unreadable == nil { unreadable = (.invalidEncoding, column.field) }
            values.append(nil)
        case .text(let text):
            values.append(text)
        }
    }
}

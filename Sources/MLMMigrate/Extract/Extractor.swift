public import Logging

/// What Extract read: rows per source file and rows it could not read.
public struct ExtractSummary: Codable, Sendable, Equatable {
    public var entity: String
    public var rows: Int
    public var unreadable: Int
    public var files: [String]
    /// The KEK the PII was encrypted under (members with PII only).
    public var kekID: String?
    /// How the CSV files' physical lines were used (nil for SQLite).
    public var sourceLines: SourceLineCount?
}

/// Every physical line of an entity's CSV files, counted apart from the parse, and what it became:
/// a header line, a blank line, or a line of a record (``ExtractSummary/rows`` records, some
/// spanning several lines). `physical = header + blank + inRecords` proves no line was lost.
public struct SourceLineCount: Codable, Sendable, Equatable {
    public var physical = 0
    public var header = 0
    public var blank = 0
    public var inRecords = 0
    /// Records whose quoted field spans lines, and records read again line by line because of
    /// a stray quote (each of their lines became its own record).
    public var multiLineRecords = 0
    public var splitLines = 0

    public init() {}

    public var accounted: Int { header + blank + inRecords }

    mutating func add(_ other: SourceLineCount) {
        physical += other.physical
        header += other.header
        blank += other.blank
        inRecords += other.inRecords
        multiLineRecords += other.multiLineRecords
        splitLines += other.splitLines
    }
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
    /// Bytes of a CSV file a worker parses at once (``CSVPieceCutter``), and the size of the
    /// reads; tests cut files small. 256 KiB: with 1 MiB pieces the allocator kept 70 to 100 MiB
    /// more at its peak (blocks of a few MiB allocated on one thread, freed on another), for no
    /// gain in time.
    var pieceBytes = 1 << 18

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

    /// Writes `outputPath` (`extract/<entity>.tsv`) and, when the mapping has PII, `piiPath`
    /// (`extract/member_pii.tsv`: the ciphertexts, row for row with `outputPath`).
    ///
    /// The main thread reads records (a CSV record's fields as bytes, ``ExtractBatch``); batches
    /// of them are decoded, encrypted and encoded on two worker threads and written back in order
    /// (``BatchPool``), so the files are the same as a single thread's but for the random nonces
    /// and keys.
    public func run(outputPath: String, piiPath: String? = nil, progress: Bool? = nil) throws(MigrationError) -> ExtractSummary {
        let files = try SourceFiles.resolve(source: source, glob: mapping.source.files)
        if files.count > 1 {
            logger.warning("several files match the entity's glob; each is read as part of it", metadata: [
                "entity": "\(entity)", "glob": "\(mapping.source.files)", "files": "\(files.map(\.name).joined(separator: ", "))",
            ])
        }
        let encoder = RecordEncoder(mapping: mapping, encryptor: encryptor)
        if encoder.hasPII && (encryptor == nil || piiPath == nil) {
            throw KeyEncryptionKey.missingForExtract
        }
        let writer = try StageFileWriter(path: outputPath, columns: encoder.layout)
        let piiWriter = try piiPath.flatMap { path throws(MigrationError) in encoder.hasPII ? try StageFileWriter(path: path, columns: MemberPIILayout.staged) : nil }
        let line = ProgressLine("extract \(entity)", enabled: progress)
        var summary = ExtractSummary(entity: entity, rows: 0, unreadable: 0, files: files.map(\.name), kekID: encoder.hasPII ? encryptor?.kek.id : nil)
        let pool = BatchPool<Result<Parsed, MigrationError>>(workers: 2)
        // How the file's lines were used, as its pieces report them.
        var pieceLines = SourceLineCount()
        func deliver(_ result: Result<Parsed, MigrationError>) throws(MigrationError) {
            let (encoded, lines) = try result.get()
            try writer.append(encodedLines: encoded.rows, rows: encoded.count)
            try piiWriter?.append(encodedLines: encoded.pii, rows: encoded.count)
            summary.rows += encoded.count
            summary.unreadable += encoded.unreadable
            if let lines { pieceLines.add(lines) }
            line.update(summary.rows)
        }
        var batch = ExtractBatch()
        // Gathers a record read on this thread; a full batch goes to a worker.
        func gather(_ read: ExtractBatch.Read) throws(MigrationError) {
            batch.append(read)
            if batch.count >= Self.batchRecords { try submitBatch() }
        }
        func submitBatch() throws(MigrationError) {
            let full = batch
            batch.removeAll()
            try pool.submit({ encoder.encode(batch: full).map { ($0, nil) } }, deliver: deliver)
        }
        for file in files {
            var rows = 0
            var lines: SourceLineCount?
            if case .csv(let options) = mapping.source.format {
                // Parsed by the workers, a piece each (or gathered here, ``readCSVPieces``); the
                // file's rows all delivered before it is counted and the next file read.
                let before = summary.rows
                pieceLines = SourceLineCount()
                var read = try readCSVPieces(file, options: options, encoder: encoder, read: gather) { (job) throws(MigrationError) in
                    try pool.submit(job, deliver: deliver)
                }
                if batch.count > 0 { try submitBatch() }
                try pool.finish(deliver: deliver)
                read.add(pieceLines)
                lines = read
                rows = summary.rows - before
            } else {
                lines = try forEachRead(in: file) { read throws(MigrationError) in
                    rows += 1
                    try gather(read)
                }
            }
            if let lines {
                summary.sourceLines = summary.sourceLines ?? SourceLineCount()
                summary.sourceLines?.add(lines)
            }
            logger.info("extracted rows", metadata: ["entity": "\(entity)", "file": "\(file.name)", "rows": "\(rows)"])
        }
        if batch.count > 0 { try submitBatch() }
        try pool.finish(deliver: deliver)
        line.finish(summary.rows)
        try writer.close()
        try piiWriter?.close()
        return summary
    }

    /// A batch's rows encoded, and for a CSV piece how its lines were used (blank lines and
    /// records; the file's physical and header lines are counted where it is read).
    typealias Parsed = (RecordEncoder.Encoded, SourceLineCount?)

    /// Records per batch handed to a worker.
    static let batchRecords = 2_048

    /// Reads the source again and hands each record's PII, normalised as Extract encrypts it
    /// (``PIINormalizer``), to `body`, keyed by field; only the records `wanted` admits (the
    /// others are not normalised). For Reconcile's round trip: the plaintext stays in memory and
    /// must never be logged or written.
    public func readNormalizedPII(
        wanted: (SourceLocation) -> Bool, _ body: (SourceLocation, [String: String]) throws(MigrationError) -> Void
    ) throws(MigrationError) {
        let pii = mapping.columns.indices.filter { mapping.columns[$0].pii }
        for file in try SourceFiles.resolve(source: source, glob: mapping.source.files) {
            _ = try forEachRecord(in: file) { record throws(MigrationError) in
                guard wanted(record.location) else { return }
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
    struct Record: Sendable {
        var location: SourceLocation
        var unreadable: (reason: ReasonCode, column: String?)?
        var values: [String?]
    }

    /// Calls `body` with each record of `file`, decoded; returns the line count of a CSV file.
    private func forEachRecord(
        in file: (path: String, name: String), _ body: (Record) throws(MigrationError) -> Void
    ) throws(MigrationError) -> SourceLineCount? {
        var one = ExtractBatch()
        return try forEachRead(in: file) { read throws(MigrationError) in
            one.removeAll()
            one.append(read)
            for record in one.records() { try body(record) }
        }
    }

    /// Calls `body` with each record of `file` as read (CSV records not yet decoded); returns
    /// the line count of a CSV file.
    private func forEachRead(
        in file: (path: String, name: String), _ body: (ExtractBatch.Read) throws(MigrationError) -> Void
    ) throws(MigrationError) -> SourceLineCount? {
        switch mapping.source.format {
        case .csv(let options): return try readCSV(file, options: options, body)
        case .sqlite(let selection):
            try readSQLite(file, selection: selection) { record throws(MigrationError) in try body(.decoded(record)) }
            return nil
        }
    }

    private func readCSV(
        _ file: (path: String, name: String), options: CSVOptions, _ body: (ExtractBatch.Read) throws(MigrationError) -> Void
    ) throws(MigrationError) -> SourceLineCount {
        let (reader, header, records) = try openCSV(file, options: options)
        var lines = SourceLineCount()
        lines.header = header.endLine - header.line + 1
        try readOn(reader, records, lines: &lines, body)
        return lines
    }

    /// How a CSV file's records become reads, once its header is read.
    private struct CSVRecords: Sendable {
        let file: ExtractBatch.CSVFile
        /// The header's field count.
        let width: Int
        let joined: JoinedCSV?
        let encoding: TextEncoding

        /// `csv` as a read (why it cannot be, its joined row), its lines counted in `lines`.
        func read(_ csv: CSVRecord, lines: inout SourceLineCount) -> ExtractBatch.Read {
            lines.inRecords += csv.endLine - csv.line + 1
            if csv.endLine > csv.line { lines.multiLineRecords += 1 }
            if csv.readAlone { lines.splitLines += 1 }
            let unreadable: ReasonCode? = csv.malformed ? .malformedRecord : csv.fieldCount != width ? .columnCount : nil
            let joinedRow = unreadable == nil ? joined?.row(for: csv, encoding: encoding) : nil
            return .csv(csv, file, unreadable: unreadable, joined: joinedRow)
        }
    }

    /// Opens a CSV file and reads its header: the reader, positioned after it, the header record
    /// and how the records become reads (the mapped columns found, the joined file read).
    private func openCSV(
        _ file: (path: String, name: String), options: CSVOptions
    ) throws(MigrationError) -> (reader: CSVReader, header: CSVRecord, records: CSVRecords) {
        let reader = try CSVReader(path: file.path, displayName: file.name, delimiter: options.delimiter, quote: options.quote)
        let (header, names) = try reader.readHeader { TextDecoding.decode($0, as: options.encoding) }
        let joined = try mapping.source.join.map { join throws(MigrationError) in
            try JoinedCSV(join: join, source: source, options: options, mainColumn: names.firstIndex(of: join.column), file: file.name)
        }
        let indexes = try columnIndexes(names + (joined?.names ?? []), file: file.name)
        let csvFile = ExtractBatch.CSVFile(name: file.name, columns: zip(mapping.columns, indexes).map { ColumnRead($0, index: $1) }, fieldCount: names.count, encoding: options.encoding)
        return (reader, header, CSVRecords(file: csvFile, width: names.count, joined: joined, encoding: options.encoding))
    }

    /// Reads `reader`'s records to the file's end on this thread, each handed to `body` as read;
    /// adds their lines and blank lines, and sets the file's physical lines.
    private func readOn(
        _ reader: CSVReader, _ records: CSVRecords, lines: inout SourceLineCount, _ body: (ExtractBatch.Read) throws(MigrationError) -> Void
    ) throws(MigrationError) {
        while let csv = try reader.next() { try body(records.read(csv, lines: &lines)) }
        lines.blank += reader.blankLines
        lines.physical = reader.physicalLines
    }

    /// Reads a CSV file for ``run(outputPath:piiPath:progress:)``: its header here, then the rest
    /// cut into pieces (``CSVPieceCutter``), each given to `submit` as a job that parses it (the
    /// records ``readCSV(_:options:_:)`` reads there, into one ``ExtractBatch``) and encodes it.
    /// A header that is not one plain line (its lines may be records), and the rest of the file
    /// after a quoted value the cutter gave up on, are read here instead, each record handed to
    /// `read`. Returns the file's lines but those the pieces report (their records and blank lines).
    private func readCSVPieces(
        _ file: (path: String, name: String), options: CSVOptions, encoder: RecordEncoder,
        read: (ExtractBatch.Read) throws(MigrationError) -> Void,
        submit: (@escaping @Sendable () -> Result<Parsed, MigrationError>) throws(MigrationError) -> Void
    ) throws(MigrationError) -> SourceLineCount {
        let (headerReader, header, records) = try openCSV(file, options: options)
        var lines = SourceLineCount()
        lines.header = header.endLine - header.line + 1
        guard header.endLine == header.line, !header.readAlone, !header.malformed else {
            try readOn(headerReader, records, lines: &lines, read)
            return lines
        }
        // Every line before the header is blank (the header is the first record).
        lines.blank = header.line - 1
        let (path, name) = (file.path, file.name)
        func job(_ piece: CSVPieceCutter.Piece) -> @Sendable () -> Result<Parsed, MigrationError> {
            {
                var batch = ExtractBatch()
                var lines = SourceLineCount()
                do throws(MigrationError) {
                    let reader = try CSVReader(piece: piece, of: path, displayName: name, delimiter: options.delimiter, quote: options.quote, expectedFieldCount: records.width)
                    defer { lines.blank = reader.blankLines }
                    while let csv = try reader.next() { batch.append(records.read(csv, lines: &lines)) }
                } catch {
                    return .failure(error)
                }
                return encoder.encode(batch: batch).map { ($0, lines) }
            }
        }
        // The header's line end is at `endOffset` (a file of a header alone may end without one).
        let start = header.endOffset + 1
        let reader = try ChunkedFileReader(path: file.path, chunkSize: pieceBytes)
        var counter = PhysicalLineCounter()
        var cutter: CSVPieceCutter?
        var position = 0
        var lastByte: UInt8?
        do {
            while cutter?.abandoned == nil, try reader.nextChunk({ chunk in
                counter.count(chunk)
                defer {
                    position += chunk.count
                    lastByte = chunk.last
                }
                guard position + chunk.count > start else { return }
                let from = max(0, start - position)
                if cutter == nil {
                    let before = from > 0 ? chunk[from - 1] : lastByte
                    cutter = CSVPieceCutter(
                        delimiter: options.delimiter, quote: options.quote, target: pieceBytes, limit: pieceBytes * 256, offset: start,
                        line: header.endLine + 1, afterCR: before == 0x0D
                    )
                }
                try cutter?.add(UnsafeBufferPointer(rebasing: chunk[from...])) { (piece) throws(MigrationError) in try submit(job(piece)) }
            }) {}
        } catch let error as MigrationError {
            throw error
        } catch {
            throw MigrationError(.sourceUnreadable, "\(file.name): \(error)")
        }
        if let rest = cutter?.abandoned {
            // A quoted value ran on past the cutter's limit (a stray quote): the rest is read
            // here from its start.
            let reader = try CSVReader(piece: rest, of: path, displayName: name, delimiter: options.delimiter, quote: options.quote, expectedFieldCount: records.width, toEnd: true)
            try readOn(reader, records, lines: &lines, read)
            return lines
        }
        if let last = cutter?.finish() { try submit(job(last)) }
        lines.physical = counter.lines
        return lines
    }

    private func readSQLite(_ file: (path: String, name: String), selection: SQLiteSelection, _ body: (Record) throws(MigrationError) -> Void) throws(MigrationError) {
        let name: String
        switch selection {
        case .table(let table): name = "\(file.name):\(table)"
        case .query: name = "\(file.name):query"
        }
        let reader = try SQLiteReader(path: file.path, displayName: name, selection: selection, join: mapping.source.join)
        let indexes = try columnIndexes(reader.columnNames, file: name)
        let columns = zip(mapping.columns, indexes).map { ColumnRead($0, index: $1) }
        while let (ordinal, values) = try reader.next() {
            var record = Record(location: SourceLocation(source: name, line: ordinal), unreadable: nil, values: [])
            for column in columns {
                let value = column.index.flatMap { values[$0] }.map { bytes in bytes.withUnsafeBufferPointer { SourceValue($0, encoding: .utf8) } }
                record.append(value ?? .null, column: column)
            }
            try body(record)
        }
    }

    /// Index of each mapped column in the source's columns: the one column of exactly that name,
    /// else the one whose name differs only in case. Two candidates are refused (the export's
    /// second `status` column would otherwise be silently ignored).
    /// A column with a constant `value:` reads no source column (nil).
    private func columnIndexes(_ names: [String], file: String) throws(MigrationError) -> [Int?] {
        var indexes: [Int?] = []
        for column in mapping.columns {
            if column.constant != nil {
                indexes.append(nil)
                continue
            }
            let exact = names.indices.filter { names[$0] == column.from }
            let folded = names.indices.filter { names[$0].lowercased() == column.from.lowercased() }
            var candidates = exact.isEmpty ? folded : exact
            if candidates.isEmpty, let prefix = mapping.source.join?.prefix {
                // A joined column, mapped by its bare name.
                candidates = names.indices.filter { names[$0].lowercased() == (prefix + column.from).lowercased() }
            }
            guard candidates.count <= 1 else {
                let positions = candidates.map { String($0 + 1) }.joined(separator: " and ")
                throw MigrationError(
                    .sourceColumnAmbiguous,
                    "\(file): header columns \(positions) both match the mapped column '\(column.from)' (field \(column.field)); rename one in the export or map the exact name"
                )
            }
            guard let index = candidates.first else {
                throw MigrationError(.sourceColumnMissing, "\(file): no source column '\(column.from)' (mapped to field \(column.field))")
            }
            indexes.append(index)
        }
        return indexes
    }
}

/// A source value as read: SQL NULL, decoded text, or bytes that cannot be kept as text (invalid
/// in the declared encoding, or holding a NUL byte, which PostgreSQL text cannot store).
enum SourceValue {
    case null
    case text(String)
    case unreadable(ReasonCode, hex: String)

    init(_ bytes: UnsafeBufferPointer<UInt8>, encoding: TextEncoding) {
        if bytes.contains(0) {
            self = .unreadable(.nulByte, hex: Hex.encode(bytes))
        } else if let text = TextDecoding.decode(bytes, as: encoding) {
            self = .text(text)
        } else {
            self = .unreadable(.invalidEncoding, hex: Hex.encode(bytes))
        }
    }
}

extension Extractor.Record {
    /// Adds a column's value, after its constant, null values and default
    /// (``ColumnSpec/sourceValue(_:)``). Bytes that cannot be kept as text mark the record unreadable (the
    /// first such column's reason wins) and are kept as hex for the quarantine payload (see
    /// ``ExtractRecordHeader/unreadableFields``); a PII column's are dropped, never written.
    mutating func append(_ value: SourceValue, column: ColumnRead) {
        switch value {
        case .null:
            values.append(column.sourceValue(nil))
        case .unreadable(let reason, let hex):
            if let unreadable {
                self.unreadable = (unreadable.reason, (unreadable.column.map { $0 + "," } ?? "") + column.field)
            } else {
                unreadable = (reason, column.field)
            }
            values.append(column.pii ? nil : hex)
        case .text(let text):
            values.append(column.sourceValue(text))
        }
    }
}

/// A mapped column as Extract reads it, resolved once per file: the parts of its ``ColumnSpec``
/// a record needs, as a class's constants, so walking the columns of every record copies no spec
/// (each copy retains and releases its strings, set and enum payloads: 5 s of CPU at 10M rows).
final class ColumnRead: Sendable {
    /// The source column's position (nil: a constant, read from no column).
    let index: Int?
    let field: String
    let pii: Bool
    let constant: String?
    let defaultValue: String?
    let nullValues: Set<String>

    init(_ spec: ColumnSpec, index: Int?) {
        self.index = index
        field = spec.field
        pii = spec.pii
        constant = spec.constant
        defaultValue = spec.defaultValue
        nullValues = spec.nullValues
    }

    func sourceValue(_ raw: String?) -> String? {
        ColumnSpec.sourceValue(raw, constant: constant, defaultValue: defaultValue, nullValues: nullValues)
    }
}

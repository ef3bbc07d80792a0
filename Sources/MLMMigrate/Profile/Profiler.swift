public import Foundation
public import Logging

/// Profiles a legacy export before anyone maps it (`mlm-migrate profile`): reads every table
/// twice, streaming (statistics, then references), in memory bounded by ``keyLimit``.
///
/// Never writes a value of a personal-data column anywhere: its statistics hold shapes,
/// counts and in-memory hashes only.
public struct Profiler {
    /// The most values a key set may hold (hashed to 64 bits) for references to be matched
    /// against it; a larger key column is reported `not computed (too many keys)`.
    public var keyLimit = 4_000_000
    /// How many line numbers of malformed records a table lists (all are counted).
    public static let maxListedLines = 20
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// One table after the first pass.
    struct Scan {
        var source: ProfileTableSource
        var rows: Int
        var columns: [ColumnProfiler]
        var csv: CSVTraits?
    }

    /// Profiles the CSV directory or SQLite file at `source`.
    public func profile(source: String) throws(MigrationError) -> Profile {
        let tables = try ProfileTableSource.discover(source: source)
        var scans: [Scan] = []
        for table in tables {
            logger.info(
                "profiling \(table.file)\(table.name == (table.file as NSString).deletingPathExtension ? "" : " table \(table.name)")"
            )
            scans.append(try scan(table))
        }
        let references = try ReferenceFinder(scans: scans, keyLimit: keyLimit, logger: logger).find()
        let keptKeys = Set(references.keptKeySets.map { "\($0.table)\u{0}\($0.column)" })
        let profiles = scans.map { scan in
            TableProfile(
                name: scan.source.name, file: scan.source.file, format: scan.csv == nil ? "sqlite" : "csv",
                rows: scan.rows,
                encoding: Self.tableEncoding(scan.columns), csv: scan.csv,
                columns: scan.columns.map { column in
                    let keySet: String? =
                        column.isKeyCandidate
                        ? (keptKeys.contains("\(scan.source.name)\u{0}\(column.name)")
                            ? "kept" : "not computed (too many keys)") : nil
                    return column.summary(keySet: keySet)
                }
            )
        }
        let name = (source as NSString).lastPathComponent
        return Profile(
            source: name, tables: profiles, references: references.references,
            findings: ProfileFindings.collect(tables: profiles, references: references.references))
    }

    /// The first pass over one table: every column's statistics, and a CSV's dialect and bad records.
    func scan(_ table: ProfileTableSource) throws(MigrationError) -> Scan {
        let reader = ProfileTableReader(table: table)
        let shapes = TimestampShapeCache()
        var columns: [ColumnProfiler] = []
        var rows = 0
        var malformed: [Int] = [], malformedCount = 0
        var mismatched: [Int] = [], mismatchedCount = 0
        var breaksInFields = 0
        try reader.read(
            row: { _, row in
                if case .csv(let record) = row { breaksInFields += record.endLine - record.line }
                if columns.isEmpty {
                    columns = Self.profilers(reader: reader, keyLimit: keyLimit, shapes: shapes)
                }
                rows += 1
                for column in columns {
                    row.withValue(column.position) { column.add($0) }
                }
            },
            rejected: { line, rejection in
                switch rejection {
                case .malformed:
                    malformedCount += 1
                    if malformed.count < Self.maxListedLines { malformed.append(line) }
                case .fieldCount:
                    mismatchedCount += 1
                    if mismatched.count < Self.maxListedLines { mismatched.append(line) }
                }
            })
        if columns.isEmpty { columns = Self.profilers(reader: reader, keyLimit: keyLimit, shapes: shapes) }
        var csv: CSVTraits?
        if case .csv = table.kind {
            let dialect = try CSVDialect.scan(path: table.path, displayName: table.file)
            csv = CSVTraits(
                byteOrderMark: dialect.byteOrderMark, delimiter: String(UnicodeScalar(reader.delimiter)),
                lineEndings: dialect.endings, physicalLines: reader.physicalLines,
                blankLines: reader.blankLines, lineBreaksInFields: breaksInFields,
                malformedRecords: malformedCount, malformedLines: malformed,
                fieldCountMismatches: mismatchedCount, fieldCountMismatchLines: mismatched)
        }
        return Scan(source: table, rows: rows, columns: columns, csv: csv)
    }

    private static func profilers(
        reader: ProfileTableReader, keyLimit: Int, shapes: TimestampShapeCache
    ) -> [ColumnProfiler] {
        var declared: [String: String] = [:]
        if case .sqlite(_, let types) = reader.table.kind { declared = types }
        return reader.columnNames.enumerated().map { position, name in
            ColumnProfiler(
                name: name, position: position, declaredType: declared[name], keyLimit: keyLimit,
                timestampShapes: shapes)
        }
    }

    /// A table's encoding from all its columns' values.
    static func tableEncoding(_ columns: [ColumnProfiler]) -> EncodingProfile {
        let nonASCII = columns.reduce(0) { $0 + $1.nonASCII }
        let invalid = columns.reduce(0) { $0 + $1.invalidUTF8 }
        let c1 = columns.reduce(0) { $0 + $1.c1Bytes }
        return EncodingProfile(
            guess: ColumnProfiler.encodingGuess(nonASCII: nonASCII, invalid: invalid, c1: c1),
            nonAsciiValues: nonASCII,
            invalidUtf8Values: invalid, c1ByteValues: c1,
            nulByteValues: columns.reduce(0) { $0 + $1.nulBytes })
    }
}

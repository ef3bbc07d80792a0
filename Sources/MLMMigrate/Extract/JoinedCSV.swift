import Foundation

/// The rows of a CSV `join:` source (``SourceJoin``), held in memory by their key so each record
/// of the entity's file finds its one joined row. Values stay in memory only (they may be PII,
/// encrypted when the record is). A malformed joined line, or a key on two lines, stops the run:
/// a joined row that cannot be read would silently blank a member's columns.
struct JoinedCSV {
    /// The joined columns as the mapping may name them: `<prefix><column>`.
    let names: [String]
    private let rows: [String: [String?]]
    private let mainColumn: Int

    init(join: SourceJoin, source: String, options: CSVOptions, mainColumn: Int?, file: String) throws(MigrationError) {
        guard let mainColumn else {
            throw MigrationError(.sourceColumnMissing, "\(file): no source column '\(join.column)' for the join with \(join.from)")
        }
        self.mainColumn = mainColumn
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory)
        let directory = !exists || isDirectory.boolValue ? source : (source as NSString).deletingLastPathComponent
        var names: [String] = []
        var rows: [String: [String?]] = [:]
        for joined in try SourceFiles.resolve(source: directory.isEmpty ? "." : directory, glob: join.from) {
            let reader = try CSVReader(path: joined.path, displayName: joined.name, delimiter: options.delimiter, quote: options.quote)
            let headerNames = try reader.readHeader { TextDecoding.decode($0, as: options.encoding) }.names
            if names.isEmpty { names = headerNames }
            guard headerNames == names else {
                throw MigrationError(.sourceColumnMissing, "\(joined.name): line 1: its header differs from the first joined file's")
            }
            guard let key = names.firstIndex(of: join.joinedColumn) else {
                throw MigrationError(.sourceColumnMissing, "\(joined.name): no column '\(join.joinedColumn)' to join on")
            }
            while let record = try reader.next() {
                guard !record.malformed, record.fieldCount == names.count else {
                    throw MigrationError(.sourceUnreadable, "\(joined.name): line \(record.line): the joined record cannot be read; fix the export")
                }
                let values = (0..<record.fieldCount).map { index in record.withField(index) { TextDecoding.decode($0, as: options.encoding) } }
                guard let value = values[key]?.trimmingWhitespace(), !value.isEmpty else { continue }
                guard rows[value] == nil else {
                    throw MigrationError(
                        .sourceJoinNotUnique, "\(joined.name): line \(record.line): its \(join.joinedColumn) is on an earlier line too; a join needs one row per record"
                    )
                }
                rows[value] = values
            }
        }
        self.names = names.map { join.prefix + $0 }
        self.rows = rows
    }

    /// The joined row of `record`, or nil when it has none.
    func row(for record: CSVRecord, encoding: TextEncoding) -> [String?]? {
        guard mainColumn < record.fieldCount else { return nil }
        let key = record.withField(mainColumn) { TextDecoding.decode($0, as: encoding) }?.trimmingWhitespace() ?? ""
        return rows[key]
    }
}

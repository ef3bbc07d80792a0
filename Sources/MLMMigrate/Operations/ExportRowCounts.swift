import Foundation

/// Counts an export's rows per entity as the mapping reads them, without extracting: CSV
/// records (with the extract's own reader, so a quoted line break is one record) less the
/// header, SQLite rows of the mapped table or query. For the cutover window estimate
/// (`rehearse --production-source`): nothing is decrypted, parsed or written.
public enum ExportRowCounts {
    public static func count(source: String, mapping: Mapping) throws(MigrationError) -> [String: Int] {
        let absolute = URL(fileURLWithPath: source).standardizedFileURL.path
        var entities: [(String, SourceSpec)] = [("members", mapping.members.source)]
        if let ledger = mapping.ledger {
            entities.append(("wallet_entries", ledger.entries.source))
            if let balances = ledger.balances { entities.append(("wallet_balances", balances.source)) }
        }
        if let commission = mapping.commission {
            entities += Pipeline.commissionEntities(commission).map { ($0.name, $0.mapping.source) }
        }
        var counts: [String: Int] = [:]
        for (entity, spec) in entities {
            var rows = 0
            for file in try SourceFiles.resolve(source: absolute, glob: spec.files) {
                rows += try count(file, format: spec.format)
            }
            counts[entity] = rows
        }
        return counts
    }

    private static func count(_ file: (path: String, name: String), format: SourceFormat) throws(MigrationError) -> Int {
        switch format {
        case .csv(let options):
            let reader = try CSVReader(path: file.path, displayName: file.name, delimiter: options.delimiter, quote: options.quote)
            var records = 0
            while try reader.next() != nil { records += 1 }
            return max(records - 1, 0)
        case .sqlite(let selection):
            let reader = try SQLiteReader(path: file.path, displayName: file.name, selection: selection)
            var rows = 0
            while try reader.next() != nil { rows += 1 }
            return rows
        }
    }
}

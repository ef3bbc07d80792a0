import Foundation

/// Writes a run's exceptions register as `exceptions.csv`: RFC 4180 (comma-separated, CRLF line
/// ends, a field quoted when it holds a comma, quote, CR or LF, quotes doubled), UTF-8 without a
/// byte-order mark, a header line, one exception a line. Columns: docs/exceptions.md.
///
/// It holds ids, reason codes, column names and amounts, never a source value.
public enum ExceptionsCSV {
    /// The file name beside `report.md`.
    public static let fileName = "exceptions.csv"

    /// The columns, in order. A sign-off file adds `decision` and `comment` after them.
    public static let columns = [
        "exception_id", "run_id", "kind", "entity", "reason", "source", "line", "legacy_id", "related_legacy_id",
        "period", "columns", "currency", "exponent", "amount_minor", "legacy_minor", "migrated_minor", "detail",
        "content_sha256", "status",
    ]

    /// The columns of ``ExceptionEntry/contentFields`` (hashed into `content_sha256`), in order.
    public static let contentColumns = [
        "exception_id", "kind", "entity", "reason", "legacy_id", "related_legacy_id", "period", "columns",
        "currency", "exponent", "amount_minor", "legacy_minor", "migrated_minor", "detail",
    ]

    /// One line's fields: `status` is `open` or the decision that covers the exception.
    public static func fields(_ entry: ExceptionEntry, runID: Int, decision: RecordedDecision?) -> [String] {
        [
            entry.id, String(runID), entry.kind.rawValue, entry.entity, entry.reason, entry.source, entry.line,
            entry.legacyID, entry.relatedLegacyID, entry.period, entry.columns, entry.currency, entry.exponent,
            entry.amountMinor, entry.legacyMinor, entry.migratedMinor, entry.detail, entry.contentDigest,
            decision?.decision.rawValue ?? "open",
        ]
    }

    /// Counts run `runID`'s exceptions as `entries` hands them over (``ExceptionReader/forEach(runID:_:)``)
    /// and, when `path` is given, writes them there as they come, whole or not at all (mode 0600,
    /// like the reports): the register is never held in memory.
    public static func write(
        to path: String?, runID: Int, decisions: ExceptionDecisions,
        entries: ((ExceptionEntry) throws(MigrationError) -> Void) throws(MigrationError) -> Void
    ) throws(MigrationError) -> ExceptionFigures {
        var figures = ExceptionFigures(runID: runID)
        guard let path else {
            try entries { entry throws(MigrationError) in figures.count(entry, decision: decisions.covering(entry)) }
            return figures
        }
        try AtomicFile.write(to: path) { file throws(MigrationError) in
            var line: [UInt8] = []
            appendLine(columns, to: &line)
            try file.write(line)
            try entries { entry throws(MigrationError) in
                let decision = decisions.covering(entry)
                figures.count(entry, decision: decision)
                line.removeAll(keepingCapacity: true)
                appendLine(fields(entry, runID: runID, decision: decision), to: &line)
                try file.write(line)
            }
        }
        return figures
    }

    /// Appends one record and its CRLF.
    public static func appendLine(_ fields: [String], to out: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: quoted(field).utf8)
        }
        out.append(contentsOf: [0x0D, 0x0A])
    }

    /// `field` as RFC 4180 writes it: in double quotes, inner quotes doubled, when it holds a
    /// comma, a quote, a CR or an LF; as it is otherwise.
    public static func quoted(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

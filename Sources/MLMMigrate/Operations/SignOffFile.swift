import Crypto
import Foundation

/// One wrong row or header of a sign-off file: file, line and column, never the cell's value.
public struct SignOffIssue: Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: String?
    public var problem: String

    public var description: String { "\(file):\(line): \(column.map { "column \($0): " } ?? "")\(problem)" }
}

/// One decision read from a sign-off file.
public struct SignOffRow: Equatable, Sendable {
    public var line: Int
    public var exceptionID: String
    public var runID: Int
    /// Recomputed from the row's content columns, and equal to its `content_sha256`.
    public var contentDigest: String
    public var decision: ExceptionDecision
    public var comment: String
}

/// Reads a sign-off file: `exceptions.csv` as exported, with a `decision` (accepted,
/// fix_in_source, fix_in_target) and a `comment` column filled in by a person. A row with
/// neither is left open; every other problem is an issue naming file, line and column.
public enum SignOffFile {
    public struct Contents: Equatable, Sendable {
        public var rows: [SignOffRow]
        /// Rows with no decision: left as they are.
        public var undecided: Int
        public var issues: [SignOffIssue]
        /// SHA-256 (hex) of the file's bytes, recorded with each decision.
        public var fileDigest: String
    }

    public static let columns = ExceptionsCSV.columns + ["decision", "comment"]

    public static func read(path: String, displayName: String? = nil) throws(MigrationError) -> Contents {
        let name = displayName ?? path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MigrationError(.signoffUnreadable, "cannot read the sign-off file \(name)")
        }
        let reader = try CSVReader(path: path, displayName: name)
        var contents = Contents(rows: [], undecided: 0, issues: [], fileDigest: Hex.encode(SHA256.hash(data: data)))
        func issue(_ line: Int, _ column: String?, _ problem: String) {
            contents.issues.append(SignOffIssue(file: name, line: line, column: column, problem: problem))
        }
        guard let header = try reader.next() else {
            issue(1, nil, "the file is empty; expected the header line of exceptions.csv with decision and comment added")
            return contents
        }
        reader.expectedFieldCount = header.fieldCount
        let names = (0..<header.fieldCount).map { index in
            header.withField(index) { String(decoding: $0, as: UTF8.self) }
        }
        var position: [String: Int] = [:]
        for (index, name) in names.enumerated() where position[name] == nil { position[name] = index }
        let missing = columns.filter { position[$0] == nil }
        for column in missing {
            issue(header.line, column, "missing from the header (keep every column of exceptions.csv, add decision and comment)")
        }
        guard missing.isEmpty else { return contents }
        var firstLine: [String: Int] = [:]
        var runIDs: Set<Int> = []
        while let record = try reader.next() {
            let line = record.line
            if record.malformed {
                issue(line, nil, "a quoted field is not closed properly (RFC 4180: a quote inside a field is doubled)")
                continue
            }
            guard record.fieldCount == names.count else {
                issue(line, nil, "has \(record.fieldCount) fields, the header \(names.count)")
                continue
            }
            var cells: [String: String] = [:]
            var readable = true
            for (column, index) in position.sorted(by: { $0.value < $1.value }) {
                guard let text = record.withField(index, { String(validating: $0, as: UTF8.self) }) else {
                    issue(line, column, "is not valid UTF-8")
                    readable = false
                    continue
                }
                cells[column] = text
            }
            guard readable else { continue }
            func cell(_ column: String) -> String { cells[column] ?? "" }
            let decisionText = cell("decision").trimmingWhitespace()
            let comment = cell("comment").trimmingWhitespace()
            if decisionText.isEmpty {
                if comment.isEmpty { contents.undecided += 1 } else { issue(line, "comment", "a comment without a decision") }
                continue
            }
            var valid = true
            let id = cell("exception_id")
            if id.wholeMatch(of: /EX-[0-9a-f]{16}/) == nil {
                issue(line, "exception_id", "is not an exception id (EX- and 16 lowercase hex digits)")
                valid = false
            } else if let first = firstLine[id] {
                issue(line, "exception_id", "this exception is decided twice in the file (first on line \(first))")
                valid = false
            } else {
                firstLine[id] = line
            }
            let decision = ExceptionDecision(rawValue: decisionText)
            if decision == nil {
                issue(line, "decision", "unknown decision; expected accepted, fix_in_source or fix_in_target")
                valid = false
            }
            if comment.isEmpty {
                issue(line, "comment", "a decision needs a comment (why it is accepted, or what will be fixed where)")
                valid = false
            }
            let runID = Int(cell("run_id"))
            if let runID { runIDs.insert(runID) } else {
                issue(line, "run_id", "is not a run id")
                valid = false
            }
            let digest = ExceptionEntry.sha256Line(ExceptionsCSV.contentColumns.map(cell))
            if digest != cell("content_sha256") {
                issue(line, "content_sha256",
                      "does not match the row's content: a column was edited after export; export the register again")
                valid = false
            }
            guard valid, let decision, let runID else { continue }
            contents.rows.append(SignOffRow(
                line: line, exceptionID: id, runID: runID, contentDigest: digest, decision: decision, comment: comment
            ))
        }
        if runIDs.count > 1 {
            issue(header.line, "run_id", "rows of \(runIDs.count) runs; sign off one run's register at a time")
        }
        return contents
    }
}

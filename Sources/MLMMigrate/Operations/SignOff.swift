/// What a sign-off recorded.
public struct SignOffSummary: Sendable {
    public var runID: Int
    public var recorded: Int
    /// Rows of the file with no decision, left as they were.
    public var undecided: Int
    /// The run's register after the sign-off: open and decided per kind.
    public var figures: ExceptionFigures
}

/// `mlm-migrate sign-off`: records the decisions of a sign-off file in
/// `mlm_migration.signoffs`, each with the content digest of the exception it was made on, who
/// made it and when. All or nothing: a file with any wrong row records none and names them all.
public struct SignOff {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public func record(path: String, by person: String) throws(MigrationError) -> SignOffSummary {
        let name = person.trimmingWhitespace()
        guard !name.isEmpty else { throw MigrationError(.signoffInvalid, "--by must name the person who decided") }
        var contents = try SignOffFile.read(path: path)
        let reader = ExceptionReader(connection: connection)
        let runID: Int
        if let first = contents.rows.first?.runID { runID = first } else { runID = try reader.latestRun() }
        if contents.issues.isEmpty {
            // Only the file's ids are looked up, as the register streams past.
            var current = Dictionary(contents.rows.map { ($0.exceptionID, "") }, uniquingKeysWith: { first, _ in first })
            try reader.forEach(runID: runID) { entry throws(MigrationError) in
                let id = entry.id
                if current[id] == "" { current[id] = entry.contentDigest }
            }
            for row in contents.rows {
                guard let digest = current[row.exceptionID], !digest.isEmpty else {
                    contents.issues.append(SignOffIssue(
                        file: path, line: row.line, column: "exception_id",
                        problem: "run \(runID) has no exception with this id"
                    ))
                    continue
                }
                if digest != row.contentDigest {
                    contents.issues.append(SignOffIssue(
                        file: path, line: row.line, column: "content_sha256",
                        problem: "the exception changed in the target since this file was exported; export the register again"
                    ))
                }
            }
        }
        guard contents.issues.isEmpty else {
            let lines = contents.issues.map { "  \($0)" }.joined(separator: "\n")
            throw MigrationError(.signoffInvalid, "\(contents.issues.count) problems in \(path), nothing recorded:\n\(lines)")
        }
        try connection.inTransaction { () throws(MigrationError) in
            for row in contents.rows {
                _ = try connection.query("""
                    INSERT INTO mlm_migration.signoffs
                        (exception_id, run_id, content_sha256, decision, comment, decided_by, file_sha256)
                    VALUES ($1, $2::bigint, $3, $4, $5, $6, $7)
                    """, [
                        row.exceptionID, String(runID), row.contentDigest, row.decision.rawValue, row.comment, name,
                        contents.fileDigest,
                    ], what: "recording a decision")
            }
        }
        return SignOffSummary(
            runID: runID, recorded: contents.rows.count, undecided: contents.undecided,
            figures: try ExceptionsCSV.write(to: nil, runID: runID, decisions: try reader.decisions()) { each throws(MigrationError) in
                try reader.forEach(runID: runID, each)
            }
        )
    }
}

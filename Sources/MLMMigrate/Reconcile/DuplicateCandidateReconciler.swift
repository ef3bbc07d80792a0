/// One pair of loaded registrations that look like the same person, as the report lists it:
/// legacy ids (never a value of the identity columns), the columns that match, and the score.
public struct DuplicateCandidateFigure: Codable, Sendable, Equatable {
    public var legacyID: String
    public var duplicateOfLegacyID: String
    public var columns: [String]
    public var scorePercent: Int
}

/// Reads back `mlm_migration.duplicate_candidates` for the members in scope and checks that it
/// lists every pair Transform produced.
public struct DuplicateCandidateReconciler {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public func run(runID: Int, expected: Int?) throws(MigrationError) -> (Check, [DuplicateCandidateFigure]) {
        let scope = ReconcileScope(runID: runID)
        var pairs: [DuplicateCandidateFigure] = []
        for row in try connection.query("""
            SELECT m.legacy_id, o.legacy_id, array_to_string(d.columns, ','), d.score_percent::text
            FROM mlm_migration.duplicate_candidates d
            JOIN mlm.members m ON m.member_id = d.member_id JOIN mlm.members o ON o.member_id = d.duplicate_of_member_id
            WHERE \(scope.covers("d.member_id")) AND \(scope.covers("d.duplicate_of_member_id"))
            ORDER BY d.member_id, d.duplicate_of_member_id
            """, what: "reading the duplicate candidates") {
            pairs.append(DuplicateCandidateFigure(
                legacyID: row[0] ?? "", duplicateOfLegacyID: row[1] ?? "",
                columns: (row[2] ?? "").split(separator: ",").map(String.init), scorePercent: Int(row[3] ?? "") ?? 0
            ))
        }
        let check = Check(
            name: "members.duplicate_candidates_listed",
            description: "pairs of loaded registrations flagged as the same person in mlm_migration.duplicate_candidates = pairs Cleanse found",
            expected: String(expected ?? 0), actual: String(pairs.count)
        )
        return (check, pairs)
    }
}

/// The target rows a run's reconciliation covers: every member, and every member's rows, but
/// those a delta run kept because its export no longer gave them (gone from it, or quarantined
/// in it; `mlm_migration.kept_members`). After a first load that is exactly the run's rows (the
/// target was empty); after a delta run, the target as the later export describes it.
public struct ReconcileScope: Sendable {
    public let runID: Int

    public init(runID: Int) {
        self.runID = runID
    }

    /// An SQL condition: the member id in `column` is in scope. Qualify the column with its
    /// table or alias (`mlm.members.member_id`): a bare `member_id` would name the kept row's.
    public func covers(_ column: String) -> String {
        "NOT EXISTS (SELECT 1 FROM mlm_migration.kept_members kept WHERE kept.run_id = \(runID) AND kept.member_id = \(column))"
    }
}

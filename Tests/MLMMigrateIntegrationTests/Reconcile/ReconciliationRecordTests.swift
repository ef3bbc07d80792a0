import Foundation
import MLMMigrate
import Testing

@Suite struct ReconciliationRecordTests {
    @Test func aSecondReconcileKeepsTheFirstFinishTimeAndIsRecordedApart() throws {
        let sample = try LoadedSample(database: "recheck")
        let connection = try sample.connect()
        _ = try sample.pipeline.reconcile(target: sample.target)
        let first = try connection.scalar("SELECT finished_at::text FROM mlm_migration.runs WHERE run_id = 1")
        #expect(first != nil)
        _ = try sample.pipeline.reconcile(target: sample.target)
        #expect(try connection.scalar("SELECT finished_at::text FROM mlm_migration.runs WHERE run_id = 1") == first)
        let records = try connection.query("""
            SELECT passed::text, length(report_sha256)::text, (reconciled_at >= $1::timestamptz)::text
            FROM mlm_migration.reconciliations WHERE run_id = 1 ORDER BY reconciliation_id
            """, [first ?? ""])
        #expect(records == [["true", "64", "true"], ["true", "64", "true"]])
        _ = sample.directory
    }
}

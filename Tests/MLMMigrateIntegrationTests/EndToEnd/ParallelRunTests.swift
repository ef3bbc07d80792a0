import Foundation
import MLMMigrate
import Testing

/// The go-live gate on both samples: the closed period migrates with every commission row
/// accounted for, and `parallel-run` flags exactly the legacy figures the generator seeded
/// wrong, and the differences migration causes, each classified as such.
@Suite struct ParallelRunTests {
    static let periods = [("vendor1-binaryplan", "2026-11"), ("vendor2-mlmsoft", "2026-11-16")]

    /// Lines of a samples/expected file, without its header, sorted.
    private func expected(_ name: String, columns: Int) throws -> [String] {
        try String(contentsOfFile: PackagePaths.sample("expected/\(name).tsv"), encoding: .utf8)
            .split(separator: "\n").dropFirst()
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).prefix(columns).joined(separator: "\t") }
            .sorted()
    }

    private func migrated(_ vendor: String) throws -> (TemporaryDirectory, String) {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("parallel")
        let result = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--target", target,
            "--work-dir", work.path, "--kek-file", TestKeys.kekFile,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return (work, target)
    }

    @Test(arguments: periods)
    func flagsExactlyTheSeededLegacyMistakesAndTheDifferencesMigrationCauses(vendor: String, period: String) throws {
        let (work, target) = try migrated(vendor)
        let connection = try PostgresConnection(target)
        let quarantined = try connection.query(
            "SELECT legacy_id || E'\\t' || reason FROM mlm_migration.quarantine WHERE entity IN ('orders', 'carry_forward', 'closing_carry_forward', 'ranks', 'rank_history', 'payouts')"
        ).compactMap { $0[0] }.sorted()
        #expect(quarantined == (try expected("\(vendor)-commission", columns: 2)))

        let run = try ToolRun.run("mlm-migrate", ["parallel-run", "--period", period, "--target", target, "--work-dir", work.path])
        #expect(run.status == 1, "\(run.stderr)")
        let json = try Data(contentsOf: URL(fileURLWithPath: "\(work.path)/parallel-run-\(period).json"))
        let summary = try JSONDecoder().decode(ParallelRunSummary.self, from: json)
        // Carry differences are per leg; the expected file lists each member's carry once.
        let flagged = Set(summary.differences.map { difference in
            let bonus = difference.bonusType.hasPrefix("carry:") ? "carry" : difference.bonusType
            return "\(difference.legacyID)\t\(bonus)\t\(difference.classification)"
        }).sorted()
        #expect(flagged == (try expected("\(vendor)-parallel-run", columns: 3)))
        let stored = try connection.scalar(
            "SELECT count(*) FROM mlm_migration.parallel_run WHERE parallel_run_id = $1::bigint", [String(summary.parallelRunID)]
        )
        #expect(stored == String(summary.differences.count))
        for difference in summary.differences {
            #expect(difference.differenceMinor == (difference.recomputedMinor ?? 0) - (difference.legacyMinor ?? 0))
            #expect(difference.explanation.contains("\"recomputed\""))
            if difference.classification == "migration" { #expect(difference.explanation.contains("quarantined_upstream")) }
        }
        let markdown = try String(contentsOfFile: "\(work.path)/parallel-run-\(period).md", encoding: .utf8)
        #expect(markdown.contains("Do not switch over"))
    }

    @Test func matchesEverythingOnceTheLegacyFiguresAreCorrected() throws {
        let (work, target) = try migrated("vendor2-mlmsoft")
        let connection = try PostgresConnection(target)
        let first = try ToolRun.run("mlm-migrate", ["parallel-run", "--period", "2026-11-16", "--target", target, "--work-dir", work.path])
        #expect(first.status == 1)
        // Put the recomputed figure in every legacy payout that differed, and drop the quarantined
        // member's effect by removing its quarantined order from consideration: what is left must match.
        _ = try connection.query("""
            UPDATE mlm.commission_payouts p SET amount_minor = d.recomputed_minor
            FROM mlm_migration.parallel_run d WHERE d.member_id = p.member_id AND d.bonus_type = p.bonus_type AND d.period = p.period
            """)
        let second = try ToolRun.run("mlm-migrate", ["parallel-run", "--period", "2026-11-16", "--target", target, "--work-dir", work.path])
        #expect(second.status == 0, "\(second.stdout)")
        #expect(second.stdout.contains("every payout and carry-forward matches"))
    }

    @Test func rollbackRemovesTheCommissionStateAndItsParallelRuns() throws {
        let (work, target) = try migrated("vendor1-binaryplan")
        let parallel = try ToolRun.run("mlm-migrate", ["parallel-run", "--period", "2026-11", "--target", target, "--work-dir", work.path])
        #expect(parallel.status == 1)
        let rollback = try ToolRun.run("mlm-migrate", ["rollback", "--run", "1", "--target", target, "--work-dir", work.path])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        let connection = try PostgresConnection(target)
        for table in ["mlm_migration.parallel_run", "mlm_migration.parallel_runs", "mlm.periods", "mlm.orders", "mlm.carry_forward", "mlm.ranks", "mlm.rank_history", "mlm.commission_payouts"] {
            #expect(try connection.scalar("SELECT count(*) FROM \(table)") == "0", "\(table)")
        }
    }

    /// The later export closes the next period: a delta run adds it (and closes the period row the
    /// first load had open), the parallel run of it flags exactly that period's seeded mistakes,
    /// and rolling the delta back removes the period again, back to open.
    @Test(arguments: [("vendor1-binaryplan", "2026-12"), ("vendor2-mlmsoft", "2026-11-23")])
    func aDeltaRunAddsTheNextPeriodAndRollbackRemovesIt(vendor: String, next: String) throws {
        let (work, target) = try migrated(vendor)
        let connection = try PostgresConnection(target)
        let before = try connection.scalar("SELECT closed::text FROM mlm.periods WHERE period = $1", [next])
        let delta = try ToolRun.run("mlm-migrate", [
            "run", "--delta", "--source", PackagePaths.sample("later/\(vendor)"), "--mapping", PackagePaths.mapping(vendor),
            "--commission-period", next, "--target", target, "--work-dir", work.path, "--kek-file", TestKeys.kekFile,
        ])
        #expect(delta.status == 0, "\(delta.stdout)\(delta.stderr)")
        #expect(try connection.scalar("SELECT closed::text FROM mlm.periods WHERE period = $1", [next]) == "true")
        let run = try ToolRun.run("mlm-migrate", ["parallel-run", "--period", next, "--target", target, "--work-dir", work.path])
        #expect(run.status == 1, "\(run.stderr)")
        let summary = try JSONDecoder().decode(
            ParallelRunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: "\(work.path)/parallel-run-\(next).json"))
        )
        let flagged = Set(summary.differences.map { difference in
            "\(difference.legacyID)\t\(difference.bonusType.hasPrefix("carry:") ? "carry" : difference.bonusType)\t\(difference.classification)"
        }).sorted()
        #expect(flagged == (try expected("../later/expected/\(vendor)-parallel-run", columns: 3)))

        let rollback = try ToolRun.run("mlm-migrate", ["rollback", "--run", "2", "--target", target, "--work-dir", work.path])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(try connection.scalar("SELECT count(*) FROM mlm.commission_payouts WHERE period = $1", [next]) == "0")
        #expect(try connection.scalar("SELECT count(*) FROM mlm.carry_forward WHERE period = $1", [next]) == "0")
        #expect(try connection.scalar("SELECT closed::text FROM mlm.periods WHERE period = $1", [next]) == before)
    }

    @Test func refusesAnOpenPeriodTheLegacySystemHasNotPaid() throws {
        // Vendor 1's export has orders dated in December 2026, a period not closed yet.
        let (work, target) = try migrated("vendor1-binaryplan")
        let run = try ToolRun.run("mlm-migrate", ["parallel-run", "--period", "2026-12", "--target", target, "--work-dir", work.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("[commission.period_open]"))
    }

    @Test func refusesAPeriodTheTargetDoesNotHave() throws {
        let (work, target) = try migrated("vendor2-mlmsoft")
        let run = try ToolRun.run("mlm-migrate", ["parallel-run", "--period", "1999-01-04", "--target", target, "--work-dir", work.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("[commission.period_unknown]"))
    }
}

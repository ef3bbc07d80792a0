import Foundation
import MLMMigrate
import Testing

/// Vendor 3 (`mlm-samples --vendor vendor3`): profiles in a joined table, one currency and no
/// currency column, sentinel dates, leg code 0 for the root, a delete flag as the status,
/// credit/debit in its own column, transfers between members; migrated with a mapping that has
/// no SQL at all.
@Suite struct ThirdVendorTests {
    @Test func migratesTheFlatWalletExportWithAMappingThatHasNoSQL() throws {
        let vendor = "vendor3-flatwallet"
        let mapping = PackagePaths.mapping(vendor)
        #expect(!(try String(contentsOfFile: mapping, encoding: .utf8)).contains("query:"))
        let samples = try TemporaryDirectory()
        let generated = try ToolRun.run("mlm-samples", ["--vendor", "vendor3", "--members", "60", "--wallet-entries", "300", "--out", samples.path])
        #expect(generated.status == 0, "\(generated.stderr)")
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("vendor3")
        let run = try ToolRun.run("mlm-migrate", [
            "run", "--source", "\(samples.path)/\(vendor)", "--mapping", mapping, "--target", target, "--work-dir", work.path,
            "--kek-file", TestKeys.kekFile,
        ])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("members: extracted 60, loaded 59, quarantined 1"))

        let connection = try PostgresConnection(target)
        let expected = try String(contentsOfFile: "\(samples.path)/expected/\(vendor).tsv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map(String.init).sorted()
        let quarantined = try connection.query(
            "SELECT entity || E'\\t' || legacy_id || E'\\t' || reason FROM mlm_migration.quarantine ORDER BY 1"
        ).compactMap { $0[0] }
        #expect(quarantined == expected)
        // Quarantined rows name their own table and rowid, not the join.
        #expect(try connection.scalar("SELECT source || ':' || line FROM mlm_migration.quarantine WHERE entity = 'members'") == "export.sqlite:users:60")
        let shape = try connection.query("""
            SELECT count(*) FILTER (WHERE status = 'deleted'), count(*) FILTER (WHERE placement_leg IS NULL),
                   count(*) FILTER (WHERE sponsor_id IS NULL) FROM mlm.members
            """).first
        #expect(shape == ["3", "1", "1"])
        // Sentinel dates of birth were never stored: members 5, 10, ... 55 have none.
        #expect(try connection.scalar("SELECT count(*) FROM mlm.member_pii WHERE date_of_birth IS NULL") == "11")
        #expect(try connection.scalar("SELECT string_agg(DISTINCT currency, ',') FROM mlm.wallet_entries") == "USD")
        #expect(try connection.scalar("SELECT count(*) > 0 FROM mlm.wallet_entries WHERE counterparty_id IS NOT NULL")?.hasPrefix("t") == true)
        #expect(try connection.scalar("SELECT count(*) FROM mlm.wallet_entries WHERE kind = 'withdrawal' AND amount_minor > 0") == "0")
        // The mangled earlier registration and the real owner both load, flagged for review.
        let pair = try connection.query("""
            SELECT m.legacy_id, o.legacy_id, array_to_string(d.columns, ',') FROM mlm_migration.duplicate_candidates d
            JOIN mlm.members m USING (member_id) JOIN mlm.members o ON o.member_id = d.duplicate_of_member_id
            """)
        #expect(pair == [["9", "3", "email"]])
    }
}

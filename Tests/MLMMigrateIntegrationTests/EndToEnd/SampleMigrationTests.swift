import Foundation
import MLMMigrate
import Testing

@Suite struct SampleMigrationTests {
    static let vendors = ["vendor1-binaryplan", "vendor2-mlmsoft"]

    private func migrate(_ vendor: String, target: String, work: String, extra: [String] = []) throws -> ToolRun {
        try ToolRun.run("mlm-migrate", ["run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--target", target, "--work-dir", work, "--kek-file", TestKeys.kekFile] + extra)
    }

    /// Expected (legacy id or `-`, reason) pairs written by the sample generator, sorted.
    private func expected(_ vendor: String) throws -> [String] {
        try String(contentsOfFile: PackagePaths.sample("expected/\(vendor).tsv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map(String.init).sorted()
    }

    @Test(arguments: vendors)
    func quarantinesExactlyTheSeededDefectsAndBalances(vendor: String) throws {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase(vendor)
        let result = try migrate(vendor, target: target, work: work.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(" passed, 0 failed"))
        let connection = try PostgresConnection(target)
        let quarantined = try connection.query("SELECT coalesce(legacy_id, '-') || E'\\t' || reason FROM mlm_migration.quarantine WHERE entity = 'members'").compactMap { $0[0] }.sorted()
        #expect(quarantined == (try expected(vendor)))
        let ledgerQuarantined = try connection.query("SELECT entity || E'\\t' || legacy_id || E'\\t' || reason FROM mlm_migration.quarantine WHERE entity IN ('wallet_entries', 'wallet_balances')").compactMap { $0[0] }.sorted()
        #expect(ledgerQuarantined == (try expected("\(vendor)-ledger")))
        let variances = try connection.query(
            "SELECT m.legacy_id || E'\\t' || w.currency || E'\\t' || coalesce(w.legacy_balance_minor::text, 'none') "
                + "FROM mlm.wallets w JOIN mlm.members m USING (member_id) WHERE w.legacy_balance_minor IS DISTINCT FROM w.balance_minor"
        ).compactMap { $0[0] }.sorted()
        #expect(variances == (try expected("\(vendor)-variances")))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(work.path)/report.json"))) as? [String: Any]
        let content = report?["content"] as? [String: Any]
        let entity = (content?["entities"] as? [[String: Any]])?.first
        let extracted = entity?["extracted"] as? Int ?? -1
        #expect(extracted == (entity?["loaded"] as? Int ?? 0) + (entity?["quarantined"] as? Int ?? 0))
        #expect(content?["passed"] as? Bool == true)
        let ledger = content?["ledger"] as? [String: Any]
        let currencies = ledger?["currencies"] as? [[String: Any]] ?? []
        #expect(currencies.count >= 3 && currencies.allSatisfy { $0["balanced"] as? Bool == true })
        #expect((ledger?["variances"] as? [Any])?.count == (try expected("\(vendor)-variances")).count)
        #expect(FileManager.default.fileExists(atPath: "\(work.path)/report.md"))
    }

    @Test func twoRunsOfTheSameExportGiveIdenticalRowsAndReportDigest() throws {
        let vendor = "vendor1-binaryplan"
        var digests: [String] = []
        var tables: [String] = []
        for _ in 0..<2 {
            let work = try TemporaryDirectory()
            let target = try TestPostgres.freshDatabase("repeat")
            let result = try migrate(vendor, target: target, work: work.path)
            #expect(result.status == 0, "\(result.stderr)")
            digests.append(result.stdout.split(separator: "\n").first { $0.hasPrefix("report content sha256:") }.map(String.init) ?? "")
            var dump = ""
            try PostgresConnection(target).copyOut("COPY (SELECT member_id, legacy_id, username, status, joined_at, sponsor_id, placement_id, placement_leg FROM mlm.members ORDER BY member_id) TO STDOUT", what: "dump") {
                dump += String(decoding: $0, as: UTF8.self)
            }
            tables.append(dump)
        }
        #expect(digests[0] == digests[1] && !digests[0].isEmpty)
        #expect(tables[0] == tables[1] && tables[0].count > 100_000)
    }

    @Test func stageByStageCommandsGiveTheSameTargetAsRun() throws {
        let vendor = "vendor2-mlmsoft"
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("stages")
        let common = ["--work-dir", work.path]
        for arguments in [
            ["extract", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--kek-file", TestKeys.kekFile] + common,
            ["cleanse"] + common, ["transform"] + common,
            ["load", "--target", target, "--batch-size", "500"] + common,
            ["reconcile", "--target", target, "--kek-file", TestKeys.kekFile] + common,
        ] {
            let result = try ToolRun.run("mlm-migrate", arguments)
            #expect(result.status == 0, "\(arguments[0]): \(result.stderr)")
        }
        let other = try TemporaryDirectory()
        let otherTarget = try TestPostgres.freshDatabase("stagesrun")
        #expect(try migrate(vendor, target: otherTarget, work: other.path).status == 0)
        let query = "SELECT md5(string_agg(m::text, ',' ORDER BY member_id)) FROM (SELECT member_id, legacy_id, username, status, joined_at, sponsor_id, placement_id, placement_leg FROM mlm.members) m"
        #expect(try PostgresConnection(target).scalar(query) == (try PostgresConnection(otherTarget).scalar(query)))
        // `run` cleanses the members while the ledger's files are still extracted: every stage
        // summary is the one the stage commands, one after the other, give.
        func summaries(_ path: String) throws -> [String: NSObject] {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(path)/manifest.json"))
            let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return manifest.filter { ["extract", "ledgerExtract", "commissionExtract", "cleanse", "ledgerCleanse", "commissionCleanse"].contains($0.key) }
                .compactMapValues { $0 as? NSObject }
        }
        let stages = try summaries(work.path)
        #expect(stages.count == 6)
        #expect(stages == (try summaries(other.path)))
    }

    @Test func runsWithTheEmbeddedDisposablePostgresWhenNoTargetIsGiven() throws {
        let work = try TemporaryDirectory()
        let vendor = "vendor2-mlmsoft"
        let environment = ToolRun.environmentWithoutLibpq
        let result = try ToolRun.run("mlm-migrate", ["run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--work-dir", work.path, "--kek-file", TestKeys.kekFile], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("connect: psql"))
        #expect(result.stdout.contains("report: \(work.path)/report.md"))
        let again = try ToolRun.run("mlm-migrate", ["reconcile", "--work-dir", work.path, "--kek-file", TestKeys.kekFile], environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        if let data = FileManager.default.contents(atPath: "\(work.path)/embedded-postgres.json"),
           let cluster = try? JSONDecoder().decode(EmbeddedPostgres.self, from: data) {
            cluster.stop()
        }
    }
}

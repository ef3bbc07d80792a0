import CSQLite
import Foundation
import MLMMigrate
import Testing

/// Delta runs against a real PostgreSQL: the later export of each sample applied over the first.
@Suite struct DeltaRunTests {
    static let vendors = ["vendor1-binaryplan", "vendor2-mlmsoft"]

    private func run(_ vendor: String, _ source: String, _ work: String, _ target: String, _ extra: [String] = []) throws -> ToolRun {
        try ToolRun.run("mlm-migrate", [
            "run", "--source", source, "--mapping", PackagePaths.mapping(vendor), "--target", target, "--work-dir", work, "--kek-file", TestKeys.kekFile,
        ] + extra)
    }

    private func tool(_ arguments: [String]) throws -> ToolRun { try ToolRun.run("mlm-migrate", arguments) }

    /// A fresh database with `vendor`'s first export loaded by `run` from `work`.
    private func firstLoad(_ vendor: String, _ hint: String) throws -> (target: String, work: TemporaryDirectory) {
        let target = try TestPostgres.freshDatabase(hint)
        let work = try TemporaryDirectory()
        let first = try run(vendor, PackagePaths.sample(vendor), work.path, target)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        return (target, work)
    }

    /// A copy of vendor 2's later export with `sql` run on it.
    private func laterExport(_ vendor: String, changedBy sql: String) throws -> TemporaryDirectory {
        let source = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: PackagePaths.sample("later/\(vendor)/export.sqlite"), toPath: "\(source.path)/export.sqlite")
        var db: OpaquePointer?
        #expect(sqlite3_open("\(source.path)/export.sqlite", &db) == SQLITE_OK)
        #expect(sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK)
        sqlite3_close(db)
        return source
    }

    /// Every table's checksum, the runs table's taken from `reference` (a rollback changes a run's status only).
    private func tables(_ target: String, runsAs reference: [String: String]) throws -> [String: String] {
        var tables = try ResumeTests.tables(target)
        tables["runs"] = reference["runs"]
        return tables
    }

    /// The delta section of a work directory's report: per entity, (inserted, updated, unchanged, gone).
    private func reportedDelta(_ work: String) throws -> [String: [Int]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(work)/report.json"))
        let report = try JSONDecoder().decode(MigrationReport.self, from: data)
        let entities = try #require(report.content.delta?.entities)
        return Dictionary(uniqueKeysWithValues: entities.map { ($0.entity, [$0.inserted, $0.updated, $0.unchanged, $0.gone]) })
    }

    /// `samples/later/expected/<vendor>-delta.tsv`: per entity, (inserted, updated, gone).
    private func expectedDelta(_ vendor: String) throws -> [String: [Int]] {
        let text = try String(contentsOfFile: PackagePaths.sample("later/expected/\(vendor)-delta.tsv"), encoding: .utf8)
        var result: [String: [Int]] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t")
            result[String(fields[0])] = fields.dropFirst().compactMap { Int($0) }
        }
        return result
    }

    @Test(arguments: vendors)
    func appliesTheLaterExportWritingOnlyTheChangesAndRollsThemBack(vendor: String) throws {
        let (target, base) = try firstLoad(vendor, "delta")
        // A member whose email the later export changes was erased meanwhile: it must stay erased.
        let erased = vendor == "vendor1-binaryplan" ? "100011" : "11"
        #expect(try tool(["erase", "--member", erased, "--work-dir", base.path, "--target", target]).status == 0)
        let before = try ResumeTests.tables(target)
        let connection = try PostgresConnection(target)
        let idsBefore = try connection.query("SELECT legacy_id, new_id FROM mlm_migration.id_map ORDER BY new_id")

        let later = try TemporaryDirectory()
        let delta = try run(vendor, PackagePaths.sample("later/\(vendor)"), later.path, target, ["--delta", "--batch-size", "40"])
        #expect(delta.status == 0, "\(delta.stdout)\(delta.stderr)")
        #expect(delta.stdout.contains("delta members: inserted"))

        // Exactly what the generator changed: new members, status and PII changes, later deposits, gone members.
        let expected = try expectedDelta(vendor)
        let reported = try reportedDelta(later.path)
        for entity in ["members", "member_pii", "wallets", "wallet_entries"] {
            let want = try #require(expected[entity])
            let got = try #require(reported[entity])
            let updated = entity == "member_pii" ? want[1] - 1 : want[1]  // the erased member's PII is not written again
            let figures: [Int] = [got[0], got[1], got[3]]
            let wanted: [Int] = [want[0], updated, want[2]]
            #expect(figures == wanted, "\(entity): \(got) against \(want)")
        }
        // Members keep their ids; new ones come after the highest.
        let highest = Int(try #require(idsBefore.last?[1] ?? nil)) ?? 0
        #expect(try connection.query("SELECT legacy_id, new_id FROM mlm_migration.id_map WHERE run_id = 1 ORDER BY new_id") == idsBefore)
        #expect(try connection.scalar("SELECT min(new_id) FROM mlm_migration.id_map WHERE run_id = 2") == String(highest + 1))
        #expect(try connection.scalar("SELECT wrapped_key IS NULL AND (SELECT pii_digest IS NULL FROM mlm.member_pii p WHERE p.key_id = k.key_id) FROM mlm.data_keys k JOIN mlm.members m USING (member_id) WHERE m.legacy_id = $1", [erased]) == "t")
        // Updated rows carry the delta run and keep their prior image; gone members are kept.
        #expect(try connection.scalar("SELECT count(*) FROM mlm.members m JOIN mlm_migration.prior_images p ON p.row_key = m.member_id::text AND p.table_name = 'mlm.members' WHERE m.run_id = 2 AND p.image ->> 'status' IS DISTINCT FROM m.status") == String(expected["members"]?[1] ?? -1))
        #expect(try connection.scalar("SELECT count(*) FROM mlm_migration.kept_members k JOIN mlm.members m USING (member_id) WHERE k.reason = 'gone_from_source'") == String(expected["members"]?[2] ?? -1))

        // The same export again finds nothing to write.
        let again = try TemporaryDirectory()
        let repeated = try run(vendor, PackagePaths.sample("later/\(vendor)"), again.path, target, ["--delta"])
        #expect(repeated.status == 0, "\(repeated.stdout)\(repeated.stderr)")
        for (entity, figures) in try reportedDelta(again.path) {
            #expect(figures[0] == 0 && figures[1] == 0, "\(entity) written again: \(figures)")
        }

        // Rolled back, newest first: the target is the first run's again, row for row.
        for run in ["3", "2"] {
            let back = try tool(["rollback", "--run", run, "--work-dir", later.path, "--target", target])
            #expect(back.status == 0, "\(back.stderr)")
            if run == "2" { #expect(back.stdout.contains("restored from prior images")) }
        }
        #expect(try tables(target, runsAs: before) == before)
        #expect(try connection.scalar("SELECT count(*) FROM mlm_migration.prior_images") == "0")
    }

    @Test func aChangedHistoricalEntryIsAReconciliationFailureNotAnUpdate() throws {
        let vendor = "vendor2-mlmsoft"
        let (target, _) = try firstLoad(vendor, "deltahistory")
        // The later export, with one old transaction's amount rewritten.
        let source = try laterExport(vendor, changedBy: "UPDATE wallet_txn SET amount_cents = amount_cents + 7 WHERE txn_no = 20")
        let connection = try PostgresConnection(target)
        let wallet = try #require(try connection.query("SELECT member_id, currency, entry_count, head_hash FROM mlm.wallet_entries e JOIN mlm.wallets w USING (member_id, currency) WHERE e.legacy_txn_id = '20'").first)

        let later = try TemporaryDirectory()
        let delta = try run(vendor, source.path, later.path, target, ["--delta"])
        #expect(delta.status == 1, "\(delta.stdout)\(delta.stderr)")
        #expect(delta.stdout.contains("ledger.history_unchanged"))
        let report = try JSONDecoder().decode(MigrationReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(later.path)/report.json")))
        let conflicts = try #require(report.content.ledger?.conflicts)
        #expect(conflicts.count == 1)
        #expect(conflicts.first?.legacyTxnID == "20")
        #expect(report.content.checks.first { $0.name == "ledger.history_unchanged" }?.actual == "1")
        // The wallet was neither rewritten nor appended to.
        #expect(try connection.query("SELECT member_id, currency, entry_count, head_hash FROM mlm.wallets WHERE member_id = $1::bigint AND currency = $2", [wallet[0], wallet[1]]).first == wallet)
        #expect(try String(contentsOfFile: "\(later.path)/report.md", encoding: .utf8).contains("History changed in the export (1 wallets"))
    }

    @Test func aKilledPausedAndRolledBackDeltaEndsAsAnUninterruptedOne() throws {
        let vendor = "vendor2-mlmsoft"
        let base = try TemporaryDirectory()
        let clean = try TestPostgres.freshDatabase("deltaclean")
        let target = try TestPostgres.freshDatabase("deltakilled")
        func stages(_ source: String, _ work: String, transform: [String]) throws {
            let common = ["--work-dir", work, "--no-progress"]
            #expect(try tool(["extract", "--source", source, "--mapping", PackagePaths.mapping(vendor), "--kek-file", TestKeys.kekFile] + common).status == 0)
            #expect(try tool(["cleanse"] + common).status == 0)
            let transformed = try tool(["transform"] + transform + common)
            #expect(transformed.status == 0, "\(transformed.stderr)")
        }
        func load(_ work: String, _ database: String, _ extra: [String] = [], killAfter: Double? = nil) throws -> CommandRunner.Result {
            try LoadCommand.run(work: work, target: database, batchSize: 10, extra: extra, killAfter: killAfter)
        }
        // One first export loaded into both databases, so their rows (ciphertexts too) are equal.
        try stages(PackagePaths.sample(vendor), base.path, transform: [])
        #expect(try load(base.path, clean).status == 0)
        #expect(try load(base.path, target).status == 0)
        // One delta transform, numbered against either (they are equal).
        let later = try TemporaryDirectory()
        try stages(PackagePaths.sample("later/\(vendor)"), later.path, transform: ["--delta", "--target", clean])
        let uninterrupted = try load(later.path, clean)
        #expect(uninterrupted.status == 0, "\(uninterrupted.errorOutput)")
        let expected = try ResumeTests.tables(clean)

        // Paused after 3 batches: a restore point.
        #expect(try load(later.path, target, ["--max-batches", "3"]).status == 0)
        let atThree = try ResumeTests.tables(target)
        // Killed again and again until it finishes.
        let connection = try PostgresConnection(target)
        var killedAt: [Int] = []
        var finished = false
        // Each attempt stages the files again, then commits batches until killed. The delay
        // steers the kills to land a batch or two apart: longer when an attempt committed
        // nothing new (it died staging or comparing), shorter when it committed several.
        var delay = 0.02
        var previous = 3
        for attempt in 1...200 {
            let result = try load(later.path, target, killAfter: delay)
            if result.status == 0 {
                finished = true
                break
            }
            if result.errorOutput.contains("[target.busy]") {
                usleep(100_000)
                continue
            }
            #expect(result.status == 137, "attempt \(attempt): \(result.errorOutput)")
            let committed = (try? connection.scalar("SELECT coalesce(max(batch_no), 0) FROM mlm_migration.batches WHERE run_id = 2")).flatMap { $0.flatMap { Int($0) } } ?? -1
            killedAt.append(committed)
            if committed <= previous { delay += 0.01 } else if committed > previous + 2 { delay = max(0.01, delay - 0.006) }
            previous = committed
        }
        if !finished {
            finished = try load(later.path, target).status == 0
        }
        print("delta resume test: killed \(killedAt.count) times, after batches \(killedAt)")
        #expect(finished)
        #expect(killedAt.count >= 8, "kill points tried: \(killedAt)")
        #expect(Set(killedAt).count >= 4, "kills landed at too few batch boundaries: \(killedAt)")
        #expect(try ResumeTests.tables(target) == expected)

        // Rolled back to the restore point, then continued: the same target again.
        let back = try tool(["rollback", "--to-batch", "2:3", "--work-dir", later.path, "--target", target])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(try tables(target, runsAs: atThree) == atThree)
        #expect(try load(later.path, target).status == 0)
        #expect(try ResumeTests.tables(target) == expected)
        let reconcile = try tool(["reconcile", "--work-dir", later.path, "--target", target, "--kek-file", TestKeys.kekFile])
        #expect(reconcile.status == 0, "\(reconcile.stdout)")
    }

    @Test func refusesALoadWhoseTargetChangedSinceTransformDelta() throws {
        let vendor = "vendor2-mlmsoft"
        let (target, _) = try firstLoad(vendor, "deltachanged")
        let later = try TemporaryDirectory()
        let common = ["--work-dir", later.path]
        #expect(try tool(["extract", "--source", PackagePaths.sample("later/\(vendor)"), "--mapping", PackagePaths.mapping(vendor), "--kek-file", TestKeys.kekFile] + common).status == 0)
        #expect(try tool(["cleanse"] + common).status == 0)
        #expect(try tool(["transform", "--delta", "--target", target] + common).status == 0)
        // Someone rolls the first run back in between.
        #expect(try tool(["rollback", "--run", "1", "--target", target] + common).status == 0)
        let load = try tool(["load", "--target", target] + common)
        #expect(load.status == 2)
        #expect(load.stderr.contains("[delta.target_changed]"))
        // Without --delta, a non-empty target is refused with the way forward.
        let (target2, _) = try firstLoad(vendor, "deltaplain")
        let other = try TemporaryDirectory()
        let again = try run(vendor, PackagePaths.sample("later/\(vendor)"), other.path, target2)
        #expect(again.status == 2 && again.stderr.contains("run --delta"))
        // A later export encrypted under another KEK would rewrite every member's PII: refused.
        let otherKey = try TemporaryDirectory()
        let underOtherKey = try ToolRun.run("mlm-migrate", [
            "run", "--delta", "--source", PackagePaths.sample("later/\(vendor)"), "--mapping", PackagePaths.mapping(vendor), "--target", target2,
            "--work-dir", otherKey.path, "--kek-file", TestKeys.newKEKFile("delta-other"),
        ])
        #expect(underOtherKey.status == 2 && underOtherKey.stderr.contains("[delta.kek_differs]"), "\(underOtherKey.stderr)")
        #expect(try PostgresConnection(target2).scalar("SELECT count(*) FROM mlm_migration.runs") == "1")
    }

    @Test func marksGoneMembersWhenTheMappingSaysSoAndARollbackUnmarksThem() throws {
        let vendor = "vendor2-mlmsoft"
        let (target, _) = try firstLoad(vendor, "deltamark")
        let before = try ResumeTests.tables(target)
        let later = try TemporaryDirectory()
        let mapping = try later.write("mapping.yaml", try String(contentsOfFile: PackagePaths.mapping(vendor), encoding: .utf8) + "\ndelta:\n  gone_members: mark\n  gone_status: gone_from_legacy\n")
        let delta = try ToolRun.run("mlm-migrate", [
            "run", "--delta", "--source", PackagePaths.sample("later/\(vendor)"), "--mapping", mapping, "--target", target,
            "--work-dir", "\(later.path)/work", "--kek-file", TestKeys.kekFile,
        ])
        #expect(delta.status == 0, "\(delta.stdout)\(delta.stderr)")
        let gone = try expectedDelta(vendor)["members"]?[2] ?? -1
        let connection = try PostgresConnection(target)
        #expect(try connection.scalar("SELECT count(*) FROM mlm.members WHERE status = 'gone_from_legacy'") == String(gone))
        let report = try JSONDecoder().decode(MigrationReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(later.path)/work/report.json")))
        #expect(report.content.delta?.keptChanged == gone)
        #expect(report.content.delta?.entities.first { $0.entity == "members" }?.updated == (try expectedDelta(vendor)["members"]?[1]))
        #expect(try tool(["rollback", "--run", "2", "--work-dir", "\(later.path)/work", "--target", target]).status == 0)
        #expect(try tables(target, runsAs: before) == before)
    }

    @Test func aMemberMovedUnderANewMemberIsUpdatedAndTheCycleCheckStillHolds() throws {
        let vendor = "vendor2-mlmsoft"
        let (target, _) = try firstLoad(vendor, "deltamove")
        // The later export, with member 1999 now sponsored by new member 2041 (a later id).
        let source = try laterExport(vendor, changedBy: "UPDATE tbl_distributor SET upline_id = 2041 WHERE dist_id = 1999")
        let later = try TemporaryDirectory()
        let delta = try run(vendor, source.path, later.path, target, ["--delta"])
        #expect(delta.status == 0, "\(delta.stdout)\(delta.stderr)")
        let connection = try PostgresConnection(target)
        #expect(try connection.scalar("SELECT s.legacy_id FROM mlm.members m JOIN mlm.members s ON s.member_id = m.sponsor_id WHERE m.legacy_id = '1999'") == "2041")
        #expect(try connection.scalar("SELECT count(*) FROM mlm.members WHERE sponsor_id >= member_id") == "1")
        let report = try JSONDecoder().decode(MigrationReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(later.path)/report.json")))
        #expect(report.content.checks.first { $0.name == "genealogy.no_sponsor_cycles" }?.actual == "0")
        #expect(report.content.delta?.entities.first { $0.entity == "members" }?.updated == (try expectedDelta(vendor)["members"]?[1] ?? 0) + 1)

        // A cycle written into the target behind mlm-migrate's back is found by the same check.
        _ = try connection.query("UPDATE mlm.members SET sponsor_id = (SELECT member_id FROM mlm.members WHERE legacy_id = '1999') WHERE legacy_id = '2041'")
        let recheck = try tool(["reconcile", "--work-dir", later.path, "--target", target, "--kek-file", TestKeys.kekFile])
        #expect(recheck.status == 1)
        let failed = try JSONDecoder().decode(MigrationReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(later.path)/report.json")))
        let cycles = try #require(failed.content.checks.first { $0.name == "genealogy.no_sponsor_cycles" })
        #expect(!cycles.passed && (Int(cycles.actual) ?? 0) >= 2, "\(cycles.actual)")
    }

    @Test func swapsLegsAndGivesAGoneMembersPlaceToANewOneThenRollsItBack() throws {
        let vendor = "vendor2-mlmsoft"
        let (target, _) = try firstLoad(vendor, "deltaslots")
        let before = try ResumeTests.tables(target)
        // Members 1500 and 1501 swap their legs under 500; new member 2041 takes the place of
        // the first member gone from the export.
        let gone = "(SELECT min(b.dist_id) FROM base.tbl_distributor b WHERE b.dist_id % 151 = 150 AND b.dist_id <= 2000 AND b.dist_id NOT IN (SELECT dist_id FROM main.tbl_distributor))"
        let source = try laterExport(vendor, changedBy: """
            UPDATE tbl_distributor SET matrix_pos = CASE dist_id WHEN 1500 THEN 3 ELSE 2 END WHERE dist_id IN (1500, 1501);
            ATTACH '\(PackagePaths.sample("\(vendor)/export.sqlite"))' AS base;
            UPDATE tbl_distributor SET
                matrix_parent_id = (SELECT matrix_parent_id FROM base.tbl_distributor WHERE dist_id = \(gone)),
                matrix_pos = (SELECT matrix_pos FROM base.tbl_distributor WHERE dist_id = \(gone))
            WHERE dist_id = 2041;
            """)
        let later = try TemporaryDirectory()
        let delta = try run(vendor, source.path, later.path, target, ["--delta", "--batch-size", "25"])
        #expect(delta.status == 0, "\(delta.stdout.split(separator: "\n").filter { $0.hasPrefix("checks") })")
        let connection = try PostgresConnection(target)
        func slot(_ legacyID: String) throws -> [String?] {
            try connection.query("SELECT p.legacy_id, m.placement_leg FROM mlm.members m LEFT JOIN mlm.members p ON p.member_id = m.placement_id WHERE m.legacy_id = $1", [legacyID]).first ?? []
        }
        #expect(try slot("1500") == ["500", "3"])
        #expect(try slot("1501") == ["500", "2"])
        let goneID = try #require(try connection.scalar("SELECT min(legacy_id::integer)::text FROM mlm_migration.kept_members WHERE reason = 'gone_from_source'"))
        #expect(try slot(goneID) == [nil, nil])
        #expect(try slot("2041").first == (try PostgresConnection(target).scalar("SELECT p.legacy_id FROM mlm_migration.prior_images i JOIN mlm.members p ON p.member_id = (i.image ->> 'placement_id')::bigint WHERE i.image ->> 'legacy_id' = $1", [goneID])))
        let report = try JSONDecoder().decode(MigrationReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(later.path)/report.json")))
        #expect(report.content.delta?.keptChanged == 1)

        #expect(try tool(["rollback", "--run", "2", "--work-dir", later.path, "--target", target]).status == 0)
        #expect(try tables(target, runsAs: before) == before)
    }
}

extension DeltaRunTests {
    /// After a delta run, a kept member's wallet (gone from the later export) is still verified:
    /// a changed entry of it fails verify-ledger and reconcile, named, on a line of its own.
    @Test func aChangedEntryOfAKeptMembersWalletFailsVerificationAfterADelta() throws {
        let vendor = "vendor2-mlmsoft"
        let (target, _) = try firstLoad(vendor, "deltakept")
        let later = try TemporaryDirectory()
        let delta = try run(vendor, PackagePaths.sample("later/\(vendor)"), later.path, target, ["--delta", "--commission-period", "2026-11-23"])
        #expect(delta.status == 0, "\(delta.stdout)\(delta.stderr)")
        let connection = try PostgresConnection(target)
        let wallet = try #require(try connection.query("""
            SELECT e.member_id::text, e.currency, m.legacy_id FROM mlm.wallet_entries e JOIN mlm.members m USING (member_id)
            WHERE e.member_id IN (SELECT member_id FROM mlm_migration.kept_members WHERE run_id = 2) ORDER BY 1, 2 LIMIT 1
            """).first)
        let clean = try tool(["verify-ledger", "--target", target, "--work-dir", later.path])
        #expect(clean.status == 0, "\(clean.stdout)")
        #expect(clean.stdout.contains("kept members (gone from the later export):"))
        try connection.execute("""
            UPDATE mlm.wallet_entries SET amount_minor = amount_minor + 1
            WHERE member_id = \(wallet[0] ?? "0") AND currency = '\(wallet[1] ?? "")' AND seq = 1
            """)
        let verify = try tool(["verify-ledger", "--target", target, "--work-dir", later.path])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("FAIL kept member \(wallet[2] ?? "?")"))
        let reconcile = try tool(["reconcile", "--target", target, "--work-dir", later.path, "--kek-file", TestKeys.kekFile])
        #expect(reconcile.status == 1)
        #expect(reconcile.stdout.contains("ledger.kept_wallets_verified"))
    }
}

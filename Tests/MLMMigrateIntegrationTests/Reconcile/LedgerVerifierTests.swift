import Foundation
import Logging
@testable import MLMMigrate
import Testing

@Suite struct LedgerVerifierTests {
    private func loaded() throws -> (TemporaryDirectory, Pipeline, String, PostgresConnection) {
        let sample = try LoadedSample(database: "ledger")
        return (sample.directory, sample.pipeline, sample.target, try sample.connect())
    }

    /// A wallet with at least three entries, as (member_id, currency).
    private func busyWallet(_ connection: PostgresConnection) throws -> (String, String) {
        let row = try connection.query("SELECT member_id, currency FROM mlm.wallets WHERE entry_count >= 3 ORDER BY member_id, currency LIMIT 1").first
        return (row?[0] ?? "", row?[1] ?? "")
    }

    /// Loads the sample, applies `change` (SQL for a busy wallet's member id and currency), verifies.
    private func tampered(_ change: (String, String) -> String) throws -> (LedgerVerification, member: Int64, currency: String) {
        let (directory, _, _, connection) = try loaded()
        let (member, currency) = try busyWallet(connection)
        try connection.execute(change(member, currency))
        let result = try verify(connection)
        _ = directory
        return (result, Int64(member) ?? 0, currency)
    }

    /// Small batches, so every test also proves that batch results combine in order.
    private func verify(_ connection: PostgresConnection) throws -> LedgerVerification {
        let verifier = LedgerVerifier(connection: connection, batchRows: 500)
        return try verifier.verify(runID: try verifier.latestLedgerRun())
    }

    @Test func verifiesACleanLoadAndRecomputesTheRunDigest() throws {
        let (directory, _, _, connection) = try loaded()
        let result = try verify(connection)
        #expect(result.passed)
        #expect(result.findingCount == 0)
        #expect(result.entries == 11_999)
        let manifest = try WorkDirectory(path: directory.path).readManifest()
        #expect(result.runDigest == manifest.ledgerTransform?.runDigest)
        #expect(result.entriesDigest == manifest.ledgerTransform?.entriesDigest)
        let oneBatch = try LedgerVerifier(connection: connection, batchRows: 1_000_000).verify(runID: 1)
        #expect(oneBatch.runDigest == result.runDigest && oneBatch.findingCount == 0)
    }

    /// The read-back walks the primary key even on a table with no statistics yet (as while the
    /// entries load), where the planner would otherwise sort every range; and it leaves the
    /// session's settings as they were.
    @Test func readsInKeyOrderWithoutASortOnATableJustLoaded() throws {
        let (directory, _, _, connection) = try loaded()
        _ = directory
        try connection.execute("""
            ALTER TABLE mlm.wallet_entries SET (autovacuum_enabled = false);
            DELETE FROM pg_statistic WHERE starelid = 'mlm.wallet_entries'::regclass;
            UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = 'mlm.wallet_entries'::regclass
            """)
        let verifier = LedgerVerifier(connection: connection)
        let scope = ReconcileScope(runID: 1)
        for (lower, upper) in [(nil, nil), (Int64(1), Int64(40)), (Int64(40), nil)] as [(Int64?, Int64?)] {
            let query = LedgerVerifier.entriesQuery(where: scope.covers, lower: lower, upper: upper)
            let plan = try verifier.withReadBackPlan { () throws(MigrationError) in
                try connection.query("EXPLAIN \(query)").compactMap { $0[0] }.joined(separator: "\n")
            }
            #expect(plan.contains("Index Scan using wallet_entries_pkey"), "\(plan)")
            #expect(!plan.contains("Sort") && !plan.contains("Gather") && !plan.contains("JIT"), "\(plan)")
        }
        #expect(try connection.scalar("SHOW enable_sort") == "on")
        #expect(try connection.scalar("SHOW max_parallel_workers_per_gather") != "0")
        #expect(try verify(connection).passed)
    }

    /// The read-back begun while the entries load reads them a range of members at a time, as the
    /// frontier moves (here by hand, in uneven steps, with a member's wallets split between two
    /// ranges impossible by construction), and finds exactly what one read finds.
    @Test func readsInRangesAsTheFrontierMovesAndGetsTheSameResult() throws {
        let (directory, _, _, connection) = try loaded()
        let whole = try verify(connection)
        let members = try connection.query("SELECT DISTINCT member_id FROM mlm.wallet_entries ORDER BY member_id").compactMap { $0[0].flatMap { Int64($0) } }
        let frontier = EntryFrontier()
        // Batch k starts at the k-th chosen member; batches commit out of order, two at a time.
        let starts = stride(from: 0, to: members.count, by: 97).map { members[$0] }
        let fed = DispatchSemaphore(value: 0)
        Thread {
            for (index, member) in starts.enumerated() { frontier.starting(batch: index, memberID: member) }
            for pair in stride(from: 0, to: starts.count, by: 2) {
                if pair + 1 < starts.count { frontier.committed(batch: pair + 1) }
                usleep(2_000)
                frontier.committed(batch: pair)
            }
            frontier.complete()
            fed.signal()
        }.start()
        let verifier = LedgerVerifier(connection: connection, batchRows: 500)
        let ranged = try verifier.verify(runID: 1, frontier: frontier)
        fed.wait()
        #expect(ranged.passed && ranged.findingCount == 0)
        #expect(ranged.entries == whole.entries && ranged.wallets == whole.wallets)
        #expect(ranged.entriesDigest == whole.entriesDigest && ranged.runDigest == whole.runDigest)
        _ = directory
    }

    /// A load that stops leaves the read-back begun beside it with an error (reconcile then reads
    /// the ledger again), never with a verdict on entries that may not all be in.
    @Test func aFailedLoadEndsTheRangedReadBackWithAnError() throws {
        let (directory, _, _, connection) = try loaded()
        let frontier = EntryFrontier()
        frontier.starting(batch: 0, memberID: 1)
        frontier.starting(batch: 1, memberID: 50)
        frontier.committed(batch: 0)
        frontier.fail()
        #expect(throws: MigrationError.self) { try LedgerVerifier(connection: connection).verify(runID: 1, frontier: frontier) }
        _ = directory
    }

    @Test func namesTheWalletAndSeqOfAChangedAmount() throws {
        let (directory, pipeline, target, connection) = try loaded()
        let (member, currency) = try busyWallet(connection)
        try connection.execute("UPDATE mlm.wallet_entries SET amount_minor = amount_minor + 1 WHERE member_id = \(member) AND currency = '\(currency)' AND seq = 2")
        let result = try verify(connection)
        #expect(!result.passed)
        let seq2 = result.findings.filter { $0.memberID == Int64(member) && $0.currency == currency && $0.seq == 2 }
        #expect(seq2.contains { $0.problem.contains("entry_hash") })
        #expect(seq2.contains { $0.problem.contains("balance_after_minor") })
        #expect(!result.findings.contains { $0.seq == 3 }, "only the changed entry is named, not those after it")
        #expect(result.findings.first?.legacyID != nil)
        let failed = try pipeline.reconcile(target: target).report.content.checks.filter { !$0.passed }.map(\.name)
        #expect(failed.contains("ledger.chains_verified") && failed.contains("ledger.entries_digest") && failed.contains("ledger.run_digest"))
        _ = directory
    }

    @Test func namesAChangedTimestamp() throws {
        let (result, member, _) = try tampered { "UPDATE mlm.wallet_entries SET occurred_at = occurred_at + interval '1 second' WHERE member_id = \($0) AND currency = '\($1)' AND seq = 1" }
        #expect(result.findings.contains { $0.memberID == member && $0.seq == 1 && $0.problem.contains("entry_hash") })
    }

    @Test func namesAChangedSeq() throws {
        let (result, member, _) = try tampered { "UPDATE mlm.wallet_entries SET seq = 100 WHERE member_id = \($0) AND currency = '\($1)' AND seq = 2" }
        #expect(result.findings.contains { $0.memberID == member && $0.seq == 3 && $0.problem.contains("seq out of order") })
        #expect(result.findings.contains { $0.memberID == member && $0.seq == 100 && $0.problem.contains("entry_hash") })
    }

    @Test func namesEntriesOutOfTimeOrder() throws {
        let (result, member, _) = try tampered { "UPDATE mlm.wallet_entries SET occurred_at = occurred_at - interval '1000 days' WHERE member_id = \($0) AND currency = '\($1)' AND seq = 3" }
        #expect(result.findings.contains { $0.memberID == member && $0.seq == 3 && $0.problem.contains("out of order") })
    }

    @Test func catchesAWholeWalletRemovedConsistentlyThroughTheRunDigest() throws {
        let (result, _, _) = try tampered { "DELETE FROM mlm.wallet_entries WHERE member_id = \($0) AND currency = '\($1)'; DELETE FROM mlm.wallets WHERE member_id = \($0) AND currency = '\($1)'" }
        #expect(result.findingCount == 0, "every remaining wallet is self-consistent")
        #expect(!result.passed)
        #expect(result.runDigest != result.storedRunDigest)
    }

    @Test func commandFailsNamingTheWalletAndSeq() throws {
        let (directory, _, target, connection) = try loaded()
        let (member, currency) = try busyWallet(connection)
        let clean = try ToolRun.run("mlm-migrate", ["verify-ledger", "--target", target, "--work-dir", directory.path])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("ledger verified"))
        try connection.execute("UPDATE mlm.wallet_entries SET amount_minor = amount_minor - 7 WHERE member_id = \(member) AND currency = '\(currency)' AND seq = 3")
        let tampered = try ToolRun.run("mlm-migrate", ["verify-ledger", "--target", target, "--work-dir", directory.path])
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("(member_id \(member)) \(currency) seq 3: entry_hash"))
        #expect(tampered.stdout.contains("LEDGER VERIFICATION FAILED"))
    }

    /// Runs the auditors' standard-library Python script (docs/verify-ledger.py) on the target.
    private func python(_ connection: PostgresConnection, _ directory: TemporaryDirectory) throws -> CommandRunner.Result {
        var entries = ""
        try connection.copyOut("""
            COPY (SELECT member_id, currency, seq, legacy_txn_id, kind, amount_minor, (extract(epoch FROM occurred_at) * 1000000)::bigint,
                         balance_after_minor, encode(entry_hash, 'hex') FROM mlm.wallet_entries ORDER BY member_id, currency, seq) TO STDOUT (FORMAT csv)
            """, what: "export") { entries += String(decoding: $0, as: UTF8.self) }
        var wallets = ""
        try connection.copyOut("""
            COPY (SELECT member_id, currency, entry_count, balance_minor, encode(head_hash, 'hex'), encode(merkle_root, 'hex') FROM mlm.wallets) TO STDOUT (FORMAT csv)
            """, what: "export") { wallets += String(decoding: $0, as: UTF8.self) }
        let script = "\(PackagePaths.root)/docs/verify-ledger.py"
        return try CommandRunner.run("/usr/bin/env", ["python3", script, try directory.write("entries.csv", entries), try directory.write("wallets.csv", wallets)], separateErrors: true)
    }

    @Test func auditorsPythonScriptRederivesTheRunDigestAndCatchesTampering() throws {
        let (directory, _, _, connection) = try loaded()
        let stored = try connection.scalar("SELECT ledger_digest FROM mlm_migration.runs") ?? "none"
        let clean = try python(connection, directory)
        #expect(clean.status == 0, "\(clean.output) \(clean.errorOutput)")
        #expect(clean.output.contains("0 problems"))
        #expect(clean.output.contains("run digest \(stored)"))
        let (member, currency) = try busyWallet(connection)
        try connection.execute("UPDATE mlm.wallet_entries SET kind = kind || '_changed' WHERE member_id = \(member) AND currency = '\(currency)' AND seq = 2")
        let tampered = try python(connection, directory)
        #expect(tampered.status == 1)
        #expect(tampered.output.contains("member_id \(member) \(currency) seq 2: entry_hash differs"))
    }
}

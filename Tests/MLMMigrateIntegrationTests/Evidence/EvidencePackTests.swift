import Foundation
import MLMMigrate
import Testing

/// Signed evidence packs of both samples, made by `run --signing-key`, verified by
/// `verify-evidence` and by docs/verify-evidence.py as docs/evidence.md shows them, and each
/// tamper the issue names caught and named.
@Suite struct EvidencePackTests {
    static let vendors = ["vendor1-binaryplan", "vendor2-mlmsoft"]

    /// A new signing key (and FILE.pub) made by `keys generate --signing`.
    private func signingKey(in directory: TemporaryDirectory) throws -> String {
        let path = "\(directory.path)/evidence.key"
        let made = try ToolRun.run("mlm-migrate", ["keys", "generate", "--signing", "--out", path])
        #expect(made.status == 0, "\(made.stderr)")
        return path
    }

    /// A copy of the sample's export, so a test may edit it.
    private func sourceCopy(_ relative: String) throws -> TemporaryDirectory {
        let copy = try TemporaryDirectory()
        let original = PackagePaths.sample(relative)
        for name in try FileManager.default.contentsOfDirectory(atPath: original) {
            try FileManager.default.copyItem(atPath: "\(original)/\(name)", toPath: "\(copy.path)/\(name)")
        }
        return copy
    }

    private func run(_ vendor: String, source: String, work: String, target: String, _ extra: [String]) throws -> ToolRun {
        try ToolRun.run("mlm-migrate", [
            "run", "--source", source, "--mapping", PackagePaths.mapping(vendor), "--target", target, "--work-dir", work,
            "--kek-file", TestKeys.kekFile,
        ] + extra)
    }

    private func verify(_ pack: String, key: String, target: String?, source: String? = nil) throws -> ToolRun {
        try ToolRun.run("mlm-migrate", ["verify-evidence", pack, "--public-key", key + ".pub"]
            + (target.map { ["--target", $0] } ?? []) + (source.map { ["--source", $0] } ?? []))
    }

    /// docs/verify-evidence.py, run as docs/evidence.md shows it.
    private func python(_ pack: String, key: String, source: String) throws -> CommandRunner.Result {
        try CommandRunner.run("/usr/bin/env", ["python3", "\(PackagePaths.root)/docs/verify-evidence.py", pack, key + ".pub", source], environment: ProcessInfo.processInfo.environment, separateErrors: true)
    }

    @Test(arguments: vendors)
    func eachSamplesPackVerifiesAndEachTamperIsNamed(vendor: String) throws {
        let keys = try TemporaryDirectory()
        let key = try signingKey(in: keys)
        let source = try sourceCopy(vendor)
        let work = try TemporaryDirectory()
        let pack = "\(work.path)/pack"
        let target = try TestPostgres.freshDatabase("evidence")
        let migrated = try run(vendor, source: source.path, work: work.path, target: target, ["--signing-key", key, "--evidence-out", pack])
        #expect(migrated.status == 0, "\(migrated.stdout)\(migrated.stderr)")
        #expect(migrated.stdout.contains("evidence: \(pack)"))
        let clean = try verify(pack, key: key, target: target, source: source.path)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.contains("evidence verified") && clean.stdout.contains("ok report file report.md"))
        let script = try python(pack, key: key, source: source.path)
        #expect(script.status == 0, "\(script.output)\(script.errorOutput)")

        // An edited report copy: named by both verifiers; the original restored after.
        let report = "\(pack)/report.md"
        let original = try Data(contentsOf: URL(fileURLWithPath: report))
        try (original + Data("\nAll good.\n".utf8)).write(to: URL(fileURLWithPath: report))
        let editedReport = try verify(pack, key: key, target: nil, source: source.path)
        #expect(editedReport.status == 1 && editedReport.stdout.contains("FAIL report file report.md: sha256"), "\(editedReport.stdout)")
        let editedReportPython = try python(pack, key: key, source: source.path)
        #expect(editedReportPython.status == 1 && editedReportPython.output.contains("FAIL report file report.md"))
        try original.write(to: URL(fileURLWithPath: report))

        // An edited source file.
        let sourceFile = try #require(SourceFiles.regularFiles(source: source.path).first)
        let sourceBytes = try Data(contentsOf: URL(fileURLWithPath: sourceFile.path))
        try (sourceBytes + Data("\n".utf8)).write(to: URL(fileURLWithPath: sourceFile.path))
        let editedSource = try verify(pack, key: key, target: nil, source: source.path)
        #expect(editedSource.status == 1 && editedSource.stdout.contains("FAIL source file \(sourceFile.name): sha256"), "\(editedSource.stdout)")
        #expect(try python(pack, key: key, source: source.path).output.contains("FAIL source file \(sourceFile.name)"))
        try sourceBytes.write(to: URL(fileURLWithPath: sourceFile.path))

        // Another key's public key: the signature is refused.
        let otherKeys = try TemporaryDirectory()
        let other = try signingKey(in: otherKeys)
        let otherKey = try verify(pack, key: other, target: nil, source: source.path)
        #expect(otherKey.status == 1 && otherKey.stdout.contains("FAIL signature:"), "\(otherKey.stdout)")

        // A wallet rewritten with its hashes and runs.ledger_digest: verify-ledger is fooled, the pack is not.
        let connection = try PostgresConnection(target)
        let wallet = try #require(try connection.query(
            "SELECT member_id::text, currency FROM mlm.wallets WHERE entry_count > 1 ORDER BY member_id, currency LIMIT 1"
        ).first)
        try LedgerRewrite.rewrite(connection, memberID: wallet[0] ?? "", currency: wallet[1] ?? "", restampRun: true)
        let fooled = try ToolRun.run("mlm-migrate", ["verify-ledger", "--target", target])
        #expect(fooled.status == 0 && fooled.stdout.contains("ledger verified"), "\(fooled.stdout)")
        let rewritten = try verify(pack, key: key, target: target, source: source.path)
        #expect(rewritten.status == 1, "\(rewritten.stdout)")
        for figure in ["ledger.every_wallet.digest", "ledger.run_digest", "table.mlm.wallet_entries.digest"] {
            #expect(rewritten.stdout.contains("FAIL figure \(figure): signed "), "\(figure): \(rewritten.stdout)")
        }
    }

    @Test func aKeptMembersEntryChangedAfterADeltaRunFailsVerification() throws {
        let vendor = "vendor1-binaryplan"
        let keys = try TemporaryDirectory()
        let key = try signingKey(in: keys)
        let target = try TestPostgres.freshDatabase("evidencekept")
        let first = try TemporaryDirectory()
        #expect(try run(vendor, source: PackagePaths.sample(vendor), work: first.path, target: target, []).status == 0)
        let later = try TemporaryDirectory()
        let delta = try run(vendor, source: PackagePaths.sample("later/\(vendor)"), work: later.path, target: target, ["--delta", "--signing-key", key])
        #expect(delta.status == 0, "\(delta.stdout)\(delta.stderr)")
        let packLine = try #require(delta.stdout.split(separator: "\n").first { $0.hasPrefix("evidence: ") })
        let pack = String(packLine.dropFirst("evidence: ".count).prefix { $0 != " " })
        #expect(try verify(pack, key: key, target: target).status == 0)

        // A member the later export no longer lists, kept in the target with its wallet.
        let connection = try PostgresConnection(target)
        let wallet = try #require(try connection.query("""
            SELECT w.member_id::text, w.currency FROM mlm.wallets w JOIN mlm_migration.kept_members k USING (member_id)
            WHERE k.reason = 'gone_from_source' AND w.entry_count > 0 ORDER BY w.member_id, w.currency LIMIT 1
            """).first)
        try LedgerRewrite.rewrite(connection, memberID: wallet[0] ?? "", currency: wallet[1] ?? "", restampRun: false)
        let fooled = try ToolRun.run("mlm-migrate", ["verify-ledger", "--target", target])
        #expect(fooled.status == 0, "\(fooled.stdout)")
        let caught = try verify(pack, key: key, target: target)
        #expect(caught.status == 1 && caught.stdout.contains("FAIL figure ledger.every_wallet.digest: signed "), "\(caught.stdout)")
    }

    /// The commands of docs/evidence.md's first shell block, in order, exactly as written but
    /// for its paths: `/secure/mlm/`, `work/v1`, `$T`, `export/`, and `evidence.key.pub` (the
    /// auditor's copy of the public key).
    @Test func theDocsCommandsRunAsWritten() throws {
        let text = try String(contentsOfFile: "\(PackagePaths.root)/docs/evidence.md", encoding: .utf8)
        let block = try #require(text.components(separatedBy: "```sh\n").dropFirst().first?.components(separatedBy: "```").first)
        let lines = block.split(separator: "\n").map { line in
            String(line.range(of: "   # ").map { line[..<$0.lowerBound] } ?? line[...]).trimmingCharacters(in: .whitespaces)
        }
        #expect(lines.map { $0.split(separator: " ").prefix(2).joined(separator: " ") } == [
            "mlm-migrate keys", "mlm-migrate evidence", "mlm-migrate verify-evidence", "python3 docs/verify-evidence.py",
        ])
        let secure = try TemporaryDirectory()
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("evidencedocs")
        let vendor = "vendor1-binaryplan"
        #expect(try run(vendor, source: PackagePaths.sample(vendor), work: "\(work.path)/v1", target: target, []).status == 0)
        let substitutions = [
            "/secure/mlm/": secure.path + "/", "work/v1": "\(work.path)/v1", "$T": target, "export/": PackagePaths.sample(vendor),
            "evidence.key.pub": "\(secure.path)/evidence.key.pub", "docs/": "\(PackagePaths.root)/docs/",
        ]
        for line in lines {
            let words = RunbookCommandTests.words(line).map { word in
                var replaced = word
                for key in substitutions.keys.sorted(by: { $0.count > $1.count }) where replaced.hasPrefix(key) {
                    replaced = (substitutions[key] ?? "") + replaced.dropFirst(key.count)
                    break
                }
                return replaced
            }
            let result = words[0] == "mlm-migrate"
                ? try ToolRun.run("mlm-migrate", Array(words.dropFirst()))
                : try ToolRun(CommandRunner.run("/usr/bin/env", words, environment: ProcessInfo.processInfo.environment, separateErrors: true))
            #expect(result.status == 0, "docs/evidence.md: \(line)\n\(result.stdout)\(result.stderr)")
            #expect(words[0] != "python3" || result.stdout.contains("evidence verified"))
        }
    }

    @Test func signsOnlyAReportTheTargetStillHoldsAndNeverOverwritesAPack() throws {
        let vendor = "vendor2-mlmsoft"
        let keys = try TemporaryDirectory()
        let key = try signingKey(in: keys)
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("evidencerefuse")
        #expect(try run(vendor, source: PackagePaths.sample(vendor), work: work.path, target: target, []).status == 0)
        func evidence(_ out: String, work: String = work.path) throws -> ToolRun {
            try ToolRun.run("mlm-migrate", ["evidence", "--work-dir", work, "--out", out, "--signing-key", key, "--target", target])
        }
        let made = try evidence("\(work.path)/pack")
        #expect(made.status == 0 && made.stdout.contains("evidence pack: \(work.path)/pack"), "\(made.stderr)")
        let again = try evidence("\(work.path)/pack")
        #expect(again.status == 2 && again.stderr.contains("[evidence.unwritable]"), "\(again.stderr)")
        let empty = try TemporaryDirectory()
        let noReport = try evidence("\(empty.path)/pack", work: empty.path)
        #expect(noReport.status == 2 && noReport.stderr.contains("[evidence.no_report]"), "\(noReport.stderr)")

        // The manifest edited, even in canonical form: the signature no longer holds.
        let manifestPath = "\(work.path)/pack/manifest.json"
        let manifest = try String(contentsOfFile: manifestPath, encoding: .utf8)
        try manifest.replacingOccurrences(of: #""runID":1"#, with: #""runID":2"#).write(toFile: manifestPath, atomically: true, encoding: .utf8)
        let edited = try verify("\(work.path)/pack", key: key, target: nil)
        #expect(edited.status == 1 && edited.stdout.contains("FAIL signature:"), "\(edited.stdout)")
        try (manifest + "\n").write(toFile: manifestPath, atomically: true, encoding: .utf8)
        let reformatted = try verify("\(work.path)/pack", key: key, target: nil)
        #expect(reformatted.status == 1 && reformatted.stdout.contains("FAIL manifest.json: ") && reformatted.stdout.contains("canonical"))
        try manifest.write(toFile: manifestPath, atomically: true, encoding: .utf8)

        // A member changed in the target: the pack names the figures, and no new pack is signed.
        _ = try PostgresConnection(target).query("UPDATE mlm.members SET legacy_id = legacy_id || 'x' WHERE member_id = (SELECT max(member_id) FROM mlm.members)")
        let changed = try verify("\(work.path)/pack", key: key, target: target)
        #expect(changed.status == 1, "\(changed.stdout)")
        for figure in ["members.rows_digest", "table.mlm.members.digest"] {
            #expect(changed.stdout.contains("FAIL figure \(figure): signed "), "\(figure): \(changed.stdout)")
        }
        let refused = try evidence("\(work.path)/pack2")
        #expect(refused.status == 2 && refused.stderr.contains("members.rows_digest") && refused.stderr.contains("[evidence.target_differs]"))
    }

    @Test func signingKeysAndKEKsAreKeptApart() throws {
        let keys = try TemporaryDirectory()
        let key = try signingKey(in: keys)
        var info = stat()
        #expect(stat(key, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try String(contentsOfFile: key + ".pub", encoding: .utf8).hasPrefix("mlm-signing-public-v1 sig-"))
        let again = try ToolRun.run("mlm-migrate", ["keys", "generate", "--signing", "--out", key])
        #expect(again.status == 2 && again.stderr.contains("[keys.signing_key_exists]"))

        let work = try TemporaryDirectory()
        let asKEK = try ToolRun.run("mlm-migrate", [
            "extract", "--source", PackagePaths.sample("vendor1-binaryplan"), "--mapping", PackagePaths.mapping("vendor1-binaryplan"),
            "--kek-file", key, "--work-dir", work.path,
        ])
        #expect(asKEK.status == 2 && asKEK.stderr.contains("[keys.kek_is_signing_key]"), "\(asKEK.stderr)")
        let asSigningKey = try ToolRun.run("mlm-migrate", ["evidence", "--work-dir", work.path, "--out", "\(work.path)/pack", "--signing-key", TestKeys.kekFile])
        #expect(asSigningKey.status == 2 && asSigningKey.stderr.contains("[keys.signing_key_is_kek]"), "\(asSigningKey.stderr)")
        let publicAsPrivate = try ToolRun.run("mlm-migrate", ["evidence", "--work-dir", work.path, "--out", "\(work.path)/pack", "--signing-key", key + ".pub"])
        #expect(publicAsPrivate.status == 2 && publicAsPrivate.stderr.contains("[keys.signing_key_invalid]"), "\(publicAsPrivate.stderr)")
        let noPack = try ToolRun.run("mlm-migrate", ["verify-evidence", work.path, "--public-key", key + ".pub"])
        #expect(noPack.status == 2 && noPack.stderr.contains("[evidence.pack_unreadable]"), "\(noPack.stderr)")
    }
}

/// What an attacker with write access to the target does to hide a change: rewrite a wallet's
/// last entry (amount and running balance +100) with its hash, the wallet's balance, head hash
/// and Merkle root, and optionally `runs.ledger_digest`, so verify-ledger finds nothing.
enum LedgerRewrite {
    static func rewrite(_ connection: PostgresConnection, memberID: String, currency: String, restampRun: Bool) throws {
        let rows = try connection.query("""
            SELECT seq, legacy_txn_id, kind, amount_minor, (extract(epoch FROM occurred_at) * 1000000)::bigint, balance_after_minor
            FROM mlm.wallet_entries WHERE member_id = $1::bigint AND currency = $2 ORDER BY seq
            """, [memberID, currency])
        var entries = rows.map { row in
            LedgerEntry(
                memberID: Int64(memberID) ?? 0, currency: currency, seq: Int64(row[0] ?? "") ?? 0, legacyTxnID: row[1] ?? "",
                kind: row[2] ?? "", amountMinor: Int64(row[3] ?? "") ?? 0, occurredAt: Int64(row[4] ?? "") ?? 0,
                balanceAfterMinor: Int64(row[5] ?? "") ?? 0
            )
        }
        let last = entries.count - 1
        entries[last].amountMinor += 100
        entries[last].balanceAfterMinor += 100
        var hashes: [[UInt8]] = []
        for entry in entries { hashes.append(LedgerHasher.entryHash(entry, previous: hashes.last ?? LedgerHasher.genesis)) }
        _ = try connection.query("""
            UPDATE mlm.wallet_entries SET amount_minor = amount_minor + 100, balance_after_minor = balance_after_minor + 100,
                   entry_hash = decode($3, 'hex')
            WHERE member_id = $1::bigint AND currency = $2 AND seq = $4::bigint
            """, [memberID, currency, Hex.encode(hashes[last]), String(entries[last].seq)])
        _ = try connection.query("""
            UPDATE mlm.wallets SET balance_minor = balance_minor + 100, head_hash = decode($3, 'hex'), merkle_root = decode($4, 'hex')
            WHERE member_id = $1::bigint AND currency = $2
            """, [memberID, currency, Hex.encode(hashes[last]), Hex.encode(LedgerHasher.merkleRoot(hashes))])
        guard restampRun else { return }
        let verifier = LedgerVerifier(connection: connection)
        let runID = try verifier.latestLedgerRun()
        let digest = try verifier.verify(runID: runID).runDigest
        _ = try connection.query("UPDATE mlm_migration.runs SET ledger_digest = $1 WHERE run_id = $2::bigint", [digest, String(runID)])
    }
}

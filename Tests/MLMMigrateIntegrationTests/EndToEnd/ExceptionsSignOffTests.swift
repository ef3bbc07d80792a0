import Foundation
import MLMMigrate
import Testing

/// The exceptions register on both samples, through the commands an operator types: the
/// register beside the report, the go/no-go gate, a sign-off, the report's open and decided
/// counts, decisions carried over to a delta run, and an exception reopened when it changes.
@Suite struct ExceptionsSignOffTests {
    static let cases = [("vendor1-binaryplan", "2026-11", "2026-12"), ("vendor2-mlmsoft", "2026-11-16", "2026-11-23")]

    private func tool(_ arguments: [String]) throws -> ToolRun { try ToolRun.run("mlm-migrate", arguments + ["--no-progress"]) }

    /// An exceptions.csv (or sign-off file) as one dictionary per line, and the header.
    static func rows(_ path: String) throws -> [[String: String]] {
        let reader = try CSVReader(path: path, displayName: path)
        let (_, names) = try reader.readHeader { String(validating: $0, as: UTF8.self) }
        var rows: [[String: String]] = []
        while let record = try reader.next() {
            rows.append(Dictionary(uniqueKeysWithValues: names.enumerated().map { index, name in
                (name, record.withField(index) { String(decoding: $0, as: UTF8.self) })
            }))
        }
        return rows
    }

    /// The file a person returns: `exceptions` with `decide(row)` as decision and a comment.
    static func decided(_ exceptions: String, to path: String, _ decide: ([String: String]) -> String?) throws {
        var out: [UInt8] = []
        ExceptionsCSV.appendLine(SignOffFile.columns, to: &out)
        for row in try rows(exceptions) {
            let decision = decide(row)
            let fields = ExceptionsCSV.columns.map { row[$0] ?? "" } + [decision ?? "", decision == nil ? "" : "checked with finance, \"ok\""]
            ExceptionsCSV.appendLine(fields, to: &out)
        }
        try Data(out).write(to: URL(fileURLWithPath: path))
    }

    private func report(_ work: String) throws -> MigrationReport {
        try JSONDecoder().decode(MigrationReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(work)/report.json")))
    }

    @Test(arguments: cases)
    func exceptionsAreListedSignedOffCarriedOverAndReopened(vendor: String, period: String, laterPeriod: String) throws {
        let target = try TestPostgres.freshDatabase("exceptions")
        let first = try TemporaryDirectory()
        let later = try TemporaryDirectory()
        let run = try tool([
            "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--target", target,
            "--work-dir", first.path, "--kek-file", TestKeys.kekFile,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("exceptions: \(first.path)/exceptions.csv ("))

        // Reconcile's register: every quarantine row, variance and duplicate pair; no PII.
        let written = try Self.rows("\(first.path)/exceptions.csv")
        let firstReport = try report(first.path)
        let connection = try PostgresConnection(target)
        let quarantined = try connection.scalar("SELECT count(*) FROM mlm_migration.quarantine WHERE run_id = 1")
        #expect(String(written.filter { $0["kind"] == "quarantine" }.count) == quarantined)
        #expect(written.filter { $0["kind"] == "balance_variance" }.count == firstReport.content.ledger?.variances.count)
        #expect(written.filter { $0["kind"] == "duplicate_candidate" }.count == firstReport.content.duplicateCandidates?.count ?? 0)
        #expect(Set(written.compactMap { $0["exception_id"] }).count == written.count)
        #expect(written.allSatisfy { $0["status"] == "open" && $0["run_id"] == "1" })
        #expect(firstReport.exceptions?.open == written.count && firstReport.exceptions?.decided == 0)
        let markdown = try String(contentsOfFile: "\(first.path)/report.md", encoding: .utf8)
        #expect(markdown.contains("## Exceptions: \(written.count) open, 0 decided"))
        let csvText = try String(contentsOfFile: "\(first.path)/exceptions.csv", encoding: .utf8).lowercased()
        let pii = try vendor == "vendor1-binaryplan" ? NoPlaintextPIITests.vendor1PII() : NoPlaintextPIITests.vendor2PII()
        #expect(try NoPlaintextPIITests.found(pii, in: csvText, scratch: first).isEmpty)

        // The parallel run's differences join the register; the gate fails, then passes once decided.
        let parallel = try tool(["parallel-run", "--period", period, "--target", target, "--work-dir", first.path])
        #expect(parallel.status == 1)
        let exported = "\(first.path)/register.csv"
        let gate = try tool(["exceptions", "--target", target, "--out", exported, "--require-none-open"])
        let all = try Self.rows(exported)
        #expect(gate.status == 1)
        #expect(gate.stdout.contains("NO-GO: \(all.count) exceptions open"), "\(gate.stdout)")
        #expect(all.filter { $0["kind"] == "parallel_run_mismatch" }.count > 0)
        #expect(Array(all.prefix(written.count)).map { $0["exception_id"] } == written.map { $0["exception_id"] })
        try Self.decided(exported, to: "\(first.path)/decided.csv") { _ in "accepted" }
        let signed = try tool(["sign-off", "--exceptions", "\(first.path)/decided.csv", "--by", "Ada Auditor", "--target", target])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(signed.stdout.contains("run 1: \(all.count) decisions recorded, 0 rows left undecided"))
        #expect(try tool(["exceptions", "--target", target, "--require-none-open"]).status == 0)

        // Re-signing one keeps the history; the latest decision counts.
        let resigned = try #require(all.first)["exception_id"]
        try Self.decided(exported, to: "\(first.path)/again.csv") { $0["exception_id"] == resigned ? "fix_in_target" : nil }
        #expect(try tool(["sign-off", "--exceptions", "\(first.path)/again.csv", "--by", "Bo Controller", "--target", target]).status == 0)
        #expect(try connection.scalar("SELECT count(*) FROM mlm_migration.signoffs") == String(all.count + 1))
        #expect(try connection.scalar("SELECT count(*) FROM mlm_migration.signoffs WHERE exception_id = $1", [resigned]) == "2")
        _ = try tool(["exceptions", "--target", target, "--out", exported])
        #expect(try Self.rows(exported).first { $0["exception_id"] == resigned }?["status"] == "fix_in_target")

        // Reconcile again: the report counts them decided.
        let reconcile = try tool(["reconcile", "--target", target, "--work-dir", first.path, "--kek-file", TestKeys.kekFile])
        #expect(reconcile.status == 0, "\(reconcile.stderr)")
        let reconciled = try report(first.path)
        let decidedReport = try #require(reconciled.exceptions)
        #expect(reconciled.contentDigest == firstReport.contentDigest, "decisions are outside the content digest")
        #expect(decidedReport.open == 0 && decidedReport.decided == all.count)
        #expect(decidedReport.kinds.first { $0.kind == "quarantine" }?.byDecision["fix_in_target"] == 1)

        // A delta run carries every decision whose exception it finds with the same content.
        let delta = try tool([
            "run", "--delta", "--source", PackagePaths.sample("later/\(vendor)"), "--mapping", PackagePaths.mapping(vendor),
            "--commission-period", laterPeriod, "--target", target, "--work-dir", later.path, "--kek-file", TestKeys.kekFile,
        ])
        #expect(delta.status == 0, "\(delta.stdout)\(delta.stderr)")
        let deltaRows = try Self.rows("\(later.path)/exceptions.csv")
        let before = Set(all.map { "\($0["exception_id"] ?? "") \($0["content_sha256"] ?? "")" })
        let carried = deltaRows.filter { before.contains("\($0["exception_id"] ?? "") \($0["content_sha256"] ?? "")") }
        #expect(carried.count > 0)
        #expect(deltaRows.filter { $0["status"] != "open" }.count == carried.count)
        let deltaFigures = try #require(try report(later.path).exceptions)
        #expect(deltaFigures.decided == carried.count && deltaFigures.open == deltaRows.count - carried.count)

        // A carried exception whose content changes is open again, under the same id.
        let variance = try #require(carried.first { $0["kind"] == "balance_variance" && $0["legacy_minor"] != "" })
        try connection.execute("""
            UPDATE mlm.wallets w SET legacy_balance_minor = legacy_balance_minor - 7 FROM mlm.members m
            WHERE m.member_id = w.member_id AND m.legacy_id = \(try connection.literal(variance["legacy_id"] ?? ""))
              AND w.currency = \(try connection.literal(variance["currency"] ?? ""))
            """)
        let reopened = try tool(["exceptions", "--target", target, "--out", "\(later.path)/after-change.csv"])
        #expect(reopened.status == 0)
        let changed = try #require(try Self.rows("\(later.path)/after-change.csv").first { $0["exception_id"] == variance["exception_id"] })
        #expect(changed["status"] == "open" && changed["content_sha256"] != variance["content_sha256"])
        #expect(reopened.stdout.contains("\(deltaFigures.open + 1) open, \(deltaFigures.decided - 1) decided"), "\(reopened.stdout)")
    }

    @Test func aSignOffFileNamingAnUnknownOrChangedExceptionRecordsNothing() throws {
        let sample = try LoadedSample(database: "signoffbad")
        _ = try sample.pipeline.reconcile(target: sample.target)
        let exceptions = "\(sample.pipeline.work.path)/exceptions.csv"
        let rows = try Self.rows(exceptions)
        #expect(rows.count > 2)
        let edited = "\(sample.directory.path)/edited.csv"
        try Self.decided(exceptions, to: edited) { _ in "accepted" }
        // Another run's exception id, and an exception changed in the target since the export.
        var text = try String(contentsOfFile: edited, encoding: .utf8)
        let victim = try #require(rows.first { $0["kind"] == "quarantine" })
        var stranger = ExceptionEntry(kind: .quarantine, entity: "members", reason: "genealogy.orphan_sponsor")
        stranger.legacyID = "nobody"
        var strangerFields = ExceptionsCSV.fields(stranger, runID: 1, decision: nil)
        strangerFields += ["accepted", "no such exception"]
        var strangerLine: [UInt8] = []
        ExceptionsCSV.appendLine(strangerFields, to: &strangerLine)
        text += String(decoding: strangerLine, as: UTF8.self)
        try text.write(toFile: edited, atomically: true, encoding: .utf8)
        let connection = try sample.connect()
        try connection.execute("""
            UPDATE mlm_migration.quarantine SET detail = 'reviewed again'
            WHERE run_id = 1 AND line = \(victim["line"] ?? "0") AND source = \(try connection.literal(victim["source"] ?? ""))
            """)
        let result = try tool(["sign-off", "--exceptions", edited, "--by", "Ada Auditor", "--target", sample.target])
        #expect(result.status == 2)
        let line = rows.count + 2
        #expect(result.stderr.contains("\(edited):\(line): column exception_id: run 1 has no exception with this id"), "\(result.stderr)")
        #expect(result.stderr.contains("column content_sha256: the exception changed in the target since this file was exported"))
        #expect(result.stderr.contains("[signoff.invalid]"))
        #expect(try connection.scalar("SELECT count(*) FROM mlm_migration.signoffs") == "0")
        let noName = try tool(["sign-off", "--exceptions", exceptions, "--by", " ", "--target", sample.target])
        #expect(noName.status == 2 && noName.stderr.contains("--by must name the person who decided [signoff.invalid]"))
        let noRun = try tool(["exceptions", "--target", sample.target, "--run", "9"])
        #expect(noRun.status == 2 && noRun.stderr.contains("has no loaded run 9 [exceptions.no_run]"), "\(noRun.stderr)")
    }
}

import Foundation
import MLMMigrate
import Testing

/// Every fenced shell block of README.md, docs/ and runbooks/ is run by a test exactly as written
/// (placeholders substituted): this suite runs those no other suite runs, and fails when a
/// document gains a block that no test runs, so the docs cannot drift from the tool.
@Suite struct DocRecipeTests {
    /// Each document's blocks in order, by the start of their first line, with the test that
    /// runs them.
    static let runners: [String: [(start: String, test: String)]] = [
        "README.md": [
            ("bash scripts/migrate-samples.sh", "DocRecipeTests.quickStart (its second line is .ci/run's own)"),
            ("swift build -c release", "DocRecipeTests.ownDatabase"),
        ],
        "docs/commissions.md": [(".build/release/mlm-migrate parallel-run", "DocRecipeTests.quickStart")],
        "docs/profile.md": [("mlm-migrate profile", "ProfileTests")],
        "docs/scaling.md": [("bash bench/run-all.sh --sizes 300", "BenchScriptTests"), ("mlm-migrate run", "EntryPartitionTests")],
        "docs/report.md": [
            ("python3 -c", "ReportRecipeTests"), ("psql -q \"$TARGET\"", "ReportRecipeTests"),
            ("psql -q -At", "ReportRecipeTests"), ("psql -q -At", "ReportRecipeTests"), ("psql -q \"$TARGET\"", "ReportRecipeTests"),
        ],
        "docs/evidence.md": [("", "EvidencePackTests")],
        "docs/exceptions.md": Array(repeating: ("", "ExceptionsRecipeTests"), count: 4),
        "runbooks/cutover.md": Array(repeating: ("", "RunbookCommandTests.cutover"), count: 7),
        "runbooks/keys.md": Array(repeating: ("", "DocRecipeTests.keysRunbook"), count: 5),
        "runbooks/new-vendor.md": Array(repeating: ("mlm-migrate", "ProfileTests"), count: 2),
        "runbooks/rehearsal.md": [("W=work/rehearsal", "RunbookCommandTests.rehearsal")],
        "runbooks/rollback.md": Array(repeating: ("mlm-migrate", "DocRecipeTests.rollbackRunbook"), count: 3),
    ]

    @Test func everyShellBlockOfTheDocsHasATestThatRunsIt() throws {
        for document in try DocBlocks.documents() {
            let blocks = try DocBlocks.blocks(document)
            let registered = Self.runners[document] ?? []
            #expect(blocks.count == registered.count, "\(document) has \(blocks.count) shell blocks, \(registered.count) with a test")
            for (block, runner) in zip(blocks, registered) {
                #expect(block.text.hasPrefix(runner.start), "\(document):\(block.line) is not the block \(runner.test) runs")
            }
        }
    }

    private func expectSuccess(_ result: CommandRunner.Result, _ block: DocBlocks.Block) {
        #expect(result.status == 0, "\(block.document):\(block.line)\n\(result.output.suffix(1_500))\n\(result.errorOutput.suffix(1_500))")
    }

    /// README's quick start (its first line; the second, the test suite, is what .ci/run runs),
    /// then docs/commissions.md's parallel runs over the work directories it left.
    @Test func quickStart() throws {
        let readme = try DocBlocks.blocks("README.md")[0]
        let ci = try String(contentsOfFile: "\(PackagePaths.root)/.ci/run", encoding: .utf8)
        let lines = readme.text.split(separator: "\n")
        #expect(lines.count == 2 && lines[1].hasPrefix("bash scripts/test.sh") && ci.contains("bash scripts/test.sh"))
        let workspace = try DocBlocks.workspace()
        defer {
            for vendor in ["vendor1-binaryplan", "vendor2-mlmsoft"] {
                try? EmbeddedPostgres.attach(workDirectory: "\(workspace.path)/mlm-work/\(vendor)").stop()
            }
        }
        let quickStart = DocBlocks.Block(document: readme.document, line: readme.line, text: String(lines[0]))
        let migrated = try DocBlocks.run(quickStart, in: workspace.path)
        expectSuccess(migrated, quickStart)
        #expect(migrated.output.components(separatedBy: "PASS").count > 2 || migrated.output.contains("report"), "\(migrated.output)")

        let commissions = try DocBlocks.blocks("docs/commissions.md")[0]
        // The samples' legacy payouts carry seeded mistakes, so each parallel run exits 1 by design:
        // each line runs on its own and must report, not fail to run.
        for line in commissions.text.split(separator: "\n") {
            let single = DocBlocks.Block(document: commissions.document, line: commissions.line, text: String(line))
            let result = try DocBlocks.run(single, in: workspace.path, [".build/release/mlm-migrate": "mlm-migrate"])
            #expect([0, 1].contains(result.status), "\(line)\n\(result.errorOutput.suffix(1_500))")
            #expect(result.output.contains(" matched, "), "\(line)\n\(result.output.suffix(800))")
        }
    }

    /// README's "against your own database", with the test's target and a key directory.
    @Test func ownDatabase() throws {
        let block = try DocBlocks.blocks("README.md")[1]
        let workspace = try DocBlocks.workspace()
        try FileManager.default.createDirectory(atPath: "\(workspace.path)/secure", withIntermediateDirectories: true)
        let target = try TestPostgres.freshDatabase("readmeown")
        let result = try DocBlocks.run(block, in: workspace.path, [
            "swift build -c release": "true", ".build/release/mlm-migrate": "mlm-migrate",
            "/secure/mlm/": "\(workspace.path)/secure/",
            "postgresql://migrator@db.staging:5432/mlm?sslmode=verify-full": target,
        ])
        expectSuccess(result, block)
        #expect(FileManager.default.fileExists(atPath: "\(workspace.path)/work/v1/report.json"))
    }

    private func runbookSubstitutions(_ workspace: String, target: String) -> [String: String] {
        [
            "export/": "samples/vendor1-binaryplan/", "mappings/VENDOR.yaml": "mappings/vendor1-binaryplan.yaml",
            "/secure/mlm/": "\(workspace)/secure/", "/backups/": "\(workspace)/backups/",
            "$W": "\(workspace)/work", "\"$T\"": "'\(target)'",
        ]
    }

    /// runbooks/keys.md from the first key to the erasure, in order, on vendor 1.
    @Test func keysRunbook() throws {
        let workspace = try DocBlocks.workspace()
        try FileManager.default.createDirectory(atPath: "\(workspace.path)/secure", withIntermediateDirectories: true)
        let target = try TestPostgres.freshDatabase("runbookkeys")
        let substitutions = runbookSubstitutions(workspace.path, target: target)
        for block in try DocBlocks.blocks("runbooks/keys.md") {
            expectSuccess(try DocBlocks.run(block, in: workspace.path, substitutions), block)
        }
        let connection = try PostgresConnection(target)
        #expect(try connection.scalar("SELECT count(*) FROM mlm_migration.erasures") == "1")
        #expect(try connection.scalar("SELECT count(DISTINCT kek_id) FROM mlm.data_keys") == "1")
    }

    /// runbooks/rollback.md on a loaded vendor 1 sample: batches, the whole run, snapshot and restore.
    @Test func rollbackRunbook() throws {
        let workspace = try DocBlocks.workspace()
        try FileManager.default.createDirectory(atPath: "\(workspace.path)/backups", withIntermediateDirectories: true)
        let target = try TestPostgres.freshDatabase("runbookrollback")
        let load = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample("vendor1-binaryplan"), "--mapping", PackagePaths.mapping("vendor1-binaryplan"),
            "--target", target, "--work-dir", "\(workspace.path)/work", "--kek-file", TestKeys.kekFile, "--batch-size", "500",
            "--no-progress",
        ])
        #expect(load.status == 0, "\(load.stderr)")
        var substitutions = runbookSubstitutions(workspace.path, target: target)
        substitutions["RUN"] = "1"
        for block in try DocBlocks.blocks("runbooks/rollback.md") {
            expectSuccess(try DocBlocks.run(block, in: workspace.path, substitutions), block)
        }
        let connection = try PostgresConnection(target)
        #expect(try connection.scalar("SELECT status FROM mlm_migration.runs WHERE run_id = 1") == "rolled_back")
        #expect(try connection.scalar("SELECT count(*) FROM mlm.members") == "0")
    }
}

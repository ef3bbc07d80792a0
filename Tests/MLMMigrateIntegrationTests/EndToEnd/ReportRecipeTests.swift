import Foundation
import MLMMigrate
import Testing

/// docs/report.md's shell recipes, run exactly as written (taken from the Markdown) against a
/// migrated sample: each must give the digest the report states, so the doc cannot drift.
@Suite struct ReportRecipeTests {
    /// The ```sh blocks of a document that call psql, in order.
    private func psqlBlocks(_ document: String) throws -> [String] {
        try DocBlocks.blocks(document).map(\.text).filter { $0.contains("psql") }
    }

    private func digests(ofBlock block: String, target: String) throws -> [String] {
        let result = try CommandRunner.run("/bin/bash", ["-c", block], environment: ["TARGET": target], separateErrors: true)
        #expect(result.status == 0, "\(result.errorOutput)")
        return result.output.split(separator: "\n").map { String($0.prefix { $0 != " " }) }
    }

    @Test func theDigestRecipesOfTheReportDocGiveTheReportsDigests() throws {
        let vendor = "vendor1-binaryplan"
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("recipes")
        let run = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--target", target,
            "--work-dir", work.path, "--kek-file", TestKeys.kekFile, "--batch-size", "700",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(work.path)/report.json"))) as? [String: Any]
        let content = report?["content"] as? [String: Any] ?? [:]
        let checks = Dictionary(
            ((content["checks"] as? [[String: Any]]) ?? []).map { ($0["name"] as? String ?? "", $0["expected"] as? String ?? "") },
            uniquingKeysWith: { first, _ in first }
        )
        let members = (content["entities"] as? [[String: Any]])?.first?["rowsDigest"] as? String

        let blocks = try psqlBlocks("docs/report.md")
        #expect(blocks.count == 4)
        let first = try digests(ofBlock: blocks[0], target: target)
        #expect(first == [members ?? "?", checks["content.id_map_digest"] ?? "?"])
        #expect(first.first == checks["content.members_digest"])
        let ledger = try digests(ofBlock: blocks[3], target: target)
        #expect(ledger == [checks["ledger.entries_digest"] ?? "?"])
        // Quarantine batches (members and ledger), then personal-data batches (data keys and PII,
        // several of each at 700 rows a batch): each recomputed digest equals the stored one.
        for (block, least) in [(blocks[1], 2), (blocks[2], 6)] {
            let result = try CommandRunner.run("/bin/bash", ["-c", block], environment: ["TARGET": target], separateErrors: true)
            #expect(result.status == 0, "\(result.errorOutput)")
            let batches = result.output.split(separator: "\n").map { $0.split(separator: " ") }
            #expect(batches.count >= least, "\(result.output)")
            for batch in batches {
                #expect(batch.count == 3 && batch[1].count == 64 && batch[1] == batch[2], "batch \(batch.first ?? "?"): \(batch)")
            }
        }

        let contentDigest = try DocBlocks.blocks("docs/report.md")[0]
        #expect(contentDigest.text.hasPrefix("python3"))
        let python = try DocBlocks.run(contentDigest, in: work.path)
        let pair = python.output.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(python.status == 0 && pair.count == 2 && pair[0] == pair[1] && pair[0].count == 64, "\(python.output) \(python.errorOutput)")

        let tail = try CommandRunner.run(
            "/bin/bash", ["-c", "cd \"$WORK\" && tail -n +2 transform/members.tsv | sha256sum"], environment: ["WORK": work.path], separateErrors: true
        )
        #expect(tail.output.prefix { $0 != " " } == members ?? "?")
    }
}

import Foundation
import MLMMigrate
import Testing

/// After migrating both samples, no source email, phone or name may appear in the target,
/// the work directory (stage files, quarantine, report) or the logs at trace level.
@Suite struct NoPlaintextPIITests {
    /// Every PII value of vendor 1's CSV (full_name, email, phone), read with the tool's reader.
    private func vendor1PII() throws -> Set<String> {
        let reader = try CSVReader(path: PackagePaths.sample("vendor1-binaryplan/members.csv"), displayName: "members.csv")
        var values = Set<String>()
        _ = try reader.next()
        while let record = try reader.next() {
            guard record.fieldCount == 11 else { continue }
            for index in [7, 8, 9] {
                let value = record.withField(index) { TextDecoding.decode($0, as: .windows1252) ?? "" }.trimmingWhitespace()
                if value.count > 5 { values.insert(value.lowercased()) }
            }
        }
        return values
    }

    private func allText(under directory: String) -> String {
        var text = ""
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            if relative.hasPrefix("postgres") { continue }
            if let data = FileManager.default.contents(atPath: "\(directory)/\(relative)") {
                text += String(decoding: data, as: UTF8.self) + "\n"
            }
        }
        return text
    }

    @Test func noSourcePIIReachesTargetWorkDirectoryReportOrLogs() throws {
        let pii = try vendor1PII()
        #expect(pii.count > 3_000)
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("pii")
        let result = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample("vendor1-binaryplan"), "--mapping", PackagePaths.mapping("vendor1-binaryplan"),
            "--target", target, "--work-dir", work.path, "--log-level", "trace",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        var dump = ""
        let connection = try PostgresConnection(target)
        for table in ["mlm.members", "mlm.wallets", "mlm.wallet_entries", "mlm_migration.quarantine", "mlm_migration.id_map", "mlm_migration.runs", "mlm_migration.batches"] {
            try connection.copyOut("COPY \(table) TO STDOUT", what: "dump") { dump += String(decoding: $0, as: UTF8.self) }
        }
        let haystack = (dump + allText(under: work.path) + result.stdout + result.stderr).lowercased()
        let leaked = try Self.found(pii, in: haystack, scratch: work)
        #expect(leaked.isEmpty, "\(leaked.count) PII values found in outputs")
        // The check can fail: the raw export does contain them.
        let raw = String(decoding: try Data(contentsOf: URL(fileURLWithPath: PackagePaths.sample("vendor1-binaryplan/members.csv"))), as: UTF8.self).lowercased()
        #expect(!(try Self.found(pii, in: raw, scratch: work)).isEmpty)
    }

    /// The values that occur in `text`, found with `grep -F` (Aho-Corasick over all values at
    /// once; String.contains over megabytes for thousands of values takes minutes).
    static func found(_ values: Set<String>, in text: String, scratch: TemporaryDirectory) throws -> Set<String> {
        let patterns = try scratch.write("patterns.txt", values.sorted().joined(separator: "\n") + "\n")
        let haystack = try scratch.write("haystack.txt", text)
        let result = try CommandRunner.run("/usr/bin/env", ["grep", "-o", "-F", "-f", patterns, haystack], separateErrors: true)
        #expect(result.status <= 1, "grep failed: \(result.errorOutput)")
        return Set(result.output.split(separator: "\n").map(String.init))
    }
}

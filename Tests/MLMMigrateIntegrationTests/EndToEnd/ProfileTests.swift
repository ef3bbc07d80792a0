import Foundation
import MLMMigrate
import Testing

/// `mlm-migrate profile` on the bundled samples: every seeded defect class visible before
/// mapping is found, no personal-data value reaches any output, the draft validates, and the
/// commands the docs show run as written.
@Suite struct ProfileTests {
    private struct Run {
        var directory: TemporaryDirectory
        var profile: [String: Any]
        var findings: [(code: String, table: String, column: String?)]
        var outputs: [String]
    }

    private func profile(_ source: String) throws -> Run {
        let directory = try TemporaryDirectory()
        let out = "\(directory.path)/profile"
        let result = try ToolRun.run(
            "mlm-migrate",
            [
                "profile", "--source", PackagePaths.sample(source), "--out", out,
                "--draft-mapping", "\(out)/draft.yaml",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let outputs = ["profile.json", "profile.md", "draft.yaml"].map { "\(out)/\($0)" }
        let data = try Data(contentsOf: URL(fileURLWithPath: outputs[0]))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let findings = (json["findings"] as? [[String: Any]] ?? []).map {
            (
                code: $0["code"] as? String ?? "", table: $0["table"] as? String ?? "",
                column: $0["column"] as? String
            )
        }
        let check = try ToolRun.run("mlm-migrate", ["validate-mapping", outputs[2]])
        #expect(check.status == 0, "\(check.stdout)")
        return Run(directory: directory, profile: json, findings: findings, outputs: outputs)
    }

    private func has(_ run: Run, _ code: String, _ table: String, _ column: String? = nil) -> Bool {
        run.findings.contains {
            $0.code == code && $0.table == table && (column == nil || $0.column == column)
        }
    }

    @Test func findsVendor1sSeededDefectsBeforeMapping() throws {
        let run = try profile("vendor1-binaryplan")
        #expect(has(run, "profile.orphan_references", "members", "sponsor"))
        #expect(has(run, "profile.orphan_references", "members", "placement_parent"))
        #expect(has(run, "profile.orphan_references", "wallet_transactions", "user"))
        #expect(has(run, "profile.self_references", "members", "sponsor"))
        #expect(has(run, "profile.reference_cycles", "members", "sponsor"))
        #expect(has(run, "profile.duplicate_keys", "members", "user_id"))
        #expect(has(run, "profile.duplicate_keys", "wallet_transactions", "txn_id"))
        #expect(has(run, "profile.duplicate_personal_data", "members", "email"))
        #expect(has(run, "profile.float_artefacts", "wallet_transactions", "amount"))
        #expect(has(run, "profile.sub_minor_amounts", "wallet_transactions", "amount"))
        #expect(has(run, "profile.encoding_mix", "members"))
        #expect(has(run, "profile.malformed_records", "members"))
        #expect(has(run, "profile.field_count", "members"))
        #expect(has(run, "profile.timestamp_impossible", "members", "joined"))
        #expect(has(run, "profile.timestamp_out_of_range", "members", "joined"))
        let markdown = try String(contentsOfFile: run.outputs[1], encoding: .utf8)
        #expect(markdown.contains("| `profile.malformed_records` | members | 1 | lines 2104 |"))
    }

    @Test func findsVendor2sSeededDefectsBeforeMapping() throws {
        let run = try profile("vendor2-mlmsoft/export.sqlite")
        #expect(has(run, "profile.orphan_references", "tbl_distributor", "upline_id"))
        #expect(has(run, "profile.orphan_references", "tbl_distributor", "matrix_parent_id"))
        #expect(has(run, "profile.orphan_references", "wallet_txn", "dist_id"))
        #expect(has(run, "profile.self_references", "tbl_distributor", "upline_id"))
        #expect(has(run, "profile.reference_cycles", "tbl_distributor", "upline_id"))
        #expect(has(run, "profile.duplicate_keys", "tbl_distributor", "dist_id"))
        #expect(has(run, "profile.duplicate_keys", "wallet_txn", "txn_no"))
        #expect(has(run, "profile.duplicate_personal_data", "tbl_distributor", "email_addr"))
        #expect(has(run, "profile.invalid_encoding", "tbl_distributor", "first_name"))
        #expect(has(run, "profile.encoding_mix", "tbl_distributor"))
        #expect(has(run, "profile.timestamp_out_of_range", "tbl_distributor", "created_ts"))
        #expect(has(run, "profile.nonconforming_values", "tbl_distributor", "created_ts"))
        #expect(has(run, "profile.nonconforming_values", "wallet_txn", "amount_cents"))
        #expect(has(run, "profile.sub_minor_amounts", "tbl_order", "bv"))
    }

    @Test func findsSentinelsThroughTheCommand() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write(
            "members.csv",
            "id,sponsor,joined\n1,,2020-01-01\n2,1,0000-00-00\n3,0,2020-01-03\n4,N/A,2020-01-04\n")
        let result = try ToolRun.run(
            "mlm-migrate", ["profile", "--source", directory.path, "--out", "\(directory.path)/out"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("finding profile.sentinels: 2"))
        let markdown = try String(contentsOfFile: "\(directory.path)/out/profile.md", encoding: .utf8)
        #expect(markdown.contains("sentinels `0000-00-00` ×1"))
    }

    /// Every value of every column the committed mapping marks `pii: true`, trimmed and
    /// lower-cased, longer than 5 characters (shorter ones occur in ordinary text by chance).
    private func personalValues(vendor: String, source: String) throws -> Set<String> {
        let mapping = try #require(MappingLoader.check(path: PackagePaths.mapping(vendor)).mapping)
        let columns = mapping.members.columns.filter(\.pii).map(\.from)
        var values = Set<String>()
        func add(_ bytes: UnsafeBufferPointer<UInt8>, _ encoding: TextEncoding) {
            let text = (TextDecoding.decode(bytes, as: encoding) ?? String(decoding: bytes, as: UTF8.self))
                .trimmingWhitespace().lowercased()
            if text.count > 5 { values.insert(text) }
            if text.hasPrefix("+"), let digits = IdentityNormalizer.normalize(text, as: .phone) {
                values.insert(digits)
            }
        }
        switch mapping.members.source.format {
        case .csv(let options):
            let reader = try CSVReader(
                path: PackagePaths.sample("\(source)/members.csv"), displayName: "members.csv")
            let header = try #require(try reader.next())
            let names = (0..<header.fieldCount).map { index in
                header.withField(index) { String(decoding: $0, as: UTF8.self) }
            }
            let indexes = columns.compactMap { names.firstIndex(of: $0) }
            #expect(indexes.count == columns.count)
            while let record = try reader.next() {
                for index in indexes where index < record.fieldCount {
                    record.withField(index) { add($0, options.encoding) }
                }
            }
        case .sqlite(let selection):
            let reader = try SQLiteReader(
                path: PackagePaths.sample(source), displayName: "export.sqlite", selection: selection)
            let indexes = columns.compactMap { reader.columnNames.firstIndex(of: $0) }
            #expect(indexes.count == columns.count)
            while let (_, row) = try reader.next() {
                for index in indexes { row[index].map { $0.withUnsafeBufferPointer { add($0, .utf8) } } }
            }
        }
        return values
    }

    @Test(arguments: [
        ("vendor1-binaryplan", "vendor1-binaryplan", "vendor1-binaryplan"),
        ("vendor2-mlmsoft", "vendor2-mlmsoft/export.sqlite", "vendor2-mlmsoft/export.sqlite"),
    ])
    func noPersonalDataValueAppearsInAnyProfileOutput(
        vendor: String, source: String, sampleFile: String
    ) throws {
        let pii = try personalValues(vendor: vendor, source: sampleFile)
        #expect(pii.count > 10_000)
        let run = try profile(source)
        for output in run.outputs {
            let text = try String(contentsOfFile: output, encoding: .utf8).lowercased()
            // Every 6-byte window of the output, so only values whose start occurs are searched in full.
            let bytes = Array(text.utf8)
            let windows = Set(bytes.count < 6 ? [] : (0...(bytes.count - 6)).map { bytes[$0..<($0 + 6)] })
            let leaked = pii.filter { value in
                windows.contains(Array(value.utf8).prefix(6)) && text.contains(value)
            }
            #expect(
                leaked.isEmpty,
                "\((output as NSString).lastPathComponent) holds \(leaked.count) personal value(s)")
        }
    }

    /// The `mlm-migrate` lines of the docs' `sh` blocks, run as written from a directory where
    /// `samples` and `mappings` are the checkout's.
    @Test(arguments: ["README.md", "docs/profile.md", "runbooks/new-vendor.md"])
    func runsTheProfileCommandsTheDocsShowAsWritten(doc: String) throws {
        let text = try String(contentsOfFile: "\(PackagePaths.root)/\(doc)", encoding: .utf8)
        var commands: [String] = []
        var inShell = false
        for indented in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = indented.drop { $0 == " " }
            if line.hasPrefix("```") { inShell = line == "```sh"; continue }
            if inShell
                && (line.hasPrefix("mlm-migrate profile")
                    || line.hasPrefix("mlm-migrate validate-mapping work/"))
            {
                commands.append(String(line))
            }
        }
        #expect(!commands.isEmpty)
        let directory = try TemporaryDirectory()
        for name in ["samples", "mappings"] {
            try FileManager.default.createSymbolicLink(
                atPath: "\(directory.path)/\(name)", withDestinationPath: "\(PackagePaths.root)/\(name)")
        }
        let bin = (PackagePaths.executable("mlm-migrate") as NSString).deletingLastPathComponent
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = bin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        for command in commands {
            let result = try CommandRunner.run(
                "/bin/sh", ["-c", "cd '\(directory.path)' && \(command)"], environment: environment,
                separateErrors: true)
            #expect(result.status == 0, "\(doc): \(command): \(result.errorOutput)")
        }
    }

    @Test func benchmarkScriptRunsAtATinySize() throws {
        let bin = (PackagePaths.executable("mlm-migrate") as NSString).deletingLastPathComponent
        var environment = ProcessInfo.processInfo.environment
        environment["MLM_BIN_DIR"] = bin
        let result = try CommandRunner.run(
            "/bin/bash", ["\(PackagePaths.root)/bench/profile.sh", "200", "2000"], environment: environment,
            separateErrors: true)
        #expect(result.status == 0, "\(result.errorOutput)")
        #expect(result.output.contains("profile / extract:"))
        #expect(result.output.contains("profile:") && result.output.contains("peak RSS"))
    }
}

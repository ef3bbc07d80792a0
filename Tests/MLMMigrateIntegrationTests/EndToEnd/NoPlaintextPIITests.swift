import Foundation
import MLMMigrate
import Testing

/// After migrating each sample, no source name, email, phone, date of birth, address, tax id,
/// bank account or KYC document reference may appear in a `pg_dump` of the target, anywhere
/// under the work directory (stage files, quarantine, report) or in the logs at trace level.
@Suite struct NoPlaintextPIITests {
    /// Every PII value of vendor 1's CSV, read with the tool's reader (KYC status excluded: its
    /// few words, such as "verified", also occur in ordinary report text).
    static func vendor1PII() throws -> Set<String> {
        let reader = try CSVReader(path: PackagePaths.sample("vendor1-binaryplan/members.csv"), displayName: "members.csv")
        var values = Set<String>()
        _ = try reader.next()
        while let record = try reader.next() {
            guard record.fieldCount == 17 else { continue }
            for index in [7, 8, 9, 11, 12, 13, 14, 15] {
                values.insert(record.withField(index) { TextDecoding.decode($0, as: .windows1252) ?? "" })
            }
        }
        return Self.searchable(values)
    }

    /// Every PII value of vendor 2's SQLite export (names, email, mobile, dob, street, ssn,
    /// bank account, KYC reference).
    static func vendor2PII() throws -> Set<String> {
        let reader = try SQLiteReader(path: PackagePaths.sample("vendor2-mlmsoft/export.sqlite"), displayName: "export.sqlite", selection: .table("tbl_distributor"))
        let columns = ["first_name", "last_name", "email_addr", "mobile", "dob", "street", "ssn", "bank_account", "kyc_ref"]
        let indexes = columns.compactMap { reader.columnNames.firstIndex(of: $0) }
        #expect(indexes.count == columns.count)
        var values = Set<String>()
        while let (_, row) = try reader.next() {
            for index in indexes { values.insert(row[index].map { String(decoding: $0, as: UTF8.self) } ?? "") }
        }
        return Self.searchable(values)
    }

    /// Trimmed, lower-cased values long enough not to match ordinary text by chance; a phone
    /// number is also searched for in its normalised form (digits), as it is stored.
    private static func searchable(_ values: Set<String>) -> Set<String> {
        var out = Set<String>()
        for value in values {
            let trimmed = value.trimmingWhitespace().lowercased()
            if trimmed.count > 5 { out.insert(trimmed) }
            if trimmed.hasPrefix("+"), let digits = IdentityNormalizer.normalize(trimmed, as: .phone) { out.insert(digits) }
        }
        return out
    }

    private func allText(under directory: String) -> String {
        var text = ""
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: "\(directory)/\(relative)") {
                text += String(decoding: data, as: UTF8.self) + "\n"
            }
        }
        return text
    }

    @Test(arguments: ["vendor1-binaryplan", "vendor2-mlmsoft"])
    func noSourcePIIReachesTheTargetDumpWorkDirectoryReportOrLogs(vendor: String) throws {
        let pii = try vendor == "vendor1-binaryplan" ? Self.vendor1PII() : Self.vendor2PII()
        #expect(pii.count > 10_000)
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("pii")
        let result = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor),
            "--target", target, "--work-dir", work.path, "--log-level", "trace", "--kek-file", TestKeys.kekFile,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let dump = try CommandRunner.run("/usr/lib/postgresql/15/bin/pg_dump", ["--data-only", "--dbname", target], separateErrors: true)
        #expect(dump.status == 0, "\(dump.errorOutput)")
        #expect(dump.output.contains("COPY mlm.member_pii"))
        let haystack = (dump.output + allText(under: work.path) + result.stdout + result.stderr).lowercased()
        // Nor the KEK itself, in any form.
        let secret = try String(contentsOfFile: TestKeys.kekFile, encoding: .utf8).split(separator: " ")[2].trimmingCharacters(in: .whitespacesAndNewlines)
        let keyHex = Hex.encode(try #require(Data(base64Encoded: secret)))
        let leaked = try Self.found(pii.union([secret.lowercased(), keyHex]), in: haystack, scratch: work)
        #expect(leaked.isEmpty, "\(leaked.count) PII values found in outputs")
        // The search can fail: the raw export does contain them.
        let raw = try Data(contentsOf: URL(fileURLWithPath: PackagePaths.sample(vendor == "vendor1-binaryplan" ? "vendor1-binaryplan/members.csv" : "vendor2-mlmsoft/export.sqlite")))
        #expect(try Self.found(pii, in: String(decoding: raw, as: UTF8.self).lowercased(), scratch: work).count > 1_000)
    }

    /// The values that occur in `text`, found with `grep -F` (Aho-Corasick over all values at
    /// once; String.contains over megabytes for thousands of values takes minutes).
    static func found(_ values: Set<String>, in text: String, scratch: TemporaryDirectory) throws -> Set<String> {
        let patterns = try scratch.write("patterns.txt", values.sorted().joined(separator: "\n") + "\n")
        let haystack = try scratch.write("haystack.txt", text)
        let result = try CommandRunner.run("/usr/bin/env", ["grep", "-o", "-a", "-F", "-f", patterns, haystack], separateErrors: true)
        #expect(result.status <= 1, "grep failed: \(result.errorOutput)")
        return Set(result.output.split(separator: "\n").map(String.init))
    }
}

import Foundation
import MLMMigrate
import Testing

/// Hostile or careless exports run end to end through the built `mlm-migrate`: each ends with
/// every row loaded or quarantined with its own reason, or with a check that fails.
@Suite struct HostileSourceTests {
    private let vendor = "vendor1-binaryplan"

    /// A copy of the vendor 1 sample whose files `edit` may change, byte for byte.
    private func editedSample(_ edit: (String) throws -> Void) throws -> TemporaryDirectory {
        let copy = try TemporaryDirectory()
        let sample = PackagePaths.sample(vendor)
        for name in try FileManager.default.contentsOfDirectory(atPath: sample) where name.hasSuffix(".csv") {
            try FileManager.default.copyItem(atPath: "\(sample)/\(name)", toPath: "\(copy.path)/\(name)")
        }
        try edit(copy.path)
        return copy
    }

    private func lines(_ path: String) throws -> [[UInt8]] {
        try Array(Data(contentsOf: URL(fileURLWithPath: path))).split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    }

    /// Appends `text` to a line before its CR, if it has one (the sample's lines end in CRLF).
    private func append(_ text: String, to line: inout [UInt8]) {
        line.insert(contentsOf: Array(text.utf8), at: line.last == 0x0D ? line.count - 1 : line.count)
    }

    private func write(_ lines: [[UInt8]], _ path: String) throws {
        try Data(Array(lines.joined(separator: [0x0A]))).write(to: URL(fileURLWithPath: path))
    }

    private func migrate(_ source: String, mapping: String? = nil) throws -> (ToolRun, TemporaryDirectory, String) {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("hostile")
        let result = try ToolRun.run("mlm-migrate", [
            "run", "--source", source, "--mapping", mapping ?? PackagePaths.mapping(vendor), "--target", target,
            "--work-dir", work.path, "--kek-file", TestKeys.kekFile,
        ])
        return (result, work, target)
    }

    private func report(_ work: TemporaryDirectory) throws -> [String: Any] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(work.path)/report.json"))) as? [String: Any]
        return json?["content"] as? [String: Any] ?? [:]
    }

    private func entity(_ content: [String: Any], _ name: String) -> [String: Any] {
        (content["entities"] as? [[String: Any]])?.first { $0["entity"] as? String == name } ?? [:]
    }

    private func check(_ content: [String: Any], _ name: String) -> [String: Any]? {
        (content["checks"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    /// Records in the sample's members.csv as the reader counts them (the header excluded).
    private func sampleMemberRecords() throws -> Int {
        let reader = try CSVReader(path: PackagePaths.sample("\(vendor)/members.csv"), displayName: "members.csv")
        var count = -1
        while try reader.next() != nil { count += 1 }
        return count
    }

    @Test func aStrayQuoteQuarantinesItsOwnLineAndLosesNoRecordAfterIt() throws {
        var strayLine = 0
        var nextLegacyID = ""
        let source = try editedSample { path in
            var members = try lines("\(path)/members.csv")
            // A line ending in `,verified` followed by lines with quoted fields: the stray quote
            // opens a field that the next line's first quote closes.
            let ending = Array(",verified\r".utf8)
            let index = try #require((1_000..<members.count - 1).first { Array(members[$0].suffix(ending.count)) == ending })
            members[index].insert(UInt8(ascii: "\""), at: members[index].count - ending.count + 1)
            strayLine = index + 1
            nextLegacyID = String(decoding: members[index + 1].prefix { $0 != UInt8(ascii: ",") }, as: UTF8.self)
            // The last record opens a quote the file never closes.
            let last = try #require(members.lastIndex { !$0.isEmpty })
            append(",\"unterminated", to: &members[last])
            try write(members, "\(path)/members.csv")
        }
        let (result, work, target) = try migrate(source.path)
        #expect(result.status == 0, "\(result.stderr)")
        let content = try report(work)
        let members = entity(content, "members")
        #expect(members["extracted"] as? Int == (try sampleMemberRecords()))
        #expect(check(content, "members.source_lines_accounted")?["passed"] as? Bool == true)
        let connection = try PostgresConnection(target)
        let malformed = try connection.query(
            "SELECT line::text FROM mlm_migration.quarantine WHERE entity = 'members' AND reason = 'extract.malformed_record' ORDER BY line"
        ).compactMap { $0[0] }
        #expect(malformed.contains(String(strayLine)))
        let found = try connection.scalar("""
            SELECT (SELECT count(*) FROM mlm.members WHERE legacy_id = $1)
                 + (SELECT count(*) FROM mlm_migration.quarantine WHERE entity = 'members' AND legacy_id = $1)
            """, [nextLegacyID])
        #expect(found == "1")
    }

    @Test func aNULByteIsQuarantinedWithItsOwnReasonAndItsBytesAsHex() throws {
        var line = 0
        let source = try editedSample { path in
            var members = try lines("\(path)/members.csv")
            line = 2_050
            let comma = try #require(members[line - 1].firstIndex(of: UInt8(ascii: ",")))
            members[line - 1].insert(contentsOf: [0x00, 0x41], at: comma + 2)
            var entries = try lines("\(path)/wallet_transactions.csv")
            entries[100] = Array(entries[100].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).enumerated().map { index, field in
                index == 3 ? Array(field) + [0x00] : Array(field)
            }.joined(separator: [UInt8(ascii: ",")]))
            try write(members, "\(path)/members.csv")
            try write(entries, "\(path)/wallet_transactions.csv")
        }
        let (result, _, target) = try migrate(source.path)
        #expect(result.status == 0, "\(result.stderr)")
        let connection = try PostgresConnection(target)
        let member = try connection.query("""
            SELECT column_name, payload ->> 'username', payload ->> '_hex.username' FROM mlm_migration.quarantine
            WHERE entity = 'members' AND reason = 'extract.nul_byte' AND line = $1::bigint
            """, [String(line)]).first
        #expect(member?[0] == "username")
        #expect(member?[1] == nil)
        #expect(member?[2]?.contains("0041") == true)
        let entry = try connection.query("""
            SELECT column_name, payload ->> '_hex.kind' FROM mlm_migration.quarantine
            WHERE entity = 'wallet_entries' AND reason = 'extract.nul_byte' AND line = 101
            """).first
        #expect(entry?[0] == "kind")
        #expect(entry?[1]?.hasSuffix("00") == true)
    }

    @Test func aHeaderOnlyMembersFileFailsTheRunInsteadOfPassingEmpty() throws {
        let source = try editedSample { path in
            let members = try lines("\(path)/members.csv")
            try write([members[0], []], "\(path)/members.csv")
        }
        let (result, work, _) = try migrate(source.path)
        #expect(result.status == 1, "\(result.stderr)")
        let content = try report(work)
        #expect(check(content, "members.some_loaded")?["passed"] as? Bool == false)
        #expect(content["passed"] as? Bool == false)
    }

    @Test func aSecondFileMatchedByTheGlobFailsTheQuarantineRatioAndIsNamed() throws {
        let source = try editedSample { path in
            try FileManager.default.copyItem(atPath: "\(path)/members.csv", toPath: "\(path)/members_old.csv")
        }
        let (result, work, _) = try migrate(source.path)
        #expect(result.status == 1, "\(result.stderr)")
        let content = try report(work)
        let ratio = check(content, "members.quarantine_ratio")
        #expect(ratio?["passed"] as? Bool == false)
        #expect(ratio?["expected"] as? String == "≤ 5%")
        #expect(entity(content, "members")["sourceFiles"] as? [String] == ["members.csv", "members_old.csv"])
        #expect(result.stderr.contains("members_old.csv") || result.stdout.contains("members_old.csv"))
    }

    @Test func amountsAtTheSixtyFourBitLimitReconcileAndAnOverflowNamesTheLegacyRow() throws {
        let source = try editedSample { path in
            var entries = try lines("\(path)/wallet_transactions.csv")
            entries.insert(Array("TXNHUGE1,liam1,USD,DEP,92233720368547758.07,2016-01-01 00:00:00,".utf8), at: 1)
            var balances = try lines("\(path)/wallet_balances.csv")
            balances.insert(Array("liam1,USD,-92233720368547758.08".utf8), at: 1)
            try write(entries, "\(path)/wallet_transactions.csv")
            try write(balances, "\(path)/wallet_balances.csv")
        }
        let (result, _, target) = try migrate(source.path)
        #expect(result.status == 0, "\(result.stderr)")
        let difference = try PostgresConnection(target).scalar("""
            SELECT w.balance_minor::numeric - w.legacy_balance_minor FROM mlm.wallets w JOIN mlm.members m USING (member_id)
            WHERE m.legacy_id = '100001' AND w.currency = 'USD'
            """)
        #expect(difference == "18446744073709551615")

        let overflowing = try editedSample { path in
            var entries = try lines("\(path)/wallet_transactions.csv")
            entries.insert(Array("TXNHUGE1,liam1,USD,DEP,92233720368547758.07,2016-01-01 00:00:00,".utf8), at: 1)
            entries.insert(Array("TXNHUGE2,liam1,USD,DEP,0.01,2016-01-02 00:00:00,".utf8), at: 2)
            try write(entries, "\(path)/wallet_transactions.csv")
        }
        let (failed, _, _) = try migrate(overflowing.path)
        #expect(failed.status == 2)
        #expect(failed.stderr.contains("[ledger.balance_overflow]"))
        #expect(failed.stderr.contains("legacy member 100001") && failed.stderr.contains("TXNHUGE2"))
    }

    @Test func transactionIDsWithEscapesAndAccentsHashAndReadBackAlike() throws {
        // A backslash, a quoted tab, a Windows-1252 accent, a backspace, a vertical tab and a form
        // feed: each is escaped or multi-byte in a stage file or in PostgreSQL's `COPY` text, so
        // the Cleanse, the Transform and the read-back take their long way.
        let ids: [[UInt8]] = [Array(#"TX\1"#.utf8), Array("\"TX\t2\"".utf8), Array("TX".utf8) + [0xE9, 0x33], Array("TX\u{8}4\u{B}\u{C}".utf8) + [0x35]]
        let source = try editedSample { path in
            var entries = try lines("\(path)/wallet_transactions.csv")
            for (index, id) in ids.enumerated() {
                let line = entries[10 + index]
                let comma = try #require(line.firstIndex(of: UInt8(ascii: ",")))
                entries[10 + index] = id + line[comma...]
            }
            try write(entries, "\(path)/wallet_transactions.csv")
        }
        let (result, _, target) = try migrate(source.path)
        #expect(result.status == 0, "\(result.stderr)")
        let connection = try PostgresConnection(target)
        let loaded = try connection.query(
            "SELECT legacy_txn_id FROM mlm.wallet_entries WHERE legacy_txn_id IN ('TX\\1', E'TX\\t2', 'TX\u{E9}3', 'TX' || chr(8) || '4' || chr(11) || chr(12) || '5')"
        ).map { $0[0] ?? "" }
        #expect(Set(loaded) == [#"TX\1"#, "TX\t2", "TX\u{E9}3", "TX\u{8}4\u{B}\u{C}5"])
        let verify = try ToolRun.run("mlm-migrate", ["verify-ledger", "--target", target])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func refusesAHeaderWithTwoColumnsAMappedColumnMatches() throws {
        let source = try editedSample { path in
            var members = try lines("\(path)/members.csv")
            append(",status", to: &members[0])
            for index in 1..<members.count where !members[index].isEmpty { append(",9", to: &members[index]) }
            try write(members, "\(path)/members.csv")
        }
        let work = try TemporaryDirectory()
        let result = try ToolRun.run("mlm-migrate", [
            "extract", "--source", source.path, "--mapping", PackagePaths.mapping(vendor), "--work-dir", work.path, "--kek-file", TestKeys.kekFile,
        ])
        #expect(result.status == 2)
        #expect(result.stderr.contains("[source.column_ambiguous]"))
        #expect(result.stderr.contains("members.csv: header columns 7 and 18"))
    }
}

@Suite struct WrongKEKReconcileTests {
    @Test func reconcileWithAKEKThatWrapsNoDataKeyStopsAndRecordsNothing() throws {
        let vendor = "vendor1-binaryplan"
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("wrongkek")
        let first = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--target", target,
            "--work-dir", work.path, "--kek-file", TestKeys.kekFile,
        ])
        #expect(first.status == 0, "\(first.stderr)")
        let connection = try PostgresConnection(target)
        let before = try connection.query("SELECT status, md5(report::text) FROM mlm_migration.runs ORDER BY run_id").map { $0.compactMap { $0 } }
        let wrong = try ToolRun.run("mlm-migrate", [
            "reconcile", "--work-dir", work.path, "--target", target, "--kek-file", TestKeys.newKEKFile("wrong"),
        ])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("[keys.kek_wrong]"))
        let after = try connection.query("SELECT status, md5(report::text) FROM mlm_migration.runs ORDER BY run_id").map { $0.compactMap { $0 } }
        #expect(after == before)
    }
}

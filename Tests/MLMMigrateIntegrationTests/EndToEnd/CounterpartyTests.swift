import Foundation
import MLMMigrate
import Testing

@Suite struct CounterpartyTests {
    /// Vendor 1 with its `remarks` column mapped as the counterparty of transfers: one transfer
    /// names a member, one names nobody.
    @Test func aTransferNamesItsCounterpartyByMemberIdAndAnUnknownOneIsQuarantined() throws {
        let vendor = "vendor1-binaryplan"
        let source = try TemporaryDirectory()
        let sample = PackagePaths.sample(vendor)
        for name in try FileManager.default.contentsOfDirectory(atPath: sample) where name.hasSuffix(".csv") {
            try FileManager.default.copyItem(atPath: "\(sample)/\(name)", toPath: "\(source.path)/\(name)")
        }
        let path = "\(source.path)/wallet_transactions.csv"
        // Byte lines: Swift treats CRLF as one Character, so split the bytes at LF.
        var lines = try Array(Data(contentsOf: URL(fileURLWithPath: path))).split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        let transfers = lines.indices.filter { lines[$0].suffix(2) == [UInt8(ascii: ","), 0x0D] && String(decoding: lines[$0], as: UTF8.self).contains(",TIN,") }
        let named = try #require(transfers.first)
        let unknown = try #require(transfers.dropFirst().first)
        let namedTxn = String(decoding: lines[named].prefix { $0 != UInt8(ascii: ",") }, as: UTF8.self)
        lines[named].insert(contentsOf: Array("liam1".utf8), at: lines[named].count - 1)
        lines[unknown].insert(contentsOf: Array("nobody.here".utf8), at: lines[unknown].count - 1)
        try Data(Array(lines.joined(separator: [0x0A]))).write(to: URL(fileURLWithPath: path))

        let committed = try String(contentsOfFile: PackagePaths.mapping(vendor), encoding: .utf8)
        let counterparty = "      counterparty:  { from: remarks, null_values: [\"payout, weekly\"] }\n"
        let mapping = committed.replacingOccurrences(
            of: "      amount:        { from: amount, type: money }", with: counterparty + "      amount:        { from: amount, type: money }"
        )
        #expect(mapping != committed)
        let work = try TemporaryDirectory()
        let mappingPath = try work.write("counterparty.yaml", mapping)
        let target = try TestPostgres.freshDatabase("counterparty")
        let run = try ToolRun.run("mlm-migrate", [
            "run", "--source", source.path, "--mapping", mappingPath, "--target", target, "--work-dir", "\(work.path)/w",
            "--kek-file", TestKeys.kekFile,
        ])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let connection = try PostgresConnection(target)
        let linked = try connection.query("""
            SELECT m.legacy_id FROM mlm.wallet_entries e JOIN mlm.members m ON m.member_id = e.counterparty_id
            WHERE e.legacy_txn_id = $1
            """, [namedTxn])
        #expect(linked == [["100001"]])
        #expect(try connection.scalar("SELECT count(*) FROM mlm.wallet_entries WHERE counterparty_id IS NOT NULL") == "1")
        let reasons = try connection.query(
            "SELECT column_name FROM mlm_migration.quarantine WHERE entity = 'wallet_entries' AND reason = 'ledger.unknown_counterparty'"
        )
        #expect(reasons == [["counterparty"]])
    }
}

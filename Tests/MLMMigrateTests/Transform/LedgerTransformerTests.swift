import Foundation
import Logging
import MLMMigrate
import Testing

@Suite struct LedgerTransformerTests {
    /// Writes cleanse-stage ledger files and an id map, runs the ledger Transform.
    private func transform(
        entries: [[String?]], balances: [[String?]], in directory: TemporaryDirectory,
        idMap: [[String?]] = [["member", "B", "1"], ["member", "A", "2"]]
    ) throws -> (LedgerTransformSummary, entries: [[String?]], wallets: [[String?]]) {
        let path = directory.path
        try FileManager.default.createDirectory(atPath: "\(path)/cleanse", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(path)/transform", withIntermediateDirectories: true)
        func write(_ file: String, _ columns: [String], _ rows: [[String?]]) throws {
            try StageFileFixtures.write("\(path)/\(file)", columns, rows)
        }
        try write("cleanse/wallet_entries.tsv", LedgerStageLayout.cleansedEntries, entries)
        try write("cleanse/wallet_balances.tsv", LedgerStageLayout.cleansedBalances, balances)
        try write("cleanse/ledger_quarantine.tsv", MemberStageLayout.quarantine, [])
        try write("transform/id_map.tsv", MemberStageLayout.idMap, idMap)
        let summary = try LedgerTransformer(logger: Logger(label: "test")).run(
            cleanseDirectory: "\(path)/cleanse", memberIDs: try MemberIDTable(idMapPath: "\(path)/transform/id_map.tsv"),
            outputDirectory: "\(path)/transform", scratch: "\(path)/transform"
        )
        func read(_ file: String) throws -> [[String?]] { try StageFileFixtures.rows("\(path)/transform/\(file)") }
        return (summary, try read("wallet_entries.tsv"), try read("wallets.tsv"))
    }

    private func entry(
        _ txn: String, _ member: String, _ currency: String, _ amount: Int64, at seconds: Int64, counterparty: String? = nil
    ) -> [String?] {
        ["src", "1", txn, member, currency, "credit", String(amount), String(seconds * 1_000_000), counterparty]
    }

    @Test func writesATransfersCounterpartyAsItsMemberIdOutsideTheHash() throws {
        let plain = try transform(entries: [entry("T1", "A", "USD", 5, at: 1)], balances: [], in: try TemporaryDirectory())
        let transfer = try transform(entries: [entry("T1", "A", "USD", 5, at: 1, counterparty: "B")], balances: [], in: try TemporaryDirectory())
        #expect(plain.entries.first?.last == .some(nil))
        #expect(transfer.entries.first?.last == "1")
        #expect(plain.entries.first?[8] == transfer.entries.first?[8])
        #expect(plain.0.runDigest == transfer.0.runDigest)
        #expect(plain.0.entriesDigest != transfer.0.entriesDigest)
        #expect {
            _ = try transform(entries: [entry("T1", "A", "USD", 5, at: 1, counterparty: "ghost")], balances: [], in: try TemporaryDirectory())
        } throws: { ($0 as? MigrationError)?.code == "workdir.corrupt" }
    }

    /// Lines are read on two threads in batches of 20,000: the error names the first bad line
    /// of the file (the header is line 1), whichever batch it is in.
    @Test func namesTheFirstLineThatNamesAnUnknownMember() throws {
        var entries = (1...45_000).map { entry("T\($0)", "A", "USD", 1, at: Int64($0)) }
        entries[30_000] = entry("T30001", "ghost", "USD", 1, at: 1)
        entries[40_000] = entry("T40001", "ghost", "USD", 1, at: 1)
        #expect {
            _ = try transform(entries: entries, balances: [], in: try TemporaryDirectory())
        } throws: { error in
            guard let error = error as? MigrationError else { return false }
            return error.code == "workdir.corrupt" && error.message.hasSuffix("wallet_entries.tsv: line 30002: names a member that Transform did not load; run cleanse again")
        }
    }

    @Test func ordersEachWalletByTimeThenTransactionIdAndKeepsARunningBalance() throws {
        let directory = try TemporaryDirectory()
        let (summary, entries, wallets) = try transform(entries: [
            entry("T2", "A", "USD", 500, at: 100),
            entry("T10", "A", "USD", 100, at: 100),
            entry("T9", "A", "USD", -50, at: 50),
            entry("X1", "B", "EUR", 7, at: 10),
            entry("E1", "A", "EUR", 1, at: 5),
        ], balances: [
            ["src", "2", "A", "USD", "550"], ["src", "3", "B", "EUR", "8"], ["src", "4", "B", "USD", "3"],
        ], in: directory)
        let usd = entries.filter { $0[0] == "2" && $0[1] == "USD" }
        #expect(usd.map { $0[3] } == ["T9", "T10", "T2"], "same time: transaction ids in byte order")
        #expect(usd.map { $0[2] } == ["1", "2", "3"])
        #expect(usd.map { $0[7] } == ["-50", "50", "550"])
        #expect(entries.map { "\($0[0] ?? "")/\($0[1] ?? "")" } == ["1/EUR", "2/EUR", "2/USD", "2/USD", "2/USD"])

        // Hashes are those of docs/ledger-hashing.md, recomputed independently here.
        let ledger = [(1, "T9", -50, 50, -50), (2, "T10", 100, 100, 50), (3, "T2", 500, 100, 550)].map {
            LedgerEntry(memberID: 2, currency: "USD", seq: Int64($0.0), legacyTxnID: $0.1, kind: "credit", amountMinor: Int64($0.2), occurredAt: Int64($0.3) * 1_000_000, balanceAfterMinor: Int64($0.4))
        }
        var previous = LedgerHasher.genesis
        var hashes: [[UInt8]] = []
        for item in ledger {
            previous = LedgerHasher.entryHash(item, previous: previous)
            hashes.append(previous)
        }
        #expect(usd.map { $0[8] } == hashes.map { "\\x" + Hex.encode($0) })
        let usdWallet = wallets.first { $0[0] == "2" && $0[1] == "USD" }
        #expect(usdWallet == ["2", "USD", "550", "3", "\\x" + Hex.encode(previous), "\\x" + Hex.encode(LedgerHasher.merkleRoot(hashes)), "550"])

        // A balance with no entries is a wallet of its own; missing and differing balances are variances.
        #expect(wallets.map { "\($0[0] ?? "")/\($0[1] ?? "")" } == ["1/EUR", "1/USD", "2/EUR", "2/USD"])
        #expect(wallets.first { $0[0] == "1" && $0[1] == "USD" } == ["1", "USD", "0", "0", "\\x" + Hex.encode(LedgerHasher.genesis), "\\x" + Hex.encode(LedgerHasher.merkleRoot([])), "3"])
        #expect(summary.variances == 3)
        #expect(summary.entries == 5 && summary.wallets == 4)
    }

    @Test func writesBalanceOnlyWalletsInPlaceAndTheLastBalanceGivenForAWallet() throws {
        let directory = try TemporaryDirectory()
        let (summary, _, wallets) = try transform(entries: [
            entry("T1", "A", "USD", 10, at: 1),
            entry("T2", "C", "EUR", 5, at: 2),
        ], balances: [
            ["src", "2", "D", "JPY", "7"], ["src", "3", "B", "GBP", "1"], ["src", "4", "A", "USD", "10"],
            ["src", "5", "C", "EUR", "9"], ["src", "6", "A", "AUD", "4"], ["src", "7", "B", "GBP", "2"], ["src", "8", "C", "EUR", nil],
        ], in: directory, idMap: [["member", "B", "1"], ["member", "A", "2"], ["member", "C", "3"], ["member", "D", "4"]])
        #expect(wallets.map { "\($0[0] ?? "")/\($0[1] ?? "")/\($0[6] ?? "none")" } == ["1/GBP/2", "2/AUD/4", "2/USD/10", "3/EUR/none", "4/JPY/7"])
        #expect(summary.wallets == 5 && summary.variances == 4)
        let summaries = wallets.map { row in
            LedgerHasher.WalletSummary(
                memberID: Int64(row[0] ?? "") ?? 0, currency: row[1] ?? "", entryCount: Int64(row[3] ?? "") ?? 0,
                balanceMinor: Int64(row[2] ?? "") ?? 0, headHash: Hex.decode(String((row[4] ?? "").dropFirst(2))) ?? [],
                merkleRoot: Hex.decode(String((row[5] ?? "").dropFirst(2))) ?? []
            )
        }
        #expect(summary.runDigest == Hex.encode(LedgerHasher.runDigest(summaries.reversed())))
    }

    @Test func givesTheSameHashesForTheSameInputInAnyFileOrder() throws {
        var rows: [[String?]] = []
        for index in 0..<500 {
            let member = index % 2 == 0 ? "A" : "B"
            let currency = index % 3 == 0 ? "EUR" : "USD"
            rows.append(entry("T\(index)", member, currency, Int64(index * 7 - 900), at: Int64(index % 17)))
        }
        let first = try transform(entries: rows, balances: [], in: try TemporaryDirectory())
        let second = try transform(entries: rows.reversed(), balances: [], in: try TemporaryDirectory())
        #expect(first.0.runDigest == second.0.runDigest)
        #expect(first.0.entriesDigest == second.0.entriesDigest)
        #expect(first.entries == second.entries)
    }

    @Test func stopsOnAnEntryOfAMemberTransformDidNotLoad() throws {
        #expect {
            _ = try transform(entries: [entry("T1", "ghost", "USD", 1, at: 1)], balances: [], in: try TemporaryDirectory())
        } throws: { ($0 as? MigrationError)?.code == "workdir.corrupt" }
    }
}

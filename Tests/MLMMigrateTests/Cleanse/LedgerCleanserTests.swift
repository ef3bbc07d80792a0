import Foundation
import Logging
import MLMMigrate
import Testing

@Suite struct LedgerCleanserTests {
    /// Writes member and ledger extract files for the WalletRowRulesTests mapping, runs the ledger Cleanse.
    private func cleanse(policy: String, entries: [[String?]], balances: [[String?]] = []) throws -> (LedgerCleanseSummary, accepted: [[String?]], quarantine: [[String?]]) {
        let yaml = WalletRowRulesTests.yaml.replacingOccurrences(of: "      debit_kinds: [withdrawal]\n", with: "      debit_kinds: [withdrawal]\n      duplicate_txn_policy: \(policy)\n")
        let mapping = try #require(MappingLoader.parse(yaml: yaml).mapping)
        let ledger = try #require(mapping.ledger)
        let directory = try TemporaryDirectory()
        let path = directory.path
        func write(_ file: String, _ columns: [String], _ rows: [[String?]]) throws -> String {
            try StageFileFixtures.write("\(path)/\(file)", columns, rows)
        }
        let book = MemberStageLayout.extractBookkeeping
        let paths = LedgerCleansePaths(
            entriesExtract: try write("entries.tsv", book + ledger.entries.columns.map(\.field), entries.map { ["e.csv", "2", nil, nil] + $0 }),
            balancesExtract: try write("balances.tsv", book + (ledger.balances?.columns.map(\.field) ?? []), balances.map { ["b.csv", "2", nil, nil] + $0 }),
            membersExtract: try write("members-extract.tsv", book + mapping.members.columns.map(\.field), [["m.csv", "2", nil, nil, "1", "ann"], ["m.csv", "3", nil, nil, "3", "carl"]]),
            membersCleansed: try write("members.tsv", MemberStageLayout.cleansed, [["m.csv", "2", "1", "ann", nil, "0", nil, nil, nil]]),
            entries: "\(path)/out-entries.tsv", balances: "\(path)/out-balances.tsv", quarantine: "\(path)/out-quarantine.tsv", scratch: path
        )
        let summary = try LedgerCleanser(mapping: ledger, members: mapping.members, logger: Logger(label: "test")).run(paths: paths)
        return (summary, try StageFileFixtures.rows(paths.entries), try StageFileFixtures.rows(paths.quarantine))
    }

    private let at = "2024-01-02T03:04:05Z"

    @Test func keepsTheFirstOfDuplicateTransactionsUnderKeepFirst() throws {
        let (summary, accepted, quarantine) = try cleanse(policy: "keep_first", entries: [
            ["T2", "ann", "USD", "C", "1.00", at], ["T1", "ann", "USD", "C", "2.00", at], ["T2", "ann", "USD", "C", "3.00", at],
        ])
        #expect(accepted.map { $0[2] } == ["T2", "T1"], "T2 came in order, written as it came; the late T1 follows")
        #expect(accepted.first?[6] == "100", "the first T2 in source order is kept")
        #expect(quarantine.map { $0[4] } == ["ledger.duplicate_txn_id"])
        #expect(summary.entries.accepted == 2 && summary.entries.quarantined == 1)
        #expect(summary.totals == [CurrencyTotals(currency: "USD", sourceEntries: 3, sourceMinor: "600", quarantinedEntries: 1, quarantinedMinor: "300")])
    }

    @Test func quarantinesEveryCopyUnderQuarantineAll() throws {
        let (summary, accepted, quarantine) = try cleanse(policy: "quarantine_all", entries: [
            ["T2", "ann", "USD", "C", "1.00", at], ["T1", "ann", "USD", "W", "2.00", at], ["T2", "ann", "USD", "C", "3.00", at],
        ])
        #expect(accepted.map { $0[2] } == ["T1"])
        #expect(accepted.first?[6] == "-200", "withdrawals are debits")
        #expect(quarantine.count == 2)
        #expect(summary.totals.first?.quarantinedMinor == "400")
        #expect(summary.totals.first?.sourceMinor == "200")
    }

    @Test func totalsQuarantinedAmountsAndCountsTheUnvalued() throws {
        let (summary, _, quarantine) = try cleanse(policy: "keep_first", entries: [
            ["T1", "carl", "USD", "C", "5.00", at],
            ["T2", "nobody", "EUR", "C", "1.50", at],
            ["T3", "ann", "XYZ", "C", "1.00", at],
            ["T4", "ann", "USD", "C", "abc", at],
            ["T5", "ann", "USD", "C", "9.99", at],
        ], balances: [["ann", "USD", "999"], ["ann", "usd", "1000"], ["nobody", "USD", "1"]])
        #expect(quarantine.map { $0[4] } == [
            "ledger.member_quarantined", "ledger.unknown_member", "ledger.unknown_currency", "ledger.unparseable_amount",
            "ledger.unknown_member", "ledger.duplicate_balance", "ledger.duplicate_balance",
        ])
        #expect(summary.totals == [
            CurrencyTotals(currency: "EUR", sourceEntries: 1, sourceMinor: "150", quarantinedEntries: 1, quarantinedMinor: "150"),
            CurrencyTotals(currency: "USD", sourceEntries: 2, sourceMinor: "1499", quarantinedEntries: 1, quarantinedMinor: "500"),
        ])
        #expect(summary.unvaluedQuarantined == 2)
        #expect(summary.balances?.quarantined == 3 && summary.balances?.accepted == 0)
    }
}

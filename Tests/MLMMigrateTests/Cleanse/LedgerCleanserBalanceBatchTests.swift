import Logging
@testable import MLMMigrate
import Testing

/// The balances part of `LedgerCleanser` on a file longer than one batch of its worker threads.
@Suite struct LedgerCleanserBalanceBatchTests {
    @Test func quarantinesInSourceOrderAndFindsAWalletNamedInTwoBatches() throws {
        let mapping = try #require(MappingLoader.parse(yaml: WalletRowRulesTests.yaml).mapping)
        let ledger = try #require(mapping.ledger)
        let balances = try #require(ledger.balances)
        let directory = try TemporaryDirectory()
        let path = directory.path
        func write(_ file: String, _ columns: [String], _ rows: [[String?]]) throws -> String {
            try StageFileFixtures.write("\(path)/\(file)", columns, rows)
        }
        let count = 20_003
        var rows: [[String?]] = (0..<count).map { ["nobody\($0)", "USD", "1"] }
        rows[0] = ["ann", "USD", "5"]
        rows[count - 2] = ["ann", "USD", "6"]
        rows[count - 1] = ["ann", "EUR", "7"]
        let book = MemberStageLayout.extractBookkeeping
        let paths = LedgerCleansePaths(
            entriesExtract: try write("entries.tsv", book + ledger.entries.columns.map(\.field), []),
            balancesExtract: try write(
                "balances.tsv", book + balances.columns.map(\.field),
                rows.enumerated().map { ["b.csv", String($0 + 2), nil, nil] + $1 }
            ),
            membersExtract: try write(
                "members-extract.tsv", book + mapping.members.columns.map(\.field), [["m.csv", "2", nil, nil, "1", "ann"]]
            ),
            membersCleansed: try write("members.tsv", MemberStageLayout.cleansed, [["m.csv", "2", "1", "ann", nil, "0", nil, nil, nil]]),
            entries: "\(path)/out-entries.tsv", balances: "\(path)/out-balances.tsv", quarantine: "\(path)/out-quarantine.tsv",
            scratch: path
        )
        let summary = try LedgerCleanser(mapping: ledger, members: mapping.members, logger: Logger(label: "test")).run(paths: paths)
        let quarantine = try StageFileFixtures.rows(paths.quarantine)
        let unknown = (1..<count - 2).map { "\($0 + 2) ledger.unknown_member" }
        let duplicates = ["2 ledger.duplicate_balance", "\(count) ledger.duplicate_balance"]
        #expect(quarantine.map { "\($0[2] ?? "") \($0[4] ?? "")" } == unknown + duplicates)
        #expect(try StageFileFixtures.rows(paths.balances).map { [$0[1], $0[2], $0[3], $0[4]] } == [[String(count + 1), "1", "EUR", "7"]])
        #expect(summary.balances?.extracted == count && summary.balances?.accepted == 1)
    }
}

import Foundation
import Logging
@testable import MLMMigrate
import Testing
import TestSupport

/// The ledger Cleanse's duplicate decisions whether its entries come in transaction-id order
/// (written straight), with late rows (held, then looked up), or in any order (sorted).
@Suite struct LedgerEntrySinkTests {
    struct Outcome {
        var summary: LedgerCleanseSummary
        /// Accepted entries' (txn id, line) in file order.
        var accepted: [(txn: String, line: Int)]
        /// Quarantined entries' (txn id, line, detail) in file order.
        var quarantine: [(txn: String, line: Int, detail: String)]
        var scratchLeft: [String]
    }

    /// Cleanses entries with these transaction ids (line N+2 for the Nth), one member, one currency.
    private func cleanse(_ txns: [String], policy: String, heldLimit: Int? = nil) throws -> Outcome {
        let yaml = WalletRowRulesTests.yaml.replacingOccurrences(
            of: "      debit_kinds: [withdrawal]\n", with: "      debit_kinds: [withdrawal]\n      duplicate_txn_policy: \(policy)\n"
        )
        let mapping = try #require(MappingLoader.parse(yaml: yaml).mapping)
        let ledger = try #require(mapping.ledger)
        let directory = try TemporaryDirectory()
        let path = directory.path
        let book = MemberStageLayout.extractBookkeeping
        let entries = txns.enumerated().map { index, txn -> [String?] in
            ["e.csv", "\(index + 2)", nil, nil, txn, "ann", "USD", "C", "\(index + 1).00", "2024-01-02T03:04:05Z"]
        }
        try FileManager.default.createDirectory(atPath: "\(path)/scratch", withIntermediateDirectories: true)
        let paths = LedgerCleansePaths(
            entriesExtract: try StageFileFixtures.write("\(path)/entries.tsv", book + ledger.entries.columns.map(\.field), entries),
            balancesExtract: nil,
            membersExtract: try StageFileFixtures.write(
                "\(path)/members-extract.tsv", book + mapping.members.columns.map(\.field), [["m.csv", "2", nil, nil, "1", "ann"]]
            ),
            membersCleansed: try StageFileFixtures.write(
                "\(path)/members.tsv", MemberStageLayout.cleansed, [["m.csv", "2", "1", "ann", nil, "0", nil, nil, nil]]
            ),
            entries: "\(path)/scratch/out-entries.tsv", balances: "\(path)/out-balances.tsv", quarantine: "\(path)/out-quarantine.tsv",
            scratch: "\(path)/scratch"
        )
        var cleanser = LedgerCleanser(mapping: ledger, members: mapping.members, logger: Logger(label: "test"))
        if let heldLimit { cleanser.heldLimit = heldLimit }
        let summary = try cleanser.run(paths: paths)
        let accepted = try StageFileFixtures.rows(paths.entries).map { (txn: $0[2] ?? "", line: Int($0[1] ?? "") ?? 0) }
        let quarantine = try StageFileFixtures.rows(paths.quarantine).map { row in
            (txn: row[3] ?? "", line: Int(row[2] ?? "") ?? 0, detail: row[6] ?? "")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(path)/scratch").filter { $0 != "out-entries.tsv" }
        return Outcome(summary: summary, accepted: accepted, quarantine: quarantine, scratchLeft: left)
    }

    @Test func writesEntriesInOrderAsTheyCome() throws {
        let outcome = try cleanse(["T1", "T2", "T3", "T4"], policy: "quarantine_all")
        #expect(outcome.accepted.map(\.line) == [2, 3, 4, 5])
        #expect(outcome.quarantine.isEmpty && outcome.summary.entries.accepted == 4)
        #expect(outcome.scratchLeft.isEmpty)
    }

    @Test func appendsLateEntriesInKeyOrderAfterTheOnesInOrder() throws {
        let outcome = try cleanse(["T1", "T3", "T5", "T2", "T6", "T4"], policy: "keep_first")
        #expect(outcome.accepted.map(\.txn) == ["T1", "T3", "T5", "T6", "T2", "T4"])
        #expect(outcome.quarantine.isEmpty && outcome.summary.entries.accepted == 6)
    }

    @Test func quarantinesALateRepeatOfAWrittenEntryUnderKeepFirst() throws {
        let outcome = try cleanse(["T1", "T2", "T3", "T1", "T0", "T0"], policy: "keep_first")
        #expect(outcome.accepted.map(\.line) == [2, 3, 4, 6], "T1's first row stays where it was written; T0's first follows")
        #expect(outcome.quarantine.map(\.line) == [7, 5], "in transaction id order: the second T0, then the late T1")
        #expect(outcome.quarantine.map(\.detail) == ["2 rows share this legacy transaction id", "2 rows share this legacy transaction id"])
        #expect(outcome.summary.entries.accepted == 4 && outcome.summary.entries.quarantined == 2)
        #expect(outcome.summary.totals.first?.quarantinedMinor == "1000", "the late T1 (4.00) and the second T0 (6.00)")
    }

    @Test func sortsEverythingWhenALateRowRepeatsAWrittenOneUnderQuarantineAll() throws {
        let outcome = try cleanse(["T1", "T2", "T3", "T1", "T0"], policy: "quarantine_all")
        #expect(outcome.accepted.map(\.txn) == ["T0", "T2", "T3"], "sorted: in transaction id order")
        #expect(outcome.quarantine.map(\.line) == [2, 5])
        #expect(outcome.scratchLeft.isEmpty, "the file moved aside to be sorted is gone")
    }

    @Test func sortsEverythingWhenTwoEntriesInOrderShareAnIDUnderQuarantineAll() throws {
        let outcome = try cleanse(["T1", "T2", "T2", "T3", "T0"], policy: "quarantine_all")
        #expect(outcome.accepted.map(\.txn) == ["T0", "T1", "T3"])
        #expect(outcome.quarantine.map(\.line) == [3, 4])
    }

    @Test func holdsARepeatOfTheLastWrittenEntryUnderKeepFirst() throws {
        let outcome = try cleanse(["T1", "T2", "T2", "T3", "T0"], policy: "keep_first")
        #expect(outcome.accepted.map(\.txn) == ["T1", "T2", "T3", "T0"], "nothing sorted")
        #expect(outcome.quarantine.map(\.line) == [4])
    }

    @Test func sortsEverythingOnceTheLateEntriesOutgrowTheirLimit() throws {
        let outcome = try cleanse(["T5", "T6", "T1", "T2", "T3", "T7", "T1"], policy: "keep_first", heldLimit: 2)
        #expect(outcome.accepted.map(\.txn) == ["T1", "T2", "T3", "T5", "T6", "T7"])
        #expect(outcome.quarantine.map(\.line) == [8])
        #expect(outcome.scratchLeft.isEmpty)
    }

    /// Batches are 20,000 lines: the last written id carries from one batch to the next, and
    /// rows after a fall back to the sort, in later batches, go to the sort.
    @Test func carriesTheLastIDAndTheSortAcrossBatches() throws {
        let ids = (1...20_000).map { String(format: "T%06d", $0) }
        let straight = try cleanse(ids + ["T000005", "T020001"], policy: "keep_first")
        #expect(straight.accepted.count == 20_001 && straight.accepted.last?.txn == "T020001")
        #expect(straight.quarantine.map(\.line) == [20_002], "the late T000005 in the second batch repeats the written one")
        let more = (10...20_010).map { String(format: "T%06d", $0) }
        let sorted = try cleanse(["T000009", "T000001", "T000002"] + more + ["T000003", "T020011"], policy: "keep_first", heldLimit: 1)
        #expect(sorted.accepted.map(\.txn) == ["T000001", "T000002", "T000003", "T000009"] + more + ["T020011"])
        #expect(sorted.quarantine.isEmpty && sorted.scratchLeft.isEmpty)
    }

    /// An id with a backslash is escaped in the stage file: read back for the sort, its key is the
    /// unescaped text, as the row rules made it.
    @Test func readsEscapedIDsBackAsTheirText() throws {
        let outcome = try cleanse(["A\\B", "A\\C", "A\\B"], policy: "quarantine_all")
        #expect(outcome.accepted.map(\.txn) == ["A\\C"])
        #expect(outcome.quarantine.map(\.line) == [2, 4])
    }

    /// Random exports, mostly in order with late and repeated ids, against the policy applied
    /// to the whole export at once: the same rows accepted and quarantined, the quarantine in
    /// transaction id order, and rows that came in order written in source order.
    @Test func decidesAsIfTheWholeExportWereSorted() throws {
        var random = SeededNumbers(seed: 20_261_205)
        for round in 0..<160 {
            let count = random.next(below: 30)
            var txns: [String] = []
            var next = 1
            for _ in 0..<count {
                switch random.next(below: 10) {
                case 0: txns.append("T\(1 + random.next(below: next))")
                case 1: txns.append(txns.last ?? "T1")
                default:
                    next += 1 + random.next(below: 3)
                    txns.append("T\(next)")
                }
            }
            let keepFirst = round % 2 == 0
            let outcome = try cleanse(txns, policy: keepFirst ? "keep_first" : "quarantine_all", heldLimit: round % 3 == 0 ? 2 : nil)
            var groups: [String: [Int]] = [:]
            for (index, txn) in txns.enumerated() { groups[txn, default: []].append(index + 2) }
            var accepted: Set<Int> = []
            var quarantined: [(txn: String, line: Int)] = []
            for txn in groups.keys.sorted() {
                let lines = groups[txn] ?? []
                if lines.count == 1 {
                    accepted.insert(lines[0])
                } else if keepFirst {
                    accepted.insert(lines[0])
                    quarantined += lines.dropFirst().map { (txn, $0) }
                } else {
                    quarantined += lines.map { (txn, $0) }
                }
            }
            let context = Comment(rawValue: "round \(round): \(txns)")
            #expect(Set(outcome.accepted.map(\.line)) == accepted && outcome.accepted.count == accepted.count, context)
            #expect(outcome.quarantine.map(\.line) == quarantined.map(\.line), context)
            #expect(outcome.quarantine.allSatisfy { $0.detail == "\(groups[$0.txn]?.count ?? 0) rows share this legacy transaction id" }, context)
            #expect(outcome.summary.entries.accepted == accepted.count && outcome.summary.entries.quarantined == quarantined.count, context)
            // The file is either every accepted row in key order (sorted), or the rows that came
            // in order, in source order, then the late ones kept, in key order (written straight).
            let byKey = outcome.accepted.map(\.line).sorted { (txns[$0 - 2], $0) < (txns[$1 - 2], $1) }
            var inOrder: [Int] = []
            // Rows written straight: above the last one written (or equal, under quarantine_all).
            for (index, txn) in txns.enumerated() where inOrder.last.map({ keepFirst ? txns[$0 - 2] < txn : txns[$0 - 2] <= txn }) ?? true {
                inOrder.append(index + 2)
            }
            let late = byKey.filter { !inOrder.contains($0) }
            let lines = outcome.accepted.map(\.line)
            #expect(lines == byKey || lines == inOrder + late, context)
            let written = Set(inOrder.map { txns[$0 - 2] })
            let repeated = txns.indices.contains { !inOrder.contains($0 + 2) && written.contains(txns[$0]) }
            if round % 3 != 0 && (keepFirst || (written.count == inOrder.count && !repeated)) {
                #expect(lines == inOrder + late, "nothing to take out of the written rows: nothing sorted; \(context)")
            }
            #expect(outcome.scratchLeft.isEmpty, context)
        }
    }
}

import Foundation
@testable import MLMMigrate
import Testing

/// ``AcceptedEntries``: entries whose ids come strictly increasing are written straight to the
/// file (no sort); at the first id out of order, what was written goes into the sort with the
/// rest, and the file the sort gives is the same bytes a sort of everything gives.
@Suite struct AcceptedEntriesTests {
    /// Feeds `ids` (each entry's row carries its id and its place in the input) and returns
    /// whether no sort was needed, and the file's rows in the order the cleanse writes them.
    private func feed(_ ids: [String]) throws -> (sorted: Bool, rows: [String]) {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/entries.tsv"
        let sorter = ExternalSorter(directory: directory.path, name: "t", memoryBudget: 1 << 16)
        let accepted = try AcceptedEntries(path: path, sorter: sorter)
        for (place, id) in ids.enumerated() {
            var line: [UInt8] = []
            CopyText.encodeRow(["e.csv", String(place + 2), id, "ann", "USD", "commission", "1", "0", nil], into: &line)
            try Array(id.utf8).withUnsafeBytes { key in try line.withUnsafeBytes { try accepted.append(key: key, payload: $0) } }
        }
        if try accepted.finish() {
            #expect(accepted.written == ids.count)
            return (true, try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map(String.init))
        }
        var rows: [String] = []
        try sorter.finish { _, payload in rows.append(String(decoding: payload.dropLast(), as: UTF8.self)) }
        return (false, rows)
    }

    @Test func idsInOrderAreWrittenAsTheyComeWithoutASort() throws {
        let ids = (1...5_000).map { String(format: "TXN%08d", $0) }
        let (sorted, rows) = try feed(ids)
        #expect(sorted)
        #expect(rows.map { $0.split(separator: "\t")[2] } == ids.map { Substring($0) })
    }

    @Test func theFirstIDOutOfOrderSendsEverythingThroughTheSortInIDOrder() throws {
        var ids = (1...5_000).map { String(format: "TXN%08d", $0) }
        // Late in the file: one id earlier than the one before, then a repeat.
        ids.insert("TXN00000017", at: 4_000)
        ids.append("TXN00004999")
        let (sorted, rows) = try feed(ids)
        #expect(!sorted)
        // Every entry once, by id (ASCII: byte order), equal ids in input order (the duplicate
        // policy keeps the first).
        let expected = ids.enumerated().sorted { ($0.element, $0.offset) < ($1.element, $1.offset) }
            .map { "e.csv\t\($0.offset + 2)\t\($0.element)\tann\tUSD\tcommission\t1\t0\t\\N" }
        #expect(rows.count == ids.count)
        #expect(rows == expected)
    }

    @Test func aRepeatedIDIsNotInOrder() throws {
        #expect(try feed(["A", "B", "B"]).sorted == false)
        #expect(try feed(["A", "AB", "B"]).sorted == true, "a key sorts before its own extensions")
        #expect(try feed(["AB", "A"]).sorted == false)
    }
}

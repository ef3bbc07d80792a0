import Foundation
@testable import MLMMigrate
import Testing
import TestSupport

@Suite struct SortedLineFileTests {
    /// Sorted files of keys (some prefixes of others) on lines of 1 byte to 9 KB, against a count
    /// of every line: each key that is there and some that are not.
    @Test func countsEveryKeyAsAScanWould() throws {
        var random = SeededNumbers(seed: 7)
        let directory = try TemporaryDirectory()
        for round in 0..<40 {
            let keys = (0..<random.next(below: 60)).map { _ in "K\(random.next(below: 40))" }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            let lines = keys.map { key in key + "\t" + String(repeating: "x", count: random.next(below: 10) == 0 ? 5_000 + random.next(below: 4_000) : random.next(below: 20)) }
            let path = "\(directory.path)/sorted-\(round).tsv"
            try ("header\twith\tcolumns\n" + lines.map { $0 + "\n" }.joined()).write(toFile: path, atomically: false, encoding: .utf8)
            let file = try SortedLineFile(path: path) { line in Array(line.prefix { $0 != 0x09 && $0 != 0x0A }) }
            for probe in (0..<45).map({ "K\($0)" }) + ["", "K", "Z"] {
                #expect(try file.count(of: Array(probe.utf8)) == keys.filter { $0 == probe }.count, "round \(round), key \(probe)")
            }
        }
    }

    @Test func refusesAFileCutInsideALine() throws {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/cut.tsv"
        try "h\nA\t1\nB\t2".write(toFile: path, atomically: false, encoding: .utf8)
        let file = try SortedLineFile(path: path) { line in Array(line.prefix { $0 != 0x09 && $0 != 0x0A }) }
        #expect(throws: MigrationError.self) { try file.count(of: Array("B".utf8)) }
    }
}

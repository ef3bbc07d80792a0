import Foundation
import MLMMigrate
import Testing

@Suite struct ExternalSorterTests {
    /// Sorts `records` with the given budget and returns (key, payload) in output order.
    private func sorted(_ records: [(String, String)], budget: Int) throws -> [(String, String)] {
        let directory = try TemporaryDirectory()
        let sorter = ExternalSorter(directory: directory.path, name: "test", memoryBudget: budget)
        for (key, payload) in records { try sorter.append(key: Array(key.utf8), payload: Array(payload.utf8)) }
        var out: [(String, String)] = []
        try sorter.finish { key, payload in
            out.append((String(decoding: key, as: UTF8.self), String(decoding: payload, as: UTF8.self)))
        }
        return out
    }

    private func randomRecords(_ count: Int, seed: UInt64) -> [(String, String)] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            return z ^ (z >> 27)
        }
        // Short keys with many ties and shared prefixes, so the prefix shortcut and stability matter.
        return (0..<count).map { index in
            let length = Int(next() % 12)
            let key = String((0..<length).map { _ in Character(UnicodeScalar(UInt8(97 + next() % 3))) })
            return (key, "payload-\(index)")
        }
    }

    @Test func spillsAndMergesIntoTheSameStableOrderAsAnInMemorySort() throws {
        let records = randomRecords(20_000, seed: 7)
        let expected = records.enumerated().sorted { a, b in
            a.element.0.utf8.lexicographicallyPrecedes(b.element.0.utf8) || (a.element.0 == b.element.0 && a.offset < b.offset)
        }.map(\.element)
        let inMemory = try sorted(records, budget: 64 << 20)
        let spilled = try sorted(records, budget: 1 << 16)
        #expect(inMemory.map(\.0) == expected.map(\.0) && inMemory.map(\.1) == expected.map(\.1))
        #expect(spilled.map(\.0) == expected.map(\.0) && spilled.map(\.1) == expected.map(\.1))
    }

    @Test func leavesNoScratchFilesBehind() throws {
        let directory = try TemporaryDirectory()
        let sorter = ExternalSorter(directory: directory.path, name: "scratch", memoryBudget: 1 << 16)
        for (key, payload) in randomRecords(10_000, seed: 3) { try sorter.append(key: Array(key.utf8), payload: Array(payload.utf8)) }
        var count = 0
        try sorter.finish { _, _ in count += 1 }
        #expect(count == 10_000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func sortsAnEmptyInput() throws {
        #expect(try sorted([], budget: 1 << 16).isEmpty)
    }

    @Test func reportsARunItCouldNotWrite() throws {
        let directory = try TemporaryDirectory()
        let gone = directory.path + "/gone"
        try FileManager.default.createDirectory(atPath: gone, withIntermediateDirectories: false)
        let sorter = ExternalSorter(directory: gone, name: "lost", memoryBudget: 1 << 16)
        try FileManager.default.removeItem(atPath: gone)
        // Runs are written on their own thread: the failure comes out of a later append or finish.
        #expect(throws: MigrationError.self) {
            for (key, payload) in randomRecords(10_000, seed: 5) { try sorter.append(key: Array(key.utf8), payload: Array(payload.utf8)) }
            try sorter.finish { _, _ in }
        }
    }
}

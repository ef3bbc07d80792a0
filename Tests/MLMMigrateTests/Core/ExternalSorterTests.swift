import Foundation
import MLMMigrate
import TestSupport
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

    /// Keys mostly in order, as an export in transaction-id order gives them: runs of rising
    /// keys, now and then one that goes back (below the last, or a repeat of an earlier key).
    private func mostlyOrderedRecords(_ count: Int, seed: UInt64) -> [(String, String)] {
        var numbers = SeededNumbers(seed: seed)
        func next(_ bound: UInt64) -> UInt64 { UInt64(numbers.next(below: Int(bound))) }
        var key = 0
        return (0..<count).map { index in
            let value: Int
            switch next(20) {
            case 0: value = Int(next(UInt64(key + 1)))  // back to an earlier key
            case 1: value = key  // the same key again
            default: key += Int(next(3)); value = key  // on, or equal
            }
            return (String(format: "T%08d", value), String(repeating: "p", count: 32) + "\(index)")
        }
    }

    /// Budgets: all in memory; the in-order run in a file and the rest in memory; both spilled
    /// (the rest in several runs).
    @Test(arguments: [(1, 12_000), (2, 8_000), (3, 0), (4, 1), (5, 2)])
    func sortsMostlyOrderedInputStablyInMemoryAndSpilled(seed: UInt64, count: Int) throws {
        var records = mostlyOrderedRecords(count, seed: seed)
        if seed == 2 { records.insert(("T99999999", "first and highest"), at: 0) }
        let expected = records.enumerated().sorted { a, b in
            a.element.0.utf8.lexicographicallyPrecedes(b.element.0.utf8) || (a.element.0 == b.element.0 && a.offset < b.offset)
        }.map(\.element)
        for budget in [64 << 20, 1 << 18, 1 << 16] {
            let out = try sorted(records, budget: budget)
            #expect(out.map(\.0) == expected.map(\.0) && out.map(\.1) == expected.map(\.1), "budget \(budget)")
        }
        let ordered = try sorted(expected, budget: 1 << 16)
        #expect(ordered.map(\.1) == expected.map(\.1))
        let reversed = Array(expected.reversed())
        let reversedOut = try sorted(reversed, budget: 1 << 16)
        #expect(reversedOut.map(\.0) == expected.map(\.0))
    }

    @Test func leavesNoScratchFilesBehind() throws {
        let directory = try TemporaryDirectory()
        let sorter = ExternalSorter(directory: directory.path, name: "scratch", memoryBudget: 1 << 16)
        for (key, payload) in randomRecords(10_000, seed: 3) { try sorter.append(key: Array(key.utf8), payload: Array(payload.utf8)) }
        var count = 0
        try sorter.finish { _, _ in count += 1 }
        #expect(count == 10_000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        // Nor when the sort is given up before `finish`, with an in-order run and spilled runs.
        do {
            let abandoned = ExternalSorter(directory: directory.path, name: "abandoned", memoryBudget: 1 << 16)
            for (key, payload) in mostlyOrderedRecords(2_000, seed: 9) + randomRecords(10_000, seed: 9) {
                try abandoned.append(key: Array(key.utf8), payload: Array(payload.utf8))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count >= 3)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    /// Bytes allocated on disk (`st_blocks`) and sizes of the deleted files under `directory`
    /// this process holds open: the sort's runs during its merge (unlinked when reopened).
    private func openDeletedFiles(under directory: String) throws -> (allocated: Int, size: Int) {
        var total = (allocated: 0, size: 0)
        // The links name resolved paths: a temporary directory reached through a link too.
        let resolved = realpath(directory, nil).map { path in
            defer { free(path) }
            return String(cString: path)
        }
        let prefix = (resolved ?? directory) + "/"
        let files = FileManager.default
        for name in try files.contentsOfDirectory(atPath: "/proc/self/fd") {
            guard let fd = Int32(name),
                  let target = try? files.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)"),
                  target.hasPrefix(prefix), target.hasSuffix(" (deleted)") else { continue }
            var status = stat()
            guard fstat(fd, &status) == 0 else { continue }
            total.allocated += Int(status.st_blocks) * 512
            total.size += Int(status.st_size)
        }
        return total
    }

    @Test func freesWhatTheMergeHasReadAsItGoes() throws {
        // Runs of about 8 MiB (half of a 16 MiB budget), several of them: the merge punches
        // out what it has read, so near its end the runs hold a fraction of their bytes on disk.
        let directory = try TemporaryDirectory()
        let sorter = ExternalSorter(directory: directory.path, name: "holes", memoryBudget: 16 << 20)
        var numbers = SeededNumbers(seed: 11)
        let count = 20_000
        // Filler of non-zero bytes that does not compress (a compressing file system would
        // report fewer blocks than bytes).
        let filler = (0..<2_000).map { _ in UInt8(1 + numbers.next(below: 255)) }
        for index in 0..<count {
            let number = withUnsafeBytes(of: UInt64(index).bigEndian, Array.init)
            let key = withUnsafeBytes(of: numbers.next().bigEndian, Array.init) + number
            try sorter.append(key: key, payload: filler + number)
        }
        var seen = 0
        var previous: [UInt8] = []
        var ordered = true
        var intact = true
        var atStart = (allocated: 0, size: 0)
        var nearEnd = (allocated: 0, size: 0)
        try sorter.finish { key, payload in
            if seen == 0 { atStart = (try? openDeletedFiles(under: directory.path)) ?? atStart }
            if seen == count * 9 / 10 { nearEnd = (try? openDeletedFiles(under: directory.path)) ?? nearEnd }
            if Array(key).lexicographicallyPrecedes(previous) { ordered = false }
            // The payload is filler (a hole read back would give zeros) then the record's index,
            // which is also the key's last 8 bytes.
            let (bytes, keyBytes) = (payload.baseAddress!, key.baseAddress!)
            if payload.count != 2_008 || memchr(bytes, 0, 2_000) != nil
                || memcmp(bytes + 2_000, keyBytes + key.count - 8, 8) != 0 { intact = false }
            previous = Array(key)
            seen += 1
        }
        #expect(seen == count)
        #expect(ordered && intact)
        // Nearly every byte is on disk when the merge begins (each run's first MiB is read,
        // and freed, before the first record comes out); near its end, less than a third.
        #expect(atStart.size > 30 << 20)
        #expect(atStart.allocated >= atStart.size * 3 / 4)
        #expect(nearEnd.size == atStart.size)
        #expect(nearEnd.allocated < nearEnd.size / 3)
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

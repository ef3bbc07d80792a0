@testable import MLMMigrate
import TestSupport
import Testing

/// The read-back reads its entries' values from the binary rows (``ReadEntries/append(_:)``)
/// where it used to parse them back from the text it prints for the digest: both must give the
/// same entries, and the same malformed rows, for any row the server can send.
@Suite struct ReadEntriesTests {
    /// A value of binary `COPY`: nil is NULL.
    private typealias Field = [UInt8]?

    private func bigint(_ value: Int64) -> Field { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
    private func text(_ value: String) -> Field { Array(value.utf8) }

    /// `rows` as the server's binary `COPY` stream: header, rows, trailer.
    private func stream(_ rows: [[Field]]) -> [UInt8] {
        var out: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
        for row in rows {
            out += withUnsafeBytes(of: Int16(row.count).bigEndian) { Array($0) }
            for field in row {
                out += withUnsafeBytes(of: Int32(field.map { $0.count } ?? -1).bigEndian) { Array($0) }
                out += field ?? []
            }
        }
        return out + [0xFF, 0xFF]
    }

    /// An entry's values and bytes, comparable.
    private struct Seen: Equatable {
        var numbers: [Int64]
        var texts: [[UInt8]]
    }

    /// The index of the first entry the two reads give differently (nil: none).
    private func firstDifference(_ a: ReadEntries, _ b: ReadEntries) -> Int? {
        let (x, y) = (seen(a), seen(b))
        return x.indices.first { $0 < y.count && x[$0] != y[$0] } ?? (x.count == y.count ? nil : min(x.count, y.count))
    }

    private func seen(_ read: ReadEntries) -> [Seen] {
        read.entries.map { entry in
            Seen(
                numbers: [entry.memberID, entry.seq, entry.amount, entry.occurredAt, entry.balanceAfter],
                texts: [entry.currency, entry.txnID, entry.kind, entry.hash].map { Array(read.bytes[$0]) }
            )
        }
    }

    /// Reads `rows` both ways through ``CopyBinaryText``, in chunks of `chunk` bytes; its printed
    /// row's room starts at nothing, so a row that writes past the room it reserved traps.
    private func readBothWays(_ rows: [[Field]], chunk: Int) throws -> (binary: ReadEntries, text: ReadEntries) {
        let bytes = stream(rows)
        var reader = CopyBinaryText(types: LedgerVerifier.entryTypes, lineCapacity: 0)
        var binary = ReadEntries()
        var text: [UInt8] = []
        var lines: [Range<Int>] = []
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            try bytes[start..<min(start + chunk, bytes.count)].withUnsafeBytes { part in
                try reader.feed(part, what: "test") { line, row in
                    binary.append(row)
                    lines.append(text.count..<text.count + line.count - 1)
                    text.append(contentsOf: line)
                }
            }
        }
        try reader.finish(what: "test")
        return (binary, ReadEntries(text: text, lines: lines))
    }

    @Test func readsTheColumnsTheVerifierIsGiven() {
        #expect(LedgerVerifier.entryTypes.count == LedgerStageLayout.entries.count)
    }

    /// Rows of awkward values (NULLs, escapes, non-ASCII, extreme numbers, times at and past the
    /// four-digit years, infinities, hashes of other lengths), at random and in chunks of any size.
    @Test func givesTheEntriesTheTextWouldGive() throws {
        let epoch = CopyBinaryType.postgresEpochMicros
        let times = ReadEntries.readableTimes
        let instants: [Field] = [
            bigint(times.lowerBound - epoch), bigint(times.lowerBound - epoch - 1), bigint(times.upperBound - epoch),
            bigint(times.upperBound - epoch + 1), bigint(Int64.max), bigint(Int64.min), bigint(0), bigint(-epoch),
            bigint(1_764_892_800_123_456 - epoch), bigint(1_764_892_800_000_000 - epoch), nil,
        ]
        let texts: [Field] = [text("USD"), text(""), text("tab\there"), text("back\\slash"), text("ünïcødé ✓"), text("\\N"), text("a\nb\rc"), nil]
        let numbers: [Field] = [bigint(0), bigint(1), bigint(-42), bigint(Int64.max), bigint(Int64.min), nil]
        let hashes: [Field] = [[UInt8](repeating: 7, count: 32), [], [UInt8](repeating: 1, count: 31), [UInt8](repeating: 0x5C, count: 33), nil]
        var seeded = SeededNumbers(seed: 0x0EAD)
        func pick(_ values: [Field]) -> Field {
            // Mostly a value that reads: the rows must not all be malformed.
            seeded.next(below: 4) == 0 ? values[seeded.next(below: values.count)] : values[0]
        }
        let rows = (0..<2_000).map { _ -> [Field] in
            [pick(numbers), pick(texts), pick(numbers), pick(texts), pick(texts), pick(numbers), pick(instants), pick(numbers), pick(hashes), pick(numbers)]
        }
        for chunk in [1, 5, 64, 4_096, 1 << 20] {
            let (binary, text) = try readBothWays(rows, chunk: chunk)
            #expect(binary.count == rows.count)
            #expect(binary.malformed == text.malformed, "chunks of \(chunk)")
            #expect(binary.entries.count > 100)
            #expect(firstDifference(binary, text) == nil, "chunks of \(chunk)")
        }
        // Each awkward value on its own, the rest readable.
        var single: [[Field]] = []
        let base: [Field] = [numbers[0], texts[0], numbers[1], texts[0], texts[0], numbers[2], instants[0], numbers[0], hashes[0], nil]
        for (index, values) in [numbers, texts, numbers, texts, texts, numbers, instants, numbers, hashes, numbers].enumerated() {
            for value in values {
                var row = base
                row[index] = value
                single.append(row)
            }
        }
        let (binary, text) = try readBothWays(single, chunk: 1 << 20)
        #expect(binary.malformed == text.malformed)
        #expect(firstDifference(binary, text) == nil)
    }
}

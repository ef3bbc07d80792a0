@testable import MLMMigrate
import TestSupport
import Testing

/// ``CopyTextWriter`` writes into room reserved once for a value or a row: each writer must give
/// exactly the bytes of the text it stands for, and never more than its bound.
@Suite struct CopyTextWriterTests {
    /// `format(micros:)` as PostgreSQL prints a UTC `timestamptz`, built here from strings: the
    /// date's fields padded to their width (a year past 9999 or before 0 as it is), the fraction's
    /// trailing zeros dropped.
    private func reference(micros: Int64) -> String {
        // Floored (an instant before 1970 is in the second and day before), without overflow at Int64.min.
        let fraction = Int((micros % 1_000_000 + 1_000_000) % 1_000_000)
        let seconds = micros / 1_000_000 - (micros % 1_000_000 < 0 ? 1 : 0)
        let secondOfDay = Int((seconds % 86_400 + 86_400) % 86_400)
        let days = seconds / 86_400 - (seconds % 86_400 < 0 ? 1 : 0)
        let (year, month, day) = UTCTimestamp.civil(fromDays: days)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return value < 0 || digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        var text = "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2)) "
            + "\(padded(secondOfDay / 3600, 2)):\(padded(secondOfDay % 3600 / 60, 2)):\(padded(secondOfDay % 60, 2))"
        if fraction > 0 {
            var digits = padded(fraction, 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "+00"
    }

    @Test func writesEveryInstantAsPostgreSQLPrintsItWithinItsBound() {
        var numbers = SeededNumbers(seed: 20_261_205)
        var instants: [Int64] = [.min, .max, .min + 1, .max - 1, 0, -1, 1, 999_999, -999_999, 253_402_300_799_999_999, 253_402_300_800_000_000,
                                 -62_167_219_200_000_000, -62_167_219_200_000_001]
        for _ in 0..<20_000 { instants.append(Int64(bitPattern: numbers.next())) }
        // Within a few centuries of now, where real entries are, with every fraction length.
        for _ in 0..<20_000 {
            let micros = Int64(numbers.next(below: 1 << 30)) * 10_000_000 - (1 << 52)
            let unit = Int64([1, 10, 1_000, 100_000][numbers.next(below: 4)])
            instants.append(micros + Int64(numbers.next(below: 1_000_000)) / unit * unit)
        }
        // Written into room larger than the bound, so a text past it is measured, not trapped.
        let room = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * UTCTimestamp.textBound)
        defer { room.deallocate() }
        for micros in instants {
            let text = UTCTimestamp.format(micros: micros)
            #expect(text == reference(micros: micros), "\(micros)")
            let written = UTCTimestamp.write(micros: micros, at: room) - room
            #expect(written == text.utf8.count && written <= UTCTimestamp.textBound, "\(micros)")
        }
    }

    @Test func writesTextFieldsAsTheAppendingPathEscapesThem() {
        var numbers = SeededNumbers(seed: 7)
        // Every escaped byte, a tab and newline among plain ones, bytes of multi-byte UTF-8.
        let alphabet: [UInt8] = [0x5C, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x07, 0x0E, 0x41, 0x7A, 0x20, 0xC3, 0xA9, 0xFF, 0x00]
        for _ in 0..<5_000 {
            let bytes = (0..<numbers.next(below: 40)).map { _ in alphabet[numbers.next(below: alphabet.count)] }
            var expected: [UInt8] = []
            bytes.withUnsafeBufferPointer { CopyText.appendField(bytes: $0, to: &expected) }
            var written: [UInt8] = []
            written.appendWritten(bound: 2 * bytes.count) { out in bytes.withUnsafeBytes { CopyTextWriter.field($0, at: out) } }
            #expect(written == expected)
        }
    }

    @Test func writesDecimalsDigitsAndByteaWithinTheirBounds() {
        var numbers = SeededNumbers(seed: 11)
        for value in [Int64.min, .max, -1, 0, 9, 10, -10, 99, 100] + (0..<5_000).map({ _ in Int64(bitPattern: numbers.next()) >> numbers.next(below: 64) }) {
            var out: [UInt8] = []
            out.appendWritten(bound: CopyTextWriter.decimalBound) { CopyTextWriter.decimal(value, at: $0) }
            #expect(String(decoding: out, as: UTF8.self) == String(value))
            #expect(CopyTextWriter.decimalLength(value) == String(value).utf8.count)
        }
        for (value, width, text) in [(7, 4, "0007"), (2024, 4, "2024"), (10_000, 4, "10000"), (-44, 4, "-44"), (0, 2, "00"), (5, 1, "5"), (59, 2, "59")] {
            var out: [UInt8] = []
            out.appendWritten(bound: CopyTextWriter.decimalBound) { CopyTextWriter.digits(value, width: width, at: $0) }
            #expect(String(decoding: out, as: UTF8.self) == text)
        }
        for count in [0, 1, 32, 33] {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            var out: [UInt8] = []
            CopyText.appendBytea(bytes, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == #"\\x"# + Hex.encode(bytes))
            // A sequence without contiguous storage takes the byte-by-byte path: the same text.
            var lazy: [UInt8] = []
            CopyText.appendBytea(bytes.lazy.map { $0 }, to: &lazy)
            #expect(lazy == out)
        }
    }

    /// A row of the widest values of every type, printed in one reservation (the reader's room
    /// starting at nothing, so a row past its bound traps), is exactly the text of its values
    /// written one by one.
    @Test func printsWholeRowsOfTheWidestValuesInTheirRoom() throws {
        let types: [CopyBinaryType] = [.integer(bytes: 8), .integer(bytes: 4), .integer(bytes: 2), .boolean, .text, .bytea, .timestamptz, .timestamptz]
        let tricky = Array(String(repeating: "\\\t\n\r\u{8}\u{b}\u{c}", count: 50).utf8)
        var stream: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
        func field(_ bytes: [UInt8]) { stream += withUnsafeBytes(of: Int32(bytes.count).bigEndian) { Array($0) } + bytes }
        stream += withUnsafeBytes(of: Int16(types.count).bigEndian) { Array($0) }
        field(withUnsafeBytes(of: Int64.min.bigEndian) { Array($0) })
        field(withUnsafeBytes(of: Int32.min.bigEndian) { Array($0) })
        field(withUnsafeBytes(of: Int16.min.bigEndian) { Array($0) })
        field([1])
        field(tricky)
        field([UInt8](repeating: 0xAB, count: 300))
        field(withUnsafeBytes(of: (Int64.min + 1).bigEndian) { Array($0) })
        field(withUnsafeBytes(of: Int64.min.bigEndian) { Array($0) })
        stream += [0xFF, 0xFF]
        var reader = CopyBinaryText(types: types, lineCapacity: 0)
        var lines: [String] = []
        try stream.withUnsafeBytes { bytes in
            try reader.feed(bytes, what: "test") { line in lines.append(String(decoding: line, as: UTF8.self)) }
        }
        try reader.finish(what: "test")
        var escaped: [UInt8] = []
        tricky.withUnsafeBufferPointer { CopyText.appendField(bytes: $0, to: &escaped) }
        let oldest = UTCTimestamp.format(micros: Int64.min + 1 + CopyBinaryType.postgresEpochMicros)
        let expected = [
            String(Int64.min), String(Int32.min), String(Int16.min), "t", String(decoding: escaped, as: UTF8.self),
            #"\\x"# + String(repeating: "ab", count: 300), oldest, "-infinity",
        ].joined(separator: "\t") + "\n"
        #expect(lines == [expected])

        // A row of one timestamp: its text (32 bytes and the newline) is more than twice the
        // row's binary length, the narrowest margin a bound could miss.
        var stamps: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
        stamps += withUnsafeBytes(of: Int16(1).bigEndian) { Array($0) } + withUnsafeBytes(of: Int32(8).bigEndian) { Array($0) }
        stamps += withUnsafeBytes(of: (Int64.min + 1).bigEndian) { Array($0) } + [0xFF, 0xFF]
        var stampReader = CopyBinaryText(types: [.timestamptz], lineCapacity: 0)
        var stampLines: [String] = []
        try stamps.withUnsafeBytes { bytes in
            try stampReader.feed(bytes, what: "test") { line in stampLines.append(String(decoding: line, as: UTF8.self)) }
        }
        #expect(stampLines == [oldest + "\n"])
    }

    /// Transform's `wallet_entries` row, in one reservation, for the widest values of each
    /// column: the fields as the appending functions write them, tab-separated.
    @Test func writesTransformsEntryRowsOfTheWidestValues() {
        let escapes = String(repeating: "\\\t\n\r\u{8}\u{b}\u{c}é", count: 20)
        let entries = [
            LedgerEntry(
                memberID: .min, currency: escapes, seq: .min, legacyTxnID: escapes, kind: escapes, amountMinor: .min,
                occurredAt: .min, balanceAfterMinor: .min, counterpartyID: .min
            ),
            LedgerEntry(
                memberID: .max, currency: "", seq: .max, legacyTxnID: "", kind: "", amountMinor: .max,
                occurredAt: .max, balanceAfterMinor: .max, counterpartyID: nil
            ),
        ]
        var head = Hash32()
        for entry in entries {
            head = LedgerHasher.entryHash(entry, previous: head)
            var row: [UInt8] = []
            LedgerTransformer.appendRow(entry, head: head, to: &row)
            func field(_ text: String?) -> String {
                var out: [UInt8] = []
                CopyText.appendField(text, to: &out)
                return String(decoding: out, as: UTF8.self)
            }
            let expected = [
                String(entry.memberID), field(entry.currency), String(entry.seq), field(entry.legacyTxnID), field(entry.kind),
                String(entry.amountMinor), UTCTimestamp.format(micros: entry.occurredAt), String(entry.balanceAfterMinor),
                #"\\x"# + head.withUnsafeBytes { Hex.encode($0) }, entry.counterpartyID.map { String($0) } ?? #"\N"#,
            ].joined(separator: "\t") + "\n"
            #expect(String(decoding: row, as: UTF8.self) == expected)
        }
    }
}

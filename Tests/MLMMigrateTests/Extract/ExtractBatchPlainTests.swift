@testable import MLMMigrate
import TestSupport
import Testing

/// Extract's rows written straight from the CSV bytes (`RecordEncoder.encode(batch:)`) against
/// the same rows through decoded records (`encode(_:)` of `ExtractBatch.records()`), which stay
/// the reference: every batch must come out byte for byte the same, with the same counts.
@Suite struct ExtractBatchPlainTests {
    /// Raw field values: usual ones, blanks, null values with and without spaces, every escaped
    /// byte, non-ASCII text, a NUL byte, the Kelvin sign (canonically equal to `K`).
    static let values = [
        "abc", "T-1001", " abc ", "", "  ", "\t", "NULL", " NULL ", "null", "n/a", "-", " - ", "K", "\u{212A}",
        "a\tb", "a\\b", "x\u{8}y\u{B}z\u{C}", "\r", "a\r\nb", "M\u{FC}ller", "a\u{0}b", "\u{7F}", "12.50",
    ]

    /// Columns covering each rule: as it stands, null values, a default, a constant read from a
    /// column and from none, and one the joined file gives.
    static func columns(nonASCIINull: Bool) -> [ColumnSpec] {
        func column(_ field: String, nulls: Set<String> = [], constant: String? = nil, defaultValue: String? = nil) -> ColumnSpec {
            var spec = ColumnSpec(field: field, from: field, kind: .text, required: false, pii: false, identity: nil)
            spec.nullValues = nulls
            spec.constant = constant
            spec.defaultValue = defaultValue
            return spec
        }
        return [
            column("plain"),
            column("nulls", nulls: nonASCIINull ? ["NULL", "\u{212A}"] : ["NULL", "n/a"]),
            column("defaulted", nulls: ["-"], defaultValue: "0"),
            column("blank_default", defaultValue: "none"),
            column("empty_null", nulls: ["", "-"]),
            column("constant_read", constant: "X\tY"),
            column("constant_alone", constant: "C"),
            column("default_alone", defaultValue: "D\\"),
            column("joined", nulls: ["NULL"]),
        ]
    }

    /// Source fields per file: five, the fourth mapped by no column; the joined column past them.
    static let fieldCount = 5
    static let positions: [Int?] = [0, 1, 2, 4, 0, 3, nil, nil, 5]

    private func batch(seed: UInt64, files: [ExtractBatch.CSVFile], rows: Int) -> ExtractBatch {
        var numbers = SeededNumbers(seed: seed)
        func next(_ bound: Int) -> Int { numbers.next(below: bound) }
        var batch = ExtractBatch()
        for line in 0..<rows {
            let file = files[(line / 7) % files.count]
            var record = CSVRecord(line: line + 2, startOffset: 0)
            // Mostly usual values, so most rows take the byte path; one field in four anything.
            for _ in 0..<Self.fieldCount {
                let value = next(4) == 0 ? Self.values[next(Self.values.count)] : Self.values[next(2)]
                record.bytes.append(contentsOf: value.utf8)
                record.fieldEnds.append(record.bytes.count)
            }
            let unreadable: ReasonCode? = next(40) == 0 ? .columnCount : next(60) == 0 ? .malformedRecord : nil
            let joined: [String?] = [next(3) == 0 ? nil : Self.values[next(Self.values.count)]]
            batch.append(.csv(record, file, unreadable: unreadable, joined: joined))
        }
        return batch
    }

    private func files(nonASCIINull: Bool, encoding: TextEncoding) -> [ExtractBatch.CSVFile] {
        let reads = zip(Self.columns(nonASCIINull: nonASCIINull), Self.positions).map { ColumnRead($0, index: $1) }
        return ["a.csv", "b\tc.csv"].map {
            ExtractBatch.CSVFile(name: $0, columns: reads, fieldCount: Self.fieldCount, encoding: encoding)
        }
    }

    @Test(arguments: [(false, TextEncoding.utf8), (false, .latin1), (false, .windows1252), (true, .utf8)])
    func writesTheSameRowsAsTheDecodedRecords(nonASCIINull: Bool, encoding: TextEncoding) throws {
        let source = SourceSpec(format: .csv(CSVOptions()), files: "*.csv")
        let encoder = RecordEncoder(mapping: EntityMapping(source: source, columns: Self.columns(nonASCIINull: nonASCIINull)), encryptor: nil)
        let files = files(nonASCIINull: nonASCIINull, encoding: encoding)
        #expect((files[0].plainColumns == nil) == nonASCIINull)
        var plainRows = 0
        for seed in 1...12 as ClosedRange<UInt64> {
            let batch = batch(seed: seed, files: files, rows: 700)
            let reference = try encoder.encode(batch.records()).get()
            let bytes = try encoder.encode(batch: batch).get()
            // Where the two first differ, rather than both buffers.
            let differs = zip(bytes.rows, reference.rows).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? (bytes.rows.count == reference.rows.count ? nil : min(bytes.rows.count, reference.rows.count))
            #expect(differs == nil, "seed \(seed): rows differ from byte \(differs ?? 0)")
            #expect(bytes.count == reference.count && bytes.unreadable == reference.unreadable, "seed \(seed)")
            #expect(reference.unreadable > 0, "seed \(seed)")
            var scratch: [UInt8] = []
            batch.appendPlainRows(to: &scratch) { _, _, _ in plainRows += 1 } other: { _, _ in }
        }
        // The byte path is the one taken for most rows (none when a null value is not ASCII).
        #expect(nonASCIINull ? plainRows == 0 : plainRows > 12 * 700 / 2)
    }
}

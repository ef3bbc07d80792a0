import MLMMigrate
import Testing

@Suite struct CopyTextTests {
    @Test func escapesAndUnescapesTabsNewlinesBackslashesAndNull() {
        let fields: [String?] = ["a\tb", "line\nnext\r", "back\\slash", nil, "", "\\N"]
        var bytes: [UInt8] = []
        CopyText.encodeRow(fields, into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "a\\tb\tline\\nnext\\r\tback\\\\slash\t\\N\t\t\\\\N\n")
        let decoded = bytes.dropLast().withUnsafeBufferPointer { CopyText.decodeRow($0) }
        #expect(decoded == fields)
    }

    /// Backspace, vertical tab and form feed are escaped as PostgreSQL's `COPY TO` escapes them,
    /// so a transform file's lines are the bytes `psql \\copy ... TO` prints for the same rows.
    @Test func escapesBackspaceVerticalTabAndFormFeedAsPostgreSQLDoes() {
        let fields: [String?] = ["T\u{8}X\u{C}Y\u{B}Z", "\u{7}\u{E}"]
        var bytes: [UInt8] = []
        CopyText.encodeRow(fields, into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "T\\bX\\fY\\vZ\t\u{7}\u{E}\n")
        #expect(bytes.dropLast().withUnsafeBufferPointer { CopyText.decodeRow($0) } == fields)
    }

    @Test func stageFilesRoundTripRowsWithTheirHeader() throws {
        let directory = try TemporaryDirectory()
        let writer = try StageFileWriter(path: "\(directory.path)/s.tsv", columns: ["a", "b"])
        for index in 0..<20_000 { try writer.append([String(index), index % 3 == 0 ? nil : "v\n\(index)"]) }
        try writer.close()
        let reader = try StageFileReader(path: "\(directory.path)/s.tsv", expecting: ["a", "b"])
        var count = 0
        while let row = try reader.next() {
            #expect(row[0] == String(count))
            #expect(row[1] == (count % 3 == 0 ? nil : "v\n\(count)"))
            count += 1
        }
        #expect(count == 20_000)
    }

    @Test func refusesAStageFileWhoseHeaderDoesNotMatch() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("s.tsv", "x\ty\n1\t2\n")
        #expect(throws: MigrationError.self) { _ = try StageFileReader(path: path, expecting: ["a", "b"]) }
    }

    @Test func chunksHandOverWholeLinesInBoundedBatches() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("s.tsv", "h\n" + (1...10).map { "\($0)\n" }.joined())
        let chunks = try StageFileReader(path: path)
        var batches: [String] = []
        while true {
            var text = ""
            let lines = try chunks.nextLines(maxLines: 4) { text += String(decoding: $0, as: UTF8.self) }
            if lines == 0 { break }
            batches.append(text)
        }
        #expect(batches == ["1\n2\n3\n4\n", "5\n6\n7\n8\n", "9\n10\n"])
    }

    @Test func chunksAcrossReadBufferBoundariesLoseAndRepeatNothing() throws {
        let directory = try TemporaryDirectory()
        let body = (1...200_000).map { "row-\($0)\n" }.joined()
        let reader = try StageFileReader(path: try directory.write("s.tsv", "h\n" + body))
        var seen: [UInt8] = []
        var counts: [Int] = []
        while true {
            let lines = try reader.nextLines(maxLines: 70_000) { seen.append(contentsOf: $0) }
            if lines == 0 { break }
            counts.append(lines)
        }
        #expect(counts == [70_000, 70_000, 60_000])
        #expect(seen == Array(body.utf8))
    }

    @Test func refusesRawChunksFromAFileWhoseLastLineIsCut() throws {
        let directory = try TemporaryDirectory()
        let reader = try StageFileReader(path: try directory.write("s.tsv", "h\n1\n2"))
        #expect { _ = try reader.nextLines(maxLines: 10) { _ in } } throws: { ($0 as? MigrationError)?.code == "workdir.corrupt" }
    }

    @Test func formatsTimestampsAsPostgresPrintsThemInUTC() {
        #expect(UTCTimestamp.format(micros: 0) == "1970-01-01 00:00:00+00")
        #expect(UTCTimestamp.format(micros: 1_614_834_367_250_000) == "2021-03-04 05:06:07.25+00")
        #expect(UTCTimestamp.format(micros: -2_208_988_800_000_000) == "1900-01-01 00:00:00+00")
        // A fraction keeps its leading zeros whatever its digits (.012345, not .12345).
        for (micros, text) in [(12_345, ".012345"), (99_999, ".099999"), (10_001, ".010001"), (1, ".000001"), (123_456, ".123456"), (120_000, ".12")] {
            #expect(UTCTimestamp.format(micros: Int64(micros)) == "1970-01-01 00:00:00\(text)+00")
            #expect(UTCTimestamp.parse("1970-01-01 00:00:00\(text)+00") == Int64(micros))
        }
    }

    @Test func readsBackOnlyPossibleDatesAndTimes() {
        #expect(UTCTimestamp.parse("2024-02-29 23:59:59+00") != nil)
        for text in ["2023-02-29 00:00:00+00", "2024-13-01 00:00:00+00", "2024-00-10 00:00:00+00", "2024-04-31 00:00:00+00",
                     "2024-01-00 00:00:00+00", "2024-01-01 24:00:00+00", "2024-01-01 00:60:00+00", "2024-01-01 00:00:60+00"] {
            #expect(UTCTimestamp.parse(text) == nil, "\(text)")
        }
    }
}

@Suite struct CopyTextNumberTests {
    @Test(arguments: [Int64.min, -1_000_000, -1, 0, 7, 10, 1230, Int64.max])
    func writesDecimalsAsStringDoes(value: Int64) {
        var out: [UInt8] = []
        CopyText.appendDecimal(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == String(value))
    }

    @Test func writesByteaAsCopyTextHex() {
        var out: [UInt8] = []
        CopyText.appendBytea([0x00, 0xAB, 0xFF], to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"\\x00abff"#)
    }
}

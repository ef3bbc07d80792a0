import MLMMigrate
import TestSupport
import Testing

@Suite struct CSVReaderTests {
    private func records(_ bytes: [UInt8], expectHeaderWidth: Bool = false) throws -> [(line: Int, fields: [String], malformed: Bool)] {
        try read(bytes, expectHeaderWidth: expectHeaderWidth).records.map { ($0.line, $0.fields, $0.malformed) }
    }

    private struct Read {
        var records: [(line: Int, endLine: Int, fields: [String], malformed: Bool)] = []
        var physicalLines = 0
        var blankLines = 0
        /// Lines in records plus blank lines: must equal the physical count.
        var accounted: Int { records.map { $0.endLine - $0.line + 1 }.reduce(0, +) + blankLines }
    }

    private func read(_ bytes: [UInt8], expectHeaderWidth: Bool = true) throws -> Read {
        let directory = try TemporaryDirectory()
        let path = try directory.write("in.csv", bytes)
        let reader = try CSVReader(path: path, displayName: "in.csv")
        var out = Read()
        while let record = try reader.next() {
            if expectHeaderWidth && out.records.isEmpty { reader.expectedFieldCount = record.fieldCount }
            let fields = (0..<record.fieldCount).map { index in record.withField(index) { String(decoding: $0, as: UTF8.self) } }
            out.records.append((record.line, record.endLine, fields, record.malformed))
        }
        out.physicalLines = reader.physicalLines
        out.blankLines = reader.blankLines
        return out
    }

    @Test func readsQuotedFieldsWithCommasNewlinesAndDoubledQuotes() throws {
        let rows = try records(Array("id,note\r\n1,\"a, b\"\r\n2,\"line one\r\nline \"\"two\"\"\"\r\n3,plain\r\n".utf8))
        #expect(rows.map(\.fields) == [["id", "note"], ["1", "a, b"], ["2", "line one\r\nline \"two\""], ["3", "plain"]])
        #expect(rows.map(\.line) == [1, 2, 3, 5])
    }

    @Test func stripsUTF8ByteOrderMarkAndAcceptsLFAndCREndings() throws {
        let rows = try records([0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\r3,4".utf8))
        #expect(rows.map(\.fields) == [["a", "b"], ["1", "2"], ["3", "4"]])
    }

    @Test func skipsBlankLinesButKeepsEmptyFields() throws {
        let rows = try records(Array("a,b\n\n,\n1,\n".utf8))
        #expect(rows.map(\.fields) == [["a", "b"], ["", ""], ["1", ""]])
        #expect(rows.map(\.line) == [1, 3, 4])
    }

    @Test func marksTextAfterAClosingQuoteAsMalformedAndGoesOn() throws {
        let rows = try records(Array("a,b\n\"x\"y,1\n2,3\n".utf8))
        #expect(rows[1].malformed)
        #expect(rows[2].fields == ["2", "3"])
        #expect(!rows[2].malformed)
    }

    @Test func readsTheLinesAfterAQuoteLeftOpenAtTheEndOfTheFileAsTheirOwnRecords() throws {
        let read = try read(Array("a,b\n1,2\n3,\"SECRET-VALUE\n4,5\n".utf8))
        #expect(read.records.map(\.line) == [1, 2, 3, 4])
        #expect(read.records[2].malformed)
        #expect(read.records[3].fields == ["4", "5"] && !read.records[3].malformed)
        #expect(read.physicalLines == 4 && read.accounted == 4)
    }

    @Test func aStrayQuoteNoLongerSwallowsTheRecordsAfterIt() throws {
        // Line 3 opens a quote it never closes; the next quote is on line 7.
        let text = "id,name,status\n1,ann,active\n2,bob,\"verified\n3,cy,active\n4,di,active\n\n5,ed,\"x\"\n6,fy,active\n"
        let read = try read(Array(text.utf8))
        #expect(read.records.map(\.line) == [1, 2, 3, 4, 5, 7, 8])
        #expect(read.records.map(\.malformed) == [false, false, true, false, false, false, false])
        #expect(read.records.map { $0.fields.first ?? "" } == ["id", "1", "2", "3", "4", "5", "6"])
        #expect(read.records[5].fields == ["5", "ed", "x"])
        #expect(read.physicalLines == 8 && read.blankLines == 1 && read.accounted == 8)
    }

    @Test func aStrayQuoteIsFoundEvenWhenTheSwallowedRecordHasTheRightWidth() throws {
        // Read as RFC 4180, lines 2-4 make one well-formed 3-field record whose quoted field
        // holds line 3 whole; line 3 alone is a complete record, so the lines are read alone.
        let text = "id,name,status\n1,ann,\"verified\n2,bob,active\n3,cy\"\n"
        let read = try read(Array(text.utf8))
        #expect(read.records.map(\.line) == [1, 2, 3, 4])
        #expect(read.records.map(\.malformed) == [false, true, false, false])
        #expect(read.records[2].fields == ["2", "bob", "active"])
        #expect(read.records[3].fields == ["3", "cy\""])
    }

    @Test func keepsAQuotedFieldSpanningLinesWhenNoLineIsARecordOnItsOwn() throws {
        let text = "id,address,status\r\n1,\"12 Main St\r\nApt 4\",active\r\n2,\"one\rtwo\",x\r\n"
        let read = try read(Array(text.utf8))
        #expect(read.records.map(\.fields) == [["id", "address", "status"], ["1", "12 Main St\r\nApt 4", "active"], ["2", "one\rtwo", "x"]])
        #expect(read.records.map(\.line) == [1, 2, 4])
        #expect(read.records.map(\.endLine) == [1, 3, 5])
        #expect(read.physicalLines == 5 && read.accounted == 5)
    }

    @Test(arguments: ["\r\n", "\n", "\r"])
    func countsPhysicalLinesApartFromTheParse(lineEnd: String) throws {
        let text = ["a,b", "", "1,\"x", "y\"", "2,3", "", "4,5"].joined(separator: lineEnd)
        for body in [text, text + lineEnd] {
            let read = try read(Array(body.utf8))
            #expect(read.physicalLines == 7)
            #expect(read.accounted == 7)
        }
    }

    @Test func readsRecordsAcrossReadBufferBoundaries() throws {
        let body = (1...50_000).map { "\($0),\"q\($0)\nx\"" }.joined(separator: "\n")
        let rows = try records(Array(("n,v\n" + body + "\n").utf8))
        #expect(rows.count == 50_001)
        #expect(rows.last?.fields == ["50000", "q50000\nx"])
        #expect(rows.last?.line == 100_000)
    }

    @Test(arguments: ["\r\n", "\n", "\r"])
    func readsBackWhatAnRFC4180WriterWroteForRandomFields(lineEnd: String) throws {
        var numbers = SeededNumbers(seed: 0x1234_5678)
        func random(_ bound: Int) -> Int { numbers.next(below: bound) }
        let alphabet: [String] = ["a", "Z", "7", " ", ",", "\"", "\r", "\n", "\r\n", "é", "’", "\t", ";"]
        var rows: [[String]] = []
        for _ in 0..<2_000 {
            let width = 4
            rows.append((0..<width).map { _ in (0..<random(9)).map { _ in alphabet[random(alphabet.count)] }.joined() })
        }
        rows = rows.filter { $0 != ["", "", "", ""] }
        func quoted(_ field: String) -> String {
            guard field.contains(where: { ",\"\r\n".contains($0) }) || field.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let text = rows.map { $0.map(quoted).joined(separator: ",") }.joined(separator: lineEnd) + lineEnd
        let parsed = try records(Array(text.utf8))
        #expect(parsed.count == rows.count)
        #expect(parsed.map(\.fields) == rows)
        #expect(!parsed.contains { $0.malformed })
    }
}

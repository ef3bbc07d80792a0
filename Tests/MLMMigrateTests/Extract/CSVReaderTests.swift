import MLMMigrate
import Testing

@Suite struct CSVReaderTests {
    private func records(_ bytes: [UInt8]) throws -> [(line: Int, fields: [String], malformed: Bool)] {
        let directory = try TemporaryDirectory()
        let path = try directory.write("in.csv", bytes)
        let reader = try CSVReader(path: path, displayName: "in.csv")
        var out: [(Int, [String], Bool)] = []
        while let record = try reader.next() {
            let fields = (0..<record.fieldCount).map { index in record.withField(index) { String(decoding: $0, as: UTF8.self) } }
            out.append((record.line, fields, record.malformed))
        }
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

    @Test func stopsWithLineAndFieldOnAnUnterminatedQuote() throws {
        #expect {
            _ = try records(Array("a,b\n1,2\n3,\"SECRET-VALUE\n4,5\n".utf8))
        } throws: { error in
            let message = (error as? MigrationError)?.message ?? ""
            return (error as? MigrationError)?.code == "source.unterminated_quote" && message.contains("line 3") && message.contains("field 2")
                && !message.contains("SECRET")
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
        var state: UInt64 = 0x1234_5678
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
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

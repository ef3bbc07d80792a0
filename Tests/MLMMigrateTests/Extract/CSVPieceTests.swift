import Foundation
import Logging
@testable import MLMMigrate
import TestSupport
import Testing

/// Extract parses a CSV file in pieces on its workers (``CSVPieceCutter``): every piece must
/// start a record, so the pieces' records, lines and counts are the whole file's, whatever the
/// quotes, line ends and stray quotes, and wherever the cuts fall.
@Suite struct CSVPieceTests {
    /// A record as read, comparable.
    private struct Seen: Equatable {
        var line: Int
        var endLine: Int
        var bytes: [UInt8]
        var fieldEnds: [Int]
        var malformed: Bool
        var readAlone: Bool
        var startOffset: Int
        var endOffset: Int

        init(_ record: CSVRecord) {
            (line, endLine, bytes, fieldEnds) = (record.line, record.endLine, record.bytes, record.fieldEnds)
            (malformed, readAlone, startOffset, endOffset) = (record.malformed, record.readAlone, record.startOffset, record.endOffset)
        }
    }

    /// A file of `count` records of three fields (some of two or four), their fields made of
    /// letters, delimiters, quotes (opening, doubled, stray, never closed), CRs, LFs and
    /// non-ASCII bytes, quoted or not, with LF, CRLF or CR line ends, blank lines, maybe a
    /// byte-order mark and no last line end.
    private func messyCSV(_ numbers: inout SeededNumbers, records count: Int) -> [UInt8] {
        func random(_ bound: Int) -> Int { numbers.next(below: bound) }
        let ends = ["\n", "\r\n", "\r"]
        let pieces = ["a", "b", "7", ",", "\"", "\"\"", "\r", "\n", "\r\n", "é", " "]
        var text = random(4) == 0 ? "\u{FEFF}" : ""
        text += "id,s,u" + ends[random(3)]
        for _ in 0..<count {
            let width = [3, 3, 3, 3, 2, 4][random(6)]
            let fields = (0..<width).map { _ -> String in
                let field = (0..<random(6)).map { _ in pieces[random(pieces.count)] }.joined()
                switch random(4) {
                case 0: return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                case 1: return field
                default: return field.filter { !",\"\r\n".contains($0) }
                }
            }
            text += fields.joined(separator: ",")
            text += random(10) == 0 ? ends[random(3)] + ends[random(3)] : ends[random(3)]
        }
        if random(3) == 0 { text += "1,\"never closed" }
        if random(3) == 0, let last = text.last, last == "\n" || last == "\r" { text.removeLast() }
        return Array(text.utf8)
    }

    /// The file's records, blank lines and physical lines as one reader gives them.
    private func readWhole(_ path: String) throws -> (records: [Seen], blank: Int, physical: Int) {
        let reader = try CSVReader(path: path, displayName: "in.csv")
        _ = try reader.readHeader { String(decoding: $0, as: UTF8.self) }
        var records: [Seen] = []
        while let record = try reader.next() { records.append(Seen(record)) }
        return (records, reader.blankLines, reader.physicalLines)
    }

    /// The same, the records after the header read piece by piece (cut every `target` bytes).
    private func readInPieces(_ path: String, bytes: [UInt8], target: Int) throws -> (records: [Seen], blank: Int, physical: Int, pieces: Int)? {
        let headerReader = try CSVReader(path: path, displayName: "in.csv")
        let header = try headerReader.readHeader { String(decoding: $0, as: UTF8.self) }
        guard header.record.endLine == header.record.line, !header.record.readAlone, !header.record.malformed else { return nil }
        let start = header.record.endOffset + 1
        var blank = header.record.line - 1
        var physical = header.record.endLine
        var records: [Seen] = []
        var count = 0
        func read(_ piece: CSVPieceCutter.Piece) throws {
            count += 1
            let reader = try CSVReader(piece: piece, of: path, displayName: "in.csv", delimiter: 0x2C, quote: 0x22, expectedFieldCount: 3)
            while let record = try reader.next() { records.append(Seen(record)) }
            blank += reader.blankLines
            physical = reader.physicalLines
        }
        guard start < bytes.count else { return (records, blank, physical, 0) }
        var cutter = CSVPieceCutter(delimiter: 0x2C, quote: 0x22, target: target, offset: start, line: header.record.endLine + 1, afterCR: bytes[start - 1] == 0x0D)
        var pieces: [CSVPieceCutter.Piece] = []
        try bytes.withUnsafeBufferPointer { all in
            var from = start
            while from < all.count {
                // Fed in reads of the target's size, as Extract reads.
                let end = min(all.count, from + target)
                try cutter.add(UnsafeBufferPointer(rebasing: all[from..<end])) { pieces.append($0) }
                from = end
            }
        }
        if let last = cutter.finish() { pieces.append(last) }
        for piece in pieces { try read(piece) }
        return (records, blank, physical, count)
    }

    @Test func piecesGiveTheRecordsAndLinesOfTheWholeFile() throws {
        var numbers = SeededNumbers(seed: 0x51CE)
        let directory = try TemporaryDirectory()
        var cut = 0
        for round in 0..<120 {
            let bytes = messyCSV(&numbers, records: 1 + numbers.next(below: 60))
            let path = try directory.write("in\(round).csv", bytes)
            let whole = try readWhole(path)
            for target in [1, 2, 3, 7, 16, 64, 500, 1 << 20] {
                guard let pieces = try readInPieces(path, bytes: bytes, target: target) else { continue }
                if pieces.pieces > 1 { cut += 1 }
                #expect(pieces.records == whole.records, "round \(round), pieces of \(target)")
                #expect(pieces.blank == whole.blank, "round \(round), pieces of \(target)")
                #expect(pieces.physical == whole.physical, "round \(round), pieces of \(target)")
            }
        }
        #expect(cut > 500)
    }

    /// The cut is where the reader's record ends: quoted line ends, CRLF pairs and a stray
    /// quote in an unquoted field do not end one; a quote opening a field does.
    @Test func cutsOnlyWhereARecordEnds() {
        func end(_ text: String, afterCR: Bool = false) -> Int? {
            Array(text.utf8).withUnsafeBufferPointer { CSVPieceCutter.lastRecordEnd(in: $0, delimiter: 0x2C, quote: 0x22, afterCR: afterCR) }
        }
        #expect(end("a,b\nc,d\n") == 8)
        #expect(end("a,\"b\nc\",d") == nil)
        #expect(end("a,\"b\nc\",d\ne") == 10)
        #expect(end("5\" screen,x\ny") == 12)
        #expect(end("a\r\nb") == 3)
        #expect(end("a,\"b\r\n") == nil)
        #expect(end("\nx", afterCR: true) == 1)
        #expect(end("\"a\"\"\nb\",c\n") == 10)
        #expect(end("\"a\"x\nb") == 5)
    }

    private func mapping(files: String = "in.csv") throws -> MembersMapping {
        let yaml = """
            version: 1
            vendor: test
            entities:
              members:
                source: { format: csv, files: "\(files)" }
                columns:
                  legacy_id: { from: id }
                  status: { from: s, null_values: ["\\"", "b"] }
                  username: { from: u }
                genealogy: { legs: [] }
            """
        let result = MappingLoader.parse(yaml: yaml)
        #expect(result.issues.isEmpty, "\(result.issues)")
        return try #require(result.mapping?.members)
    }

    /// Extract's stage file and counts, cut in pieces of every size, are the ones of one piece.
    @Test func extractWritesTheSameFileWhateverThePieces() throws {
        var numbers = SeededNumbers(seed: 0xE7AC)
        let mapping = try mapping()
        for round in 0..<12 {
            let directory = try TemporaryDirectory()
            _ = try directory.write("in.csv", messyCSV(&numbers, records: 400))
            var outputs: [(bytes: Data, summary: ExtractSummary)] = []
            for target in [1 << 20, 1, 3, 17, 256, 4_096] {
                var extractor = Extractor(members: mapping, source: directory.path, logger: Logger(label: "test"))
                extractor.pieceBytes = target
                let output = "\(directory.path)/out\(target).tsv"
                let summary = try extractor.run(outputPath: output, progress: false)
                outputs.append((try Data(contentsOf: URL(fileURLWithPath: output)), summary))
            }
            for (bytes, summary) in outputs.dropFirst() {
                #expect(bytes == outputs[0].bytes, "round \(round)")
                #expect(summary == outputs[0].summary, "round \(round)")
            }
            let lines = try #require(outputs[0].summary.sourceLines)
            #expect(lines.physical == lines.accounted, "round \(round)")
        }
    }

    /// A header spanning lines is read on one thread (its lines could be records); the next
    /// file, cut in pieces, still comes after every row of it.
    @Test func keepsTheFilesInOrderWhenAHeaderIsReadTheOldWay() throws {
        let mapping = try mapping(files: "in*.csv")
        let directory = try TemporaryDirectory()
        _ = try directory.write("in1.csv", Array("id,s,u,\"note\nmore\"\n1,a,b,x\n2,a,b,y\n3,a,b,z\n".utf8))
        _ = try directory.write("in2.csv", Array(("id,s,u\n" + (4...300).map { "\($0),a,b\n" }.joined()).utf8))
        var extractor = Extractor(members: mapping, source: directory.path, logger: Logger(label: "test"))
        extractor.pieceBytes = 16
        let output = "\(directory.path)/out.tsv"
        let summary = try extractor.run(outputPath: output, progress: false)
        let reader = try StageFileReader(path: output)
        var ids: [String] = []
        while let row = try reader.next() { ids.append(row[4] ?? "") }
        #expect(ids == (1...300).map(String.init))
        #expect(summary.rows == 300)
        let lines = try #require(summary.sourceLines)
        #expect(lines.physical == 5 + 298 && lines.header == 2 + 1 && lines.physical == lines.accounted)
    }

    /// A quote never closed early in a file would hold every later byte in one piece: past the
    /// cutter's limit (256 pieces) the rest is read by one reader, to the same rows and counts.
    @Test func readsOnAfterAStrayQuoteOutrunsTheLimit() throws {
        let mapping = try mapping()
        let directory = try TemporaryDirectory()
        let rows = (1...2_000).map { $0 == 20 ? "\($0),\"stray,b\n" : "\($0),a,b\n" }
        _ = try directory.write("in.csv", Array(("id,s,u\n" + rows.joined()).utf8))
        var outputs: [(bytes: Data, summary: ExtractSummary)] = []
        for target in [1 << 20, 16] {
            var extractor = Extractor(members: mapping, source: directory.path, logger: Logger(label: "test"))
            extractor.pieceBytes = target
            let output = "\(directory.path)/out\(target).tsv"
            let summary = try extractor.run(outputPath: output, progress: false)
            outputs.append((try Data(contentsOf: URL(fileURLWithPath: output)), summary))
        }
        #expect(outputs[1].bytes == outputs[0].bytes)
        #expect(outputs[1].summary == outputs[0].summary)
        #expect(outputs[0].summary.rows == 2_000)
    }
}

@testable import MLMMigrate
import TestSupport
import Testing

/// The parts of `CSVReader` that work chunk by chunk: the physical line count (CR, LF and CRLF,
/// a pair split between two chunks) and the record buffers reused from one chunk to the next.
@Suite struct CSVReaderChunkTests {
    /// Physical lines the plain way: a CR, or an LF not right after a CR, ends a line; text after
    /// the last end is one more line.
    private func reference(_ bytes: [UInt8]) -> Int {
        var lines = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0D || (byte == 0x0A && (index == 0 || bytes[index - 1] != 0x0D)) {
            lines += 1
        }
        if let last = bytes.last, last != 0x0A, last != 0x0D { lines += 1 }
        return lines
    }

    @Test func countsLineEndsAcrossChunksAsTheFileHasThem() {
        let alphabet: [UInt8] = [0x0D, 0x0A, 0x61, 0x2C]
        var numbers = SeededNumbers(seed: 7)
        for length in [0, 1, 2, 3, 17, 200, 255, 256, 511, 1_000] {
            for _ in 0..<60 {
                let bytes = (0..<length).map { _ in
                    alphabet[numbers.next(below: alphabet.count)]
                }
                // Cut in chunks of one size: small ones, about the counter's blocks (255), all of it.
                for size in [1, 2, 3, 5, 254, 256, 300, max(1, length)] {
                    var counter = PhysicalLineCounter()
                    bytes.withUnsafeBufferPointer { all in
                        var start = 0
                        while start < all.count {
                            counter.count(UnsafeBufferPointer(rebasing: all[start..<min(all.count, start + size)]))
                            start += size
                        }
                    }
                    let lines = counter.lines
                    counter.count(UnsafeBufferPointer(start: nil, count: 0))
                    #expect(counter.lines == reference(bytes) && counter.lines == lines, "\(bytes) in chunks of \(size)")
                }
            }
        }
    }

    @Test func givesEveryRecordOfAFileOfManyChunksWhetherItsRecordsAreKeptOrNot() throws {
        // About 4 MiB: records of every length from 0 to 299 bytes, some quoted across lines.
        var csv = "id,text,more\n"
        var expected: [[String]] = [["id", "text", "more"]]
        for n in 1...30_000 {
            let text = String(repeating: "x", count: (n * 37) % 300)
            let more = n % 101 == 0 ? "two\nlines" : "m\(n)"
            csv += "\(n),\(text),\(n % 101 == 0 ? "\"\(more)\"" : more)\n"
            expected.append(["\(n)", text, more])
        }
        let directory = try TemporaryDirectory()
        let path = try directory.write("in.csv", Array(csv.utf8))
        func fields(_ record: CSVRecord) -> [String] {
            (0..<record.fieldCount).map { index in record.withField(index) { String(decoding: $0, as: UTF8.self) } }
        }
        // Dropped as read (buffers reused), then all kept (buffers shared with what was handed out).
        let streaming = try CSVReader(path: path, displayName: "in.csv")
        var index = 0
        while let record = try streaming.next() {
            #expect(index < expected.count && fields(record) == expected[index], "record \(index)")
            index += 1
        }
        #expect(index == expected.count && streaming.physicalLines == 30_001 + 30_000 / 101)
        let keeping = try CSVReader(path: path, displayName: "in.csv")
        var kept: [CSVRecord] = []
        while let record = try keeping.next() { kept.append(record) }
        #expect(kept.map(fields) == expected)
    }

    @Test func readsTheSameRecordsInSmallChunksAsInOne() throws {
        // Malformed quotes, records spanning lines (read again line by line when they do not
        // parse), blank lines, CR, LF and CRLF: in chunks of a few bytes, every record's buffers
        // are reused many times over.
        var csv = "id,text,more\r\n"
        for n in 1...400 {
            switch n % 9 {
            case 0: csv += "\(n),\"bad\"x,m\n"
            case 1: csv += "\(n),\"two\nlines\",m\r\n"
            case 2: csv += "\r\n"
            // A quote left open swallows the lines after it (read again line by line): once, near the end.
            case 3 where n > 390: csv += "\(n),\"open,m\n"
            case 4: csv += "\(n),a,b,c\r"
            default: csv += "\(n),\(String(repeating: "y", count: n % 50)),m\(n)\n"
            }
        }
        let directory = try TemporaryDirectory()
        let path = try directory.write("in.csv", Array(csv.utf8))
        func read(chunkSize: Int) throws -> (records: [String], lines: Int, blank: Int) {
            let reader = try CSVReader(path: path, displayName: "in.csv", delimiter: 0x2C, quote: 0x22, chunkSize: chunkSize)
            reader.expectedFieldCount = 3
            var records: [String] = []
            while let record = try reader.next() {
                let fields = (0..<record.fieldCount).map { index in record.withField(index) { String(decoding: $0, as: UTF8.self) } }
                records.append("\(record.line)-\(record.endLine) \(record.malformed) \(record.readAlone) \(fields)")
            }
            return (records, reader.physicalLines, reader.blankLines)
        }
        let whole = try read(chunkSize: 1 << 20)
        #expect(whole.records.count { $0.contains(" true false ") } > 40)
        for size in [1, 2, 3, 7, 64] {
            let small = try read(chunkSize: size)
            #expect(small.records == whole.records, "chunks of \(size)")
            #expect(small.lines == whole.lines && small.blank == whole.blank, "chunks of \(size)")
        }
    }
}

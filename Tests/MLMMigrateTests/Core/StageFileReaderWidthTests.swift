@testable import MLMMigrate
import Testing

/// The width check every line the load sends goes through (``StageFileReader/firstMisfit``)
/// finds the same first misfit as counting tabs byte by byte, wherever the lines fall in its
/// 8-byte words.
@Suite struct StageFileReaderWidthTests {
    /// The count the check must agree with: line by line, through the reader's own field count.
    private func reference(_ bytes: [UInt8], width: Int) -> (index: Int, fields: Int)? {
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        for (index, line) in lines.enumerated() {
            let fields = Array(line).withUnsafeBufferPointer { StageFileReader.fieldCount($0) }
            if fields != width { return (index, fields) }
        }
        return nil
    }

    private func misfit(_ bytes: [UInt8], width: Int) -> (index: Int, fields: Int)? {
        bytes.withUnsafeBufferPointer { StageFileReader.firstMisfit($0, width: width) }
    }

    @Test func agreesWithACountByteByByteOnLinesOfEveryLength() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let width = Int.random(in: 1...12, using: &generator)
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                // Mostly lines of the right width; some a field short or long.
                let fields = Int.random(in: 0..<20, using: &generator) == 0 ? max(1, width + Int.random(in: -1...1, using: &generator)) : width
                for field in 0..<fields {
                    if field > 0 { bytes.append(0x09) }
                    for _ in 0..<Int.random(in: 0...70, using: &generator) { bytes.append(UInt8.random(in: 0x20...0x7E, using: &generator)) }
                }
                bytes.append(0x0A)
            }
            let expected = reference(bytes, width: width)
            let found = misfit(bytes, width: width)
            #expect(found?.index == expected?.index && found?.fields == expected?.fields, "width \(width), \(bytes.count) bytes")
        }
    }

    @Test func findsAMisfitInsideABlockWithoutALineEnd() {
        // A 3-field header; the second line has 40 tab-separated empty fields inside whole blocks.
        let good = Array("a\tb\tc\n".utf8)
        let bad = [UInt8](repeating: 0x09, count: 39) + [0x0A]
        let found = misfit(good + bad + good, width: 3)
        #expect(found?.index == 1 && found?.fields == 40)
        #expect(misfit(good + good + good, width: 3) == nil)
    }
}

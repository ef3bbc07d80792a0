import Foundation
@testable import MLMMigrate
import Testing

/// The load plan's line count is exact across read chunks, with or without a last newline.
@Suite struct LoadPlanTests {
    @Test func countsEveryNewlineAcrossChunkBoundaries() throws {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/rows.tsv"
        var text = "header\n"
        for row in 0..<300_000 { text += "\(row)\tsome text\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(Loader.lineCount(path) == 300_001)
        try "a\nb".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(Loader.lineCount(path) == 1)
        try "".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(Loader.lineCount(path) == 0)
        #expect(Loader.lineCount("\(directory.path)/missing.tsv") == nil)
    }
}

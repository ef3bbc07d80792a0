import Foundation
@testable import MLMMigrate
import Testing

/// One partition's rows read out of a stage file keyed by member_id: exactly the rows
/// PostgreSQL's hash puts there, in file order, handed out in batches of any size.
@Suite struct PartitionLinesTests {
    private let columns = ["member_id", "note"]

    private func stageFile(_ directory: TemporaryDirectory, _ rows: [[String?]]) throws -> String {
        let path = "\(directory.path)/entries.tsv"
        let writer = try StageFileWriter(path: path, columns: columns)
        for row in rows { try writer.append(row) }
        try writer.close()
        return path
    }

    @Test func handsOutEachPartitionsRowsInFileOrderAcrossBatches() throws {
        let directory = try TemporaryDirectory()
        let rows: [[String?]] = (1...500).flatMap { member in (1...3).map { [String(member), "m\(member) e\($0)"] } }
        let path = try stageFile(directory, rows)
        let counts = try PartitionLines.counts(path: path, columns: columns, modulus: 3)
        #expect(counts.reduce(0, +) == rows.count)
        for remainder in 0..<3 {
            let lines = try PartitionLines(path: path, columns: columns, remainder: remainder, modulus: 3)
            var text = ""
            var batches = 0
            while true {
                var batch = ""
                let count = try lines.next(maxLines: 7) { bytes in batch += String(decoding: bytes, as: UTF8.self) }
                guard count > 0 else { break }
                #expect(count <= 7 && batch.split(separator: "\n").count == count)
                text += batch
                batches += 1
            }
            let expected = rows.filter { PostgresHashPartition.remainder(of: Int64($0[0] ?? "") ?? 0, modulus: 3) == remainder }
            #expect(text == expected.map { "\($0[0] ?? "")\t\($0[1] ?? "")\n" }.joined())
            #expect(expected.count == counts[remainder] && batches == (counts[remainder] + 6) / 7)
        }
    }

    @Test func stopsAtAMemberIDThatIsNotANumberNamingTheFileNotTheValue() throws {
        let directory = try TemporaryDirectory()
        let path = try stageFile(directory, [["1", "a"], ["x7secret", "b"]])
        #expect {
            _ = try PartitionLines.counts(path: path, columns: columns, modulus: 2)
        } throws: { error in
            let message = "\(error)"
            return message.contains("workdir.corrupt") && message.contains(path) && message.contains("line 3")
                && message.contains("member_id") && !message.contains("x7secret")
        }
    }
}

import Foundation
@testable import MLMMigrate
import Testing

/// Stage-file rows re-encoded in PostgreSQL's binary COPY format: each supported type's wire
/// bytes, NULLs, COPY escapes undone, the run and batch columns, and the values it refuses.
@Suite struct CopyBinaryEncoderTests {
    private let types = [
        "id": "bigint", "small": "smallint", "count": "integer", "flag": "boolean", "name": "text", "hash": "bytea",
        "at": "timestamp with time zone", "run_id": "bigint", "batch_no": "integer", "payload": "jsonb",
    ]

    private func encode(_ columns: [String], _ line: String, runID: Int64 = 7, batchNo: Int64 = 3) throws -> ([UInt8], CopyBinaryEncoder.Refusal?) {
        let encoder = try #require(CopyBinaryEncoder(columns: columns, types: types))
        let out = CopyBinaryEncoder.Output(capacity: 8)
        let refusal = Array(line.utf8).withUnsafeBytes { encoder.encode($0, runID: runID, batchNo: batchNo, into: out) }
        return (Array(out.bytes), refusal)
    }

    private func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    @Test func encodesEachTypeAsPostgreSQLReadsItAndStampsTheRunAndBatch() throws {
        let (out, refusal) = try encode(
            ["id", "small", "count", "flag", "name", "hash", "at"],
            "-42\t7\t65536\tt\tUSD\t\\\\x00ff10\t2000-01-01 00:00:01.5+00\n"
        )
        #expect(refusal == nil)
        var expected = be(UInt16(9))
        expected += be(UInt32(8)) + be(Int64(-42))
        expected += be(UInt32(2)) + be(Int16(7))
        expected += be(UInt32(4)) + be(Int32(65_536))
        expected += be(UInt32(1)) + [1]
        expected += be(UInt32(3)) + Array("USD".utf8)
        expected += be(UInt32(3)) + [0x00, 0xFF, 0x10]
        // Microseconds since 2000-01-01 00:00 UTC.
        expected += be(UInt32(8)) + be(Int64(1_500_000))
        expected += be(UInt32(8)) + be(Int64(7)) + be(UInt32(4)) + be(Int32(3))
        #expect(out == expected)
    }

    @Test func sendsNullAsMinusOneAndUndoesCopyEscapesInText() throws {
        let (out, refusal) = try encode(["name", "name", "id"], "a\\tb\\\\c\\nd\\101\\x41\\q\t\\N\t\\N\n")
        #expect(refusal == nil)
        let text = Array("a\tb\\c\ndAAq".utf8)
        #expect(out == be(UInt16(5)) + be(UInt32(text.count)) + text + be(Int32(-1)) + be(Int32(-1)) + be(UInt32(8)) + be(Int64(7)) + be(UInt32(4)) + be(Int32(3)))
    }

    @Test func encodesEveryLineOfAChunkAndTimesBefore2000() throws {
        let (out, refusal) = try encode(["id", "at"], "1\t1999-12-31 23:59:59+00\n2\t1970-01-01 00:00:00+00\n")
        #expect(refusal == nil)
        let stamps = be(UInt32(8)) + be(Int64(7)) + be(UInt32(4)) + be(Int32(3))
        let first = be(UInt16(4)) + be(UInt32(8)) + be(Int64(1)) + be(UInt32(8)) + be(Int64(-1_000_000)) + stamps
        let second = be(UInt16(4)) + be(UInt32(8)) + be(Int64(2)) + be(UInt32(8)) + be(Int64(-946_684_800_000_000)) + stamps
        #expect(out == first + second)
    }

    @Test func refusesAValueNotInTheFormTransformWritesNamingItsLineAndColumn() throws {
        #expect(try encode(["id", "count"], "1\t2\n3\ttwelve\n").1 == .init(line: 1, column: 1))
        #expect(try encode(["small"], "40000\n").1 == .init(line: 0, column: 0))
        #expect(try encode(["count"], "2147483648\n").1 == .init(line: 0, column: 0))
        #expect(try encode(["flag"], "yes\n").1 == .init(line: 0, column: 0))
        #expect(try encode(["hash"], "\\\\x0g\n").1 == .init(line: 0, column: 0))
        #expect(try encode(["hash"], "\\\\x0\n").1 == .init(line: 0, column: 0))
        #expect(try encode(["hash"], "\\\\001\n").1 == .init(line: 0, column: 0))
        #expect(try encode(["at"], "2020-01-01T00:00:00Z\n").1 == .init(line: 0, column: 0))
        // A line with more fields than the columns.
        #expect(try encode(["id"], "1\t2\n").1 == .init(line: 0, column: 0))
    }

    @Test func leavesTablesWithATypeItDoesNotSendToText() {
        #expect(CopyBinaryEncoder(columns: ["id", "payload"], types: types) == nil)
        #expect(CopyBinaryEncoder(columns: ["id", "missing"], types: types) == nil)
        // No run and batch columns in the table, or the stage file has them: none stamped.
        let plain = CopyBinaryEncoder(columns: ["id"], types: ["id": "bigint"])
        #expect(plain?.stamps == false && plain?.copyColumns == ["id"])
        let own = CopyBinaryEncoder(columns: ["id", "batch_no"], types: types)
        #expect(own?.stamps == false)
        #expect(CopyBinaryEncoder(columns: ["id"], types: types)?.copyColumns == ["id", "run_id", "batch_no"])
    }
}

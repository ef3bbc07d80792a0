import Foundation
@testable import MLMMigrate
import Testing

/// The read-back's binary `COPY` printed as text gives byte for byte what PostgreSQL's own text
/// `COPY` prints, for every type and awkward value it reads, in chunks cut anywhere.
@Suite struct CopyBinaryTextTests {
    private let types: [CopyBinaryType] = [.integer(bytes: 8), .integer(bytes: 4), .integer(bytes: 2), .boolean, .text, .bytea, .timestamptz]

    @Test func printsTheRowsAsPostgreSQLsTextCopyDoes() throws {
        let target = try TestPostgres.freshDatabase("binarytext")
        let connection = try PostgresConnection(target)
        try connection.execute("""
            CREATE TABLE t (a bigint, b integer, c smallint, d boolean, e text, f bytea, g timestamptz);
            INSERT INTO t VALUES
              (-9223372036854775808, -2147483648, -32768, true, E'tab\\there\\nnew\\rret\\\\back\\bbs\\fff\\vvt\\u0001x', '\\x00ff7f'::bytea, '1999-12-31 23:59:59.5+00'),
              (9223372036854775807, 2147483647, 32767, false, 'ünïcødé ✓', ''::bytea, '2026-12-05 06:07:08.123456+00'),
              (0, 0, 0, NULL, NULL, NULL, NULL),
              (42, 7, 1, true, '', '\\x0a1b2c3d4e5f'::bytea, '1970-01-01 00:00:00+00');
            """)
        let select = "COPY (SELECT a, b, c, d, e, f, g FROM t ORDER BY a) TO STDOUT"
        var text: [UInt8] = []
        try connection.copyOut(select, what: "text") { text.append(contentsOf: $0) }
        var binary: [UInt8] = []
        try connection.copyOut(select + " WITH (FORMAT binary)", what: "binary") { binary.append(contentsOf: $0) }
        // Two streams, one after the other, as the read-back reads ranges of members.
        text += text
        binary += binary
        // Fed in chunks of every size from 1 byte, so rows, lengths and the header arrive split.
        for chunk in [1, 3, 7, 64, binary.count] {
            var reader = CopyBinaryText(types: types)
            var printed: [UInt8] = []
            var rows = 0
            for start in stride(from: 0, to: binary.count, by: chunk) {
                try binary[start..<min(start + chunk, binary.count)].withUnsafeBytes { bytes in
                    try reader.feed(bytes, what: "test") { line in
                        printed.append(contentsOf: line)
                        rows += 1
                    }
                }
            }
            #expect(rows == 8)
            #expect(printed == text, "chunks of \(chunk): \(String(decoding: printed, as: UTF8.self))")
        }
    }

    @Test func refusesRowsThatAreNotOfTheColumnsAskedFor() throws {
        let target = try TestPostgres.freshDatabase("binarytextbad")
        let connection = try PostgresConnection(target)
        var binary: [UInt8] = []
        try connection.copyOut("COPY (SELECT 1::integer, 'x'::text) TO STDOUT WITH (FORMAT binary)", what: "binary") { binary.append(contentsOf: $0) }
        var reader = CopyBinaryText(types: [.integer(bytes: 8), .text])
        #expect {
            try binary.withUnsafeBytes { bytes in try reader.feed(bytes, what: "reading t") { _ in } }
        } throws: { ($0 as? MigrationError)?.message.contains("reading t: the server's binary COPY output is not rows") == true }
    }
}

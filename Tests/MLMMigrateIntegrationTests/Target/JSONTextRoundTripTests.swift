import Foundation
import MLMMigrate
import Testing

/// `JSONText.object` writes what PostgreSQL prints for the same `jsonb`, so a quarantine
/// payload read back from the target is the text Transform hashed.
@Suite struct JSONTextRoundTripTests {
    static let objects: [[(String, String?)]] = [
        [("username", "alice"), ("legacy_id", "M1"), ("sponsor", nil), ("_kek_id", "kek-1")],
        [("é", "ünïcødé €"), ("z", "q\"b\\s/"), ("ab", "\u{08}\u{0C}\n\r\t\u{01}\u{1F}")],
        [("_hex.full_name", "00ff41"), ("full_name", nil), ("a", "1"), ("a", "2")],
        [],
    ]

    @Test func jsonbPrintsTheObjectsBackByteForByte() throws {
        let connection = try PostgresConnection(try TestPostgres.freshDatabase("jsontext"))
        for pairs in Self.objects {
            let text = JSONText.object(pairs)
            #expect(try connection.scalar("SELECT \(try connection.literal(text))::jsonb::text") == text)
        }
    }
}

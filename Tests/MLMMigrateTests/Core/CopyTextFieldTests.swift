import Crypto
@testable import MLMMigrate
import Testing

/// The byte-level field readers the ledger read-back uses give exactly what decoding each
/// field to text, then `Int64`, ``UTCTimestamp/parse(_:)`` or the bytea form, gives.
@Suite struct CopyTextFieldTests {
    static let fields: [String] = [
        "0", "42", "-42", "+7", "-", "+", "", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "12a", " 5", "5 ", "\\N", "\\\\N", "TX\\t1", "a\\\\b", "é", "USD", "\\\\x00ff", "\\\\xZZ",
        "\\\\x0", "\\x00ff", "2024-02-29 23:59:59.123456+00", "2024-02-29 23:59:59+00", "2024-02-29 23:59:59.1234567+00",
        "2024-13-01 00:00:00+00", "1969-12-31 23:59:59.999999+00", "2024-02-29T23:59:59+00",
    ]

    private func withField<T>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        Array(text.utf8).withUnsafeBufferPointer(body)
    }

    @Test func numbersTextTimesAndHashesReadAsBytesEqualTheDecodedFields() {
        for field in Self.fields {
            let decoded = withField(field) { CopyText.decodeRow($0) }.first ?? nil
            #expect(withField(field) { CopyText.text($0) } == decoded, "\(field)")
            #expect(withField(field) { CopyText.int64($0) } == decoded.flatMap { Int64($0) }, "\(field)")
            #expect(withField(field) { UTCTimestamp.parse(bytes: $0) } == decoded.flatMap(UTCTimestamp.parse), "\(field)")
            #expect(withField(field) { LedgerVerifier.bytea(copyField: $0) } == decoded.flatMap(LedgerVerifier.bytea), "\(field)")
        }
    }

    @Test func aLineSplitsIntoTheFieldsDecodeRowGives() {
        for line in ["", "a", "a\tb", "\t", "a\t\\N\t\tc\\td", "1\tUSD\t3\tTX\t\\\\x00"] {
            let bytes = Array(line.utf8)
            var ranges: [Range<Int>] = []
            bytes.withUnsafeBufferPointer { CopyText.fieldRanges($0, into: &ranges) }
            let texts = bytes.withUnsafeBufferPointer { buffer in ranges.map { CopyText.text(UnsafeBufferPointer(rebasing: buffer[$0])) } }
            #expect(texts == bytes.withUnsafeBufferPointer { CopyText.decodeRow($0) }, "\(line)")
        }
    }

    /// The entry hash is SHA-256 of the previous hash then ``LedgerHasher/encode(_:)``, however
    /// long or unusual the entry's text.
    @Test func theEntryHashIsTheHashOfThePreviousHashAndTheEncoding() {
        let previous = Array(SHA256.hash(data: [1, 2, 3]))
        for (currency, txn, kind) in [("USD", "TX-1", "credit"), ("", "", ""), ("EUR", String(repeating: "x", count: 5000), "é→ü"), ("JPY", "a\tb\\c", "withdrawal")] {
            for amount in [Int64.min, -1, 0, 1, Int64.max] {
                let entry = LedgerEntry(
                    memberID: -5, currency: currency, seq: 3, legacyTxnID: txn, kind: kind, amountMinor: amount,
                    occurredAt: -1, balanceAfterMinor: amount
                )
                #expect(LedgerHasher.entryHash(entry, previous: previous) == Array(SHA256.hash(data: previous + LedgerHasher.encode(entry))))
            }
        }
    }
}

@testable import MLMMigrate
import Testing

/// The row rules' batch reading and the ledger's cleansed-row writing, against the general
/// decoder and encoder they stand in for.
@Suite struct BatchLinesTests {
    /// Rows whose first field repeats, changes, is NULL, empty or escaped, with escapes elsewhere.
    static let rows: [[String?]] = [
        ["wallet_transactions.csv", "2", nil, nil, "T1", "ann"],
        ["wallet_transactions.csv", "3", nil, nil, "T\t2", "b\\ob"],
        ["wallet_transactions_2.csv", "2", "extract.malformed_record", "amount", nil, ""],
        [nil, "9", nil, nil, "x", "y"],
        [nil, "10", nil, nil, "x", "y"],
        ["", "11", nil, nil, "\n", "\r"],
        ["a\\b.csv", "12", nil, nil, "é", "zoë"],
        ["a\\b.csv", "13", nil, nil, "\\N", "N"],
        ["wallet_transactions.csv", "4", nil, nil, "T3", nil],
    ]

    @Test func forEachRowGivesTheFieldsDecodeRowGives() {
        var lines: [UInt8] = []
        for row in Self.rows { CopyText.encodeRow(row, into: &lines) }
        var seen: [[String?]] = []
        BatchLines.forEachRow(lines) { seen.append($0) }
        #expect(seen == Self.rows)
        var general: [[String?]] = []
        lines.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                var end = start
                while all[end] != 0x0A { end += 1 }
                general.append(CopyText.decodeRow(UnsafeBufferPointer(rebasing: all[start..<end])))
                start = end + 1
            }
        }
        #expect(seen == general)
    }

    @Test func theCleansedEntryLineIsTheBytesOfItsRowsFields() {
        let rows: [(raw: [String?], txn: String, row: WalletRow)] = [
            (["w.csv", "2", nil, nil], "T1", WalletRow(legacyTxnID: "T1", memberLegacyID: "ann", currency: "USD", kind: "deposit", amountMinor: 1250, occurredAt: 1_700_000_000_000_000)),
            (["w\t.csv", "3", nil, nil], "T\\2", WalletRow(legacyTxnID: "T\\2", memberLegacyID: "b\nob", currency: nil, kind: nil, amountMinor: -1250, occurredAt: -5)),
            ([nil, nil, nil, nil], "T3", WalletRow(amountMinor: Int64.min, occurredAt: nil)),
            (["w.csv"], "T4", WalletRow(counterpartyLegacyID: "zoë", amountMinor: Int64.max, occurredAt: 0)),
            (["w.csv", "7", nil, nil], "", WalletRow(memberLegacyID: "", amountMinor: nil)),
        ]
        for (raw, txn, row) in rows {
            var line: [UInt8] = []
            LedgerCleanser.encodeCleansed(raw, txnID: txn, row, into: &line)
            let header = ExtractRecordHeader(raw)
            let fields = CleansedEntryRow(
                source: header.source, line: header.line, legacyTxnID: txn, memberLegacyID: row.memberLegacyID, currency: row.currency,
                kind: row.kind, amountMinor: row.amountMinor, occurredAtMicros: row.occurredAt, counterpartyLegacyID: row.counterpartyLegacyID
            ).fields
            var expected: [UInt8] = []
            CopyText.encodeRow(fields, into: &expected)
            #expect(line == expected, "\(txn)")
        }
    }
}

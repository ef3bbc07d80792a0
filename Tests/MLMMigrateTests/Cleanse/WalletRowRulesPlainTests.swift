@testable import MLMMigrate
import TestSupport
import Testing

/// The ledger Cleanse's row rules on bytes (`WalletRowRules.applyPlain`) against the same rules
/// on strings (`apply`), which stay the reference: every batch must come out byte for byte the same.
@Suite struct WalletRowRulesPlainTests {
    /// Signed amounts in minor units, a free-text kind, a local pattern timestamp.
    static let signedYAML = """
        version: 1
        vendor: test
        entities:
          members:
            source: { format: csv }
            columns:
              legacy_id: { from: id }
            genealogy: {}
          wallet_entries:
            source: { format: csv }
            columns:
              legacy_txn_id: { from: txn }
              member: { from: member }
              currency: { from: ccy }
              kind: { from: type }
              amount: { from: amount, type: minor_units }
              occurred_at: { from: at, type: timestamp, format: "Y-m-d H:i:s", timezone: Asia/Kolkata }
            ledger:
              amount_sign: signed
        """

    /// Members as the directories below name them: `ann` and `bob` have other legacy ids, `eve`
    /// and the Kelvin sign are their own, `carl` was quarantined.
    static let directory = MemberDirectory(
        accepted: ["ann": "1", "bob": "2", "eve": "eve", "\u{212A}": "\u{212A}", "7": "7"], known: ["carl"]
    )

    /// Escaped (COPY text) values per field: the usual ones and every kind of unusual one.
    static let values: [String: [String]] = [
        "_source": ["f.csv", "f.csv", "f.csv", "f\\\\g.csv", "donn\u{E9}es.csv", ""],
        "_line": ["2", "17", "\\N"],
        "legacy_txn_id": ["T1", "T2", "T3", "T4", " T5", "T6 ", "", "\\N", "T\\\\7", "T\u{FC}8", "T\\t9", "T\u{1}10"],
        "member": ["ann", "bob", "eve", "K", "carl", "dave", " ann", "", "\\N", "\u{212A}", "7"],
        "currency": ["USD", "USD", "usd", "JPY", "BHD", "XXQ", "", "\\N", " EUR", "Inr"],
        "kind": ["C", "W", "X", "", "\\N", " C", "transfer", "bonus", "payout", "credit", "debit", "\u{C4}", "A\u{308}"],
        "direction": ["credit", "debit", "credit ", "", "\\N", "sideways"],
        "counterparty": ["bob", "ann", "0", "carl", "dave", "", "\\N"],
        "amount": ["12.30", "1,234.5", "5", "-5", "+5", "1e2", "10.199999999999999", "abc", "0.001", "", "\\N", " 7",
                   "99999999999999999999", "0", "1.5"],
        "occurred_at": ["2024-01-02T03:04:05Z", "2024-01-02 03:04:05", "2024-02-29 23:59:59", "2024-13-01T00:00:00Z",
                        "1850-01-01T00:00:00Z", "", "\\N", "2024-01-02T03:04:05.012345Z", "1704164645", "-99999999999"],
    ]

    /// Each mapping, with the usual values (those its rules accept) where they differ from the
    /// first of `values`, and whether its usual row is read on bytes.
    static let mappings: [(name: String, yaml: String, usual: [String: String], onBytes: Bool)] = [
        ("by kind", WalletRowRulesTests.yaml, [:], true),
        ("by direction", WalletDirectionTests.yaml, ["kind": "transfer"], true),
        ("counterparty", WalletCounterpartyTests.yaml, ["kind": "bonus"], true),
        ("signed", signedYAML, ["kind": "bonus", "amount": "-1230", "occurred_at": "2024-01-02 03:04:05"], true),
        ("codes", codesYAML(accented: false), ["amount": "12", "occurred_at": "1704164645"], true),
        // A code that is not ASCII: a canonically equivalent text could match it, so no byte reading.
        ("accented code", codesYAML(accented: true), ["amount": "12", "occurred_at": "1704164645"], false),
    ]

    /// Required columns, a code mapped to nothing (a required one: refused), epoch times.
    static func codesYAML(accented: Bool) -> String {
        WalletRowRulesTests.yaml
            .replacingOccurrences(of: "legacy_txn_id: { from: txn }", with: "legacy_txn_id: { from: txn, required: true }")
            .replacingOccurrences(of: "member: { from: user }", with: "member: { from: user, required: true }")
            .replacingOccurrences(
                of: "codes: { C: credit, W: withdrawal }",
                with: "required: true, codes: { C: credit, W: withdrawal, X: \"\"" + (accented ? ", \"\u{C4}\": credit }" : " }")
            )
            .replacingOccurrences(of: "format: iso8601, timezone: UTC", with: "format: epoch, timezone: UTC")
    }

    /// A batch of extract lines for `entity`: mostly usual rows, each field unusual now and then.
    private func lines(_ entity: EntityMapping, usual: [String: String], count: Int, seed: UInt64) -> [UInt8] {
        var numbers = SeededNumbers(seed: seed)
        func next(_ bound: Int) -> Int { numbers.next(below: bound) }
        func pick(_ field: String) -> String {
            let choices = Self.values[field] ?? ["x"]
            return next(8) == 0 ? choices[next(choices.count)] : usual[field] ?? choices[0]
        }
        var out: [UInt8] = []
        for _ in 0..<count {
            let reason = next(40) == 0 ? ["csv.unterminated_quote", "amount"] : ["\\N", "\\N"]
            var fields = [pick("_source"), pick("_line")] + reason
            for column in entity.columns {
                // The usual member is one the directory answers with the reference itself.
                fields.append(column.field == "member" && next(2) == 0 ? "eve" : pick(column.field))
            }
            out.append(contentsOf: fields.joined(separator: "\t").utf8)
            out.append(0x0A)
        }
        return out
    }

    @Test(arguments: 0..<6)
    func givesEveryBatchWhatTheStringRulesGive(mappingIndex: Int) throws {
        let (name, yaml, usual, readOnBytes) = Self.mappings[mappingIndex]
        let parsed = MappingLoader.parse(yaml: yaml)
        #expect(parsed.issues.isEmpty, "\(name): \(parsed.issues)")
        let ledger = try #require(parsed.mapping?.ledger)
        let (entity, sign) = (ledger.entries, ledger.rules.amountSign)
        for seed in UInt64(1)...6 {
            let batch = lines(entity, usual: usual, count: 3_000, seed: seed)
            let plain = LedgerCleanser.check(batch, entity: entity, sign: sign, directory: Self.directory)
            let strings = LedgerCleanser.check(batch, entity: entity, sign: sign, directory: Self.directory, plain: false)
            #expect(plain.rows == strings.rows)
            #expect(plain.accepted == strings.accepted, "\(name), seed \(seed)")
            #expect(plain.records.map(\.key) == strings.records.map(\.key))
            #expect(plain.records.map(\.payload) == strings.records.map(\.payload))
            #expect(plain.quarantine == strings.quarantine)
            #expect(plain.reasons == strings.reasons)
            #expect(plain.totals.figures == strings.totals.figures)
            #expect(plain.snapped == strings.snapped && plain.unvalued == strings.unvalued)

            // The comparison means something only if both kinds of row are there in numbers.
            let rules = WalletRowRules(entity: entity, sign: sign, directory: Self.directory)
            var (onBytes, accepted) = (0, strings.records.count)
            BatchLines.forEachLine(batch) { line, fields in
                if rules.applyPlain(line, fields: fields) != nil { onBytes += 1 }
            }
            if readOnBytes {
                #expect(onBytes > 300 && accepted - onBytes > 30, "\(name), seed \(seed): \(onBytes) of \(accepted) accepted on bytes")
            } else {
                #expect(onBytes == 0 && accepted > 300, "\(name), seed \(seed): \(onBytes) of \(accepted) accepted on bytes")
            }
        }
    }

    @Test func readsTheUsualRowAsItsOwnBytesAndMapsWhatTheRulesChange() throws {
        let ledger = try #require(WalletRowRulesTests.ledger)
        let rules = WalletRowRules(entity: ledger.entries, sign: ledger.rules.amountSign, directory: Self.directory)
        let text = "f.csv\t2\t\\N\t\\N\tT1\tann\tusd\tW\t1,234.5\t2024-01-02T03:04:05Z"
        var bytes = Array(text.utf8)
        let row = try bytes.withUnsafeMutableBufferPointer { buffer in
            var fields: [Range<Int>] = []
            CopyText.fieldRanges(UnsafeBufferPointer(buffer), into: &fields)
            return try #require(rules.applyPlain(UnsafeBufferPointer(buffer), fields: fields))
        }
        #expect(row.legacyTxnID == .bytes(14..<16))
        #expect(row.member == .text("1"))
        #expect(row.currency == "USD")
        #expect(row.kind == .text("withdrawal"))
        #expect(row.amountMinor == -123_450)
        #expect(row.occurredAt == 1_704_164_645_000_000)
        #expect(row.counterparty == .none && !row.snapped)
    }

    @Test func leavesToTheStringRulesEveryFieldTheyWouldChangeOrRefuse() throws {
        let ledger = try #require(WalletRowRulesTests.ledger)
        let rules = WalletRowRules(entity: ledger.entries, sign: ledger.rules.amountSign, directory: Self.directory)
        func plain(_ fields: [String]) -> Bool {
            var bytes = Array((["f.csv", "2"] + fields).joined(separator: "\t").utf8)
            return bytes.withUnsafeMutableBufferPointer { buffer in
                var ranges: [Range<Int>] = []
                CopyText.fieldRanges(UnsafeBufferPointer(buffer), into: &ranges)
                return rules.applyPlain(UnsafeBufferPointer(buffer), fields: ranges) != nil
            }
        }
        let usual = ["\\N", "\\N", "T1", "eve", "USD", "C", "5", "2024-01-02T03:04:05Z"]
        #expect(plain(usual))
        let unusual: [(Int, String)] = [
            (0, "csv.unterminated_quote"), (2, " T1"), (2, "T\\\\1"), (2, "T\u{E9}"), (2, "\\N"), (3, "carl"), (3, "dave"),
            (4, "XXQ"), (5, "X"), (6, "abc"), (6, "0.001"), (6, "-5"), (7, "2024-13-01T00:00:00Z"), (7, "1850-01-01T00:00:00Z"),
        ]
        for (place, value) in unusual {
            var fields = usual
            fields[place] = value
            #expect(!plain(fields), "\(place): \(value)")
        }
        #expect(!plain(Array(usual.dropLast())))
    }
}

import MLMMigrate
import Testing

@Suite struct WalletDirectionTests {
    static let yaml = """
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
              currency: { value: INR }
              kind: { from: amount_type, codes: { bonus: commission, transfer: transfer, payout: withdrawal } }
              direction: { from: type, codes: { credit: credit, debit: debit } }
              amount: { from: amount, type: money }
              occurred_at: { from: at, type: timestamp, format: iso8601, timezone: UTC }
            ledger:
              amount_sign: by_direction
        """

    private func entry(kind: String = "transfer", direction: String?, amount: String = "12.30") throws -> WalletRow {
        let result = MappingLoader.parse(yaml: Self.yaml)
        #expect(result.issues.isEmpty, "\(result.issues)")
        let ledger = try #require(result.mapping?.ledger)
        let rules = WalletRowRules(entity: ledger.entries, sign: ledger.rules.amountSign, directory: MemberDirectory(accepted: ["7": "7"], known: []))
        let currency = ledger.entries.column("currency")?.sourceValue(nil)
        return rules.apply(["f.csv", "2", nil, nil, "T1", "7", currency, kind, direction, amount, "2024-01-02T03:04:05Z"])
    }

    @Test func signsTheAmountByItsOwnDirectionColumnWhateverTheKind() throws {
        #expect(try entry(direction: "credit").amountMinor == 1230)
        #expect(try entry(direction: "debit").amountMinor == -1230)
        #expect(try entry(kind: "bonus", direction: "debit").amountMinor == -1230)
        #expect(try entry(direction: "credit").currency == "INR")
    }

    @Test func quarantinesAMissingDirectionAndANegativeMagnitude() throws {
        #expect(try entry(direction: nil).rejection?.reason == .requiredMissing)
        #expect(try entry(direction: "refund").rejection?.reason == .unknownCode)
        #expect(try entry(direction: "credit", amount: "-1").rejection?.reason == .unexpectedSign)
    }

    @Test func refusesByDirectionWithoutADirectionColumnAndADirectionColumnUnderAnotherRule() {
        let noColumn = Self.yaml.replacingOccurrences(of: "      direction: { from: type, codes: { credit: credit, debit: debit } }\n", with: "")
        #expect(MappingLoader.parse(yaml: noColumn).issues.contains { $0.message.contains("needs a direction column") })
        let oddCode = Self.yaml.replacingOccurrences(of: "debit: debit }", with: "debit: refund }")
        #expect(MappingLoader.parse(yaml: oddCode).issues.contains { $0.message.contains("not 'refund'") })
        let signed = Self.yaml.replacingOccurrences(of: "amount_sign: by_direction", with: "amount_sign: signed")
        #expect(MappingLoader.parse(yaml: signed).issues.contains { $0.message.contains("use amount_sign: by_direction") })
    }
}

/// `counterparty`: the other member of a transfer, resolved like `member`.
@Suite struct WalletCounterpartyTests {
    static let yaml = WalletDirectionTests.yaml.replacingOccurrences(
        of: "      amount: { from: amount, type: money }\n",
        with: "      amount: { from: amount, type: money }\n      counterparty: { from: from_id, null_values: [\"0\"] }\n"
    )

    private func entry(counterparty: String?) throws -> WalletRow {
        let result = MappingLoader.parse(yaml: Self.yaml)
        #expect(result.issues.isEmpty, "\(result.issues)")
        let ledger = try #require(result.mapping?.ledger)
        let directory = MemberDirectory(accepted: ["7": "7", "8": "8"], known: ["9"])
        let rules = WalletRowRules(entity: ledger.entries, sign: ledger.rules.amountSign, directory: directory)
        let value = ledger.entries.column("counterparty")?.sourceValue(counterparty)
        return rules.apply(["f.csv", "2", nil, nil, "T1", "7", "INR", "transfer", "debit", "5", value, "2024-01-02T03:04:05Z"])
    }

    @Test func resolvesTheCounterpartyAndQuarantinesAnUnknownOrQuarantinedOne() throws {
        #expect(try entry(counterparty: "8").counterpartyLegacyID == "8")
        #expect(try entry(counterparty: "8").rejection == nil)
        #expect(try entry(counterparty: "0").counterpartyLegacyID == nil)
        #expect(try entry(counterparty: "0").rejection == nil)
        #expect(try entry(counterparty: "9").rejection?.reason == .counterpartyQuarantined)
        #expect(try entry(counterparty: "42").rejection?.reason == .unknownCounterparty)
        #expect(try entry(counterparty: "42").rejection?.column == "counterparty")
    }
}

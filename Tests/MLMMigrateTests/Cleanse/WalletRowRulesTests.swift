import Foundation
import MLMMigrate
import Testing

@Suite struct WalletRowRulesTests {
    static let yaml = """
        version: 1
        vendor: test
        entities:
          members:
            source: { format: csv }
            columns:
              legacy_id: { from: id }
              username: { from: user }
            genealogy: {}
          wallet_entries:
            source: { format: csv }
            columns:
              legacy_txn_id: { from: txn }
              member: { from: user }
              currency: { from: ccy }
              kind: { from: type, codes: { C: credit, W: withdrawal } }
              amount: { from: amount, type: money, thousands_separator: "," }
              occurred_at: { from: at, type: timestamp, format: iso8601, timezone: UTC }
            ledger:
              member_key: username
              amount_sign: by_kind
              debit_kinds: [withdrawal]
          wallet_balances:
            source: { format: csv }
            columns:
              member: { from: user }
              currency: { from: ccy }
              balance: { from: balance, type: minor_units }
        """

    static let ledger: LedgerMapping? = MappingLoader.parse(yaml: yaml).mapping?.ledger
    static let directory = MemberDirectory(accepted: ["ann": "1", "bob": "2"], known: ["carl"])

    private func entry(txn: String? = "T1", user: String? = "ann", currency: String? = "USD", type: String? = "C", amount: String? = "12.30", at: String? = "2024-01-02T03:04:05Z") throws -> WalletRow {
        let mapping = try #require(Self.ledger)
        let rules = WalletRowRules(entity: mapping.entries, sign: mapping.rules.amountSign, directory: Self.directory)
        return rules.apply(["f.csv", "2", nil, nil, txn, user, currency, type, amount, at])
    }

    @Test func loadsTheLedgerMapping() throws {
        let issues = MappingLoader.parse(yaml: Self.yaml).issues
        #expect(issues.isEmpty, "\(issues)")
        #expect(Self.ledger?.rules.memberKey == .username)
    }

    @Test func acceptsACreditAndResolvesTheMember() throws {
        let row = try entry()
        #expect(row.rejection == nil)
        #expect(row.amountMinor == 1230)
        #expect(row.memberLegacyID == "1")
        #expect(row.occurredAt == 1_704_164_645_000_000)
    }

    @Test func countsASnappedAmountEvenWhenItsSignIsRefused() throws {
        let refused = try entry(amount: "-10.199999999999999")
        #expect(refused.rejection?.reason == .unexpectedSign && refused.snapped)
        #expect(try entry(amount: "10.199999999999999").snapped)
        #expect(try !entry(amount: "-10.19").snapped)
    }

    @Test func negatesDebitKindsAndKeepsZero() throws {
        #expect(try entry(type: "W", amount: "5").amountMinor == -500)
        #expect(try entry(amount: "0").amountMinor == 0)
    }

    @Test func oneInstanceGivesEveryRowWhatAFreshOneWould() throws {
        let mapping = try #require(Self.ledger)
        let shared = WalletRowRules(entity: mapping.entries, sign: mapping.rules.amountSign, directory: Self.directory)
        // More distinct currencies than the instance keeps answers for, unknown ones among them,
        // each coming back after others, and the kinds alternating between credit and debit.
        let currencies = ["USD", "JPY", "BHD", "EUR", "XXQ", "INR", "GBP", "KWD", "CLP", "CHF", "SEK", "NOK",
                          "DKK", "PLN", "CZK", "HUF", "ZZZ", "AUD", "CAD", "NZD", "usd", "jpy"]
        for round in 0..<3 {
            for (index, currency) in currencies.enumerated() {
                let raw: [String?] = ["f.csv", "2", nil, nil, "T\(index)", "ann", currency, index % 2 == 0 ? "C" : "W", "\(round + index).5", "2024-01-02T03:04:05Z"]
                let fresh = WalletRowRules(entity: mapping.entries, sign: mapping.rules.amountSign, directory: Self.directory)
                #expect(shared.apply(raw) == fresh.apply(raw), "\(currency), round \(round)")
            }
        }
    }

    @Test func readsDeclaredThousandsSeparatorsAndExponents() throws {
        #expect(try entry(amount: "1,234.50").amountMinor == 123_450)
        #expect(try entry(amount: "1e2").amountMinor == 10_000)
        #expect(try entry(amount: "1,23.4").rejection?.reason == .unparseableAmount)
    }

    @Test func snapsFloatArtefactsButRejectsRealSubMinorDigits() throws {
        let snapped = try entry(amount: "10.199999999999999")
        #expect(snapped.amountMinor == 1020 && snapped.snapped)
        #expect(try entry(amount: "10.005").rejection?.reason == .subMinorAmount)
        #expect(try entry(currency: "JPY", amount: "1.5").rejection?.reason == .subMinorAmount)
        #expect(try entry(currency: "KWD", amount: "1.005").amountMinor == 1005)
    }

    @Test func rejectsANegativeMagnitudeUnderByKindSigns() throws {
        let row = try entry(type: "W", amount: "-5")
        #expect(row.rejection?.reason == .unexpectedSign)
        #expect(row.amountMinor == nil)
    }

    @Test func normalisesCurrencyCaseAndRejectsUnknownCurrencies() throws {
        #expect(try entry(currency: " usd ").currency == "USD")
        let unknown = try entry(currency: "XYZ")
        #expect(unknown.rejection == Rejection(.unknownCurrency, column: "currency"))
        #expect(unknown.amountMinor == nil)
    }

    @Test func tellsUnknownMembersFromQuarantinedOnes() throws {
        let quarantined = try entry(user: "carl")
        #expect(quarantined.rejection == Rejection(.memberQuarantined, column: "member"))
        #expect(quarantined.amountMinor == 1230, "a quarantined row keeps its value for the control totals")
        #expect(try entry(user: "nobody").rejection?.reason == .unknownMember)
    }

    @Test func appliesFieldRulesFirst() throws {
        #expect(try entry(at: "yesterday").rejection == Rejection(.unparseableTimestamp, column: "occurred_at"))
        #expect(try entry(type: "X").rejection == Rejection(.unknownCode, column: "kind"))
        #expect(try entry(type: "X").amountMinor == nil, "an unknown kind leaves the sign, so the value, unknown")
        #expect(try entry(amount: "  ").rejection == Rejection(.requiredMissing, column: "amount"))
        #expect(try entry(txn: nil).rejection == Rejection(.requiredMissing, column: "legacy_txn_id"))
    }

    @Test func readsIntegerMinorUnitsForBalances() throws {
        let mapping = try #require(Self.ledger?.balances)
        let rules = WalletRowRules(entity: mapping, sign: .signed, directory: Self.directory)
        #expect(rules.apply(["b.csv", "2", nil, nil, "bob", "EUR", "-1234"]).amountMinor == -1234)
        #expect(rules.apply(["b.csv", "3", nil, nil, "bob", "EUR", "12.5"]).rejection?.reason == .subMinorAmount)
        #expect(rules.apply(["b.csv", "4", nil, nil, "bob", "EUR", "99999999999999999999"]).rejection?.reason == .amountOutOfRange)
    }

    @Test func keepsTheExtractReasonOfAnUnreadableRecord() throws {
        let mapping = try #require(Self.ledger)
        let rules = WalletRowRules(entity: mapping.entries, sign: mapping.rules.amountSign, directory: Self.directory)
        #expect(rules.apply(["f.csv", "9", "extract.column_count", nil, nil, nil, nil, nil, nil, nil]).rejection?.reason == .columnCount)
    }

    @Test func mappingRejectsLedgerMistakes() {
        let noDebits = Self.yaml.replacingOccurrences(of: "      debit_kinds: [withdrawal]\n", with: "")
        #expect(MappingLoader.parse(yaml: noDebits).issues.contains { $0.path == "entities.wallet_entries.ledger.debit_kinds" })
        let textAmount = Self.yaml.replacingOccurrences(of: "type: money, thousands_separator: \",\"", with: "type: text")
        #expect(MappingLoader.parse(yaml: textAmount).issues.contains { $0.path == "entities.wallet_entries.columns.amount.type" })
        let unknownDebit = Self.yaml.replacingOccurrences(of: "[withdrawal]", with: "[refund]")
        #expect(MappingLoader.parse(yaml: unknownDebit).issues.contains { $0.message.contains("refund") })
        let orphanBalances = Self.yaml.replacingOccurrences(of: "  wallet_entries:", with: "  wallet_entriez:")
        #expect(MappingLoader.parse(yaml: orphanBalances).issues.contains { $0.path == "entities.wallet_balances" || $0.path == "entities.wallet_entriez" })
    }
}

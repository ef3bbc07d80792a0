@testable import MLMMigrate
import Testing

/// `CommissionRowRules.apply` on one order or payout row: volumes at the plan's scale, amounts in
/// their currency's minor units, the extract reason carried over, the member reference resolved.
@Suite struct CommissionRowRulesTests {
    /// Orders keyed by username; payouts with and without a currency column.
    static let yaml = CommissionMappingYAML.membersAndOrders + """
          payouts:
            source: { format: csv }
            columns:
              member:     { from: user_id }
              bonus_type: { from: bonus, codes: { BIN: binary, LVL: unilevel } }
              amount:     { from: amount, type: money }
              currency:   { from: ccy }
        commission_period: { id: "2026-11" }
        commission_plan:
          currency: USD
          currency_exponent: 2
          volume_scale: 3
          period: { kind: calendar_month, timezone: UTC, counted_statuses: [confirmed] }
          unilevel: { percents: ["5"], active_pv: "40", compression: none }
          rounding: { mode: half_up, at: line }
        """

    static let mapping: CommissionDataMapping? = MappingLoader.parse(yaml: yaml).mapping?.commission
    /// ann (legacy id 1) and bob (2) were accepted; carl is in the export but was quarantined.
    static let byUsername = MemberDirectory(accepted: ["ann": "1", "bob": "2"], known: ["carl"])
    static let byLegacyID = MemberDirectory(accepted: ["1": "1", "2": "2"], known: ["3"])
    static let orderReasons = CommissionRowRules.MemberReasons(
        unknown: .orderUnknownMember, quarantined: .orderMemberQuarantined
    )
    static let payoutReasons = CommissionRowRules.MemberReasons(
        unknown: .payoutUnknownMember, quarantined: .payoutMemberQuarantined
    )

    private func order(
        member: String? = "ann", at: String? = "2026-11-02T10:00:00Z", bv: String? = "1", pv: String? = "1",
        scale: Int = 3, reason: String? = nil
    ) throws -> CommissionRow {
        let orders = try #require(Self.mapping?.orders)
        let rules = CommissionRowRules(
            entity: orders, volumeScale: scale, defaultCurrency: "USD", directory: Self.byUsername,
            memberReasons: Self.orderReasons
        )
        return rules.apply(["o.csv", "7", reason, nil, "A1", member, at, "confirmed", bv, pv])
    }

    private func payout(
        member: String? = "1", amount: String? = "12.30", currency: String?? = "USD",
        defaultCurrency: String = "USD"
    ) throws -> CommissionRow {
        var payouts = try #require(Self.mapping?.payouts)
        var raw: [String?] = ["p.csv", "2", nil, nil, member, "BIN", amount]
        if case .some(let currency) = currency {
            raw.append(currency)
        } else {
            payouts.columns.removeAll { $0.field == "currency" }
        }
        let rules = CommissionRowRules(
            entity: payouts, volumeScale: 3, defaultCurrency: defaultCurrency, directory: Self.byLegacyID,
            memberReasons: Self.payoutReasons
        )
        return rules.apply(raw)
    }

    @Test func loadsTheTestMapping() {
        let issues = MappingLoader.parse(yaml: Self.yaml).issues
        #expect(issues.isEmpty, "\(issues)")
        #expect(Self.mapping?.memberKeys["orders"] == .username)
    }

    // MARK: Volumes

    @Test func readsAVolumeExactlyAtThePlansVolumeScale() throws {
        // 12.345 BV at scale 3 is 12345 units; 0.5 PV is 500.
        let row = try order(bv: "12.345", pv: "0.5")
        #expect(row.rejection == nil)
        #expect(row.integer("bv") == 12_345)
        #expect(row.integer("pv") == 500)
        #expect(row.values["bv"] == "12345")
        #expect(!row.snapped)
    }

    @Test func readsTheSameTextAtAnotherScale() throws {
        // 12.3 BV at scale 0 has a digit below the unit; at scale 2 it is 1230 units.
        #expect(try order(bv: "12.3", scale: 2).integer("bv") == 1230)
        #expect(try order(bv: "12.3", scale: 0).rejection?.reason == .subUnitVolume)
    }

    @Test func rejectsVolumeDigitsBelowTheScale() throws {
        // 12.3456 at scale 3 leaves 0.6 of a unit: a real digit, not a float artefact.
        let row = try order(bv: "12.3456")
        #expect(row.rejection?.reason == .subUnitVolume)
        #expect(row.rejection?.reason.rawValue == "commission.sub_unit_volume")
        #expect(row.rejection?.column == "bv")
        #expect(row.integer("bv") == nil)
    }

    @Test func snapsAFloatArtefactToTheNearestUnit() throws {
        // 10.199999999999999 at scale 2 is 1019.9999999999999 units, 1e-13 from 1020.
        let row = try order(bv: "10.199999999999999", scale: 2)
        #expect(row.rejection == nil)
        #expect(row.integer("bv") == 1020)
        #expect(row.snapped)
    }

    @Test func rejectsAVolumeThatIsNotANumber() throws {
        let row = try order(pv: "abc")
        #expect(row.rejection?.reason.rawValue == "commission.unparseable_volume")
        #expect(row.rejection?.column == "pv")
    }

    @Test func rejectsANegativeVolumeButAcceptsZero() throws {
        let negative = try order(bv: "-1")
        #expect(negative.rejection?.reason.rawValue == "commission.negative_volume")
        #expect(negative.rejection?.column == "bv")
        #expect(try order(bv: "0", pv: "0.000").rejection == nil)
    }

    @Test func reportsTheFirstVolumeFailureInFieldNameOrder() throws {
        // bv sorts before pv, so bv's reason is the row's.
        let row = try order(bv: "abc", pv: "-1")
        #expect(row.rejection?.reason == .unparseableVolume)
        #expect(row.rejection?.column == "bv")
    }

    // MARK: Amounts

    @Test func readsAnAmountInItsCurrencysMinorUnits() throws {
        // 12.30 USD is 1230 cents; 1500 JPY is 1500 yen (no decimals); 1.005 KWD is 1005 fils.
        #expect(try payout(amount: "12.30").integer("amount") == 1230)
        #expect(try payout(amount: "1500", currency: "JPY").integer("amount") == 1500)
        #expect(try payout(amount: "1.005", currency: "KWD").integer("amount") == 1005)
        #expect(try payout(amount: "1.5", currency: "JPY").rejection?.reason == .subMinorAmount)
    }

    @Test func uppercasesTheCurrencyCode() throws {
        let row = try payout(amount: "2", currency: "usd")
        #expect(row.values["currency"] == "USD")
        #expect(row.integer("amount") == 200)
    }

    @Test func takesThePlanCurrencyWhenTheMappingHasNoCurrencyColumn() throws {
        // Without a currency column the amount is in the plan's currency: 7.5 USD is 750 cents.
        let usd = try payout(amount: "7.5", currency: .none)
        #expect(usd.values["currency"] == "USD")
        #expect(usd.integer("amount") == 750)
        // A JPY plan: 750 yen is 750, and 7.5 yen has a digit below the yen.
        #expect(try payout(amount: "750", currency: .none, defaultCurrency: "JPY").integer("amount") == 750)
        let subYen = try payout(amount: "7.5", currency: .none, defaultCurrency: "JPY")
        #expect(subYen.rejection?.reason == .subMinorAmount)
    }

    @Test func takesThePlanCurrencyWhenTheCurrencyCellIsBlank() throws {
        let row = try payout(amount: "1", currency: "  ")
        #expect(row.values["currency"] == "USD")
        #expect(row.integer("amount") == 100)
    }

    @Test func rejectsAnUnknownCurrency() throws {
        let row = try payout(amount: "1.00", currency: "XYZ")
        #expect(row.rejection?.reason.rawValue == "ledger.unknown_currency")
        #expect(row.rejection?.column == "currency")
        #expect(row.integer("amount") == nil)
    }

    @Test func rejectsAnAmountThatIsNotANumber() throws {
        #expect(try payout(amount: "12,30").rejection?.reason == .unparseableAmount)
    }

    // MARK: Extract reason, field rules and member

    @Test func carriesTheExtractReasonOver() throws {
        let row = try order(member: "nobody", bv: "abc", reason: "extract.column_count")
        #expect(row.rejection?.reason == .columnCount)
        #expect(row.header.line == "7")
        #expect(row.values.isEmpty, "a row Extract could not read is not cleansed further")
    }

    @Test func appliesTheFieldRulesBeforeTheVolumesAndTheMember() throws {
        // ordered_at is unreadable and the member unknown: the field rule is the first failure.
        let row = try order(member: "nobody", at: "yesterday")
        #expect(row.rejection?.reason == .unparseableTimestamp)
        #expect(row.rejection?.column == "ordered_at")
        #expect(try order(member: nil).rejection?.reason == .requiredMissing)
    }

    @Test func readsTheOrderTimeAsUTCMicroseconds() throws {
        // 2026-11-02T10:00:00Z: 2026-11-01T00:00Z is 1_793_491_200 s (20758 days), plus 1 day 10 h.
        let row = try order(at: "2026-11-02T10:00:00Z")
        let expected: Int64 = (1_793_491_200 + 86_400 + 36_000) * 1_000_000
        #expect(row.times["ordered_at"] == expected)
    }

    @Test func resolvesTheMemberReferenceToItsLegacyID() throws {
        let row = try order(member: "bob")
        #expect(row.rejection == nil)
        #expect(row.values["member"] == "2")
    }

    @Test func rejectsAnUnknownMemberWithTheEntitysReason() throws {
        let row = try order(member: "zed")
        #expect(row.rejection?.reason.rawValue == "order.unknown_member")
        #expect(row.rejection?.column == "member")
        #expect(try payout(member: "99").rejection?.reason.rawValue == "payout.unknown_member")
    }

    @Test func rejectsAQuarantinedMemberWithTheEntitysReason() throws {
        #expect(try order(member: "carl").rejection?.reason.rawValue == "order.member_quarantined")
        #expect(try payout(member: "3").rejection?.reason.rawValue == "payout.member_quarantined")
    }

    @Test func leavesTheMemberAsWrittenWithoutADirectory() throws {
        let orders = try #require(Self.mapping?.orders)
        let rules = CommissionRowRules(
            entity: orders, volumeScale: 3, defaultCurrency: "USD", directory: nil, memberReasons: nil
        )
        let at = "2026-11-02T10:00:00Z"
        let row = rules.apply(["o.csv", "2", nil, nil, "A1", "zed", at, "confirmed", "1", "1"])
        #expect(row.rejection == nil)
        #expect(row.values["member"] == "zed")
    }
}

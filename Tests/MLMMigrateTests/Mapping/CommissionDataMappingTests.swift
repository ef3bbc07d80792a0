@testable import MLMMigrate
import Testing

/// The commission entities of a mapping (`MappingLoader+CommissionData`): a full valid mapping,
/// then each mistake named by its YAML path.
@Suite struct CommissionDataMappingTests {
    static let entities = CommissionMappingYAML.membersAndOrders + """
          carry_forward:
            source: { format: csv }
            columns:
              member: { from: user_id }
            legs: { left: l_cf, right: r_cf }
          closing_carry_forward:
            source: { format: csv }
            columns:
              member: { from: user_id }
              leg:    { from: leg }
              volume: { from: cf, type: volume }
          rank_history:
            source: { format: csv }
            columns:
              member:        { from: member }
              rank:          { from: rank }
              previous_rank: { from: previous_rank }
              achieved_at:   { from: achieved, type: timestamp, format: iso8601, timezone: UTC }
          payouts:
            source: { format: csv }
            columns:
              member:     { from: user_id }
              bonus_type: { from: bonus }
              amount:     { from: amount, type: money }
              currency:   { from: ccy }

        """
    static let period = "commission_period: { id: \"2026-11\" }\n"
    static let ranks = "ranks: [Bronze, { rank: S, name: Silver }]\n"
    static let plan = """
        commission_plan:
          currency: USD
          currency_exponent: 2
          volume_scale: 2
          period: { kind: calendar_month, timezone: UTC, counted_statuses: [confirmed] }
          unilevel: { percents: ["5"], active_pv: "40", compression: none }
          rounding: { mode: half_up, at: line }

        """
    static let full = entities + period + ranks + plan
    static let ranksEntity = """
          ranks:
            source: { format: csv }
            columns:
              rank:       { from: code }
              sort_order: { from: position }

        """

    @Test func readsAFullCommissionMapping() throws {
        let result = MappingLoader.parse(yaml: Self.full)
        #expect(result.issues.isEmpty, "\(result.issues)")
        let data = try #require(result.mapping?.commission)
        #expect(data.period == .init(id: "2026-11", startsAtMicros: nil, endsAtMicros: nil))
        #expect(data.memberKeys == ["orders": .username], "member_key is recorded only where given")
        #expect(data.declaredRanks == [
            .init(rank: "Bronze", name: "Bronze"), .init(rank: "S", name: "Silver"),
        ])
        #expect(data.ranks == nil)
        #expect(data.orders?.columns.map(\.field) == CommissionDataMapping.orderFields)
        #expect(data.orders?.columns.allSatisfy(\.required) == true, "every order field is required")
        #expect(data.rankHistory?.columns.first { $0.field == "previous_rank" }?.required == false)
        #expect(data.payouts?.columns.first { $0.field == "currency" }?.required == false)
    }

    @Test func readsTheWideCarryFormAsOneVolumeFieldPerLeg() throws {
        let data = try #require(MappingLoader.parse(yaml: Self.full).mapping?.commission)
        let opening = try #require(data.openingCarry)
        #expect(opening.legColumns.map(\.leg) == ["left", "right"])
        #expect(opening.legColumns.map(\.field) == ["volume:left", "volume:right"])
        #expect(opening.entity.columns.map(\.field) == ["member", "volume:left", "volume:right"])
        #expect(opening.entity.columns.map(\.from) == ["user_id", "l_cf", "r_cf"])
        #expect(data.closingCarry?.legColumns.isEmpty == true, "the long form has leg and volume columns")
        #expect(data.closingCarry?.entity.columns.map(\.field) == ["member", "leg", "volume"])
    }

    @Test func readsExplicitBoundsAsUTCMicroseconds() throws {
        let yaml = Self.full.replacingOccurrences(of: Self.period, with: Self.bounds(
            "starts_at: \"2026-11-01T00:00:00Z\", ends_at: \"2026-11-15T00:00:00Z\""
        ))
        let result = MappingLoader.parse(yaml: yaml)
        #expect(result.issues.isEmpty, "\(result.issues)")
        // 2026-11-01T00:00Z is 1_793_491_200 s (20758 days); 14 days later is 1_794_700_800 s.
        #expect(result.mapping?.commission?.period == .init(
            id: "P-47", startsAtMicros: 1_793_491_200_000_000, endsAtMicros: 1_794_700_800_000_000
        ))
    }

    @Test func acceptsAnAmountInMinorUnits() {
        let yaml = Self.full.replacingOccurrences(
            of: "{ from: amount, type: money }", with: "{ from: amount, type: minor_units }"
        )
        #expect(MappingLoader.parse(yaml: yaml).issues.isEmpty)
    }

    @Test func refusesACommissionPeriodWithoutACommissionEntity() {
        let yaml = "version: 1\nvendor: test\nentities:\n  members:\n    source: { format: csv }\n"
            + "    columns: { legacy_id: { from: id } }\n    genealogy: {}\n" + Self.period
        let result = MappingLoader.parse(yaml: yaml)
        #expect(result.issues.map(\.path) == ["commission_period"])
    }

    /// Replace `replace` with `with` in the full mapping: an issue is reported at `path`.
    struct Mistake: Sendable, CustomTestStringConvertible {
        var replace: String
        var with: String
        var path: String
        var testDescription: String { "\(path) (\(with.prefix(40)))" }

        init(_ replace: String, _ with: String, at path: String) {
            self.replace = replace
            self.with = with
            self.path = path
        }
    }

    /// An explicit period P-47 with `keys` for its bounds.
    static func bounds(_ keys: String) -> String { "commission_period: { id: P-47, \(keys) }\n" }

    static let mistakes = [
        Mistake(plan, "", at: "commission_plan"),
        Mistake(period, "", at: "commission_period"),
        Mistake(period, "commission_period: {}\n", at: "commission_period.id"),
        Mistake(
            period, "commission_period: { starts_at: \"2026-11-01T00:00:00Z\" }\n", at: "commission_period.id"
        ),
        Mistake(period, bounds("starts_at: \"2026-11-01T00:00:00Z\""), at: "commission_period.ends_at"),
        Mistake(period, bounds("ends_at: \"2026-11-15T00:00:00Z\""), at: "commission_period.starts_at"),
        Mistake(
            period, bounds("starts_at: \"2026-11-15T00:00:00Z\", ends_at: \"2026-11-01T00:00:00Z\""),
            at: "commission_period.ends_at"
        ),
        Mistake(
            period, bounds("starts_at: \"2026-11-01T00:00:00Z\", ends_at: \"2026-11-01T00:00:00Z\""),
            at: "commission_period.ends_at"
        ),
        Mistake(
            period, bounds("starts_at: \"01/11/2026\", ends_at: \"2026-11-15T00:00:00Z\""),
            at: "commission_period.starts_at"
        ),
        Mistake(period, "commission_period: { id: \"2026-11\", name: Nov }\n", at: "commission_period.name"),
        Mistake("{ from: bv, type: volume }", "{ from: bv }", at: "entities.orders.columns.bv.type"),
        Mistake("{ from: bv, type: volume }", "{ from: bv, type: money }", at: "entities.orders.columns.bv.type"),
        Mistake(
            "{ from: amount, type: money }", "{ from: amount, type: volume }", at: "entities.payouts.columns.amount.type"
        ),
        Mistake(
            "{ from: pv, type: volume }", "{ from: pv, type: text }", at: "entities.orders.columns.pv.type"
        ),
        Mistake(
            "{ from: cf, type: volume }", "{ from: cf }",
            at: "entities.closing_carry_forward.columns.volume.type"
        ),
        Mistake(
            "{ from: amount, type: money }", "{ from: amount }", at: "entities.payouts.columns.amount.type"
        ),
        Mistake(
            "{ from: at, type: timestamp, format: iso8601, timezone: UTC }", "{ from: at }",
            at: "entities.orders.columns.ordered_at.type"
        ),
        Mistake(
            "{ from: achieved, type: timestamp, format: iso8601, timezone: UTC }",
            "{ from: achieved, type: text }", at: "entities.rank_history.columns.achieved_at.type"
        ),
        Mistake(
            "{ from: status }", "{ from: status, type: volume }", at: "entities.orders.columns.status.type"
        ),
        Mistake(ranks, "", at: "ranks"),
        Mistake("  rank_history:\n", ranksEntity + "  rank_history:\n", at: "ranks"),
        Mistake(ranks, "ranks: [Bronze, Bronze]\n", at: "ranks"),
        Mistake(ranks, "ranks: Bronze\n", at: "ranks"),
        Mistake(ranks, "ranks: [{ name: Silver }]\n", at: "ranks[0].rank"),
        Mistake("legs: { left: l_cf, right: r_cf }", "legs: [l_cf, r_cf]", at: "entities.carry_forward.legs"),
        Mistake("legs: { left: l_cf, right: r_cf }", "legs: {}", at: "entities.carry_forward.legs"),
        Mistake("member_key: username", "member_key: email", at: "entities.orders.member_key"),
        Mistake("      pv:         { from: pv, type: volume }\n", "", at: "entities.orders.columns.pv"),
        Mistake("      leg:    { from: leg }\n", "", at: "entities.closing_carry_forward.columns.leg"),
        Mistake("      order_id:", "      order_ref:", at: "entities.orders.columns.order_ref"),
        Mistake(
            "      currency:   { from: ccy }\n",
            "      currency:   { from: ccy }\n      iban: { from: iban, pii: true }\n",
            at: "entities.payouts.columns.iban"
        ),
    ]

    @Test(arguments: mistakes)
    func namesEachMistakeByItsYAMLPath(_ mistake: Mistake) {
        #expect(Self.full.contains(mistake.replace), "the mistake must change the mapping")
        let yaml = Self.full.replacingOccurrences(of: mistake.replace, with: mistake.with)
        let result = MappingLoader.parse(yaml: yaml)
        #expect(result.issues.map(\.path).contains(mistake.path), "\(result.issues)")
        #expect(result.mapping == nil, "a mapping with an issue is not returned")
    }

    @Test func givesTheLineOfTheMistake() throws {
        let yaml = Self.full.replacingOccurrences(of: "member_key: username", with: "member_key: email")
        let issue = try #require(MappingLoader.parse(yaml: yaml).issues.first)
        // `member_key:` is on line 12 of the mapping (version is line 1).
        #expect(issue.path == "entities.orders.member_key")
        #expect(issue.line == 12)
    }
}

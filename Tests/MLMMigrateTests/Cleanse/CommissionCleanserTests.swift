import Logging
@testable import MLMMigrate
import Testing

/// `CommissionCleanser` on small hand-written extract files in a temporary work directory.
///
/// Members: ann (legacy id 1, the root) and bob (2, left of ann) were accepted; carl (3) is in
/// the export but was quarantined. Orders name members by username, every other entity by
/// legacy id. The plan: USD, volume_scale 2, calendar months in Asia/Kolkata (UTC+5:30).
@Suite struct CommissionCleanserTests {
    static let orders = """
          orders:
            source: { format: csv }
            member_key: username
            columns:
              order_id:   { from: order_no }
              member:     { from: member }
              ordered_at: { from: at, type: timestamp, format: "Y-m-d H:i:s", timezone: Asia/Kolkata }
              status:     { from: status }
              bv:         { from: bv, type: volume }
              pv:         { from: pv, type: volume }
        """
    static func wideCarry(_ legs: String = "{ left: l_cf, right: r_cf }") -> String {
        "  carry_forward:\n    source: { format: csv }\n"
            + "    columns:\n      member: { from: user_id }\n    legs: \(legs)"
    }
    static let longClosingCarry = """
          closing_carry_forward:
            source: { format: csv }
            columns:
              member: { from: user_id }
              leg:    { from: leg }
              volume: { from: cf, type: volume }
        """
    static let ranks = """
          ranks:
            source: { format: csv }
            columns:
              rank:       { from: code }
              name:       { from: title }
              sort_order: { from: position }
        """
    static let rankHistory = """
          rank_history:
            source: { format: csv }
            columns:
              member:        { from: member }
              rank:          { from: rank }
              previous_rank: { from: previous_rank }
              achieved_at:   { from: achieved, type: timestamp, format: iso8601, timezone: UTC }
        """
    static let payouts = """
          payouts:
            source: { format: csv }
            columns:
              member:     { from: user_id }
              bonus_type: { from: bonus, codes: { BIN: binary, LVL: unilevel } }
              amount:     { from: amount, type: money }
              currency:   { from: ccy }
        """
    static let declaredRanks = "ranks: [Bronze, Silver, Gold]"

    static func yaml(_ blocks: [String], top: String = "") -> String {
        """
        version: 1
        vendor: test
        entities:
          members:
            source: { format: csv }
            columns:
              legacy_id:     { from: id }
              username:      { from: user }
              placement:     { from: parent }
              placement_leg: { from: leg, codes: { L: left, R: right } }
            genealogy: { legs: [left, right] }
        \(blocks.joined(separator: "\n"))
        \(top)
        commission_period: { id: "2026-11" }
        commission_plan:
          currency: USD
          currency_exponent: 2
          volume_scale: 2
          period: { kind: calendar_month, timezone: Asia/Kolkata, counted_statuses: [confirmed] }
          unilevel: { percents: ["5"], active_pv: "40", compression: none }
          rounding: { mode: half_up, at: line }
        """
    }

    /// What one Cleanse run left behind; keeps its temporary directory alive.
    struct Cleansed {
        let directory: TemporaryDirectory
        let work: WorkDirectory
        let summary: CommissionCleanseSummary

        func rows(_ file: StageFile) throws -> [[String?]] {
            let reader = try StageFileReader(path: work.path(file))
            var rows: [[String?]] = []
            while let row = try reader.next() { rows.append(row) }
            return rows
        }

        /// `cleanse/commission_quarantine.tsv` as `entity:line reason`.
        func quarantined() throws -> [String] {
            try rows(.cleanseCommissionQuarantine).map { "\($0[0] ?? ""):\($0[2] ?? "") \($0[4] ?? "")" }
        }
    }

    /// Writes the member stage files and one extract file per mapped entity (`extracts` rows
    /// without bookkeeping; line numbers count from 2), then runs the commission Cleanse.
    func cleanse(
        _ blocks: [String], top: String = "", extracts: [StageFile: [[String?]]]
    ) throws -> Cleansed {
        let parsed = MappingLoader.parse(yaml: Self.yaml(blocks, top: top))
        #expect(parsed.issues.isEmpty, "\(parsed.issues)")
        let mapping = try #require(parsed.mapping)
        let data = try #require(mapping.commission)
        let plan = try #require(mapping.commissionPlan)
        let calendar = try #require(PeriodCalendar(plan: plan.period, closed: data.period))
        let directory = try TemporaryDirectory()
        let work = try WorkDirectory(path: directory.path)
        func write(_ file: StageFile, _ columns: [String], _ rows: [[String?]]) throws {
            let writer = try StageFileWriter(path: work.path(file), columns: columns)
            for row in rows { try writer.append(row) }
            try writer.close()
        }
        try write(.extractMembers, MemberStageLayout.extract(mapping.members), [
            ["members.csv", "2", nil, nil, "1", "ann", nil, nil],
            ["members.csv", "3", nil, nil, "2", "bob", "1", "L"],
            ["members.csv", "4", nil, nil, "3", "carl", "1", "L"],
        ])
        try write(.cleanseMembers, MemberStageLayout.cleansed, [
            ["members.csv", "2", "1", "ann", nil, "0", nil, nil, nil],
            ["members.csv", "3", "2", "bob", nil, "0", nil, "1", "left"],
        ])
        let entities: [(StageFile, EntityMapping?)] = [
            (.extractOrders, data.orders), (.extractCarryForward, data.openingCarry?.entity),
            (.extractClosingCarryForward, data.closingCarry?.entity), (.extractRanks, data.ranks),
            (.extractRankHistory, data.rankHistory), (.extractPayouts, data.payouts),
        ]
        for case let (file, entity?) in entities {
            let source = file.name.replacingOccurrences(of: ".tsv", with: ".csv")
            let rows = (extracts[file] ?? []).enumerated().map { [source, String($0 + 2), nil, nil] + $1 }
            try write(file, MemberStageLayout.extractBookkeeping + entity.columns.map(\.field), rows)
        }
        let cleanser = CommissionCleanser(
            mapping: data, plan: plan, calendar: calendar, members: mapping.members,
            logger: Logger(label: "test")
        )
        let summary = try cleanser.run(work: work)
        return Cleansed(directory: directory, work: work, summary: summary)
    }

    // MARK: Orders

    /// order_no, member, at (Asia/Kolkata), status, bv, pv.
    static let orderRows: [[String?]] = [
        ["A1", "ann", "2026-11-01 00:10:00", "confirmed", "100.50", "40"],   // line 2
        ["A2", "bob", "2026-10-31 23:59:59", "confirmed", "10", "10"],       // line 3
        ["D1", "ann", "2026-11-05 10:00:00", "confirmed", "5", "5"],         // line 4
        ["D1", "bob", "2026-11-06 10:00:00", "confirmed", "7", "7"],         // line 5
        ["U1", "zed", "2026-11-07 10:00:00", "confirmed", "3", "3"],         // line 6
        ["Q1", "carl", "2026-11-08 10:00:00", "confirmed", "2", "2"],        // line 7
        ["X1", "ann", "2026-11-09 10:00:00", "confirmed", "abc", "1"],       // line 8
    ]

    @Test func assignsEachOrderItsPeriodInThePlansTimeZone() throws {
        let run = try cleanse([Self.orders], extracts: [.extractOrders: Self.orderRows])
        // A1: 2026-11-01 00:10 IST is 2026-10-31T18:40Z. 2026-11-01T00:00Z is 1_793_491_200 s
        // (20758 days after 1970-01-01); minus 5 h 30 min (19_800 s) plus 600 s is 1_793_472_000.
        // A2: 2026-10-31 23:59:59 IST is one second before 2026-11 starts (1_793_471_400): October.
        // Members come out as legacy ids; 100.50 BV at scale 2 is 10050, 40 PV is 4000.
        #expect(try run.rows(.cleanseOrders) == [
            ["orders.csv", "2", "A1", "1", "1793472000000000", "confirmed", "10050", "4000", "2026-11"],
            ["orders.csv", "3", "A2", "2", "1793471399000000", "confirmed", "1000", "1000", "2026-10"],
        ])
    }

    @Test func quarantinesEveryCopyOfADuplicateOrderID() throws {
        let run = try cleanse([Self.orders], extracts: [.extractOrders: Self.orderRows])
        let copies = try run.rows(.cleanseCommissionQuarantine).filter { $0[4] == "order.duplicate_id" }
        #expect(copies.map { $0[2] } == ["4", "5"], "both D1 rows, neither kept")
        #expect(copies.map { $0[3] } == ["1", "2"], "each copy names its member's legacy id")
        #expect(copies.allSatisfy { $0[6] == "2 rows share this key" })
    }

    @Test func quarantinesOrdersOfUnknownAndQuarantinedMembers() throws {
        let run = try cleanse([Self.orders], extracts: [.extractOrders: Self.orderRows])
        #expect(try run.quarantined() == [
            "orders:4 order.duplicate_id", "orders:5 order.duplicate_id", "orders:6 order.unknown_member",
            "orders:7 order.member_quarantined", "orders:8 commission.unparseable_volume",
        ])
        let counts = try #require(run.summary.counts("orders"))
        #expect(counts.extracted == 7 && counts.accepted == 2 && counts.quarantined == 5)
        #expect(counts.quarantinedByReason == [
            "order.duplicate_id": 2, "order.unknown_member": 1, "order.member_quarantined": 1,
            "commission.unparseable_volume": 1,
        ])
    }

    @Test func totalsVolumesPerPeriodAsAcceptedPlusQuarantined() throws {
        let run = try cleanse([Self.orders], extracts: [.extractOrders: Self.orderRows])
        // 2026-10: A2 alone, 1000 BV and PV, accepted.
        // 2026-11 source BV: A1 10050 + D1 500 + D1 700 + U1 300 + Q1 200 = 11750; PV: 4000 + 1700 = 5700.
        // Accepted: A1 only (10050 BV, 4000 PV); quarantined 1700 BV, 1700 PV. X1 has no BV: unvalued.
        #expect(run.summary.volumes == [
            PeriodVolumeTotals(
                period: "2026-10", sourceBV: "1000", sourcePV: "1000", acceptedBV: "1000", acceptedPV: "1000",
                quarantinedBV: "0", quarantinedPV: "0"
            ),
            PeriodVolumeTotals(
                period: "2026-11", sourceBV: "11750", sourcePV: "5700", acceptedBV: "10050",
                acceptedPV: "4000", quarantinedBV: "1700", quarantinedPV: "1700"
            ),
        ])
        #expect(run.summary.unvaluedOrders == 1)
    }

    // MARK: Carry-forward

    @Test func writesOneCleansedRowPerLegFromTheWideForm() throws {
        let run = try cleanse([Self.wideCarry()], extracts: [.extractCarryForward: [
            ["1", "12.5", "0"], ["2", "", "3"], ["99", "1", "1"], ["3", "1", "1"],
        ]])
        // 12.5 BV is 1250; bob's blank left leg has no row.
        #expect(try run.rows(.cleanseCarryForward) == [
            ["carry_forward.csv", "2", "1", "opening", "left", "1250"],
            ["carry_forward.csv", "2", "1", "opening", "right", "0"],
            ["carry_forward.csv", "3", "2", "opening", "right", "300"],
        ])
        #expect(try run.quarantined() == [
            "carry_forward:4 carry.unknown_member", "carry_forward:5 carry.member_quarantined",
        ])
    }

    @Test func quarantinesEveryRowWhenTheWideFormNamesALegOutsideTheGenealogy() throws {
        let carry = Self.wideCarry("{ left: l_cf, middle: m_cf }")
        let run = try cleanse([carry], extracts: [.extractCarryForward: [["1", "1", "1"], ["2", "1", "1"]]])
        #expect(try run.rows(.cleanseCarryForward).isEmpty)
        let quarantine = try run.rows(.cleanseCommissionQuarantine)
        #expect(quarantine.map { $0[4] } == ["carry.unknown_leg", "carry.unknown_leg"])
        #expect(quarantine.map { $0[5] } == ["legs", "legs"])
    }

    @Test func readsTheLongFormAndQuarantinesUnknownLegsAndDuplicates() throws {
        let run = try cleanse([Self.longClosingCarry], extracts: [.extractClosingCarryForward: [
            ["1", "left", "5"], ["1", "middle", "5"], ["2", "right", "1"], ["2", "right", "2"],
            ["1", "right", "-1"],
        ]])
        #expect(try run.rows(.cleanseCarryForward) == [
            ["closing_carry_forward.csv", "2", "1", "closing", "left", "500"],
        ])
        #expect(try run.quarantined() == [
            "closing_carry_forward:3 carry.unknown_leg", "closing_carry_forward:4 carry.duplicate",
            "closing_carry_forward:5 carry.duplicate", "closing_carry_forward:6 commission.negative_volume",
        ])
    }

    // MARK: Ranks and rank history

    @Test func writesDeclaredRanksLowestFirst() throws {
        let run = try cleanse([Self.rankHistory], top: Self.declaredRanks, extracts: [:])
        #expect(try run.rows(.cleanseRanks) == [
            ["mapping", "1", "Bronze", "Bronze", "1"], ["mapping", "2", "Silver", "Silver", "2"],
            ["mapping", "3", "Gold", "Gold", "3"],
        ])
        let counts = try #require(run.summary.counts("ranks"))
        #expect(counts.extracted == 3 && counts.accepted == 3 && counts.quarantined == 0)
    }

    @Test func quarantinesDuplicateRanksAndSortOrdersThatAreNotWholeNumbers() throws {
        let run = try cleanse([Self.ranks], extracts: [.extractRanks: [
            ["B", "Bronze", "1"], ["S", "Silver", "2"], ["S", "Silver again", "3"], ["G", "Gold", "x"],
        ]])
        #expect(try run.rows(.cleanseRanks) == [["ranks.csv", "2", "B", "Bronze", "1"]])
        #expect(try run.quarantined() == [
            "ranks:3 rank.duplicate", "ranks:4 rank.duplicate", "ranks:5 rank.unknown_rank",
        ])
        #expect(try run.rows(.cleanseCommissionQuarantine).map { $0[3] } == ["S", "S", "G"])
    }

    /// Ranks from an export keep their source order; their own sort_order ranks them.
    @Test func keepsExportedRanksInSourceOrderWithTheirSortOrder() throws {
        let run = try cleanse([Self.ranks], extracts: [.extractRanks: [
            ["G", "Gold", "3"], ["B", "Bronze", "1"], ["S", "Silver", "2"],
        ]])
        #expect(try run.rows(.cleanseRanks).map { "\($0[2] ?? "")=\($0[4] ?? "")" } == ["G=3", "B=1", "S=2"])
    }

    @Test func checksRankHistoryAgainstTheAcceptedRanksOfTheRanksEntity() throws {
        // S is quarantined as a duplicate, so a change to S names no known rank.
        let run = try cleanse([Self.ranks, Self.rankHistory], extracts: [
            .extractRanks: [["B", "Bronze", "1"], ["S", "Silver", "2"], ["S", "Silver", "2"]],
            .extractRankHistory: [
                ["1", "B", nil, "2026-01-01T00:00:00Z"], ["1", "S", "B", "2026-02-01T00:00:00Z"],
            ],
        ])
        #expect(try run.rows(.cleanseRankHistory).map { $0[3] } == ["B"])
        #expect(try run.quarantined().last == "rank_history:3 rank.unknown_rank")
    }

    /// member, rank, previous_rank, achieved_at (UTC).
    static let historyRows: [[String?]] = [
        ["1", "Silver", "Bronze", "2026-03-01T00:00:00Z"],   // line 2
        ["1", "Bronze", nil, "2026-01-01T00:00:00Z"],        // line 3: ann's first rank
        ["1", "Gold", "Bronze", "2026-05-01T00:00:00Z"],     // line 4: ann held Silver then
        ["2", "Platinum", nil, "2026-01-01T00:00:00Z"],      // line 5
        ["2", "Silver", "Diamond", "2026-03-01T00:00:00Z"],  // line 6
        ["2", "Bronze", nil, "2026-02-01T00:00:00Z"],        // line 7
        ["99", "Bronze", nil, "2026-02-01T00:00:00Z"],       // line 8
    ]

    /// Rank history on the declared ranks Bronze, Silver, Gold.
    func cleanseHistory() throws -> Cleansed {
        let extracts: [StageFile: [[String?]]] = [.extractRankHistory: Self.historyRows]
        return try cleanse([Self.rankHistory], top: Self.declaredRanks, extracts: extracts)
    }

    @Test func quarantinesRankChangesOnUnknownRanksAndMembers() throws {
        let run = try cleanseHistory()
        let quarantine = try run.rows(.cleanseCommissionQuarantine).filter { $0[4] != "rank.out_of_order" }
        #expect(quarantine.map { "\($0[2] ?? ""):\($0[4] ?? ""):\($0[5] ?? "")" } == [
            "5:rank.unknown_rank:rank", "6:rank.unknown_rank:previous_rank", "8:rank.unknown_member:member",
        ])
    }

    @Test func quarantinesAPreviousRankThatIsNotTheRankHeldBefore() throws {
        let run = try cleanseHistory()
        // ann in time order: Bronze (line 3), Silver from Bronze (line 2), Gold from Bronze (line 4):
        // she held Silver, so line 4 is out of order. 2026-01-01T00:00Z is 1_767_225_600 s;
        // 2026-03-01 is 59 days later, 1_772_323_200; 2026-02-01 is 31 days later, 1_769_904_000.
        #expect(try run.rows(.cleanseRankHistory) == [
            ["rank_history.csv", "3", "1", "Bronze", nil, "1767225600000000"],
            ["rank_history.csv", "2", "1", "Silver", "Bronze", "1772323200000000"],
            ["rank_history.csv", "7", "2", "Bronze", nil, "1769904000000000"],
        ])
        let outOfOrder = try run.rows(.cleanseCommissionQuarantine).filter { $0[4] == "rank.out_of_order" }
        #expect(outOfOrder.map { [$0[2], $0[3], $0[5]] } == [["4", "1", "previous_rank"]])
        let counts = try #require(run.summary.counts("rank_history"))
        #expect(counts.extracted == 7 && counts.accepted == 3 && counts.quarantined == 4)
        #expect(counts.quarantinedByReason == [
            "rank.unknown_rank": 2, "rank.unknown_member": 1, "rank.out_of_order": 1,
        ])
    }

    // MARK: Payouts

    @Test func quarantinesEveryCopyOfADuplicatePayout() throws {
        let run = try cleanse([Self.payouts], extracts: [.extractPayouts: [
            ["1", "BIN", "12.50", "USD"],   // line 2
            ["1", "LVL", "3", "usd"],       // line 3
            ["2", "BIN", "1", "USD"],       // line 4
            ["2", "BIN", "2", "usd"],       // line 5: the same member, bonus and currency as line 4
            ["2", "BIN", "1", "EUR"],       // line 6
            ["3", "BIN", "1", "USD"],       // line 7
            ["1", "BIN", "1", "XYZ"],       // line 8
        ]])
        #expect(try run.rows(.cleansePayouts) == [
            ["payouts.csv", "2", "1", "binary", "USD", "1250"],
            ["payouts.csv", "3", "1", "unilevel", "USD", "300"],
            ["payouts.csv", "6", "2", "binary", "EUR", "100"],
        ])
        #expect(try run.quarantined() == [
            "payouts:4 payout.duplicate", "payouts:5 payout.duplicate", "payouts:7 payout.member_quarantined",
            "payouts:8 ledger.unknown_currency",
        ])
    }

    /// Fails today: only orders add to `snapped`; a payout amount or carry volume snapped from a
    /// float artefact is not counted, though the summary says it counts volumes and amounts.
    @Test func countsSnappedPayoutAmountsAndCarryVolumesInTheSummary() throws {
        let run = try cleanse([Self.wideCarry(), Self.payouts], extracts: [
            .extractCarryForward: [["1", "12.499999999999998", "0"]],
            .extractPayouts: [["1", "BIN", "10.199999999999999", "USD"]],
        ])
        // 12.499999999999998 BV snaps to 1250; 10.199999999999999 USD snaps to 1020 cents.
        #expect(try run.rows(.cleanseCarryForward).first?[5] == "1250")
        #expect(try run.rows(.cleansePayouts).first?[5] == "1020")
        #expect(run.summary.snapped == 2)
    }

    // MARK: The quarantine file

    @Test func writesEachQuarantinedRowWithItsReasonColumnAndPayload() throws {
        let run = try cleanse([Self.orders, Self.payouts], extracts: [
            .extractOrders: [["U1", "zed", "2026-11-07 10:00:00", "confirmed", "3", "3"]],
            .extractPayouts: [["99", "BIN", "1", "USD"]],
        ])
        let rows = try run.rows(.cleanseCommissionQuarantine)
        #expect(rows.map { Array($0.prefix(6)) } == [
            ["orders", "orders.csv", "2", "zed", "order.unknown_member", "member"],
            ["payouts", "payouts.csv", "2", "99", "payout.unknown_member", "member"],
        ])
        #expect(rows.first?[7] == #"{"bv": "3", "pv": "3", "member": "zed", "status": "confirmed", "order_id": "U1", "#
            + #""ordered_at": "2026-11-07 10:00:00"}"#)
        let quarantined = run.summary.entities.map(\.quarantined).reduce(0, +)
        #expect(quarantined == rows.count)
    }
}

extension CommissionCleanserTests {
    /// mlm.ranks.sort_order is unique: two ranks at one place are both quarantined in Cleanse
    /// (rather than failing the load), and the others are kept.
    @Test func quarantinesRanksThatShareASortOrder() throws {
        let run = try cleanse([Self.ranks], extracts: [.extractRanks: [
            ["B", "Bronze", "1"], ["S", "Silver", "2"], ["X", "Also second", "2"],
        ]])
        #expect(try run.rows(.cleanseRanks).map { $0[2] } == ["B"])
        #expect(try run.quarantined() == ["ranks:3 rank.duplicate", "ranks:4 rank.duplicate"])
    }
}

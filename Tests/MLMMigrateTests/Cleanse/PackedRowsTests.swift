@testable import MLMMigrate
import Testing

/// The packed tables Cleanse keeps per member or row give back exactly what they were given,
/// and group and order as the dictionaries and string sorts they replace.
@Suite struct PackedRowsTests {
    @Test func genealogyNodesGiveBackEveryFieldAsAppended() {
        var nodes = GenealogyNodes()
        nodes.append(
            location: SourceLocation(source: "a.csv", line: 2), legacyID: "1", username: "ann", joinedAt: 5, sponsorRef: nil,
            placementRef: nil, leg: "left", status: "active", rejection: nil
        )
        nodes.append(
            location: SourceLocation(source: "b.sqlite:users", line: 9_000_000_000), legacyID: nil, username: nil, joinedAt: nil,
            sponsorRef: "ann", placementRef: "ann", leg: nil, status: nil, rejection: Rejection(.requiredMissing, column: "legacy_id")
        )
        #expect(nodes.location(0) == SourceLocation(source: "a.csv", line: 2))
        #expect(nodes.location(1) == SourceLocation(source: "b.sqlite:users", line: 9_000_000_000))
        #expect(nodes.legacyID(0) == "1" && nodes.legacyID(1) == nil)
        #expect(nodes.username(0) == "ann" && nodes.joinedAt(0) == 5 && nodes.joinedAt(1) == nil)
        #expect(nodes.leg(0) == "left" && nodes.status(0) == "active" && nodes.status(1) == nil)
        #expect(nodes.rejections == [1: Rejection(.requiredMissing, column: "legacy_id")])
    }

    @Test func codedTextsKeepEachRowsOwnSpelling() {
        var codes = CodedTexts()
        for value in ["caf\u{E9}", "cafe\u{301}", nil, "caf\u{E9}"] { codes.append(value) }
        #expect((0..<4).map { codes[$0] } == ["caf\u{E9}", "cafe\u{301}", nil, "caf\u{E9}"])
        #expect((0..<4).map { codes[$0]?.unicodeScalars.count } == [4, 5, nil, 4])
        #expect(codes.values.count == 2)
    }

    @Test func balanceRowsComeInWalletOrderWithAWalletsRowsTogether() {
        var rows = BalanceRows()
        let given: [(String, String, Int64?)] = [("b", "USD", 1), ("a", "USD", nil), ("b", "EUR", 3), ("a", "USD", 4), ("a\u{1}", "USD", 5)]
        for (line, (member, currency, balance)) in given.enumerated() {
            rows.append(
                CleansedBalanceRow(source: "w.csv", line: String(line + 2), memberLegacyID: member, currency: currency, balanceMinor: balance),
                extractRow: line
            )
        }
        let order = rows.walletOrder().map { Int($0) }
        // As strings sort: "a\u{1}\tUSD" before "a\tUSD" (U+0001 before the tab), then "b\tEUR", "b\tUSD".
        #expect(order == [4, 1, 3, 2, 0])
        #expect(rows.sameWallet(1, 3) && !rows.sameWallet(0, 2))
        #expect(rows.row(1) == CleansedBalanceRow(source: "w.csv", line: "3", memberLegacyID: "a", currency: "USD", balanceMinor: nil))
        #expect(rows.row(4).memberLegacyID == "a\u{1}" && rows.extractRow(4) == 4)
    }

    @Test func rankChangesGroupByMemberInStringOrder() {
        var changes = RankChanges()
        for (line, member, rank) in [(2, "bob", "R1"), (3, "ann", "R1"), (4, "bob", "R2")] {
            var row = CommissionRow(header: ExtractRecordHeader(["r.csv", String(line), nil, nil]))
            row.values = ["member": member, "rank": rank]
            row.times = ["achieved_at": Int64(line)]
            changes.append(row)
        }
        let groups = changes.byMember()
        #expect(groups.map(\.member) == ["ann", "bob"])
        #expect(groups.map(\.rows) == [[1], [0, 2]])
        #expect(changes.rank(2) == "R2" && changes.previousRank(2) == nil && changes.achievedAt(2) == 4)
        #expect(changes.source(1) == "r.csv" && changes.line(1) == "3" && changes.lineNumber(1) == 3)
    }

    @Test func keyCountsCountEachKeyAsADictionaryWould() {
        var counts = KeyCounts()
        for key in ["ORD-1", "ORD-2", "ORD-1", "K", "\u{212A}"] { counts.add(key) }
        #expect(counts.count("ORD-1") == 2 && counts.count("ORD-2") == 1 && counts.count("ORD-3") == 0)
        #expect(counts.count("K") == 2, "canonically equivalent keys are one key, as in [String: Int]")
    }
}

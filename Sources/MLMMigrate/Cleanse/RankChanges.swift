/// Accepted rank-history rows held for the order check, packed (a few dozen bytes a row instead
/// of a ``CommissionRow`` with its dictionaries): member, ranks, time and where the row came from.
struct RankChanges {
    private var members = PackedStrings()
    private var ranks = CodedTexts()
    private var previousRanks = CodedTexts()
    private var times: [Int64] = []
    private var timeMissing = PackedBits()
    private var sources = SourceRuns()
    private var lines = PackedStrings()

    var count: Int { times.count }

    mutating func append(_ row: CommissionRow) {
        sources.append(row.header.source, row: count)
        members.append(row.values["member"] ?? "")
        ranks.append(row.values["rank"])
        previousRanks.append(row.values["previous_rank"])
        lines.append(row.header.line)
        times.append(row.times["achieved_at"] ?? 0)
        timeMissing.append(row.times["achieved_at"] == nil)
    }

    func rank(_ row: Int) -> String? { ranks[row] }
    func previousRank(_ row: Int) -> String? { previousRanks[row] }
    func achievedAt(_ row: Int) -> Int64? { timeMissing[row] ? nil : times[row] }
    func line(_ row: Int) -> String { lines[row] ?? "" }
    func lineNumber(_ row: Int) -> Int { Int(line(row)) ?? 0 }

    func source(_ row: Int) -> String { sources.source(of: row) }

    /// Rows per member (members equal as strings are one, named as first seen), members in
    /// string order, each member's rows in source order.
    func byMember() -> [(member: String, rows: [Int])] {
        var index = PackedTextIndex(capacity: count)
        var first: [Int32] = []
        var groups: [Int32: [Int]] = [:]
        for row in 0..<count {
            let leader = index.insertIfAbsent(Int32(row), in: members) ?? Int32(row)
            if leader == Int32(row) { first.append(leader) }
            groups[leader, default: []].append(row)
        }
        return members.withAllBytes { text in
            first.sorted { PackedStrings.precedes(text(Int($0)), text(Int($1))) }
        }.map { leader in (members[Int(leader)] ?? "", groups[leader] ?? []) }
    }
}

import Logging

/// The profile's second pass: which columns' values fall inside another column's key set
/// (sponsor, placement parent, a wallet's member), the share that matches, and for references
/// within one table the rows that reference themselves and the cycles they form.
///
/// Candidates come from the first pass's samples (the first distinct hashes of each column)
/// against every kept key set; only those are counted exactly, and only the tables holding
/// them are read again. Edges for cycle detection are kept only up to the key limit.
struct ReferenceFinder {
    /// A sample must match at least this share to be counted, and a count this share to be reported.
    static let minimumShare = 0.5
    /// Candidate references reported per column, best first.
    static let maxPerColumn = 3

    let scans: [Profiler.Scan]
    let keyLimit: Int
    let logger: Logger

    struct Result {
        var references: [ReferenceProfile]
        var keptKeySets: [(table: String, column: String)]
    }

    private struct Key {
        var table: Int
        var column: ColumnProfiler
        var set: Set<UInt64>
    }

    private struct Candidate {
        var fromTable: Int
        var from: ColumnProfiler
        var key: Int
        var values = 0
        var matched = 0
        var selfLoops = 0
        var edges: [UInt64: UInt64]? = [:]
    }

    func find() throws(MigrationError) -> Result {
        var keys: [Key] = []
        for (index, scan) in scans.enumerated() {
            for column in scan.columns where column.isKeyCandidate {
                if let set = column.distinct.exact {
                    keys.append(Key(table: index, column: column, set: set))
                }
            }
        }
        var candidates: [Candidate] = []
        for (tableIndex, scan) in scans.enumerated() {
            for column in scan.columns where Self.canReference(column) {
                for (keyIndex, key) in keys.enumerated() where key.column !== column {
                    if column.isKeyCandidate && column.inferredType.type == "integer"
                        && key.column.inferredType.type == "integer"
                    {
                        continue
                    }
                    guard
                        column.distinct.count >= 10 || column.distinct.count * 4 >= key.column.distinct.count
                    else { continue }
                    let hits = column.sample.reduce(0) { $0 + (key.set.contains($1) ? 1 : 0) }
                    guard Double(hits) >= Self.minimumShare * Double(column.sample.count) else { continue }
                    candidates.append(Candidate(fromTable: tableIndex, from: column, key: keyIndex))
                }
            }
        }
        for tableIndex in Set(candidates.map(\.fromTable)).sorted() {
            try count(tableIndex, &candidates, keys: keys)
        }
        var references: [ReferenceProfile] = []
        var byColumn: [ObjectIdentifier: [ReferenceProfile]] = [:]
        var order: [ObjectIdentifier] = []
        for candidate in candidates {
            let key = keys[candidate.key]
            let share = ColumnProfiler.share(candidate.matched, candidate.values)
            guard share >= Self.minimumShare else { continue }
            let cycles = candidate.edges.map(Self.cycles) ?? (cycles: 0, rows: 0)
            let reference = ReferenceProfile(
                fromTable: scans[candidate.fromTable].source.name, fromColumn: candidate.from.name,
                toTable: scans[key.table].source.name, toColumn: key.column.name, status: "computed",
                values: candidate.values, matched: candidate.matched, matchShare: share,
                orphanShare: ColumnProfiler.share(candidate.values - candidate.matched, candidate.values),
                selfReference: key.table == candidate.fromTable, selfLoops: candidate.selfLoops,
                cycles: cycles.cycles, rowsOnCycles: cycles.rows)
            let id = ObjectIdentifier(candidate.from)
            if byColumn[id] == nil { order.append(id) }
            byColumn[id, default: []].append(reference)
        }
        for id in order {
            let ranked = (byColumn[id] ?? []).sorted {
                Self.score($0) > Self.score($1)
                    || (Self.score($0) == Self.score($1)
                        && ($0.toTable, $0.toColumn) < ($1.toTable, $1.toColumn))
            }
            // Alternatives well behind the best are coincidences (two sequences of small integers).
            let best = ranked.first.map(Self.score) ?? 0
            references.append(
                contentsOf: ranked.prefix(Self.maxPerColumn).filter { Self.score($0) >= best - 0.1 })
        }
        // Key candidates too large to keep are listed as such, so nobody reads their absence as "no references".
        for scan in scans {
            for column in scan.columns where column.isKeyCandidate && column.distinct.exact == nil {
                references.append(
                    ReferenceProfile(
                        fromTable: "*", fromColumn: "*", toTable: scan.source.name, toColumn: column.name,
                        status: "not computed (too many keys)", values: 0, matched: 0, matchShare: 0,
                        orphanShare: 0,
                        selfReference: false, selfLoops: 0, cycles: 0, rowsOnCycles: 0))
            }
        }
        let kept = keys.map { (scans[$0.table].source.name, $0.column.name) }
        return Result(references: references, keptKeySets: kept)
    }

    /// The columns that may hold references: non-personal integers or codes.
    private static func canReference(_ column: ColumnProfiler) -> Bool {
        let type = column.inferredType.type
        return (type == "integer" || type == "text") && column.personalData == nil && !column.sample.isEmpty
    }

    /// Best first: the same column name, then the same table (a sponsor), then the match share.
    private static func score(_ reference: ReferenceProfile) -> Double {
        (reference.fromColumn == reference.toColumn ? 0.5 : 0) + (reference.selfReference ? 0.25 : 0)
            + reference.matchShare
    }

    /// Reads one table again and counts its candidates' matches, self-loops and edges.
    private func count(_ tableIndex: Int, _ candidates: inout [Candidate], keys: [Key]) throws(MigrationError)
    {
        let scan = scans[tableIndex]
        logger.info("matching references in \(scan.source.file)")
        let mine = candidates.indices.filter { candidates[$0].fromTable == tableIndex }
        let keepEdges = scan.rows <= keyLimit
        for index in mine where !(keepEdges && keys[candidates[index].key].table == tableIndex) {
            candidates[index].edges = nil
        }
        let reader = ProfileTableReader(table: scan.source)
        try reader.read(
            row: { _, row in
                for index in mine {
                    let key = keys[candidates[index].key]
                    guard let hash = row.withValue(candidates[index].from.position, Self.trimmedHash) else {
                        continue
                    }
                    candidates[index].values += 1
                    if key.set.contains(hash) { candidates[index].matched += 1 }
                    guard key.table == tableIndex,
                        let own = row.withValue(key.column.position, Self.trimmedHash)
                    else { continue }
                    if own == hash { candidates[index].selfLoops += 1 }
                    if candidates[index].edges?[own] == nil { candidates[index].edges?[own] = hash }
                }
            }, rejected: { _, _ in })
    }

    /// The hash a value is matched by (surrounding white space ignored); nil when blank.
    static func trimmedHash(_ value: UnsafeBufferPointer<UInt8>?) -> UInt64? {
        guard let value else { return nil }
        var start = 0
        var end = value.count
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        while start < end && isSpace(value[start]) { start += 1 }
        while end > start && isSpace(value[end - 1]) { end -= 1 }
        guard end > start else { return nil }
        return ValueHash.hash(UnsafeBufferPointer(rebasing: value[start..<end]))
    }

    /// Cycles of two or more rows in a graph where each row points at one parent.
    static func cycles(_ edges: [UInt64: UInt64]) -> (cycles: Int, rows: Int) {
        var state: [UInt64: UInt8] = [:]
        state.reserveCapacity(edges.count)
        var cycles = 0
        var rows = 0
        var path: [UInt64] = []
        for start in edges.keys where state[start] == nil {
            path.removeAll(keepingCapacity: true)
            var node = start
            while true {
                if let seen = state[node] {
                    if seen == 1, let at = path.lastIndex(of: node) {
                        let length = path.count - at
                        if length >= 2 { cycles += 1; rows += length }
                    }
                    break
                }
                guard let parent = edges[node] else { break }
                state[node] = 1
                path.append(node)
                node = parent
            }
            for visited in path { state[visited] = 2 }
        }
        return (cycles, rows)
    }
}

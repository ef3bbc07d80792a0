/// Maps member ids to positions 0..<count in id order, so per-member state lives in flat arrays.
///
/// Target ids are dense-ish, so a lookup table over the id range is used when it is at most four
/// times the member count; otherwise a binary search over the sorted ids.
struct MemberIndex: Sendable {
    /// Member ids in ascending order; a position is an index into it.
    let ids: [Int64]
    private let base: Int64
    private let table: [Int32]

    /// Nil when an id appears twice (`duplicate` is set to it).
    init?(sortedIDs: [Int64], duplicate: inout Int64?) {
        for position in sortedIDs.indices.dropFirst() where sortedIDs[position] == sortedIDs[position - 1] {
            duplicate = sortedIDs[position]
            return nil
        }
        ids = sortedIDs
        base = sortedIDs.first ?? 0
        let span = (sortedIDs.last ?? 0).subtractingReportingOverflow(base)
        if !span.overflow, span.partialValue < Int64(sortedIDs.count) * 4 + 1024 {
            var table = [Int32](repeating: -1, count: Int(span.partialValue) + 1)
            for (position, id) in sortedIDs.enumerated() { table[Int(id - base)] = Int32(position) }
            self.table = table
        } else {
            table = []
        }
    }

    var count: Int { ids.count }

    /// The position of `id`, or nil when no member has it.
    func position(of id: Int64) -> Int32? {
        if !table.isEmpty {
            let offset = id.subtractingReportingOverflow(base)
            guard !offset.overflow, offset.partialValue >= 0, offset.partialValue < Int64(table.count) else {
                return nil
            }
            let position = table[Int(offset.partialValue)]
            return position < 0 ? nil : position
        }
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < ids.count && ids[low] == id ? Int32(low) : nil
    }
}

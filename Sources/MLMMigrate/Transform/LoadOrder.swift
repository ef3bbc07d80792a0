/// Orders members so every sponsor and placement parent comes before its downline: level by
/// level from the root (a member's level is one more than its deepest parent's), and within a
/// level by registration time, then source order. Cleanse guarantees the links are acyclic.
public enum LoadOrder {
    /// Returns node indexes in load order and the number of levels; nodes not reachable from
    /// a parentless node (impossible after Cleanse) are reported in `stuck`. `sponsor` and
    /// `placement` hold each node's parent index, or -1.
    ///
    /// Its working arrays hold 32-bit indexes (three per member and one per link, at most two a
    /// member): `run` transforms the members beside the ledger's Cleanse, so they are part of the
    /// run's peak memory.
    public static func compute(sponsor: [Int], placement: [Int], joinedAt: [Int64?]) -> (order: [Int], levels: Int, stuck: [Int]) {
        let count = sponsor.count
        precondition(count < Int(Int32.max) / 2, "more members than 32-bit link indexes can hold")
        var pending = [Int32](repeating: 0, count: count)
        var childOffsets = [Int32](repeating: 0, count: count + 1)
        func forEachLink(_ body: (_ parent: Int, _ child: Int) -> Void) {
            for child in 0..<count {
                if sponsor[child] >= 0 { body(sponsor[child], child) }
                if placement[child] >= 0 { body(placement[child], child) }
            }
        }
        forEachLink { parent, child in
            pending[child] += 1
            childOffsets[parent + 1] += 1
        }
        for index in 0..<count { childOffsets[index + 1] += childOffsets[index] }
        var children = [Int32](repeating: 0, count: Int(childOffsets[count]))
        var fill = childOffsets
        forEachLink { parent, child in
            children[Int(fill[parent])] = Int32(child)
            fill[parent] += 1
        }
        fill = []
        func earlier(_ a: Int, _ b: Int) -> Bool {
            let ta = joinedAt[a] ?? .max
            let tb = joinedAt[b] ?? .max
            return ta != tb ? ta < tb : a < b
        }
        var order: [Int] = []
        order.reserveCapacity(count)
        var level = (0..<count).filter { pending[$0] == 0 }
        var levels = 0
        while !level.isEmpty {
            level.sort(by: earlier)
            order.append(contentsOf: level)
            levels += 1
            var next: [Int] = []
            for node in level {
                for child in children[Int(childOffsets[node])..<Int(childOffsets[node + 1])] {
                    pending[Int(child)] -= 1
                    if pending[Int(child)] == 0 { next.append(Int(child)) }
                }
            }
            level = next
        }
        let stuck = order.count == count ? [] : (0..<count).filter { pending[$0] > 0 }
        return (order, levels, stuck)
    }
}

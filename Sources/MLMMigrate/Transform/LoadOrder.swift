/// Orders members so every sponsor and placement parent comes before its downline: level by
/// level from the root (a member's level is one more than its deepest parent's), and within a
/// level by registration time, then source order. Cleanse guarantees the links are acyclic.
public enum LoadOrder {
    /// Returns node indexes in load order and the number of levels; nodes not reachable from
    /// a parentless node (impossible after Cleanse) are reported in `stuck`. `sponsor` and
    /// `placement` hold each node's parent index, or -1.
    public static func compute(sponsor: [Int], placement: [Int], joinedAt: [Int64?]) -> (order: [Int], levels: Int, stuck: [Int]) {
        let count = sponsor.count
        var pending = [Int](repeating: 0, count: count)
        var childOffsets = [Int](repeating: 0, count: count + 1)
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
        var children = [Int](repeating: 0, count: childOffsets[count])
        var fill = childOffsets
        forEachLink { parent, child in
            children[fill[parent]] = child
            fill[parent] += 1
        }
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
                for child in children[childOffsets[node]..<childOffsets[node + 1]] {
                    pending[child] -= 1
                    if pending[child] == 0 { next.append(child) }
                }
            }
            level = next
        }
        let stuck = order.count == count ? [] : (0..<count).filter { pending[$0] > 0 }
        return (order, levels, stuck)
    }
}

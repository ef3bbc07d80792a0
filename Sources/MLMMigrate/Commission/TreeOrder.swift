/// A forest of member positions laid out in preorder, so that a member's whole subtree is the
/// contiguous run `preorder[start[m] ..< end[m]]`: volumes sum bottom-up in one reverse pass,
/// "is x below m" is two comparisons, and nothing recurses (a legacy line can be 100,000 deep).
struct TreeOrder: Sendable {
    /// Positions, each parent before its children; roots and siblings in id order, siblings
    /// grouped by `groups` first when given (legs: the first listed leg's child first).
    let preorder: [Int32]
    /// Where each member sits in `preorder`.
    let start: [Int32]
    /// One past the member's last descendant in `preorder`.
    let end: [Int32]
    /// Generations below its root (a root is 0).
    let depth: [Int32]
    /// Children of member m: `children[childStart[m] ..< childStart[m + 1]]`.
    let childStart: [Int32]
    let children: [Int32]

    /// Nil when `parents` has a cycle; `cycleMember` is then set to a position on or under it.
    init?(parents: [Int32], groups: [Int8]? = nil, cycleMember: inout Int32?) {
        let count = parents.count
        var childStart = [Int32](repeating: 0, count: count + 1)
        for parent in parents where parent >= 0 { childStart[Int(parent) + 1] += 1 }
        for position in 0..<count { childStart[position + 1] += childStart[position] }
        var fill = childStart
        var children = [Int32](repeating: 0, count: Int(childStart[count]))
        let groupValues = groups.map { Array(Set($0)).sorted() } ?? [0]
        for group in groupValues {
            for member in 0..<count where parents[member] >= 0 && (groups?[member] ?? 0) == group {
                let parent = Int(parents[member])
                children[Int(fill[parent])] = Int32(member)
                fill[parent] += 1
            }
        }
        var preorder: [Int32] = []
        preorder.reserveCapacity(count)
        var start = [Int32](repeating: -1, count: count)
        var depth = [Int32](repeating: 0, count: count)
        var stack: [Int32] = []
        for root in 0..<count where parents[root] < 0 {
            stack.append(Int32(root))
            while let member = stack.popLast() {
                let position = Int(member)
                start[position] = Int32(preorder.count)
                preorder.append(member)
                let first = Int(childStart[position])
                let last = Int(childStart[position + 1])
                for index in stride(from: last - 1, through: first, by: -1) {
                    let child = children[index]
                    depth[Int(child)] = depth[position] + 1
                    stack.append(child)
                }
            }
        }
        guard preorder.count == count else {
            cycleMember = start.firstIndex(of: -1).map(Int32.init)
            return nil
        }
        var end = [Int32](repeating: 0, count: count)
        for index in stride(from: count - 1, through: 0, by: -1) {
            let member = Int(preorder[index])
            let first = Int(childStart[member])
            let last = Int(childStart[member + 1])
            end[member] = last > first ? end[Int(children[last - 1])] : Int32(index + 1)
        }
        self.preorder = preorder
        self.start = start
        self.end = end
        self.depth = depth
        self.childStart = childStart
        self.children = children
    }

    /// Whether `member` is `ancestor` or lies below it.
    func contains(_ member: Int32, under ancestor: Int32) -> Bool {
        let position = start[Int(member)]
        return position >= start[Int(ancestor)] && position < end[Int(ancestor)]
    }
}

extension GenealogyValidator {
    // MARK: Cycles within one tree

    /// Rejects every member on a cycle of `tree` (a member reached again on its own parent chain).
    func rejectCycles(tree: Reattachment.Tree) {
        let parents = tree == .sponsor ? sponsor : placement
        let reason: ReasonCode = tree == .sponsor ? .sponsorCycle : .placementCycle
        var state = [UInt8](repeating: 0, count: count)
        var path: [Int] = []
        for start in 0..<count where isAlive(start) && state[start] == 0 {
            path.removeAll(keepingCapacity: true)
            var node = start
            while node >= 0 && isAlive(node) && state[node] == 0 {
                state[node] = 1
                path.append(node)
                node = Int(parents[node])
            }
            if node >= 0 && state[node] == 1, let cycleStart = path.firstIndex(of: node) {
                let cycle = path[cycleStart...]
                for member in cycle {
                    reject(member, Rejection(reason, column: tree.rawValue, detail: "on a \(tree.rawValue) cycle of \(cycle.count) members"))
                }
            }
            for member in path { state[member] = 2 }
        }
    }

    // MARK: Legs

    /// Gives each placement leg to the earliest registered child; a later child on a taken leg
    /// is rejected (`placement_overfull` when the parent has no free leg left, else `leg_taken`).
    func rejectLegConflicts() {
        let children = ChildIndex(parents: placement, include: isAlive)
        for parent in 0..<count where isAlive(parent) {
            let list = children.children(of: parent)
            guard list.count > 1 else { continue }
            var taken = Set<Int32>()
            for child in list.sorted(by: earlier) {
                if taken.insert(leg[child]).inserted { continue }
                if taken.count >= rules.legs.count {
                    reject(child, Rejection(.placementOverfull, column: "placement", detail: "placement parent has no free leg"))
                } else {
                    reject(child, Rejection(.legTaken, column: "placement_leg", detail: "leg already holds an earlier member"))
                }
            }
        }
    }

    // MARK: Spillover

    /// Places members re-attached by `attach_to_root` in the first free leg found breadth-first
    /// from the root (legs in the mapping's order), earliest registered first; members moved to
    /// a duplicate's survivor (``spillFrom``) the same way from the survivor.
    func spillOver() throws(MigrationError) {
        let waiting = (0..<count).filter { isAlive($0) && needsPlacement[$0] }.sorted(by: earlier)
        guard !waiting.isEmpty else { return }
        let children = ChildIndex(parents: placement, include: isAlive)
        var usedLegs: [Int: Set<Int>] = [:]
        func legs(of node: Int) -> Set<Int> {
            if let cached = usedLegs[node] { return cached }
            let used = Set(children.children(of: node).map { Int(leg[$0]) })
            usedLegs[node] = used
            return used
        }
        var starts: [Int] = []
        var groups: [Int: [Int]] = [:]
        for member in waiting {
            let start: Int
            if let heir = spillFrom[member], isAlive(heir) {
                start = heir
            } else {
                guard let root, isAlive(root) else {
                    throw MigrationError(.genealogyNoRoot, "members need re-attaching but the genealogy has no root")
                }
                start = root
            }
            if groups[start] == nil { starts.append(start) }
            groups[start, default: []].append(member)
        }
        for start in starts {
            var queue = [start]
            var head = 0
            for member in groups[start] ?? [] {
                while true {
                    let candidate = queue[head]
                    let used = legs(of: candidate)
                    if let free = rules.legs.indices.first(where: { !used.contains($0) }) {
                        placement[member] = Int32(candidate)
                        leg[member] = Int32(free)
                        needsPlacement[member] = false
                        usedLegs[candidate] = used.union([free])
                        queue.append(member)
                        break
                    }
                    queue.append(contentsOf: children.children(of: candidate).sorted { leg[$0] < leg[$1] })
                    head += 1
                    guard head < queue.count else {
                        throw MigrationError(.genealogyNoFreeLeg, "no free placement leg is reachable from the root")
                    }
                }
            }
        }
    }

    // MARK: Cycles across both trees

    /// Finds members that can never be loaded because sponsor and placement links together
    /// form a cycle; rejects the members on such cycles. Returns whether any was rejected.
    func rejectCrossTreeCycles() -> Bool {
        var pending = [Int32](repeating: 0, count: count)
        for index in 0..<count where isAlive(index) {
            if sponsor[index] >= 0 { pending[index] += 1 }
            if placement[index] >= 0 { pending[index] += 1 }
        }
        let sponsorChildren = ChildIndex(parents: sponsor, include: isAlive)
        let placementChildren = ChildIndex(parents: placement, include: isAlive)
        var queue = (0..<count).filter { isAlive($0) && pending[$0] == 0 }
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for child in sponsorChildren.children(of: node) + placementChildren.children(of: node) {
                pending[child] -= 1
                if pending[child] == 0 { queue.append(child) }
            }
        }
        let stuck = (0..<count).filter { isAlive($0) && pending[$0] > 0 }
        guard !stuck.isEmpty else { return false }
        let onCycle = StronglyConnected.membersOfCycles(among: stuck) { [sponsor, placement] node in
            [Int(sponsor[node]), Int(placement[node])].filter { $0 >= 0 }
        }
        for member in onCycle {
            reject(member, Rejection(.crossTreeCycle, detail: "sponsor and placement links form a cycle"))
        }
        return !onCycle.isEmpty
    }
}

/// Tarjan's strongly connected components, iterative, over a subset of nodes.
enum StronglyConnected {
    /// Members of `nodes` that lie on a cycle (components with more than one member) when
    /// following `edges` and staying inside `nodes`.
    static func membersOfCycles(among nodes: [Int], edges: (Int) -> [Int]) -> [Int] {
        let inside = Set(nodes)
        var indexOf: [Int: Int] = [:]
        var lowLink: [Int: Int] = [:]
        var onStack = Set<Int>()
        var stack: [Int] = []
        var result: [Int] = []
        var counter = 0
        for start in nodes where indexOf[start] == nil {
            var work: [(node: Int, next: [Int], position: Int)] = []
            func open(_ node: Int) {
                indexOf[node] = counter
                lowLink[node] = counter
                counter += 1
                stack.append(node)
                onStack.insert(node)
                work.append((node, edges(node).filter(inside.contains), 0))
            }
            open(start)
            while let top = work.last {
                if top.position < top.next.count {
                    work[work.count - 1].position += 1
                    let target = top.next[top.position]
                    if indexOf[target] == nil {
                        open(target)
                    } else if onStack.contains(target), let targetIndex = indexOf[target], let low = lowLink[top.node] {
                        lowLink[top.node] = min(low, targetIndex)
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last, let low = lowLink[parent.node], let childLow = lowLink[top.node] {
                    lowLink[parent.node] = min(low, childLow)
                }
                if lowLink[top.node] == indexOf[top.node] {
                    var component: [Int] = []
                    while let member = stack.popLast() {
                        onStack.remove(member)
                        component.append(member)
                        if member == top.node { break }
                    }
                    if component.count > 1 { result.append(contentsOf: component) }
                }
            }
        }
        return result.sorted()
    }
}

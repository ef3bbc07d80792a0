/// How deep a sponsor tree is: members per level (level 1 is a member without a sponsor), for
/// the report's chart of the genealogy as the export gives it and as it was loaded.
public enum SponsorDepth {
    /// A parent index meaning "this member's sponsor reference matches no member".
    public static let unresolved = -2

    /// Members per level from `parents` (each member's sponsor index; -1 for none, or
    /// ``unresolved``). Members whose chain ends at an unresolved reference or runs in a cycle
    /// have no level and are counted in `unlinked`. Iterative: a 1,000,000-level chain is fine.
    public static func histogram(parents: [Int]) -> (levels: [Int], unlinked: Int) {
        let unknown = 0
        let noLevel = -1
        let onPath = -2
        var level = [Int](repeating: unknown, count: parents.count)
        var path: [Int] = []
        for start in parents.indices where level[start] == unknown {
            var node = start
            var reached = noLevel
            while true {
                if level[node] == onPath { break }
                if level[node] != unknown {
                    reached = level[node]
                    break
                }
                let parent = parents[node]
                if parent == -1 {
                    level[node] = 1
                    reached = 1
                    break
                }
                guard parent >= 0, parent < parents.count else {
                    level[node] = noLevel
                    break
                }
                level[node] = onPath
                path.append(node)
                node = parent
            }
            // Unwind: each member on the path is one level below the one it reached.
            while let child = path.popLast() {
                reached = reached == noLevel ? noLevel : reached + 1
                level[child] = reached
            }
        }
        var levels: [Int] = []
        var unlinked = 0
        for value in level {
            guard value > 0 else {
                unlinked += 1
                continue
            }
            if levels.count < value { levels += [Int](repeating: 0, count: value - levels.count) }
            levels[value - 1] += 1
        }
        return (levels, unlinked)
    }
}

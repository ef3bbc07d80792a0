import MLMMigrate
import Testing

@Suite struct LoadOrderTests {
    @Test func putsEveryParentBeforeItsChildrenLevelByLevel() {
        // 0 root; 1 and 2 under 0; 3 sponsored by 1 and placed under 2.
        let result = LoadOrder.compute(sponsor: [-1, 0, 0, 1], placement: [-1, 0, 0, 2], joinedAt: [0, 20, 10, 5])
        #expect(result.order == [0, 2, 1, 3])
        #expect(result.levels == 3)
        #expect(result.stuck.isEmpty)
    }

    @Test func reportsMembersStuckOnACycle() {
        let result = LoadOrder.compute(sponsor: [-1, 2, 1], placement: [-1, -1, -1], joinedAt: [0, 1, 2])
        #expect(result.stuck == [1, 2])
    }

    /// Random genealogies (each member's sponsor and placement parent, or none, drawn from the
    /// members made before it, in shuffled source positions): the order is by level (one more
    /// than the deepest parent's), then registration time (none last), then source position, as
    /// a recursive reference computes it.
    @Test func matchesAReferenceOrderOnRandomGenealogies() {
        for round in 0..<200 {
            // One, two and three members first, then random sizes.
            let count = round < 3 ? round + 1 : Int.random(in: 1...300)
            let made = (0..<count).shuffled()
            var position = [Int](repeating: 0, count: count)
            for (index, node) in made.enumerated() { position[node] = index }
            func parent(_ node: Int) -> Int {
                let index = position[node]
                return index == 0 || Int.random(in: 0..<5) == 0 ? -1 : made[Int.random(in: 0..<index)]
            }
            let sponsor = (0..<count).map(parent)
            let placement = (0..<count).map(parent)
            let joinedAt: [Int64?] = (0..<count).map { _ in Int.random(in: 0..<6) == 0 ? nil : Int64.random(in: 0..<50) }
            var level = [Int](repeating: -1, count: count)
            func levelOf(_ node: Int) -> Int {
                if level[node] < 0 {
                    level[node] = [sponsor[node], placement[node]].filter { $0 >= 0 }.map { levelOf($0) + 1 }.max() ?? 0
                }
                return level[node]
            }
            let levels = (0..<count).map(levelOf)
            let expected = (0..<count).sorted {
                (levels[$0], joinedAt[$0] ?? .max, $0) < (levels[$1], joinedAt[$1] ?? .max, $1)
            }
            let result = LoadOrder.compute(sponsor: sponsor, placement: placement, joinedAt: joinedAt)
            #expect(result.order == expected)
            #expect(result.levels == levels.max()! + 1)
            #expect(result.stuck.isEmpty)
        }
    }
}

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
}

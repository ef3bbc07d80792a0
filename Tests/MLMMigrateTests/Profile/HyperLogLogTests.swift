@testable import MLMMigrate
import Testing

@Suite struct HyperLogLogTests {
    @Test func estimatesAMillionDistinctValuesWithinTwoPercent() {
        var sketch = HyperLogLog()
        for value in 0..<1_000_000 { sketch.insert(ValueHash.hash(String(value))) }
        #expect(abs(sketch.estimate - 1_000_000) < 20_000)
    }

    @Test func countsFewValuesAlmostExactly() {
        var sketch = HyperLogLog()
        for value in 0..<1_000 { sketch.insert(ValueHash.hash("id-\(value % 100)")) }
        #expect(abs(sketch.estimate - 100) <= 2)
    }

    @Test func distinctCounterSwitchesToAnEstimateBeyondItsBound() {
        var counter = DistinctCounter()
        for value in 0..<(DistinctCounter.exactLimit + 10) {
            counter.insert(ValueHash.hash(String(value)), keepUpTo: DistinctCounter.exactLimit)
        }
        #expect(!counter.isExact)
        #expect(abs(counter.count - DistinctCounter.exactLimit) < DistinctCounter.exactLimit / 50)
        #expect(!counter.exceededKeyLimit)
    }

    @Test func distinctCounterMarksAKeyTooLargeToKeep() {
        var counter = DistinctCounter()
        for value in 0..<200 {
            counter.insert(ValueHash.hash(String(value)), keepUpTo: DistinctCounter.exactLimit + 100)
        }
        #expect(counter.isExact)
        var small = DistinctCounter()
        for value in 0..<(DistinctCounter.exactLimit + 2) {
            small.insert(
                UInt64(value) &* 0x9e37_79b9_7f4a_7c15, keepUpTo: DistinctCounter.exactLimit + 1, asKey: true)
        }
        #expect(small.exceededKeyLimit)
    }
}

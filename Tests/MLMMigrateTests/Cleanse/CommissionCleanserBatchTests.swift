@testable import MLMMigrate
import Testing

/// `CommissionCleanser` on files longer than one batch of its worker threads: rows come out in
/// source order and a key shared across batches quarantines every copy.
@Suite struct CommissionCleanserBatchTests {
    @Test func quarantinesADuplicateOrderIDWhoseCopiesAreInDifferentBatches() throws {
        let count = 2 * CommissionCleanser.batchLines + 3
        var orders: [[String?]] = (0..<count).map { index in
            ["O\(index)", index.isMultiple(of: 2) ? "ann" : "bob", "2026-11-05 10:00:00", "confirmed", "1", "2"]
        }
        orders[CommissionCleanser.batchLines][0] = "O0"
        orders[count - 1][1] = "zed"
        let run = try CommissionCleanserTests().cleanse([CommissionCleanserTests.orders], extracts: [.extractOrders: orders])
        let firstOfBatch2 = CommissionCleanser.batchLines + 2
        #expect(try run.quarantined() == [
            "orders:2 order.duplicate_id", "orders:\(firstOfBatch2) order.duplicate_id", "orders:\(count + 1) order.unknown_member",
        ])
        let written = try run.rows(.cleanseOrders)
        let expected = (0..<count).filter { ![0, CommissionCleanser.batchLines, count - 1].contains($0) }
        #expect(written.map { $0[1] } == expected.map { String($0 + 2) }, "accepted rows in source order")
        #expect(written.map { $0[2] } == expected.map { "O\($0)" })
        let counts = try #require(run.summary.counts("orders"))
        #expect(counts.extracted == count && counts.accepted == count - 3 && counts.quarantined == 3)
        #expect(run.summary.volumes.map(\.acceptedBV) == [String(100 * (count - 3))])
        #expect(run.summary.volumes.map(\.quarantinedPV) == ["600"])
    }
}

import Foundation
import MLMMigrate
import Testing

/// The frontier the ledger's read-back follows while the entries load: it only ever admits the
/// members all of whose entries are committed, whatever order batches commit in.
@Suite struct EntryFrontierTests {
    @Test func movesToTheFirstMemberOfTheLowestBatchNotCommitted() {
        let frontier = EntryFrontier()
        for (batch, member) in [(0, Int64(1)), (1, 40), (2, 40), (3, 90)] { frontier.starting(batch: batch, memberID: member) }
        frontier.committed(batch: 1)
        frontier.committed(batch: 2)
        // Batch 0 is not in: only members below its first one (none) are admitted.
        #expect(frontier.wait(past: nil) == .below(1))
        #expect(!answers(frontier, past: 1))
        frontier.committed(batch: 0)
        // Batches 0-2 are in; member 90 starts batch 3, so members below 90 are complete.
        #expect(frontier.wait(past: nil) == .below(90))
        #expect(frontier.wait(past: 40) == .below(90))
        #expect(!answers(frontier, past: 90))
        frontier.committed(batch: 3)
        // Batch 4 has not started: its first member is unknown, so the bound stays.
        #expect(!answers(frontier, past: 90))
        frontier.complete()
        #expect(frontier.wait(past: 90) == .complete)
    }

    @Test func aMemberStraddlingTwoBatchesWaitsForTheSecond() {
        let frontier = EntryFrontier()
        // Member 7's entries end batch 0 and begin batch 1.
        frontier.starting(batch: 0, memberID: 3)
        frontier.starting(batch: 1, memberID: 7)
        frontier.committed(batch: 0)
        #expect(frontier.wait(past: nil) == .below(7))
    }

    @Test func batchesCommittedBeforeAResumeCountAsIn() {
        let frontier = EntryFrontier()
        frontier.committed(batch: 0)
        frontier.committed(batch: 1)
        frontier.starting(batch: 2, memberID: 500)
        #expect(frontier.wait(past: nil) == .below(500))
    }

    @Test func aFailureEndsEveryWaitAndIsNotUndoneByALaterCompletion() {
        let frontier = EntryFrontier()
        let answered = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var seen: EntryFrontier.Position?
        Thread {
            seen = frontier.wait(past: nil)
            answered.signal()
        }.start()
        frontier.fail()
        answered.wait()
        #expect(seen == .failed)
        frontier.complete()
        #expect(frontier.wait(past: nil) == .failed)
    }

    /// Whether `wait(past:)` returns within a short time (false: it is still waiting; the
    /// waiting thread is released by the test's later calls or left parked).
    private func answers(_ frontier: EntryFrontier, past bound: Int64?) -> Bool {
        let answered = DispatchSemaphore(value: 0)
        Thread {
            _ = frontier.wait(past: bound)
            answered.signal()
        }.start()
        return answered.wait(timeout: .now() + 0.2) == .success
    }
}

import Foundation

/// How far a first load's wallet entries are committed, in member order, for the ledger's
/// read-back to verify the members already complete while later ones still load.
///
/// Transform writes the entries in (member id, currency, seq) order and the load cuts that file
/// into numbered batches. Once every batch before batch `k` is committed, every entry of a member
/// below the member that starts batch `k` is in the target (a member's entries may straddle two
/// batches, so that member is not). The load reports the batches it starts and commits; readers
/// wait for the bound to move.
public final class EntryFrontier: @unchecked Sendable {
    /// What a reader may verify.
    public enum Position: Sendable, Equatable {
        /// Every entry of a member whose id is below this one is committed; more may follow.
        case below(Int64)
        /// Every entry is committed.
        case complete
        /// The load stopped: what is committed may not be all (reconcile reads the ledger again).
        case failed
    }

    private let condition = NSCondition()
    private var committed = Set<Int>()
    private var firstMembers: [Int: Int64] = [:]
    /// The lowest batch (0-based in the step) not committed.
    private var nextUncommitted = 0
    private var bound: Int64?
    private var end: Position?

    public init() {}

    /// Batch `index` (0-based in the entries step) starts with an entry of member `memberID`.
    public func starting(batch index: Int, memberID: Int64) {
        update { firstMembers[index] = memberID }
    }

    /// Batch `index` is committed (in this call or, for a resumed load, an earlier one).
    public func committed(batch index: Int) {
        update { committed.insert(index) }
    }

    /// Every entry of the step is committed.
    public func complete() {
        update { if end == nil { end = .complete } }
    }

    /// The load stopped before the end; readers waiting are told so.
    public func fail() {
        update { if end == nil { end = .failed } }
    }

    /// Waits until the position is past `current` (a bound returned before; nil: none yet), or
    /// the load has ended, and returns it.
    public func wait(past current: Int64?) -> Position {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let end { return end }
            if let bound, current.map({ bound > $0 }) ?? true { return .below(bound) }
            condition.wait()
        }
    }

    private func update(_ change: () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        change()
        while committed.remove(nextUncommitted) != nil {
            firstMembers[nextUncommitted] = nil
            nextUncommitted += 1
        }
        // Members start batches in increasing order, so the bound only moves up.
        if let member = firstMembers[nextUncommitted], member > (bound ?? .min) { bound = member }
        condition.broadcast()
    }
}

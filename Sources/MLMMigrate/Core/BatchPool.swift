import Dispatch

/// Runs submitted jobs on up to `workers` threads while the caller goes on producing, and hands
/// each result back on the caller's thread, in submission order. At most `workers + 1` jobs are
/// pending (running or waiting to be handed back), so memory stays bounded by the batch size.
final class BatchPool<Result: Sendable> {
    private let queue = DispatchQueue(label: "mlm-migrate.batches", attributes: .concurrent)
    private let limit: Int
    private var pending: [(item: DispatchWorkItem, box: Box)] = []

    /// Where a job leaves its result; read only after its work item has finished.
    private final class Box: @unchecked Sendable {
        var value: Result?
    }

    init(workers: Int) {
        limit = max(1, workers) + 1
    }

    /// Queues `job`; when the pool is full, first waits for the oldest job and delivers its result.
    func submit(_ job: @escaping @Sendable () -> Result, deliver: (Result) throws(MigrationError) -> Void) throws(MigrationError) {
        while pending.count >= limit { try deliverOldest(deliver) }
        let box = Box()
        let item = DispatchWorkItem { box.value = job() }
        pending.append((item, box))
        queue.async(execute: item)
    }

    /// Waits for every job and delivers the remaining results in order.
    func finish(deliver: (Result) throws(MigrationError) -> Void) throws(MigrationError) {
        while !pending.isEmpty { try deliverOldest(deliver) }
    }

    private func deliverOldest(_ deliver: (Result) throws(MigrationError) -> Void) throws(MigrationError) {
        let (item, box) = pending.removeFirst()
        item.wait()
        if let value = box.value { try deliver(value) }
    }
}

import Logging

/// A first load's batch numbers, fixed from its plan, and the commission state loaded on a second
/// connection while the ledger loads.
///
/// Step by step in load order, a step's first batch is numbered after every batch the earlier
/// steps take (`ceil(rows / batch size)` each), which is what loading them one after the other
/// gives. So a load killed anywhere and resumed, or one whose steps run in two streams, numbers
/// every batch as an uninterrupted one-stream load does (a resume must keep the batch size).
extension Loader {
    /// Each step's first batch number, by ``LoadStep/manifestKey``, for the steps in load order
    /// up to the first whose files are not `ready` (a transform still writing them).
    func firstBatches(_ steps: [LoadStep], ready: [LoadStep], in directory: String) -> [String: Int] {
        guard let rows = Self.stepRows(ready, in: directory) else { return [:] }
        var firsts: [String: Int] = [:]
        var next = 1
        for step in steps {
            guard let count = rows[step.manifestKey] else { break }
            firsts[step.manifestKey] = next
            next += (count + batchSize - 1) / batchSize
        }
        return firsts
    }

    /// Starts loading the commission steps (periods, ranks, orders, carry-forwards, rank history,
    /// payouts, their quarantine) on their own connection and thread, one after the other, each
    /// batch numbered from `firsts` after the ones `committed` already holds. Their tables
    /// reference members and each other only, so they need nothing the ledger's steps write.
    /// The job gives, per step index, the step's rows in the target, whether that is all of its
    /// file, and the highest batch number it reached. nil when there are no such steps.
    func commissionBeside(
        _ steps: [LoadStep], firsts: [String: Int], committed: [String: Int], committedBatches: [String: Int],
        in directory: String, runID: Int, tracker: LoadProgress
    ) throws(MigrationError) -> BackgroundJob<[Int: (rows: Int, atEnd: Bool, batches: Int)]>? {
        let indices = steps.indices.filter { steps[$0].runScope == .commission }
        guard !indices.isEmpty, indices.allSatisfy({ firsts[steps[$0].manifestKey] != nil }) else { return nil }
        let connInfo = connection.siblingConnInfo
        let (batchSize, logger) = (self.batchSize, self.logger)
        return BackgroundJob(name: "mlm-migrate.copy.commission") { () throws(MigrationError) in
            let loader = Loader(connection: try PostgresConnection(connInfo, logger: logger), batchSize: batchSize, logger: logger)
            var summary = LoadSummary(runID: runID, batches: 0, members: 0, quarantined: 0)
            var budget: Int?
            var results: [Int: (rows: Int, atEnd: Bool, batches: Int)] = [:]
            for index in indices {
                let key = steps[index].manifestKey
                let loaded = try loader.load(
                    steps[index], in: directory, skipping: committed[key] ?? 0, runID: runID, summary: &summary, budget: &budget,
                    progress: false, tracker: tracker, nextBatch: firsts[key].map { $0 + (committedBatches[key] ?? 0) }
                )
                results[index] = (loaded.rows, loaded.atEnd, summary.batches)
            }
            return results
        }
    }
}

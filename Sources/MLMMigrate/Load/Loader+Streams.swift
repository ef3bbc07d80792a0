import Foundation
import Logging

/// The wallet entries of a first load into an unpartitioned `mlm.wallet_entries`, on
/// ``Loader/entryStreams`` connections at once: the server parses, inserts and indexes on as
/// many cores, where one `COPY` stream keeps it to one.
///
/// The step's batches are numbered in advance from the batch size: the step's batch `j`
/// (0-based) is rows `j·B + 1` to `(j + 1)·B` of the file and batch number `first + j`, and
/// stream `k` of `S` loads batches `k`, `k + S`, `k + 2S`... in order, each its own transaction
/// with its manifest row, as in ``Loader/load``, passing over those already committed. So the
/// batches are the ones one stream would commit, whatever the stream count, and a load stopped
/// anywhere loads exactly the batches not committed when resumed (with the same batch size,
/// checked by ``Loader/run(transformDirectory:info:progress:)``).
extension Loader {
    /// Loads `step` (one file, one table) after what earlier calls committed; returns the step's
    /// rows in the target, and whether that is all of its file.
    func loadStreams(
        _ step: LoadStep, streams: Int, in directory: String, runID: Int, after earlier: [LoadStep],
        summary: inout LoadSummary, budget: inout Int?, tracker: LoadProgress?
    ) throws(MigrationError) -> (rows: Int, atEnd: Bool) {
        guard let (file, table) = step.files.first else { return (0, true) }
        let path = file.path(in: directory)
        let first = try batchesBefore(runID: runID, earlier: earlier) + 1
        let (committed, committedRows) = try committedBatches(runID: runID, step: step)
        guard committed.allSatisfy({ $0 >= first }) else {
            throw MigrationError(
                .workdirCorrupt,
                "run \(runID)'s committed \(step.entity) batches are numbered before the steps ahead of them ended; "
                    + "roll the run back (mlm-migrate rollback --run \(runID)) and load again"
            )
        }
        let done = Set(committed.map { $0 - first })
        for batch in done { entryFrontier?.committed(batch: batch) }
        let shared = PartitionStreams(budget: budget, tracker: tracker, highest: summary.batches)
        let exhausted = StreamEnds(streams)
        let group = DispatchGroup()
        let connInfo = connection.siblingConnInfo
        for stream in 0..<streams {
            let worker = BatchStream(
                connInfo: connInfo, path: path, table: table, stream: stream, streams: streams, firstBatch: first,
                committed: done, runID: runID, entity: step.entity, kind: step.kind, batchSize: batchSize, logger: logger,
                frontier: entryFrontier, binaryCopy: binaryCopy
            )
            group.enter()
            let thread = Thread {
                worker.run(shared, exhausted)
                group.leave()
            }
            thread.name = "mlm-migrate.copy.\(stream)"
            thread.start()
        }
        group.wait()
        if let error = shared.error { throw error }
        budget = shared.budget
        let loaded = committedRows + shared.rows
        let atEnd = exhausted.all
        // The step's batches: every batch number up to the last one with rows, once all are in.
        summary.batches = atEnd ? max(summary.batches, first - 1 + (loaded + batchSize - 1) / batchSize) : max(summary.batches, shared.highest)
        logger.info("loaded wallet entries on parallel streams", metadata: ["streams": "\(streams)", "rows": "\(loaded)"])
        return (loaded, atEnd)
    }

    /// This run's committed batch numbers of `step`, and their rows.
    private func committedBatches(runID: Int, step: LoadStep) throws(MigrationError) -> (numbers: [Int], rows: Int) {
        let rows = try connection.query(
            "SELECT batch_no, row_count FROM mlm_migration.batches WHERE run_id = $1::bigint AND entity = $2 AND kind = $3",
            [String(runID), step.entity, step.kind], what: "reading the committed batches of \(step.entity)"
        )
        let numbers = rows.compactMap { $0[0].flatMap { Int($0) } }
        return (numbers, rows.reduce(0) { $0 + ($1[1].flatMap { Int($0) } ?? 0) })
    }
}

/// Which streams found no more of their batches in the file.
final class StreamEnds: @unchecked Sendable {
    private let lock = NSLock()
    private var ended: [Bool]

    init(_ streams: Int) { ended = Array(repeating: false, count: streams) }

    func end(_ stream: Int) { lock.withLock { ended[stream] = true } }

    var all: Bool { lock.withLock { ended.allSatisfy { $0 } } }
}

/// One stream of ``Loader/loadStreams``: its own connection and reader of the whole file; it
/// passes over the other streams' batches.
struct BatchStream: Sendable {
    /// How far behind a stream its file's cached pages are dropped: 64 MiB beyond one round of
    /// batches (every stream's, allowing 512 bytes a row; an entry row is about 160), as the
    /// streams take turns. A stream lagging the others by more than that reads their pages from
    /// disk again: it costs time, never a row.
    var dropLag: Int { (64 << 20) + streams * batchSize * 512 }
    var connInfo: String
    var path: String
    var table: TargetTable
    var stream: Int
    var streams: Int
    var firstBatch: Int
    /// The step's batches (0-based) already committed.
    var committed: Set<Int>
    var runID: Int
    var entity: String
    var kind: String
    var batchSize: Int
    var logger: Logger
    /// Told the member each batch starts with and each commit, for the ledger's read-back.
    var frontier: EntryFrontier?
    /// ``Loader/binaryCopy``.
    var binaryCopy: Bool

    func run(_ shared: PartitionStreams, _ ends: StreamEnds) {
        do throws(MigrationError) {
            let reader = try StageFileReader(path: path, expecting: table.columns)
            // Every stream reads the whole file, each about where the others are: pages well
            // behind this one leave the cache, for PostgreSQL's writes.
            reader.dropCachedPages(behind: dropLag)
            var batch = stream
            // False when the file ends before `lines` more rows are passed over.
            func pass(_ lines: Int) throws(MigrationError) -> Bool {
                var passed = 0
                while passed < lines {
                    // The stream that sends these rows checks them.
                    let read = try reader.passLines(maxLines: lines - passed)
                    guard read > 0 else { return false }
                    passed += read
                }
                return true
            }
            guard try pass(batch * batchSize) else { return ends.end(stream) }
            let connection = try PostgresConnection(connInfo, logger: logger)
            var loader = Loader(connection: connection, batchSize: batchSize, logger: logger)
            loader.binaryCopy = binaryCopy
            let target = try loader.copyInto(table, path: path)
            while true {
                if committed.contains(batch) {
                    guard try pass(batchSize) else { return ends.end(stream) }
                } else {
                    guard shared.take() else {
                        // Stopped by the budget: ended only if none of its batches is left (a peek).
                        if try reader.nextLines(maxLines: 1, { _ in }) == 0 { ends.end(stream) }
                        return
                    }
                    let rows = try loader.loadBatch(
                        runID: runID, batchNo: firstBatch + batch, entity: entity, kind: kind, tables: [table.name]
                    ) { digest throws(MigrationError) in
                        var first = true
                        return try loader.copy(reader, target, runID: runID, batchNo: firstBatch + batch) { bytes in
                            if first, let frontier {
                                first = false
                                // The batch's first line starts with its member id.
                                if let member = CopyText.leadingInt64(bytes) { frontier.starting(batch: batch, memberID: member) }
                            }
                            digest(bytes)
                        }
                    }
                    guard rows > 0 else {
                        shared.giveBack()
                        return ends.end(stream)
                    }
                    shared.committed(batch: firstBatch + batch, rows: rows, entity: entity, kind: kind, logger: logger)
                    frontier?.committed(batch: batch)
                    guard rows == batchSize else { return ends.end(stream) }
                }
                guard try pass((streams - 1) * batchSize) else { return ends.end(stream) }
                batch += streams
            }
        } catch {
            shared.fail(error)
        }
    }
}

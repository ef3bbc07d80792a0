import Crypto
import Foundation
import Logging

/// The wallet entries of a first load into a hash-partitioned `mlm.wallet_entries`
/// (``EntryPartitions``): one `COPY` stream per partition at once, each on its own thread and
/// connection, straight into its partition table (rows routed by ``PostgresHashPartition``).
///
/// Every batch is its own transaction with its manifest row, as in ``Loader/load``. Batch
/// numbers are fixed in advance (partition 0's batches, then partition 1's...), so a load
/// killed anywhere and resumed numbers every row as an uninterrupted one does.
extension Loader {
    /// Loads `step` (the entries) into `partitions` partitions after what earlier calls
    /// committed; returns the step's rows in the target, and whether that is all of its file.
    func loadPartitioned(
        _ step: LoadStep, partitions: Int, in directory: String, runID: Int, after earlier: [LoadStep],
        summary: inout LoadSummary, budget: inout Int?, tracker: LoadProgress?
    ) throws(MigrationError) -> (rows: Int, atEnd: Bool) {
        guard let (file, table) = step.files.first else { return (0, true) }
        let path = file.path(in: directory)
        let counts = try PartitionLines.counts(path: path, columns: table.columns, modulus: partitions)
        let committed = try committedPartitions(runID: runID, step: step, partitions: partitions)
        for (remainder, done) in committed.rows.enumerated() where done > counts[remainder] {
            throw MigrationError(
                .workdirCorrupt,
                "\(path) has fewer rows for \(EntryPartitions.partitionName(remainder)) than the target already holds "
                    + "for this run; run transform again into an empty target"
            )
        }
        let start = try batchesBefore(runID: runID, earlier: earlier)
        var first: [Int] = []
        var next = start + 1
        for count in counts {
            first.append(next)
            next += (count + batchSize - 1) / batchSize
        }
        let shared = PartitionStreams(budget: budget, tracker: tracker, highest: summary.batches)
        let group = DispatchGroup()
        let connInfo = connection.siblingConnInfo
        // With the budget spent (a paused load), nothing is started: only the counts are read.
        for remainder in 0..<partitions where committed.rows[remainder] < counts[remainder] && budget != 0 {
            let stream = PartitionStream(
                connInfo: connInfo, path: path, table: table, remainder: remainder, modulus: partitions, runID: runID,
                skip: committed.rows[remainder], firstBatch: first[remainder] + committed.batches[remainder],
                entity: step.entity, kind: step.kind, batchSize: batchSize, logger: logger, binaryCopy: binaryCopy
            )
            group.enter()
            let thread = Thread {
                stream.run(shared)
                group.leave()
            }
            thread.name = "mlm-migrate.copy.\(remainder)"
            thread.start()
        }
        group.wait()
        if let error = shared.error { throw error }
        budget = shared.budget
        let loaded = committed.rows.reduce(0, +) + shared.rows
        let atEnd = loaded == counts.reduce(0, +)
        summary.batches = atEnd ? max(summary.batches, next - 1) : max(summary.batches, shared.highest)
        logger.info("loaded wallet entries in partitions", metadata: [
            "partitions": "\(partitions)", "rows": "\(loaded)",
        ])
        return (loaded, atEnd)
    }

    /// Rows and batches already committed per partition for this run's step (from the batch
    /// manifests, which count each batch's rows under its partition's table too).
    private func committedPartitions(
        runID: Int, step: LoadStep, partitions: Int
    ) throws(MigrationError) -> (rows: [Int], batches: [Int]) {
        var rows = Array(repeating: 0, count: partitions)
        var batches = Array(repeating: 0, count: partitions)
        let names = (0..<partitions).map(EntryPartitions.partitionName)
        for row in try connection.query("""
            SELECT t.key, sum(t.value::bigint), count(*)
            FROM mlm_migration.batches b, jsonb_each_text(b.rows_by_table) t
            WHERE b.run_id = $1::bigint AND b.entity = $2 AND b.kind = $3 GROUP BY t.key
            """, [String(runID), step.entity, step.kind], what: "reading the committed batches of each partition") {
            guard let name = row[0], let remainder = names.firstIndex(of: name) else { continue }
            rows[remainder] = row[1].flatMap { Int($0) } ?? 0
            batches[remainder] = row[2].flatMap { Int($0) } ?? 0
        }
        return (rows, batches)
    }

    /// The highest batch number the steps before this one committed.
    func batchesBefore(runID: Int, earlier: [LoadStep]) throws(MigrationError) -> Int {
        let keys = "{" + earlier.map(\.manifestKey).joined(separator: ",") + "}"
        return Int(try connection.scalar("""
            SELECT coalesce(max(batch_no), 0) FROM mlm_migration.batches
            WHERE run_id = $1::bigint AND entity || '/' || kind = ANY($2::text[])
            """, [String(runID), keys]) ?? "0") ?? 0
    }

    /// Copies up to `batchSize` of a partition's rows into `target` as batch `batchNo`;
    /// `digest` sees the text of every row sent.
    func copy(
        _ lines: PartitionLines, _ target: CopyInto, runID: Int, batchNo: Int, _ digest: (UnsafeRawBufferPointer) -> Void
    ) throws(MigrationError) -> Int {
        try target.copy(
            lines, maxLines: batchSize, on: connection, runID: runID, batchNo: batchNo,
            place: { "batch \(batchNo)'s row (number \($0 + 1) of a chunk sent)" }, digest: digest
        )
    }
}

/// What the parallel streams share, behind one lock: the batch budget, the first error (which
/// stops the others after their current batch), the rows committed and the progress.
final class PartitionStreams: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var budget: Int?
    private(set) var error: MigrationError?
    private(set) var rows = 0
    private(set) var highest: Int
    private let tracker: LoadProgress?

    init(budget: Int?, tracker: LoadProgress?, highest: Int) {
        self.budget = budget
        self.tracker = tracker
        self.highest = highest
    }

    /// Takes one batch from the budget; false once it is spent or a stream has failed.
    func take() -> Bool {
        lock.withLock {
            guard error == nil, budget != 0 else { return false }
            budget = budget.map { $0 - 1 }
            return true
        }
    }

    /// Gives back a batch taken but not used (the partition had no rows left).
    func giveBack() { lock.withLock { budget = budget.map { $0 + 1 } } }

    func committed(batch: Int, rows added: Int, entity: String, kind: String, logger: Logger) {
        lock.withLock {
            rows += added
            highest = max(highest, batch)
            tracker?.committed(batch: batch, rows: added, entity: entity, kind: kind, logger: logger)
        }
    }

    func fail(_ failure: MigrationError) { lock.withLock { if error == nil { error = failure } } }
}

/// One partition's stream: its own connection and reader, its batches numbered from `firstBatch`.
struct PartitionStream: Sendable {
    var connInfo: String
    var path: String
    var table: TargetTable
    var remainder: Int
    var modulus: Int
    var runID: Int
    var skip: Int
    var firstBatch: Int
    var entity: String
    var kind: String
    var batchSize: Int
    var logger: Logger
    /// ``Loader/binaryCopy``.
    var binaryCopy: Bool

    func run(_ shared: PartitionStreams) {
        do throws(MigrationError) {
            let connection = try PostgresConnection(connInfo, logger: logger)
            var loader = Loader(connection: connection, batchSize: batchSize, logger: logger)
            loader.binaryCopy = binaryCopy
            let lines = try PartitionLines(path: path, columns: table.columns, remainder: remainder, modulus: modulus)
            var skipped = 0
            while skipped < skip {
                let passed = try lines.next(maxLines: skip - skipped) { _ in }
                guard passed > 0 else { break }
                skipped += passed
            }
            let partition = EntryPartitions.partitionName(remainder)
            let target = try loader.copyInto(table, name: partition, path: path)
            var batchNo = firstBatch
            while shared.take() {
                let rows = try loader.loadBatch(
                    runID: runID, batchNo: batchNo, entity: entity, kind: kind, tables: [table.name, partition]
                ) { digest throws(MigrationError) in
                    try loader.copy(lines, target, runID: runID, batchNo: batchNo, digest)
                }
                guard rows > 0 else {
                    shared.giveBack()
                    break
                }
                shared.committed(batch: batchNo, rows: rows, entity: entity, kind: kind, logger: logger)
                batchNo += 1
            }
        } catch {
            shared.fail(error)
        }
    }
}

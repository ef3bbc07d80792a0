import Foundation
import Logging

/// How far a load is: batches and rows committed of those planned, rows per second since this
/// call began, and the estimated time left. The same figures `mlm-migrate status` reads from the
/// target; the load logs them with every committed batch (at `info`) and draws them on its
/// progress line. Counts only, never row contents.
final class LoadProgress {
    let runID: Int
    private(set) var plannedBatches: Int?
    private(set) var plannedRows: Int?
    private let started = Date()
    private let rowsAtStart: Int
    private(set) var batches: Int
    private(set) var rows: Int

    init(runID: Int, plannedBatches: Int?, plannedRows: Int?, committedBatches: Int, committedRows: Int) {
        self.runID = runID
        self.plannedBatches = plannedBatches
        self.plannedRows = plannedRows
        batches = committedBatches
        rows = committedRows
        rowsAtStart = committedRows
    }

    /// The whole plan, once the files a load began without (Transform still writing them) are there.
    func replan(batches: Int?, rows: Int?) {
        plannedBatches = batches
        plannedRows = rows
    }

    /// Rows per second committed by this call so far.
    var rowsPerSecond: Double {
        Double(rows - rowsAtStart) / max(Date().timeIntervalSince(started), 0.001)
    }

    /// Seconds left at the current rate; nil when the plan or the rate is unknown.
    var secondsLeft: Double? {
        guard let plannedRows, rowsPerSecond > 0 else { return nil }
        return Double(max(plannedRows - rows, 0)) / rowsPerSecond
    }

    func committed(batch: Int, rows added: Int, entity: String, kind: String, logger: Logger) {
        batches = batch
        rows += added
        var metadata: Logger.Metadata = [
            "run_id": "\(runID)", "batch": "\(batch)", "entity": "\(entity)", "kind": "\(kind)", "rows": "\(added)",
            "rows_committed": "\(rows)", "rows_per_second": "\(Int(rowsPerSecond))",
            "elapsed_seconds": "\(Int(Date().timeIntervalSince(started)))",
        ]
        if let plannedBatches { metadata["planned_batches"] = "\(plannedBatches)" }
        if let plannedRows { metadata["planned_rows"] = "\(plannedRows)" }
        if let secondsLeft { metadata["seconds_left"] = "\(Int(secondsLeft))" }
        logger.info("batch committed", metadata: metadata)
    }

    /// The progress line's figures: `batch 12 of 40, 1:02 elapsed, about 2:30 left`.
    var line: String {
        var text = "batch \(batches)" + (plannedBatches.map { " of \($0)" } ?? "")
        text += ", \(Self.clock(Date().timeIntervalSince(started))) elapsed"
        if let secondsLeft { text += ", about \(Self.clock(secondsLeft)) left" }
        return text
    }

    /// `75` as `1:15`, `3725` as `1:02:05`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        let mmss = String(format: "%02d:%02d", minutes, secs)
        return hours > 0 ? "\(hours):\(mmss)" : "\(minutes):" + String(format: "%02d", secs)
    }
}

extension Loader {
    /// The batches and rows a first load of `steps` writes: each step's stage file rows, in
    /// batches of ``batchSize`` (a step takes `ceil(rows / batchSize)` batches). Counts lines;
    /// a stage file holds one row a line after its header.
    func plan(_ steps: [LoadStep], in directory: String) -> (batches: Int, rows: Int)? {
        Self.plan(steps, in: directory, batchSize: batchSize)
    }

    static func plan(_ steps: [LoadStep], in directory: String, batchSize: Int) -> (batches: Int, rows: Int)? {
        var batches = 0
        var rows = 0
        for step in steps {
            guard let file = step.files.first, let lines = Self.lineCount(file.file.path(in: directory)) else { return nil }
            let stepRows = max(lines - 1, 0)
            rows += stepRows
            batches += (stepRows + batchSize - 1) / batchSize
        }
        return (batches, rows)
    }

    /// Newlines in the file (``ByteCount``, over 1 MiB chunks: a `memchr` call per line here
    /// held the load up a second for 10M entries before its ledger steps, a byte-by-byte `Data`
    /// iteration once half of the load's own CPU time).
    static func lineCount(_ path: String) -> Int? {
        guard let reader = try? ChunkedFileReader(path: path) else { return nil }
        var lines = 0
        do {
            while try reader.nextChunk({ lines += ByteCount.occurrences(of: 0x0A, in: $0) }) {}
        } catch {
            return nil
        }
        return lines
    }
}

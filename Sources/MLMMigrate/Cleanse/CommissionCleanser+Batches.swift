import Foundation

/// The row rules of the commission Cleanse on batches of extract lines, run on two threads while
/// the next batch is read (see ``BatchPool``); results come back in source order, so the
/// quarantine, the counts and the written files are exactly those of one thread.
extension CommissionCleanser {
    /// Lines read per batch.
    static let batchLines = 10_000

    /// One extract row after the rules, the entity's check and (second pass) the duplicate
    /// check: its source fields are kept when it is rejected (for the quarantine payload).
    struct CheckedRow: Sendable {
        var row: CommissionRow
        var raw: [String?]?
    }

    /// What the pool's threads made of a batch: the keys of the rows the rules accept (first
    /// pass), or every row and the accepted rows' cleansed lines as COPY text (second pass).
    struct CheckedBatch: Sendable {
        var keys: [String] = []
        var rows: [CheckedRow] = []
        var written: [UInt8] = []
        var lines = 0
    }

    /// What the second pass knows: how many rows share each key, the reason for a shared one,
    /// and how an accepted row is written (rows of `width` fields).
    struct SecondPass: Sendable {
        var seen: KeyCounts
        var duplicate: ReasonCode
        var write: @Sendable (CommissionRow) -> [[String?]]
        var width: Int
    }

    /// Reads `path` in batches, applies the rules, `check` and `key` (and in the `second` pass
    /// the duplicate check and `write`) to each row on the pool's threads, and hands each
    /// batch to `take` in source order.
    static func checkBatches(
        path: String, columns: [String], rules: RulesPool, key: @escaping @Sendable (CommissionRow) -> String?,
        check: @escaping @Sendable (inout CommissionRow) -> Void, second: SecondPass?,
        take: (CheckedBatch) throws(MigrationError) -> Void
    ) throws(MigrationError) {
        let reader = try StageFileReader(path: path, expecting: columns)
        let pool = BatchPool<CheckedBatch>(workers: 2)
        while true {
            var chunk: [UInt8] = []
            guard try reader.nextLines(maxLines: batchLines, { chunk.append(contentsOf: $0) }) > 0 else { break }
            let lines = chunk
            let job: @Sendable () -> CheckedBatch = {
                rules.borrow { checkLines(lines, rules: $0, key: key, check: check, second: second) }
            }
            try pool.submit(job, deliver: take)
        }
        try pool.finish(deliver: take)
    }

    /// Applies the rules to each line (COPY text, newline-terminated) of `lines`.
    private static func checkLines(
        _ lines: [UInt8], rules: CommissionRowRules, key: (CommissionRow) -> String?,
        check: (inout CommissionRow) -> Void, second: SecondPass?
    ) -> CheckedBatch {
        var out = CheckedBatch()
        BatchLines.forEachRow(lines) { raw in
            var row = rules.apply(raw)
            check(&row)
            let rowKey = row.rejection == nil ? key(row) : nil
            guard let second else {
                if let rowKey { out.keys.append(rowKey) }
                return
            }
            if let rowKey, case let shared = second.seen.count(rowKey), shared > 1 {
                row.reject(second.duplicate, "key", detail: "\(shared) rows share this key")
            }
            if row.rejection == nil {
                for fields in second.write(row) {
                    precondition(fields.count == second.width, "stage row width must match its header")
                    CopyText.encodeRow(fields, into: &out.written)
                    out.lines += 1
                }
            }
            out.rows.append(CheckedRow(row: row, raw: row.rejection == nil ? nil : raw))
        }
        return out
    }

    /// Row rules for the pool's threads: a job borrows an instance for its batch, so no two
    /// threads share one, and a rule's caches (a time zone's offsets) stay warm across batches.
    final class RulesPool: @unchecked Sendable {
        private let lock = NSLock()
        private var idle: [CommissionRowRules] = []
        private let make: @Sendable () -> CommissionRowRules

        init(_ make: @escaping @Sendable () -> CommissionRowRules) {
            self.make = make
        }

        func borrow<R>(_ body: (CommissionRowRules) -> R) -> R {
            lock.lock()
            let rules = idle.popLast()
            lock.unlock()
            let used = rules ?? make()
            defer {
                lock.lock()
                idle.append(used)
                lock.unlock()
            }
            return body(used)
        }
    }
}

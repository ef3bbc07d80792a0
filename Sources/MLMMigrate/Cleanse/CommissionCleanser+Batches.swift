import Foundation

/// The row rules of the commission Cleanse on batches of extract lines, run on two threads while
/// the next batch is read (see ``BatchPool``); results come back in source order, so the
/// quarantine, the counts and the written files are exactly those of one thread.
extension CommissionCleanser {
    /// Lines read per batch.
    static let batchLines = 10_000

    /// One extract row after the rules and the entity's check: the key it counts under (nil when
    /// rejected or keyless), and its source fields when asked for (a quarantine row's payload).
    struct CheckedRow: Sendable {
        var row: CommissionRow
        var key: String?
        var raw: [String?]?
    }

    /// Reads `path` in batches, applies the rules, `check` and `key` to each row on the pool's
    /// threads, and hands each batch's rows to `take` in source order; `keepRaw` keeps every
    /// row's source fields (a row the rules accept may yet be quarantined as a duplicate).
    static func checkBatches(
        path: String, columns: [String], rules: RulesPool, keepRaw: Bool, key: @escaping @Sendable (CommissionRow) -> String?,
        check: @escaping @Sendable (inout CommissionRow) -> Void, take: ([CheckedRow]) throws(MigrationError) -> Void
    ) throws(MigrationError) {
        let reader = try StageFileReader(path: path, expecting: columns)
        let pool = BatchPool<[CheckedRow]>(workers: 2)
        while true {
            var chunk: [UInt8] = []
            guard try reader.nextLines(maxLines: batchLines, { chunk.append(contentsOf: $0) }) > 0 else { break }
            let lines = chunk
            try pool.submit({ rules.borrow { checkLines(lines, rules: $0, keepRaw: keepRaw, key: key, check: check) } }, deliver: take)
        }
        try pool.finish(deliver: take)
    }

    /// Applies the rules to each line (COPY text, newline-terminated) of `lines`.
    private static func checkLines(
        _ lines: [UInt8], rules: CommissionRowRules, keepRaw: Bool, key: (CommissionRow) -> String?, check: (inout CommissionRow) -> Void
    ) -> [CheckedRow] {
        var out: [CheckedRow] = []
        lines.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                var end = start
                while end < all.count && all[end] != 0x0A { end += 1 }
                let raw = CopyText.decodeRow(UnsafeBufferPointer(rebasing: all[start..<end]))
                start = end + 1
                var row = rules.apply(raw)
                check(&row)
                let rejected = row.rejection != nil
                out.append(CheckedRow(row: row, key: rejected ? nil : key(row), raw: keepRaw || rejected ? raw : nil))
            }
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

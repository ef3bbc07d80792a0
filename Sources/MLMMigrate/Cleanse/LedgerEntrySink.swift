import Glibc

/// The ledger Cleanse's accepted entries on their way to `cleanse/wallet_entries.tsv`, with
/// duplicate transaction ids found (``LedgerCleanser``).
///
/// An export in transaction-id order (the common case: rows dumped in primary-key order) needs
/// no sort. While each key is above the last one written, rows go straight to the stage file;
/// a row whose key is below it (a late row: a retried payment appended at the end), or equal to
/// it under `keep_first`, is held in memory instead. At the end each held row is looked up in
/// the file (``SortedLineFile``): under `keep_first` one that repeats a written row is a
/// duplicate (the written row came first), and the held rows left are decided among themselves
/// and appended in key order. The file is then written once. Anything else (a repeated id among
/// written rows or a held row that repeats a written one, under `quarantine_all`: the written row
/// must come out; more than ``defaultHeldLimit`` held rows) reads the written rows back into the
/// external sort, in the order they came, and the held rows after them: among equal keys that is
/// still their order of arrival (a row is held only when its key is not above one already
/// written, so no row with its key was written after it), so the sort's output, and the stage
/// file, are those of a Cleanse that sorted from the start.
final class LedgerEntrySink {
    /// Held rows before the sink gives up the straight write: each costs a binary search of
    /// the written file at the end (about 50 `pread`s at 10M entries), so a few thousand at most.
    static let defaultHeldLimit = 4_096
    /// Bytes of held rows (keys and payloads) before the sink gives up the straight write.
    static let heldBytesLimit = 16 << 20
    private let heldLimit: Int

    let path: String
    let sorter: ExternalSorter
    private let keepFirst: Bool
    private let aside: String
    /// The straight write; nil once the rows go through the sort.
    private var writer: StageFileWriter?
    /// Whether two adjacent written rows had one key.
    private var duplicates = false
    private var lastKey: [UInt8] = []
    private var held: [UInt8] = []
    private var heldRecords: [(key: Range<Int>, payload: Range<Int>)] = []

    /// Opens `path` for the straight write; `scratch` (same file system) takes it aside if it
    /// must be sorted. `keepFirst`: the duplicate policy keeps a transaction id's first row.
    init(path: String, scratch: String, sorter: ExternalSorter, keepFirst: Bool, heldLimit: Int = defaultHeldLimit) throws(MigrationError) {
        self.path = path
        self.heldLimit = heldLimit
        self.sorter = sorter
        self.keepFirst = keepFirst
        aside = "\(scratch)/.cleanse-wallet-entries.in-order"
        writer = try StageFileWriter(path: path, columns: LedgerStageLayout.cleansedEntries)
    }

    /// Rows written straight (held rows not included), once ``finish(_:)`` says none were sorted.
    private(set) var straightRows = 0

    /// Takes a batch's accepted records (key and payload ranges of `bytes`), in source order.
    func append(_ bytes: [UInt8], records: [(key: Range<Int>, payload: Range<Int>)]) throws(MigrationError) {
        guard !records.isEmpty else { return }
        try MigrationError.typed {
            try bytes.withUnsafeBytes { all in
                guard let writer else {
                    try sort(all, records)
                    return
                }
                var last: Range<Int>?
                try lastKey.withUnsafeBytes { written in
                    for record in records {
                        let key = UnsafeRawBufferPointer(rebasing: all[record.key])
                        if writer.rowCount > 0 {
                            let previous = last.map { UnsafeRawBufferPointer(rebasing: all[$0]) } ?? written
                            let order = ExternalSorter.compare(key, previous)
                            // Under keep_first a repeat of the last written id is held too: the
                            // lookup at the end finds the written row, and no row comes out.
                            if order < 0 || (order == 0 && keepFirst) {
                                hold(key, UnsafeRawBufferPointer(rebasing: all[record.payload]))
                                continue
                            }
                            if order == 0 { duplicates = true }
                        }
                        try writer.append(encodedLine: UnsafeRawBufferPointer(rebasing: all[record.payload]))
                        last = record.key
                    }
                }
                if let last {
                    lastKey.removeAll(keepingCapacity: true)
                    lastKey.append(contentsOf: all[last])
                }
                if heldRecords.count > heldLimit || held.count > Self.heldBytesLimit { try sortEverything(writer) }
            }
        }
    }

    /// Hands records (key and payload ranges of `bytes`) to the sort, in order.
    private func sort(_ bytes: UnsafeRawBufferPointer, _ records: [(key: Range<Int>, payload: Range<Int>)]) throws(MigrationError) {
        for record in records {
            try sorter.append(key: UnsafeRawBufferPointer(rebasing: bytes[record.key]), payload: UnsafeRawBufferPointer(rebasing: bytes[record.payload]))
        }
    }

    private func hold(_ key: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer) {
        let start = held.count
        held.append(contentsOf: key)
        held.append(contentsOf: payload)
        heldRecords.append((start..<start + key.count, start + key.count..<held.count))
    }

    /// Calls `body` with the records still to decide, in key order (equal keys in the order
    /// they came), and the stage file to write those it accepts to, which the caller closes once
    /// `body` has had the last record. `sorted` false: the rows came in order, are written, and
    /// `body` gets only the held rows, each with the number of written rows that share its key
    /// (0 or 1); they are appended. `sorted` true: a new stage file, and `body` gets every
    /// record (0 written).
    func finish(
        _ body: (_ output: StageFileWriter, _ key: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer, _ written: Int)
            throws(MigrationError) -> Void
    ) throws(MigrationError) -> (output: StageFileWriter, sorted: Bool) {
        if let writer, !duplicates, let lookups = try lookUpHeld(writer) {
            let order = heldOrder()
            straightRows = writer.rowCount
            try MigrationError.typed {
                try held.withUnsafeBytes { all in
                    for index in order {
                        let record = heldRecords[index]
                        try body(writer, UnsafeRawBufferPointer(rebasing: all[record.key]), UnsafeRawBufferPointer(rebasing: all[record.payload]), lookups[index])
                    }
                }
            }
            return (writer, false)
        }
        if let writer { try sortEverything(writer) }
        let output = try StageFileWriter(path: path, columns: LedgerStageLayout.cleansedEntries)
        try sorter.finish { key, payload throws(MigrationError) in try body(output, key, payload, 0) }
        return (output, true)
    }

    /// How many written rows share each held row's key; nil when a held row repeats a written
    /// one and the policy must then take the written row out (`quarantine_all`).
    private func lookUpHeld(_ writer: StageFileWriter) throws(MigrationError) -> [Int]? {
        guard !heldRecords.isEmpty else { return [] }
        try writer.flush()
        let file = try SortedLineFile(path: path, keyOf: Self.key(ofLine:))
        var counts: [Int] = []
        for record in heldRecords {
            let count = try file.count(of: Array(held[record.key]))
            if count > 0 && !keepFirst { return nil }
            counts.append(count)
        }
        return counts
    }

    /// The held rows' indexes in key order, equal keys in the order they came.
    private func heldOrder() -> [Int] {
        held.withUnsafeBytes { all in
            heldRecords.indices.sorted { a, b in
                let order = ExternalSorter.compare(
                    UnsafeRawBufferPointer(rebasing: all[heldRecords[a].key]), UnsafeRawBufferPointer(rebasing: all[heldRecords[b].key])
                )
                return order != 0 ? order < 0 : a < b
            }
        }
    }

    /// Leaves the straight write: the written rows go to the sort in the order they came, then
    /// the held ones.
    private func sortEverything(_ writer: StageFileWriter) throws(MigrationError) {
        self.writer = nil
        try writer.close(sync: false)
        guard rename(path, aside) == 0 else {
            throw MigrationError(.workdirUnwritable, "cannot move \(path) aside to sort it: \(String(cString: strerror(errno)))")
        }
        let reader = try StageFileReader(path: aside, expecting: LedgerStageLayout.cleansedEntries)
        unlink(aside)
        while true {
            let read = try reader.nextLines(maxLines: 4_096) { chunk throws(MigrationError) in
                var start = chunk.startIndex
                while start < chunk.endIndex, let newline = chunk[start...].firstIndex(of: 0x0A) {
                    let line = UnsafeRawBufferPointer(rebasing: chunk[start...newline])
                    let key = try Self.key(ofLine: line)
                    try MigrationError.typed { try key.withUnsafeBytes { try sorter.append(key: $0, payload: line) } }
                    start = newline + 1
                }
            }
            guard read > 0 else { break }
        }
        try MigrationError.typed { try held.withUnsafeBytes { try sort($0, heldRecords) } }
        held = []
        heldRecords = []
    }

    /// The sort key of a cleansed entry's line: its legacy transaction id's text (the third
    /// field, unescaped), as ``LedgerCleanser/check(_:entity:sign:directory:plain:)`` made it.
    static func key(ofLine line: UnsafeRawBufferPointer) throws(MigrationError) -> [UInt8] {
        var start = line.startIndex
        for _ in 0..<2 {
            guard let tab = line[start...].firstIndex(of: 0x09) else {
                throw MigrationError(.workdirCorrupt, "a cleansed wallet entry lost its fields before its sort; run cleanse again")
            }
            start = tab + 1
        }
        let end = line[start...].firstIndex(where: { $0 == 0x09 || $0 == 0x0A }) ?? line.endIndex
        var key: [UInt8] = []
        UnsafeRawBufferPointer(rebasing: line[start..<end]).withMemoryRebound(to: UInt8.self) { CopyText.appendText(of: $0, to: &key) }
        return key
    }
}

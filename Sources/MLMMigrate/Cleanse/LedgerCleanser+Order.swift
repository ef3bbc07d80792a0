/// The accepted entries on their way to `cleanse/wallet_entries.tsv`, which lists them in
/// legacy transaction id order (byte order, as ``ExternalSorter`` sorts) with duplicate ids
/// grouped for the duplicate policy.
///
/// While the ids come strictly increasing (an export listed by its transaction id, the usual
/// case) each entry is written straight to the file: the order is already right and no id can
/// repeat, so there is nothing to sort. At the first id that is not greater than the one
/// before, the entries written so far are read back into the external sort and every later one
/// goes there too; ``LedgerCleanser`` then writes the file from the sort as always. Either way
/// the file holds the same bytes.
final class AcceptedEntries {
    private let path: String
    private let sorter: ExternalSorter
    private var writer: StageFileWriter?
    private var lastKey: [UInt8] = []
    private var hasLast = false

    init(path: String, sorter: ExternalSorter) throws(MigrationError) {
        self.path = path
        self.sorter = sorter
        writer = try StageFileWriter(path: path, columns: LedgerStageLayout.cleansedEntries)
    }

    /// Entries written straight to the file (all of them, while ``sorted`` holds).
    var written: Int { writer?.rowCount ?? 0 }

    /// True while every id so far came after the one before.
    var sorted: Bool { writer != nil }

    /// Takes one accepted entry: its transaction id (`key`) and its cleansed row, newline included.
    func append(key: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) throws(MigrationError) {
        if let writer {
            if !hasLast || Self.after(key, lastKey) {
                try writer.append(encodedLine: payload)
                lastKey.removeAll(keepingCapacity: true)
                lastKey.append(contentsOf: key)
                hasLast = true
                return
            }
            try moveToSort(writer)
        }
        try sorter.append(key: key, payload: payload)
    }

    /// Closes the file when it is complete (every entry came in order); false when the sort holds them.
    func finish() throws(MigrationError) -> Bool {
        guard let writer else { return false }
        try writer.close()
        return true
    }

    static func after(_ key: UnsafeRawBufferPointer, _ last: [UInt8]) -> Bool {
        last.withUnsafeBytes { ExternalSorter.compare(key, $0) > 0 }
    }

    /// The entries written so far go into the sort, read back from the file.
    private func moveToSort(_ writer: StageFileWriter) throws(MigrationError) {
        try writer.close()
        self.writer = nil
        let reader = try StageFileReader(path: path, expecting: LedgerStageLayout.cleansedEntries)
        let keyField = LedgerStageLayout.cleansedEntries.firstIndex(of: "legacy_txn_id") ?? 2
        while var line = try reader.nextRawLine() {
            let key = line.withUnsafeBufferPointer { CopyText.decodeRow($0)[keyField] ?? "" }
            line.append(0x0A)
            try sorter.append(key: Array(key.utf8), payload: line)
        }
    }
}

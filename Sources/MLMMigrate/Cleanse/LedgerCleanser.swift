public import Logging

/// What Cleanse decided about the ledger: rows per entity, control totals per currency.
public struct LedgerCleanseSummary: Codable, Sendable, Equatable {
    public var entries: EntityCounts
    public var balances: EntityCounts?
    public var totals: [CurrencyTotals]
    /// Quarantined entries whose amount could not be valued, so they are in no total.
    public var unvaluedQuarantined: Int
    /// Amounts snapped from floating-point artefacts to the nearest minor unit.
    public var snappedAmounts: Int
}

/// Where the ledger Cleanse reads and writes.
public struct LedgerCleansePaths: Sendable {
    public var entriesExtract: String
    public var balancesExtract: String?
    public var membersExtract: String
    public var membersCleansed: String
    public var entries: String
    public var balances: String
    public var quarantine: String
    /// A directory for the sort's scratch runs.
    public var scratch: String

    public init(entriesExtract: String, balancesExtract: String?, membersExtract: String, membersCleansed: String, entries: String, balances: String, quarantine: String, scratch: String) {
        self.entriesExtract = entriesExtract
        self.balancesExtract = balancesExtract
        self.membersExtract = membersExtract
        self.membersCleansed = membersCleansed
        self.entries = entries
        self.balances = balances
        self.quarantine = quarantine
        self.scratch = scratch
    }
}

/// Cleanse for the ledger: applies ``WalletRowRules`` to every entry and balance row, finds
/// duplicate transaction ids (``LedgerEntrySink``: entries in transaction-id order written as
/// they come, any others through an external sort; memory stays flat in the number of entries),
/// and writes accepted rows to `cleanse/wallet_entries.tsv` and `cleanse/wallet_balances.tsv`,
/// rejected ones to `cleanse/ledger_quarantine.tsv`.
/// Runs after the members' Cleanse: entries of quarantined members are quarantined too.
public struct LedgerCleanser {
    public let mapping: LedgerMapping
    public let members: MembersMapping
    public let logger: Logger
    /// The member directories shared with the commission's Cleanse; nil: built from `paths`.
    public let directories: MemberDirectories?
    /// Called once every entry has been through the row rules, before the single-threaded rest
    /// (the sorted entries written, the balances): `run` starts the commission's Cleanse there.
    public var afterRowRules: (() -> Void)?
    /// Late entries held before the entries are sorted after all (``LedgerEntrySink``).
    var heldLimit = LedgerEntrySink.defaultHeldLimit

    public init(mapping: LedgerMapping, members: MembersMapping, logger: Logger, directories: MemberDirectories? = nil) {
        self.mapping = mapping
        self.members = members
        self.logger = logger
        self.directories = directories
    }

    public func run(paths: LedgerCleansePaths, progress: Bool? = nil) throws(MigrationError) -> LedgerCleanseSummary {
        // The member directory costs a read of both member files: built only when a wallet row needs it.
        let directories = directories ?? MemberDirectories(
            keys: [mapping.rules.memberKey], members: members, extractPath: paths.membersExtract, cleansedPath: paths.membersCleansed
        )
        func directory() throws(MigrationError) -> MemberDirectory { try directories.directory(mapping.rules.memberKey) }
        let quarantine = try StageFileWriter(path: paths.quarantine, columns: MemberStageLayout.quarantine)
        var summary = LedgerCleanseSummary(entries: EntityCounts(entity: "wallet_entries"), balances: nil, totals: [], unvaluedQuarantined: 0, snappedAmounts: 0)
        var totals = LedgerTotals()
        let sink = try LedgerEntrySink(
            path: paths.entries, scratch: paths.scratch, sorter: ExternalSorter(directory: paths.scratch, name: "cleanse-wallet-entries"),
            keepFirst: mapping.rules.duplicateTxnPolicy == .keepFirst, heldLimit: heldLimit
        )
        let reader = try StageFileReader(path: paths.entriesExtract, expecting: MemberStageLayout.extractBookkeeping + mapping.entries.columns.map(\.field))
        // Read once, start to end: its pages leave the cache as they are passed, for the writes.
        reader.dropCachedPages(behind: 0)
        let line = ProgressLine("cleanse wallet entries", enabled: progress)
        // Batches of lines go through the row rules on two threads; results are taken in order,
        // so the quarantine and the sort see rows exactly in source order.
        let pool = BatchPool<CheckedBatch>(workers: 2)
        func take(_ batch: CheckedBatch) throws(MigrationError) {
            summary.entries.extracted += batch.rows
            for row in batch.quarantine { try quarantine.append(row) }
            for reason in batch.reasons { summary.entries.quarantine(reason) }
            totals.add(batch.totals)
            summary.snappedAmounts += batch.snapped
            summary.unvaluedQuarantined += batch.unvalued
            try sink.append(batch.accepted, records: batch.records)
            line.update(summary.entries.extracted)
        }
        let (entity, sign) = (mapping.entries, mapping.rules.amountSign)
        while true {
            var chunk: [UInt8] = []
            guard try reader.nextLines(maxLines: 20_000, { chunk.append(contentsOf: $0) }) > 0 else { break }
            let (lines, members) = (chunk, try directory())
            try pool.submit({ Self.check(lines, entity: entity, sign: sign, directory: members) }, deliver: take)
        }
        try pool.finish(deliver: take)
        line.finish(summary.entries.extracted)
        afterRowRules?()
        try writeEntries(sink, quarantine: quarantine, summary: &summary, totals: &totals)
        summary.balances = try cleanseBalances(paths, directory: directory, quarantine: quarantine)
        try quarantine.close()
        summary.totals = totals.figures
        logger.info("cleansed wallet entries", metadata: [
            "accepted": "\(summary.entries.accepted)", "quarantined": "\(summary.entries.quarantined)", "snapped": "\(summary.snappedAmounts)",
        ])
        return summary
    }

    /// Writes the entries: each transaction id's rows follow the duplicate policy (see
    /// ``LedgerEntrySink`` for the order). Entries that came in order are written already.
    private func writeEntries(
        _ sink: LedgerEntrySink, quarantine: StageFileWriter, summary: inout LedgerCleanseSummary, totals: inout LedgerTotals
    ) throws(MigrationError) {
        // The records of one transaction id, packed in one reused buffer (no allocation per row),
        // and how many rows with that id the stage file holds already (kept).
        var group: [UInt8] = []
        var ranges: [Range<Int>] = []
        var groupKey: [UInt8] = []
        var groupWritten = 0
        func flush(_ writer: StageFileWriter) throws(MigrationError) {
            let rows = ranges.count + groupWritten
            for (index, range) in ranges.enumerated() {
                let first = index == 0 && groupWritten == 0
                if rows == 1 || (first && mapping.rules.duplicateTxnPolicy == .keepFirst) {
                    try MigrationError.typed { try group.withUnsafeBytes { try writer.append(encodedLine: UnsafeRawBufferPointer(rebasing: $0[range])) } }
                    summary.entries.accepted += 1
                    continue
                }
                let fields = group.withUnsafeBufferPointer { CopyText.decodeRow(UnsafeBufferPointer(rebasing: $0[range.dropLast()])) }
                let entry = CleansedEntryRow(fields)
                let values = zip(LedgerStageLayout.cleansedEntries.dropFirst(2), entry.fields.dropFirst(2)).map { ($0, $1) }
                try quarantine.append(QuarantineRow(
                    entity: "wallet_entries", source: entry.source, line: entry.line, legacyID: entry.legacyTxnID,
                    rejection: Rejection(.duplicateTxnID, column: "legacy_txn_id", detail: "\(rows) rows share this legacy transaction id"),
                    payload: JSONText.object(values)
                ))
                summary.entries.quarantine(.duplicateTxnID)
                if let currency = entry.currency, let minor = entry.amountMinor { totals.addQuarantined(currency, minor) }
            }
            group.removeAll(keepingCapacity: true)
            ranges.removeAll(keepingCapacity: true)
        }
        let (output, sorted) = try sink.finish { writer, key, payload, written throws(MigrationError) in
            if !ranges.isEmpty && !key.elementsEqual(groupKey) { try flush(writer) }
            if ranges.isEmpty {
                groupKey.removeAll(keepingCapacity: true)
                groupKey.append(contentsOf: key)
                groupWritten = written
            }
            ranges.append(group.count..<group.count + payload.count)
            group.append(contentsOf: payload)
        }
        try flush(output)
        try output.close()
        if !sorted { summary.entries.accepted += sink.straightRows }
    }
}

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
/// duplicate transaction ids with an external sort (memory stays flat in the number of
/// entries), and writes accepted rows to `cleanse/wallet_entries.tsv` (in legacy transaction
/// id order) and `cleanse/wallet_balances.tsv`, rejected ones to `cleanse/ledger_quarantine.tsv`.
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
        let sorter = ExternalSorter(directory: paths.scratch, name: "cleanse-wallet-entries")
        let reader = try StageFileReader(path: paths.entriesExtract, expecting: MemberStageLayout.extractBookkeeping + mapping.entries.columns.map(\.field))
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
            try MigrationError.typed {
                try batch.accepted.withUnsafeBytes { all in
                    for record in batch.records {
                        try sorter.append(key: UnsafeRawBufferPointer(rebasing: all[record.key]), payload: UnsafeRawBufferPointer(rebasing: all[record.payload]))
                    }
                }
            }
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
        try writeEntries(sorter, to: paths.entries, quarantine: quarantine, summary: &summary, totals: &totals)
        summary.balances = try cleanseBalances(paths, directory: directory, quarantine: quarantine)
        try quarantine.close()
        summary.totals = totals.figures
        logger.info("cleansed wallet entries", metadata: [
            "accepted": "\(summary.entries.accepted)", "quarantined": "\(summary.entries.quarantined)", "snapped": "\(summary.snappedAmounts)",
        ])
        return summary
    }

    /// Writes the sorted entries; rows sharing a transaction id follow the duplicate policy.
    private func writeEntries(_ sorter: ExternalSorter, to path: String, quarantine: StageFileWriter, summary: inout LedgerCleanseSummary, totals: inout LedgerTotals) throws(MigrationError) {
        let writer = try StageFileWriter(path: path, columns: LedgerStageLayout.cleansedEntries)
        // The records of one transaction id, packed in one reused buffer (no allocation per row).
        var group: [UInt8] = []
        var ranges: [Range<Int>] = []
        var groupKey: [UInt8] = []
        func flush() throws(MigrationError) {
            for (index, range) in ranges.enumerated() {
                if ranges.count == 1 || (index == 0 && mapping.rules.duplicateTxnPolicy == .keepFirst) {
                    try MigrationError.typed { try group.withUnsafeBytes { try writer.append(encodedLine: UnsafeRawBufferPointer(rebasing: $0[range])) } }
                    summary.entries.accepted += 1
                    continue
                }
                let fields = group.withUnsafeBufferPointer { CopyText.decodeRow(UnsafeBufferPointer(rebasing: $0[range.dropLast()])) }
                let entry = CleansedEntryRow(fields)
                let values = zip(LedgerStageLayout.cleansedEntries.dropFirst(2), entry.fields.dropFirst(2)).map { ($0, $1) }
                try quarantine.append(QuarantineRow(
                    entity: "wallet_entries", source: entry.source, line: entry.line, legacyID: entry.legacyTxnID,
                    rejection: Rejection(.duplicateTxnID, column: "legacy_txn_id", detail: "\(ranges.count) rows share this legacy transaction id"),
                    payload: JSONText.object(values)
                ))
                summary.entries.quarantine(.duplicateTxnID)
                if let currency = entry.currency, let minor = entry.amountMinor { totals.addQuarantined(currency, minor) }
            }
            group.removeAll(keepingCapacity: true)
            ranges.removeAll(keepingCapacity: true)
        }
        try sorter.finish { key, payload throws(MigrationError) in
            if !ranges.isEmpty && !key.elementsEqual(groupKey) { try flush() }
            if ranges.isEmpty {
                groupKey.removeAll(keepingCapacity: true)
                groupKey.append(contentsOf: key)
            }
            ranges.append(group.count..<group.count + payload.count)
            group.append(contentsOf: payload)
        }
        try flush()
        try writer.close()
    }
}

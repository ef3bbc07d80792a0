public import Logging

/// What the ledger Transform produced.
public struct LedgerTransformSummary: Codable, Sendable, Equatable {
    public var entries: Int
    public var wallets: Int
    /// Wallets whose recomputed balance differs from the legacy balance, or that have none.
    public var variances: Int
    public var quarantined: Int
    /// SHA-256 of `transform/wallet_entries.tsv` and `transform/wallets.tsv` rows (``RowDigest``).
    public var entriesDigest: String
    public var walletsDigest: String
    /// The ledger run digest (hex), see docs/ledger-hashing.md.
    public var runDigest: String
}

/// Transform for the ledger: gives each entry its member's new id, orders each wallet's entries
/// by (occurred_at, legacy_txn_id) with an external sort, numbers them, keeps the running
/// balance, chains their hashes and builds each wallet's Merkle root (``LedgerHasher``), and
/// writes `transform/wallet_entries.tsv`, `transform/wallets.tsv` and the run digest.
///
/// Memory grows with members (the id map, packed) and legacy balances (24 bytes each), not with
/// entries; wallets are written as they come out of the sort.
public struct LedgerTransformer {
    public let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Entries per hashing batch (cut at the next wallet boundary).
    static let batchRows = 20_000

    /// `memberIDs`: the members' id map (`transform/id_map.tsv`), read once and shared with the
    /// commission's Transform, which runs beside this one.
    public func run(cleanseDirectory: String, memberIDs: MemberIDTable, outputDirectory: String, scratch: String, progress: Bool? = nil) throws(MigrationError) -> LedgerTransformSummary {
        func memberID(_ legacyID: String?, _ path: String, _ line: Int) throws(MigrationError) -> Int64 {
            guard let legacyID, let id = memberIDs[legacyID] else {
                throw MigrationError(.workdirCorrupt, "\(path): line \(line): names a member that Transform did not load; run cleanse again")
            }
            return id
        }

        var legacyBalances = LegacyBalances()
        let balancesPath = StageFile.cleanseWalletBalances.path(in: cleanseDirectory)
        let balances = try StageFileReader(path: balancesPath, expecting: LedgerStageLayout.cleansedBalances)
        while let fields = try balances.next() {
            let row = CleansedBalanceRow(fields)
            let id = try memberID(row.memberLegacyID, balancesPath, balances.lineNumber)
            try legacyBalances.add(memberID: id, currency: row.currency ?? "", balance: row.balanceMinor)
        }
        legacyBalances.seal()

        let entriesPath = StageFile.cleanseWalletEntries.path(in: cleanseDirectory)
        let sorter = ExternalSorter(directory: scratch, name: "transform-wallet-entries")
        let reader = try StageFileReader(path: entriesPath, expecting: LedgerStageLayout.cleansedEntries)
        // Read once, start to end: its pages leave the cache as they are passed, for the runs'.
        reader.dropCachedPages(behind: 0)
        // Rows are read as bytes, field by field (no string per field): ``SortRecord``.
        var record = SortRecord()
        var line = reader.lineNumber
        while true {
            var problem: MigrationError?
            let read = try reader.nextLines(maxLines: 4_096) { chunk throws(MigrationError) in
                try chunk.withMemoryRebound(to: UInt8.self) { bytes throws(MigrationError) in
                    var start = 0
                    while start < bytes.count, problem == nil {
                        var end = start
                        while bytes[end] != 0x0A { end += 1 }
                        line += 1
                        problem = record.read(UnsafeBufferPointer(rebasing: bytes[start..<end]), ids: memberIDs, path: entriesPath, line: line)
                        if problem == nil { try sorter.append(key: record.key, payload: record.payload) }
                        start = end + 1
                    }
                }
            }
            if let problem { throw problem }
            guard read > 0 else { break }
        }

        let entries = try StageFileWriter(path: StageFile.transformWalletEntries.path(in: outputDirectory), columns: LedgerStageLayout.entries, digesting: true)
        let walletsFile = try StageFileWriter(path: StageFile.transformWallets.path(in: outputDirectory), columns: LedgerStageLayout.wallets, digesting: true)
        var wallets = WalletWriter(file: walletsFile, balances: legacyBalances)
        legacyBalances = LegacyBalances()
        let status = ProgressLine("transform wallet entries", enabled: progress)
        // The merge cuts the sorted stream into batches of whole wallets; they are hashed on two
        // threads while the merge reads on, and written back in order.
        let pool = BatchPool<HashedBatch>(workers: 2)
        func write(_ hashed: HashedBatch) throws(MigrationError) {
            if let problem = hashed.problem { throw problem }
            if let overflow = hashed.overflow {
                let legacyID = memberIDs.legacyID(of: overflow.memberID) ?? "?"
                throw MigrationError(.ledgerBalanceOverflow, """
                    the running balance of legacy member \(legacyID)'s \(overflow.currency) wallet leaves the signed 64-bit range \
                    at legacy transaction \(overflow.legacyTxnID); check that entry's amount in the export
                    """)
            }
            try MigrationError.typed { try hashed.lines.withUnsafeBytes { try entries.append(encodedLines: $0, rows: hashed.rows) } }
            for wallet in hashed.wallets { try wallets.add(wallet) }
            status.update(entries.rowCount)
        }
        var batch = WalletBatch()
        var lastWallet: [UInt8] = []
        try sorter.finish { sortKey, payload throws(MigrationError) in
            // The wallet is the key up to the 0 after the currency.
            let walletEnd = sortKey.dropFirst(8).firstIndex(of: 0) ?? sortKey.count
            let sameWallet = sortKey[..<walletEnd].elementsEqual(lastWallet)
            if batch.records.count >= Self.batchRows && !sameWallet {
                let full = batch
                try pool.submit({ Self.hash(full) }, deliver: write)
                batch.bytes.removeAll(keepingCapacity: true)
                batch.records.removeAll(keepingCapacity: true)
            }
            if !sameWallet {
                lastWallet.removeAll(keepingCapacity: true)
                lastWallet.append(contentsOf: sortKey[..<walletEnd])
            }
            let start = batch.bytes.count
            batch.bytes.append(contentsOf: sortKey)
            batch.bytes.append(contentsOf: payload)
            batch.records.append((start..<start + sortKey.count, start + sortKey.count..<batch.bytes.count))
        }
        if !batch.records.isEmpty {
            let last = batch
            try pool.submit({ Self.hash(last) }, deliver: write)
        }
        try pool.finish(deliver: write)
        status.finish(entries.rowCount)
        try entries.close()
        let runDigest = try wallets.finish()
        try walletsFile.close()
        let quarantined = try StageFileWriter.copy(from: StageFile.cleanseLedgerQuarantine.path(in: cleanseDirectory), to: StageFile.transformLedgerQuarantine.path(in: outputDirectory), columns: MemberStageLayout.quarantine)
        let summary = LedgerTransformSummary(
            entries: entries.rowCount, wallets: wallets.count, variances: wallets.variances, quarantined: quarantined,
            entriesDigest: entries.rowsDigest() ?? "", walletsDigest: walletsFile.rowsDigest() ?? "",
            runDigest: Hex.encode(runDigest)
        )
        logger.info("transformed wallet entries", metadata: ["entries": "\(summary.entries)", "wallets": "\(summary.wallets)", "variances": "\(wallets.variances)"])
        return summary
    }
}

/// One cleansed entry as the ledger Transform sorts it, read from its COPY-text line as bytes:
/// the key holds member id, currency, time and transaction id; the payload the amount, the
/// counterparty's member id (-1 for none) and the kind. Reused row after row.
struct SortRecord {
    var key: [UInt8] = []
    var payload: [UInt8] = []
    private var fields: [Range<Int>] = []

    /// Reads `line`; the problem (naming `path` and `line`) when it lacks a field Transform
    /// needs or names a member the id map does not have.
    mutating func read(_ bytes: UnsafeBufferPointer<UInt8>, ids: MemberIDTable, path: String, line: Int) -> MigrationError? {
        // The reader checked the line's width (``StageFileReader/nextLines(maxLines:_:)``).
        CopyText.fieldRanges(bytes, into: &fields)
        func field(_ index: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[fields[index]]) }
        let txnID = field(2)
        guard let occurredAt = CopyText.int64(field(7)), !CopyText.isNull(txnID) else {
            return MigrationError(.workdirCorrupt, "\(path): line \(line): missing occurred_at or legacy_txn_id; run cleanse again")
        }
        // Built only for a row that needs it (a message per row would cost more than the row).
        func unknown() -> MigrationError {
            MigrationError(.workdirCorrupt, "\(path): line \(line): names a member that Transform did not load; run cleanse again")
        }
        guard let member = ids.id(ofField: field(3)) else { return unknown() }
        key.removeAll(keepingCapacity: true)
        LedgerHasher.appendUInt64(UInt64(bitPattern: member), to: &key)
        if !CopyText.isNull(field(4)) { CopyText.appendText(of: field(4), to: &key) }
        key.append(0)
        LedgerHasher.appendUInt64(UInt64(bitPattern: occurredAt) ^ (1 << 63), to: &key)
        CopyText.appendText(of: txnID, to: &key)
        guard let amount = CopyText.int64(field(6)) else {
            return MigrationError(.workdirCorrupt, "\(path): line \(line): missing amount_minor; run cleanse again")
        }
        var counterparty: Int64 = -1
        if !CopyText.isNull(field(8)) {
            guard let id = ids.id(ofField: field(8)) else { return unknown() }
            counterparty = id
        }
        payload.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: amount) { payload.append(contentsOf: $0) }
        withUnsafeBytes(of: counterparty) { payload.append(contentsOf: $0) }
        if !CopyText.isNull(field(5)) { CopyText.appendText(of: field(5), to: &payload) }
        return nil
    }
}

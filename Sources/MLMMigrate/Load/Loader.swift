import Crypto
public import Logging

/// What a load wrote.
public struct LoadSummary: Codable, Sendable, Equatable {
    public var runID: Int
    public var batches: Int
    public var members: Int
    public var quarantined: Int
    /// Ledger rows, when the mapping has a ledger.
    public var wallets: Int?
    public var walletEntries: Int?
    public var ledgerQuarantined: Int?
    /// PII rows, when the mapping has PII.
    public var dataKeys: Int?
    public var memberPII: Int?
}

/// Facts about a run that the target records in `mlm_migration.runs`.
public struct RunInfo: Sendable {
    public var vendor: String
    public var mappingDigest: String
    public var source: String
    /// Per-entity counts as a JSON object (extracted, accepted, quarantined...).
    public var countsJSON: String
    /// The ledger run digest Transform computed (hex), stored in `runs.ledger_digest`; nil
    /// when the mapping has no ledger.
    public var ledgerDigest: String?
    /// Transform wrote `member_pii.tsv` and `data_keys.tsv`.
    public var hasPII: Bool

    public init(vendor: String, mappingDigest: String, source: String, countsJSON: String, ledgerDigest: String? = nil, hasPII: Bool = false) {
        self.hasPII = hasPII
        self.vendor = vendor
        self.mappingDigest = mappingDigest
        self.source = source
        self.countsJSON = countsJSON
        self.ledgerDigest = ledgerDigest
    }
}

/// Load: applies the target schema, then `COPY`s Transform's output into PostgreSQL in
/// batches, each in its own transaction with its manifest row in `mlm_migration.batches`.
///
/// Members go in load order, so every batch only references members already committed; then
/// their data keys and encrypted PII when the mapping has PII; then the ledger (wallets, then their entries) when Transform produced one. The target is empty
/// (checked), so the genealogy, PII and wallet-entry foreign keys are dropped for the load and
/// added back, validated in one scan each, after the last batch (or after a failure). A run takes a
/// session advisory lock: a second run against the same target is refused.
public struct Loader {
    public let connection: PostgresConnection
    public let batchSize: Int
    public let logger: Logger

    public init(connection: PostgresConnection, batchSize: Int, logger: Logger) {
        self.connection = connection
        self.batchSize = batchSize
        self.logger = logger
    }

    /// Takes the run lock for this session; throws `target.busy` when another run holds it.
    public static func lockTarget(_ connection: PostgresConnection) throws(MigrationError) {
        guard try connection.scalar("SELECT pg_try_advisory_lock(hashtext('mlm_migration.run'))") == "t" else {
            throw MigrationError("target.busy", "another mlm-migrate run is writing to \(connection.endpoint); wait for it to finish")
        }
    }

    public func run(transformDirectory: String, info: RunInfo, progress: Bool? = nil) throws(MigrationError) -> LoadSummary {
        let added = try TargetSchema.apply(on: connection)
        if !added.isEmpty { logger.info("applied schema migrations", metadata: ["versions": "\(added)"]) }
        try Self.lockTarget(connection)
        let existing = Int(try connection.scalar("SELECT count(*) FROM mlm.members") ?? "0") ?? 0
        guard existing == 0 else {
            throw MigrationError("target.not_empty", "\(connection.endpoint) already holds \(existing) members; load into an empty target (delta runs are not supported yet)")
        }
        guard let runText = try connection.scalar(
            "INSERT INTO mlm_migration.runs (status, tool_version, vendor, mapping_digest, source, counts) VALUES ('loading', $1, $2, $3, $4, $5::jsonb) RETURNING run_id",
            [ToolVersion.current, info.vendor, info.mappingDigest, info.source, info.countsJSON]
        ), let runID = Int(runText) else {
            throw MigrationError("target.sql_failed", "could not record the run in mlm_migration.runs")
        }
        logger.info("run started", metadata: ["run_id": "\(runID)", "target": "\(connection.endpoint)"])

        var summary = LoadSummary(runID: runID, batches: 0, members: 0, quarantined: 0)
        do throws(MigrationError) {
            try TargetSchema.dropBulkLoadForeignKeys(on: connection)
            let members = try StageFileReader(path: "\(transformDirectory)/members.tsv", expecting: MemberStageLayout.members)
            let idMap = try StageFileReader(path: "\(transformDirectory)/id_map.tsv", expecting: MemberStageLayout.idMap)
            let line = ProgressLine("load members", enabled: progress)
            while true {
                let rows = try loadBatch(runID: runID, batchNo: summary.batches + 1, entity: "members", kind: "rows") { digest throws(MigrationError) in
                    let count = try copy(members, "COPY mlm.members (member_id, legacy_id, username, status, joined_at, sponsor_id, placement_id, placement_leg) FROM STDIN", digest)
                    let mapped = try copy(idMap, "COPY mlm_migration.id_map (entity, legacy_id, new_id) FROM STDIN") { _ in }
                    guard mapped == count else {
                        throw MigrationError("workdir.corrupt", "transform/id_map.tsv and transform/members.tsv disagree; run transform again")
                    }
                    return count
                }
                guard rows > 0 else { break }
                summary.batches += 1
                summary.members += rows
                line.update(summary.members)
            }
            line.finish(summary.members)
            summary.quarantined = try loadAll("\(transformDirectory)/quarantine.tsv", columns: MemberStageLayout.quarantine, into: "mlm_migration.quarantine", entity: "members", kind: "quarantine", runID: runID, batches: &summary.batches)
            if info.hasPII {
                summary.dataKeys = try loadAll("\(transformDirectory)/data_keys.tsv", columns: MemberPIILayout.dataKeys, into: "mlm.data_keys", entity: "data_keys", kind: "rows", runID: runID, batches: &summary.batches)
                summary.memberPII = try loadAll("\(transformDirectory)/member_pii.tsv", columns: MemberPIILayout.target, into: "mlm.member_pii", entity: "member_pii", kind: "rows", runID: runID, batches: &summary.batches, progress: progress)
            }
            if info.ledgerDigest != nil {
                summary.wallets = try loadAll("\(transformDirectory)/wallets.tsv", columns: LedgerStageLayout.wallets, into: "mlm.wallets", entity: "wallets", kind: "rows", runID: runID, batches: &summary.batches)
                summary.walletEntries = try loadAll("\(transformDirectory)/wallet_entries.tsv", columns: LedgerStageLayout.entries, into: "mlm.wallet_entries", entity: "wallet_entries", kind: "rows", runID: runID, batches: &summary.batches, progress: progress)
                summary.ledgerQuarantined = try loadAll("\(transformDirectory)/ledger_quarantine.tsv", columns: MemberStageLayout.quarantine, into: "mlm_migration.quarantine", entity: "ledger", kind: "quarantine", runID: runID, batches: &summary.batches)
            }
            try TargetSchema.restoreBulkLoadForeignKeys(on: connection)
            _ = try connection.query("UPDATE mlm_migration.runs SET status = 'loaded', ledger_digest = $2 WHERE run_id = $1::bigint", [String(runID), info.ledgerDigest])
        } catch {
            try? connection.execute("ROLLBACK")
            try? TargetSchema.restoreBulkLoadForeignKeys(on: connection)
            _ = try? connection.query("UPDATE mlm_migration.runs SET status = 'failed', finished_at = now() WHERE run_id = $1::bigint", [String(runID)])
            throw error
        }
        logger.info("load finished", metadata: ["run_id": "\(runID)", "batches": "\(summary.batches)", "members": "\(summary.members)", "quarantined": "\(summary.quarantined)"])
        return summary
    }

    /// Loads a whole stage file into `table` (its columns are the file's), one batch
    /// transaction per `batchSize` rows; returns the rows loaded.
    private func loadAll(_ path: String, columns: [String], into table: String, entity: String, kind: String, runID: Int, batches: inout Int, progress: Bool? = false) throws(MigrationError) -> Int {
        let reader = try StageFileReader(path: path, expecting: columns)
        let sql = "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN"
        let line = ProgressLine("load \(entity)", enabled: progress)
        var total = 0
        while true {
            let rows = try loadBatch(runID: runID, batchNo: batches + 1, entity: entity, kind: kind) { digest throws(MigrationError) in
                try copy(reader, sql, digest)
            }
            guard rows > 0 else { break }
            batches += 1
            total += rows
            line.update(total)
        }
        line.finish(total)
        return total
    }

    /// Copies up to `batchSize` lines from `chunks` with `sql`; `digest` sees every byte sent.
    private func copy(_ rows: StageFileReader, _ sql: String, _ digest: (UnsafeRawBufferPointer) -> Void) throws(MigrationError) -> Int {
        var lines = 0
        try connection.copyIn(sql, what: sql.split(separator: " ").prefix(2).joined(separator: " ")) { send throws(MigrationError) in
            lines = try rows.nextLines(maxLines: batchSize) { bytes throws(MigrationError) in
                digest(bytes)
                try send(bytes)
            }
        }
        return lines
    }

    /// Runs `body` in one transaction with the batch's session settings, then records the
    /// batch manifest (row count and SHA-256 of the rows sent) and commits. An empty batch is
    /// rolled back and returns 0.
    private func loadBatch(runID: Int, batchNo: Int, entity: String, kind: String, _ body: (_ digest: (UnsafeRawBufferPointer) -> Void) throws(MigrationError) -> Int) throws(MigrationError) -> Int {
        try connection.execute("BEGIN; SET LOCAL mlm_migration.run_id = '\(runID)'; SET LOCAL mlm_migration.batch_no = '\(batchNo)'", what: "starting batch \(batchNo)")
        do throws(MigrationError) {
            var hasher = SHA256()
            let rows = try body { hasher.update(bufferPointer: $0) }
            guard rows > 0 else {
                try connection.execute("ROLLBACK")
                return 0
            }
            _ = try connection.query(
                "INSERT INTO mlm_migration.batches (run_id, batch_no, entity, kind, row_count, content_sha256) VALUES ($1::bigint, $2::integer, $3, $4, $5::bigint, $6)",
                [String(runID), String(batchNo), entity, kind, String(rows), Hex.encode(hasher.finalize())],
                what: "recording batch \(batchNo)"
            )
            try connection.execute("COMMIT", what: "committing batch \(batchNo)")
            return rows
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}

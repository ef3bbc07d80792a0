import Crypto

/// Delta runs: a later export of the same legacy system applied to a target that already holds
/// an earlier one. Transform has numbered the members against the target (``TargetIDs``), so a
/// member keeps its `member_id` and every row compares with the target's by key.
///
/// The load stages Transform's files in unlogged tables, then writes only what differs, in
/// batches of one transaction each with their manifest: new members (with their id map rows),
/// changed members, the run's quarantine, new and changed PII (a changed record digest), and the
/// ledger, wallet by wallet: new wallets, and for the others the entries after the target's
/// last one, with the wallet row. Before a row is updated its prior image is kept in
/// `mlm_migration.prior_images`, so a rollback restores it.
///
/// Ledgers only append: a wallet whose target entries are not the first entries of the
/// export's (the head hash at the target's count differs) is not touched and is recorded in
/// `mlm_migration.ledger_conflicts`, which fails reconciliation. Members the target has but the
/// export does not accept (gone, or quarantined now) are left as they are and recorded in
/// `mlm_migration.kept_members`. Erased members' PII is never written again.
///
/// Each batch takes the next rows that still differ, in key order, so a resumed run writes the
/// same batches an uninterrupted one would.
extension Loader {
    /// Refuses a target whose members (leaving out those run `excludingRun` inserted) are not
    /// the ones Transform numbered against, or whose PII is under another KEK.
    func checkDeltaTarget(_ info: RunInfo, excludingRun: Int?) throws(MigrationError) {
        guard let basis = info.delta else { return }
        let run = String(excludingRun ?? 0)
        if let kekID = info.kekID {
            // Record digests and blind indexes compare only under one KEK: a delta under another would rewrite every member's PII.
            let others = try connection.query("SELECT DISTINCT kek_id FROM mlm.data_keys WHERE wrapped_key IS NOT NULL AND kek_id <> $1 AND run_id <> $2::bigint ORDER BY 1", [kekID, run]).compactMap { $0[0] }
            guard others.isEmpty else {
                throw MigrationError(.deltaKEKDiffers, "the target's data keys are under \(others.joined(separator: ", ")), and this export was encrypted under \(kekID); extract the later export with the target's key (runbooks/keys.md), or finish a rotation first")
            }
        }
        let now = try TargetIDs.read(from: connection, excludingRun: excludingRun).basis
        guard now == basis else {
            throw MigrationError(.deltaTargetChanged, "\(connection.endpoint) holds \(now.members) members up to id \(now.highest), not the \(basis.members) up to id \(basis.highest) that transform --delta numbered against; run transform --delta (or run --delta) again")
        }
    }

    /// Loads run `runID` as a delta; ``Loader/startOrResume(_:)`` has checked the target.
    func runDelta(runID: Int, transformDirectory directory: String, info: RunInfo, progress: Bool?) throws(MigrationError) -> LoadSummary {
        let committed = try records.committedRows(runID)
        var summary = LoadSummary(runID: runID, batches: committed.batches, members: 0, quarantined: 0)
        var budget = maxBatches
        let members = DeltaTable(TargetTables.members, directory)
        let idMap = DeltaTable(TargetTables.idMap, directory)
        let pii = DeltaTable(TargetTables.memberPII, directory)
        let keys = DeltaTable(TargetTables.dataKeys, directory)
        let wallets = DeltaTable(TargetTables.wallets, directory)
        let entries = DeltaTable(TargetTables.walletEntries, directory)
        let hasLedger = info.ledgerDigest != nil
        let staged = [members, idMap] + (info.hasPII ? [keys, pii] : []) + (hasLedger ? [wallets, entries] : [])
        for table in [members, idMap] + (hasLedger ? [wallets, entries] : []) { try stage(table) }
        try connection.execute("CREATE INDEX ON \(members.stage) (placement_id, placement_leg)", what: "indexing the staged placements")
        if info.hasPII { try stageChangedPII(pii, keys) }
        // Commission history only grows: the rows whose key the target lacks are inserted.
        let appended = TargetTables.loadSteps(for: info.contents).flatMap { step in
            step.files.filter { $0.table.appendedByDelta }.map { (entity: step.entity, table: DeltaTable($0.table, directory)) }
        }
        for each in appended { try stage(each.table) }
        logger.info("delta: export staged", metadata: ["run_id": "\(runID)"])
        if hasLedger { try findLedgerConflicts(runID: runID, members: members, wallets: wallets, entries: entries) }

        var complete = true
        func batches(_ entity: String, _ kind: String, _ todo: DeltaSelection, _ write: (String) -> String) throws(MigrationError) {
            let done = try deltaBatches(entity: entity, kind: kind, todo: todo, write: write, summary: &summary, budget: &budget)
            complete = complete && done
            logger.info("delta: \(entity) \(kind) written", metadata: ["batches": "\(summary.batches)"])
        }
        let quarantineSteps = plan(info).filter { $0.kind == "quarantine" }
        func quarantine(_ entity: String) throws(MigrationError) {
            for step in quarantineSteps where step.entity == entity {
                let loaded = try load(step, in: directory, skipping: committed.rows[step.manifestKey] ?? 0, runID: runID, summary: &summary, budget: &budget, progress: progress)
                summary[keyPath: step.summaryField] = loaded.rows
                complete = complete && loaded.atEnd
            }
        }
        // Slots the export gives to another member are freed first (prior images kept): a swap
        // of legs, or a new member in the place of one gone, never meets the unique leg index.
        try batches("members", "updates", Self.slotsTaken(members), Self.freeSlots(members))
        try batches("members", "rows", Self.newRows(members), Self.insert(members, with: [idMap]))
        try batches("members", "updates", Self.changedRows(members, when: Self.differs(members)), Self.update(members, with: []))
        try quarantine("members")
        if info.hasPII {
            try batches("member_pii", "rows", Self.newRows(pii), Self.insert(pii, with: [keys]))
            // A changed record digest, unless the member was erased: erased PII is never written again.
            let changed = Self.differs(pii, only: [PIIRecordDigest.column])
                + " AND EXISTS (SELECT 1 FROM mlm.data_keys k WHERE k.key_id = t.key_id AND k.wrapped_key IS NOT NULL)"
            try batches("member_pii", "updates", Self.changedRows(pii, when: changed), Self.update(pii, with: [keys]))
        }
        if hasLedger {
            try batches("wallets", "rows", Self.changedWallets(wallets, runID: runID), Self.writeWallets(wallets, entries))
            try quarantine("ledger")
        }
        for each in appended {
            try batches(each.entity, "rows", Self.newRows(each.table), Self.insert(each.table, with: []))
            if TargetTables.updatedByDelta.contains(where: { $0.name == each.table.target }) {
                try batches(each.entity, "updates", Self.changedRows(each.table, when: Self.differs(each.table)), Self.update(each.table, with: []))
            }
        }
        if info.hasCommission { try quarantine("commission") }
        if complete {
            try recordKeptMembers(runID: runID, members: members)
            if let status = info.goneStatus {
                let quoted = try connection.literal(status)
                try batches("members", "updates", Self.goneMembers(runID: runID, quotedStatus: quoted), Self.mark(quotedStatus: quoted))
            }
        }
        guard complete else {
            summary.complete = false
            try fillDeltaSummary(&summary, runID: runID)
            logger.notice("delta load paused", metadata: ["run_id": "\(runID)", "batches": "\(summary.batches)"])
            return summary
        }
        try records.markLoaded(runID, ledgerDigest: info.ledgerDigest)
        for table in staged + appended.map(\.table) { try connection.execute("DROP TABLE IF EXISTS \(table.stage)") }
        try fillDeltaSummary(&summary, runID: runID)
        logger.info("delta load finished", metadata: ["run_id": "\(runID)", "batches": "\(summary.batches)"])
        return summary
    }

    /// Copies a Transform file into a fresh unlogged staging table, keyed and analysed; with
    /// `keeping`, only the lines it accepts. Staging writes nothing the target's readers see; a
    /// resumed run stages again from the same files.
    private func stage(_ table: DeltaTable, keeping: (([UInt8]) -> Bool)? = nil) throws(MigrationError) {
        try connection.execute("""
            SET client_min_messages = warning;
            DROP TABLE IF EXISTS \(table.stage);
            CREATE UNLOGGED TABLE \(table.stage) AS SELECT \(table.list) FROM \(table.target) WITH NO DATA
            """, what: "creating \(table.stage)")
        let reader = try StageFileReader(path: table.path, expecting: table.columns)
        try connection.copyIn("COPY \(table.stage) (\(table.list)) FROM STDIN", what: "staging \(table.path)") { send throws(MigrationError) in
            guard let keeping else {
                while try reader.nextLines(maxLines: 50_000, { bytes throws(MigrationError) in try send(bytes) }) > 0 {}
                return
            }
            var buffer: [UInt8] = []
            func flush() throws(MigrationError) {
                try MigrationError.typed { try buffer.withUnsafeBytes { try send($0) } }
                buffer.removeAll(keepingCapacity: true)
            }
            while let line = try reader.nextRawLine() {
                guard keeping(line) else { continue }
                buffer.append(contentsOf: line)
                buffer.append(0x0A)
                if buffer.count >= 1 << 20 { try flush() }
            }
            try flush()
        }
        try connection.execute("ALTER TABLE \(table.stage) ADD PRIMARY KEY (\(table.keyList)); ANALYZE \(table.stage)", what: "indexing \(table.stage)")
    }

    /// Stages only the PII a delta run may write: the rows of members the target has no PII
    /// for or whose record digest differs, and their data keys. Unchanged members' ciphertexts,
    /// most of a delta's bytes, never leave the file.
    private func stageChangedPII(_ pii: DeltaTable, _ keys: DeltaTable) throws(MigrationError) {
        var current: [Int: SIMD32<UInt8>] = [:]
        try connection.copyOut("COPY (SELECT member_id, \(PIIRecordDigest.column) FROM mlm.member_pii) TO STDOUT", what: "reading the target's record digests") { bytes in
            guard let tab = bytes.firstIndex(of: 0x09), let id = Int(String(decoding: bytes[..<tab], as: UTF8.self)),
                  let digest = Self.digest(bytes[(tab + 1)...].dropLast()) else { return }
            current[id] = digest
        }
        var wanted = Set<Int>()
        func memberID(_ line: [UInt8]) -> Int? {
            line.firstIndex(of: 0x09).flatMap { Int(String(decoding: line[..<$0], as: UTF8.self)) }
        }
        try stage(pii) { line in
            guard let id = memberID(line) else { return true }
            let last = line.lastIndex(of: 0x09).map { line[($0 + 1)...] } ?? []
            guard let digest = Self.digest(last), current[id] == digest else {
                wanted.insert(id)
                return true
            }
            return false
        }
        try stage(keys) { line in memberID(line).map(wanted.contains) ?? true }
    }

    /// A record digest from its `COPY` text (`\\x` and 64 hex digits); nil for anything else.
    static func digest(_ text: some Collection<UInt8>) -> SIMD32<UInt8>? {
        guard text.count == 67, text.starts(with: [0x5C, 0x5C, UInt8(ascii: "x")]),
              let bytes = Hex.decode(String(decoding: text.dropFirst(3), as: UTF8.self)) else { return nil }
        var digest = SIMD32<UInt8>()
        for (index, byte) in bytes.enumerated() { digest[index] = byte }
        return digest
    }

    /// Runs one kind of change in batches while the budget lasts; true when nothing is left.
    /// Each batch's keys go to a temporary table, `delta_todo`, that `write` reads.
    private func deltaBatches(entity: String, kind: String, todo: DeltaSelection, write: (String) -> String, summary: inout LoadSummary, budget: inout Int?) throws(MigrationError) -> Bool {
        var after: [String]?
        while budget != 0 {
            let batchNo = summary.batches + 1
            try connection.beginBatch(runID: summary.runID, batchNo: batchNo)
            do throws(MigrationError) {
                try connection.execute("CREATE TEMPORARY TABLE delta_todo ON COMMIT DROP AS \(todo.batch(after: after, limit: batchSize))", what: "choosing batch \(batchNo) (\(entity) \(kind))")
                guard let row = try connection.query("WITH " + write("delta_todo"), what: "writing batch \(batchNo) (\(entity) \(kind))").first, row.count % 3 == 0 else {
                    throw MigrationError(.targetSQLFailed, "batch \(batchNo) returned no counts")
                }
                var byTable: [(String, Int)] = []
                var hasher = SHA256()
                for start in stride(from: 0, to: row.count, by: 3) {
                    let count = row[start + 1].flatMap { Int($0) } ?? 0
                    byTable.append((row[start] ?? "", count))
                    hasher.update(data: Array("\(row[start] ?? "")\t\(count)\t\(row[start + 2] ?? "")\n".utf8))
                }
                let rows = byTable.reduce(0) { $0 + $1.1 }
                guard rows > 0 else {
                    try connection.execute("ROLLBACK")
                    return true
                }
                let names = todo.names.joined(separator: ", ")
                let last = try connection.query("SELECT \(names) FROM delta_todo ORDER BY \(todo.names.map { $0 + " DESC" }.joined(separator: ", ")) LIMIT 1").first
                after = try last?.map { value throws(MigrationError) in try connection.literal(value ?? "") }
                try records.recordBatch(runID: summary.runID, batchNo: batchNo, entity: entity, kind: kind, rows: rows, byTable: byTable, digest: Hex.encode(hasher.finalize()))
                try connection.execute("COMMIT", what: "committing batch \(batchNo)")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
            summary.batches += 1
            budget = budget.map { $0 - 1 }
        }
        // Stopped by the budget: done only if nothing is left (a peek; nothing is written).
        return try connection.scalar("SELECT count(*) FROM (\(todo.batch(after: after, limit: 1))) left_over") == "0"
    }

    /// Records the wallets whose history in the target is not the start of the export's: the
    /// export lacks the wallet, or the entry at the target's count has another hash. Names the
    /// first entry that differs. Recomputed on every call (the same set each time).
    private func findLedgerConflicts(runID: Int, members: DeltaTable, wallets: DeltaTable, entries: DeltaTable) throws(MigrationError) {
        _ = try connection.query("""
            WITH conflicted AS (
                SELECT t.member_id, t.currency, s.member_id IS NULL AS gone
                FROM mlm.wallets t
                JOIN \(members.stage) m ON m.member_id = t.member_id
                LEFT JOIN \(wallets.stage) s ON s.member_id = t.member_id AND s.currency = t.currency
                LEFT JOIN \(entries.stage) h ON h.member_id = t.member_id AND h.currency = t.currency AND h.seq = t.entry_count
                WHERE s.member_id IS NULL OR (t.entry_count > 0 AND h.entry_hash IS DISTINCT FROM t.head_hash)
            )
            INSERT INTO mlm_migration.ledger_conflicts (run_id, member_id, currency, seq, legacy_txn_id, problem)
            SELECT $1::bigint, c.member_id, c.currency, first.seq, first.legacy_txn_id,
                   CASE WHEN c.gone THEN 'the export no longer has this wallet' ELSE 'a historical entry changed or disappeared' END
            FROM conflicted c
            LEFT JOIN LATERAL (
                SELECT e.seq, e.legacy_txn_id FROM mlm.wallet_entries e
                LEFT JOIN \(entries.stage) x ON x.member_id = e.member_id AND x.currency = e.currency AND x.seq = e.seq
                WHERE e.member_id = c.member_id AND e.currency = c.currency AND x.entry_hash IS DISTINCT FROM e.entry_hash
                ORDER BY e.seq LIMIT 1
            ) first ON true
            ON CONFLICT DO NOTHING
            """, [String(runID)], what: "comparing the ledger's history")
        if let count = try connection.scalar("SELECT count(*) FROM mlm_migration.ledger_conflicts WHERE run_id = $1::bigint", [String(runID)]), count != "0" {
            logger.error("wallets whose history changed in the export are not appended to; reconcile will fail", metadata: ["wallets": "\(count)"])
        }
    }

    /// Records the target's members the export did not give: gone from it, or quarantined in it.
    private func recordKeptMembers(runID: Int, members: DeltaTable) throws(MigrationError) {
        _ = try connection.query("""
            INSERT INTO mlm_migration.kept_members (run_id, member_id, legacy_id, reason)
            SELECT $1::bigint, m.member_id, m.legacy_id,
                   CASE WHEN EXISTS (SELECT 1 FROM mlm_migration.quarantine q WHERE q.run_id = $1::bigint AND q.entity = 'members' AND q.legacy_id = m.legacy_id)
                        THEN 'quarantined_in_source' ELSE 'gone_from_source' END
            FROM mlm.members m WHERE NOT EXISTS (SELECT 1 FROM \(members.stage) s WHERE s.member_id = m.member_id)
            ON CONFLICT DO NOTHING
            """, [String(runID)], what: "recording the members the export no longer has")
    }

    /// Rows this run wrote so far, per entity, from its batch manifests.
    private func fillDeltaSummary(_ summary: inout LoadSummary, runID: Int) throws(MigrationError) {
        let rows = try connection.query("""
            SELECT t.key, sum(t.value::bigint) FROM mlm_migration.batches b, jsonb_each_text(b.rows_by_table) t
            WHERE b.run_id = $1::bigint GROUP BY t.key
            """, [String(runID)], what: "reading the run's manifests")
        var byTable: [String: Int] = [:]
        for row in rows { byTable[row[0] ?? ""] = row[1].flatMap { Int($0) } ?? 0 }
        summary.members = byTable["mlm.members"] ?? 0
        summary.quarantined = try connection.scalar("SELECT count(*) FROM mlm_migration.quarantine WHERE run_id = $1::bigint AND entity = 'members'", [String(runID)]).flatMap { Int($0) } ?? 0
        summary.dataKeys = byTable["mlm.data_keys"]
        summary.memberPII = byTable["mlm.member_pii"]
        summary.wallets = byTable["mlm.wallets"]
        summary.walletEntries = byTable["mlm.wallet_entries"]
        for step in TargetTables.loadSteps where step.kind == "rows" && step.files.first?.table.appendedByDelta == true {
            if let table = step.files.first?.table.name { summary[keyPath: step.summaryField] = byTable[table] }
        }
    }
}

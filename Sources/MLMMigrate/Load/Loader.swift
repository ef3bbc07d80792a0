import Crypto
public import Logging

/// What a load wrote: the run's rows in the target so far (earlier, resumed calls included).
public struct LoadSummary: Codable, Sendable, Equatable {
    public var runID: Int
    /// The highest batch number committed for the run.
    public var batches: Int
    public var members: Int
    public var quarantined: Int
    /// False when `maxBatches` stopped the load before the end (the same command continues it).
    public var complete: Bool?
    /// Ledger rows, when the mapping has a ledger.
    public var wallets: Int?
    public var walletEntries: Int?
    public var ledgerQuarantined: Int?
    /// PII rows, when the mapping has PII.
    public var dataKeys: Int?
    public var memberPII: Int?
    /// Commission state rows, when the mapping has commission entities.
    public var periods: Int?
    public var ranks: Int?
    public var orders: Int?
    public var carryForward: Int?
    public var rankHistory: Int?
    public var payouts: Int?
    public var commissionQuarantined: Int?
    /// Pairs of registrations flagged as the same person.
    public var duplicateCandidates: Int?

    var membersLoaded: Int? {
        get { members }
        set { members = newValue ?? 0 }
    }
    var quarantinedLoaded: Int? {
        get { quarantined }
        set { quarantined = newValue ?? 0 }
    }
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

    /// Transform wrote the commission state files.
    public var hasCommission = false

    /// Transform's ledger and commission parts are still writing their files beside this load
    /// (a `run`): ``Loader/finishingTransform`` hands over the run's facts with their figures
    /// (``countsJSON``, ``ledgerDigest``) before the first step that reads those files.
    public var transformPending = false
    /// The run writes a ledger, though a pending transform has not given its ``ledgerDigest`` yet.
    public var ledgerPending = false

    /// The tables this run writes.
    public var contents: RunContents {
        RunContents(pii: hasPII, ledger: ledgerDigest != nil || ledgerPending, commission: hasCommission)
    }
    /// Identifies the Transform output being loaded (`RunManifest.workID`): a load resumes
    /// only the unfinished run that came from the same files.
    public var workID: String?
    /// A delta run: the target Transform numbered the members against; nil for a first load.
    public var delta: DeltaBasis?
    /// A delta run sets this status on the members gone from the export (mapping `delta:`
    /// `gone_members: mark`); nil keeps them as they are.
    public var goneStatus: String?
    /// The KEK the export's PII was encrypted under (delta runs check the target uses the same).
    public var kekID: String?

    public init(vendor: String, mappingDigest: String, source: String, countsJSON: String, ledgerDigest: String? = nil, hasPII: Bool = false, workID: String? = nil, delta: DeltaBasis? = nil) {
        self.hasPII = hasPII
        self.delta = delta
        self.workID = workID
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
/// their data keys and encrypted PII when the mapping has PII; then the ledger (wallets, then
/// their entries) when Transform produced one. A first load goes into an empty target (checked),
/// so every foreign key of the tables it writes is dropped for the load and added back,
/// validated in one scan each: a finished table's while later steps load (``KeyRestorer``),
/// the rest after the last batch (or after a failure). A delta run
/// (`RunInfo.delta`) goes into the target Transform numbered against, writing only the changes,
/// with every foreign key in place (Loader+Delta.swift). A run takes a session advisory lock: a
/// second run against the same target is refused.
public struct Loader {
    public let connection: PostgresConnection
    public let batchSize: Int
    public let logger: Logger

    /// The run's rows in `mlm_migration.runs` and `mlm_migration.batches`.
    var records: RunRecords { RunRecords(connection: connection) }

    public init(connection: PostgresConnection, batchSize: Int, logger: Logger) {
        self.connection = connection
        self.batchSize = batchSize
        self.logger = logger
    }

    /// Loads Transform's output as a new run, or resumes this work directory's unfinished run
    /// (same `info.workID`) from its last committed batch. With `maxBatches`, stops after that
    /// many batches (the run stays `loading`, its foreign keys restored) for a team to inspect;
    /// the same command continues it. Any failure leaves the run resumable the same way.
    public func run(transformDirectory: String, info: RunInfo, progress: Bool? = nil) throws(MigrationError) -> LoadSummary {
        let added = try TargetSchema.apply(on: connection)
        if !added.isEmpty { logger.info("applied schema migrations", metadata: ["versions": "\(added)"]) }
        try RunRecords.lockTarget(connection)
        let partitions = try EntryPartitions.settle(requested: entryPartitions, on: connection)
        let steps = plan(info)
        if let workID = info.workID, let done = try records.finishedRun(workID: workID) {
            // Killed after its last commit, before the work directory heard of it: nothing to do.
            let committed = try records.committedRows(done)
            var summary = LoadSummary(runID: done, batches: committed.batches, members: 0, quarantined: 0)
            for step in steps { summary[keyPath: step.summaryField] = committed.rows[step.manifestKey] ?? 0 }
            logger.notice("this work directory's run is already loaded", metadata: ["run_id": "\(done)"])
            return summary
        }
        let resuming = try records.unfinishedRuns().contains { $0.workID == info.workID && info.workID != nil }
        let runID = try startOrResume(info)
        // A pending transform's files are still being written: they are counted once they are.
        let planned = info.delta == nil ? plan(steps.filter { !info.transformPending || $0.fromMemberTransform }, in: transformDirectory) : nil
        // Partitioned or parallel-stream entries number their batches from the batch size
        // (Loader+Partitions, Loader+Streams): once some are committed, a resume with another size
        // would number some batch twice.
        var numbered = partitions != nil
        if resuming, !numbered, info.contents.ledger { numbered = try entryBatchesCommitted(runID) }
        if resuming, numbered,
           let recorded = try connection.scalar("SELECT batch_size FROM mlm_migration.runs WHERE run_id = $1::bigint", [String(runID)])
               .flatMap({ Int($0) }),
           recorded != batchSize {
            throw MigrationError(
                .targetLayoutMismatch,
                "run \(runID) loads its wallet entries in batches of \(recorded), numbered in advance: resume it with --batch-size \(recorded)"
            )
        }
        try records.recordPlan(runID, batches: planned?.batches, rows: planned?.rows, batchSize: batchSize, resumed: resuming)
        if info.delta != nil { return try runDelta(runID: runID, transformDirectory: transformDirectory, info: info, progress: progress) }
        let committed = try records.committedRows(runID)
        var summary = LoadSummary(runID: runID, batches: committed.batches, members: 0, quarantined: 0)
        let tracker = LoadProgress(
            runID: runID, plannedBatches: planned?.batches, plannedRows: planned?.rows,
            committedBatches: committed.batches, committedRows: committed.rows.values.reduce(0, +)
        )
        var budget = maxBatches
        var info = info
        // Keys of finished tables go back while later steps load; not when a batch limit may
        // pause the load (its keys are restored at the pause, as always).
        let keys = maxBatches == nil ? KeyRestorer(connInfo: connection.siblingConnInfo, logger: logger) : nil
        do throws(MigrationError) {
            try TargetSchema.dropBulkLoadForeignKeys(on: connection)
            var complete = true
            for (index, step) in steps.enumerated() {
                // Before any wait for a pending transform: a check of what is loaded may start meanwhile.
                stepStarting?(step, runID, connection)
                if info.transformPending && !step.fromMemberTransform {
                    info = try finishTransform(runID: runID, steps: steps, in: transformDirectory, tracker: tracker)
                }
                let done = committed.rows[step.manifestKey] ?? 0
                // Once the budget is spent, later steps only count what is in and look for more.
                let loaded = if let partitions, step.loadsWalletEntries {
                    try loadPartitioned(
                        step, partitions: partitions, in: transformDirectory, runID: runID, after: Array(steps[..<index]),
                        summary: &summary, budget: &budget, tracker: tracker
                    )
                } else if entryStreams > 1, step.files.count == 1, step.loadsWalletEntries {
                    try loadStreams(
                        step, streams: entryStreams, in: transformDirectory, runID: runID, after: Array(steps[..<index]),
                        summary: &summary, budget: &budget, tracker: tracker
                    )
                } else {
                    try load(
                        step, in: transformDirectory, skipping: done, runID: runID, summary: &summary, budget: &budget,
                        progress: progress, tracker: tracker
                    )
                }
                summary[keyPath: step.summaryField] = loaded.rows
                complete = complete && loaded.atEnd
                if step.loadsWalletEntries {
                    if loaded.atEnd { entryFrontier?.complete() } else { entryFrontier?.fail() }
                }
                if complete { keys?.restore(TargetTables.foreignKeysSettled(after: index, of: steps)) }
            }
            if complete { rowsLoaded?(runID, connection) }
            try keys?.finish()
            try TargetSchema.restoreBulkLoadForeignKeys(on: connection)
            if !complete {
                summary.complete = false
                logger.notice("load paused", metadata: ["run_id": "\(runID)", "batches": "\(summary.batches)"])
                return summary
            }
            try records.markLoaded(runID, ledgerDigest: info.ledgerDigest)
        } catch {
            entryFrontier?.fail()
            try? connection.execute("ROLLBACK")
            try? keys?.finish()
            try? TargetSchema.restoreBulkLoadForeignKeys(on: connection)
            logger.error("load stopped; the same command resumes it from the last committed batch", metadata: ["run_id": "\(runID)", "batches": "\(summary.batches)"])
            throw error
        }
        logger.info("load finished", metadata: ["run_id": "\(runID)", "batches": "\(summary.batches)", "members": "\(summary.members)", "quarantined": "\(summary.quarantined)"])
        return summary
    }

    /// Whether run `runID` has committed any wallet entries batch.
    private func entryBatchesCommitted(_ runID: Int) throws(MigrationError) -> Bool {
        try connection.scalar(
            "SELECT EXISTS (SELECT 1 FROM mlm_migration.batches WHERE run_id = $1::bigint AND entity = 'wallet_entries' AND kind = 'rows')",
            [String(runID)], what: "reading the committed batches of wallet entries"
        ) == "t"
    }

    /// Stop after this many batches committed by this call (nil: load everything).
    public var maxBatches: Int?

    /// With ``RunInfo/transformPending``: waits for the rest of Transform and returns the run's
    /// facts with its figures. Called once, before the first step whose files the members'
    /// transform did not write, so the members, their quarantine and PII load meanwhile.
    public var finishingTransform: (() throws(MigrationError) -> RunInfo)?

    /// Called before each step of a first load, and before any wait for ``finishingTransform``,
    /// with the run and the load's connection (a `run` starts reconcile's PII round trip once
    /// the members' steps are done, while the ledger may still be transformed).
    public var stepStarting: ((LoadStep, Int, PostgresConnection) -> Void)?

    /// Called once a first load's last row is committed, before it waits for the foreign keys it
    /// adds back, with the run and the load's connection (a `run` gathers reconcile's checks
    /// meanwhile, on a connection of its own).
    public var rowsLoaded: ((Int, PostgresConnection) -> Void)?

    /// Waits for ``finishingTransform``, then records the run's counts and its whole plan.
    private func finishTransform(runID: Int, steps: [LoadStep], in directory: String, tracker: LoadProgress) throws(MigrationError) -> RunInfo {
        guard let finishingTransform else {
            throw MigrationError(.internalUnexpected, "the load of run \(runID) began before Transform finished and cannot wait for it")
        }
        let finished = try finishingTransform()
        guard !finished.transformPending else {
            throw MigrationError(.internalUnexpected, "Transform did not finish the files run \(runID) loads")
        }
        try records.updateCounts(runID, countsJSON: finished.countsJSON)
        let planned = plan(steps, in: directory)
        try records.recordPlan(runID, batches: planned?.batches, rows: planned?.rows, batchSize: batchSize, resumed: false)
        tracker.replan(batches: planned?.batches, rows: planned?.rows)
        return finished
    }

    /// Sends a first load's rows in PostgreSQL's binary `COPY` format where the target table's
    /// column types allow (``CopyBinaryEncoder``); false sends every row as its text.
    public var binaryCopy = true

    /// `COPY` streams (connections) that load a first load's wallet entries into an
    /// unpartitioned table at once (``loadStreams``); 1 loads them as every other step.
    public var entryStreams = 2

    /// Told how far a first load's wallet entries are committed (parallel streams report each
    /// batch; any other way of loading them, only the end), for the ledger's read-back to run
    /// while they load.
    public var entryFrontier: EntryFrontier?

    /// Hash-partitions an empty target's `mlm.wallet_entries` into this many partitions, loaded
    /// by parallel streams (``EntryPartitions``); nil keeps the target's layout.
    public var entryPartitions: Int?

    /// The run to load into: this work directory's unfinished run, else a new one into an
    /// empty target (a delta run: into the target its Transform numbered against, checked by
    /// ``checkDeltaTarget(_:excludingRun:)``). Refuses while another work directory's run is unfinished.
    func startOrResume(_ info: RunInfo) throws(MigrationError) -> Int {
        let unfinished = try records.unfinishedRuns()
        if let mine = unfinished.first(where: { $0.workID == info.workID && info.workID != nil }) {
            let runID = mine.runID
            try checkDeltaTarget(info, excludingRun: runID)
            logger.notice("resuming run", metadata: ["run_id": "\(runID)"])
            return runID
        }
        if let other = unfinished.first {
            throw MigrationError(.targetRunUnfinished, "run \(other.runID) in \(connection.endpoint) is unfinished and was not loaded from this work directory's transform; resume it from its own work directory, roll it back (mlm-migrate rollback --run \(other.runID)), or load into an empty database")
        }
        let existing = Int(try connection.scalar("SELECT count(*) FROM mlm.members") ?? "0") ?? 0
        guard existing == 0 || info.delta != nil else {
            throw MigrationError(.targetNotEmpty, "\(connection.endpoint) already holds \(existing) members; apply a later export with `mlm-migrate run --delta`, or load into an empty target")
        }
        try checkDeltaTarget(info, excludingRun: nil)
        let runID = try records.insertRun(info)
        logger.info("run started", metadata: ["run_id": "\(runID)", "target": "\(connection.endpoint)"])
        return runID
    }

    /// The load steps of this run (``TargetTables/loadSteps``), with their stage files in `directory`.
    func plan(_ info: RunInfo) -> [LoadStep] {
        TargetTables.loadSteps(for: info.contents)
    }

    /// Loads one step's rows after the first `skipping` (committed by an earlier call), one
    /// batch transaction per `batchSize` rows while `budget` lasts; returns the step's rows in
    /// the target, and whether that is all of its file.
    func load(
        _ step: LoadStep, in directory: String, skipping done: Int, runID: Int, summary: inout LoadSummary, budget: inout Int?,
        progress: Bool?, tracker: LoadProgress? = nil
    ) throws(MigrationError) -> (rows: Int, atEnd: Bool) {
        let readers = try step.files.map { file throws(MigrationError) in
            try StageFileReader(path: file.file.path(in: directory), expecting: file.table.columns)
        }
        for reader in readers {
            for _ in 0..<done {
                guard try reader.skip() else {
                    throw MigrationError(.workdirCorrupt, "\(reader.path) has fewer rows than the target already holds for this run; run transform again into an empty target")
                }
            }
        }
        var targets: [CopyInto] = []
        for (file, reader) in zip(step.files, readers) { targets.append(try copyInto(file.table, path: reader.path)) }
        let shown = budget != 0 && (step.entity == "members" || step.entity == "wallet_entries")
        let line = ProgressLine("load \(step.entity == "members" && step.kind == "quarantine" ? "quarantine" : step.entity)", enabled: shown ? progress : false)
        line.detail = tracker.map { tracker in { tracker.line } }
        var total = done
        var atEnd = false
        while budget != 0 {
            let tables = step.files.map(\.table.name)
            let batchNo = summary.batches + 1
            let rows = try loadBatch(runID: runID, batchNo: batchNo, entity: step.entity, kind: step.kind, tables: tables) { digest throws(MigrationError) in
                let count = try copy(readers[0], targets[0], runID: runID, batchNo: batchNo, digest)
                for (reader, target) in zip(readers.dropFirst(), targets.dropFirst()) {
                    guard try copy(reader, target, runID: runID, batchNo: batchNo, { _ in }) == count else {
                        throw MigrationError(.workdirCorrupt, "\(reader.path) and \(readers[0].path) disagree; run transform again")
                    }
                }
                return count
            }
            guard rows > 0 else {
                atEnd = true
                break
            }
            summary.batches += 1
            total += rows
            tracker?.committed(batch: summary.batches, rows: rows, entity: step.entity, kind: step.kind, logger: logger)
            budget = budget.map { $0 - 1 }
            line.show(total)
        }
        line.finish(total)
        // Stopped by the budget: done only if no row is left (a peek; nothing more is loaded).
        if !atEnd { atEnd = try !readers[0].skip() }
        return (total, atEnd)
    }

    /// Copies up to `batchSize` rows of `rows` into `target` as batch `batchNo`; `digest` sees
    /// the text of every row sent.
    func copy(
        _ rows: StageFileReader, _ target: CopyInto, runID: Int, batchNo: Int, _ digest: (UnsafeRawBufferPointer) -> Void
    ) throws(MigrationError) -> Int {
        // Read while a chunk is sent: the reader counts its lines once the chunk is handed over.
        try target.copy(
            rows, maxLines: batchSize, on: connection, runID: runID, batchNo: batchNo, place: { "line \(rows.lineNumber + 1 + $0)" }, digest: digest
        )
    }

    /// Runs `body` in one transaction with the batch's session settings, then records the
    /// batch manifest (row count and SHA-256 of the rows sent) and commits. An empty batch is
    /// rolled back and returns 0.
    func loadBatch(runID: Int, batchNo: Int, entity: String, kind: String, tables: [String], _ body: (_ digest: (UnsafeRawBufferPointer) -> Void) throws(MigrationError) -> Int) throws(MigrationError) -> Int {
        try connection.beginBatch(runID: runID, batchNo: batchNo)
        do throws(MigrationError) {
            var hasher = SHA256()
            let rows = try body { hasher.update(bufferPointer: $0) }
            guard rows > 0 else {
                try connection.execute("ROLLBACK")
                return 0
            }
            try records.recordBatch(runID: runID, batchNo: batchNo, entity: entity, kind: kind, rows: rows, byTable: tables.map { ($0, rows) }, digest: Hex.encode(hasher.finalize()))
            try connection.execute("COMMIT", what: "committing batch \(batchNo)")
            return rows
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}

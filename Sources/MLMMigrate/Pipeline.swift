import Foundation
import Glibc
public import Logging

/// Runs the stages over a work directory, one at a time or all in order. Each stage reads
/// only its predecessor's files and the manifest; this type is the one place that knows the
/// order of the stages.
public struct Pipeline {
    public let work: WorkDirectory
    public let logger: Logger
    /// Rows per batch transaction in Load.
    public var batchSize = 50_000
    /// Load stops after this many batches (nil: all); the same command continues.
    public var maxBatches: Int?
    /// `--entry-partitions N`: the wallet entries' partitioned layout (``EntryPartitions``).
    public var entryPartitions: Int?
    /// `--entry-streams N`: COPY streams for a first load's wallet entries (``Loader/entryStreams``).
    public var entryStreams = 2
    /// `--copy-format`: binary `COPY` where the target's column types allow (``Loader/binaryCopy``).
    public var binaryCopy = true
    /// Pauses before each retry of a load after a transient database error.
    public var retryDelays: [Double] = [0.5, 1, 2, 4, 8]
    /// The closed pay period the export holds, overriding the mapping's `commission_period` id
    /// (a later export's next period); recorded in the manifest at extract.
    public var commissionPeriod: String?
    /// nil: progress on stderr only when it is a terminal.
    public var progress: Bool?
    /// The key-encryption key: Extract encrypts PII under it, Reconcile decrypts to verify.
    /// Held in memory only; never written to the work directory or the target.
    public var kek: KeyEncryptionKey?
    /// How a target reached over TCP must be encrypted (`--allow-unverified-tls`).
    public var transport = TransportPolicy()
    /// `--after WORKDIR`: use that work directory's disposable PostgreSQL (no `--target`).
    public var disposableFrom: String?
    /// Set by ``run(source:mappingPath:target:delta:)``: checks its load starts for its reconcile.
    var earlyChecks: EarlyChecks?
    /// `run --keep-stage-files`: keep every stage file; by default ``run(source:mappingPath:target:delta:)``
    /// removes each once nothing later reads it (``StageFile/released(after:)``).
    public var keepStageFiles = false

    public init(work: WorkDirectory, logger: Logger) {
        self.work = work
        self.logger = logger
    }

    /// The outcome of reconcile: the report, where it was written, and the target.
    public struct Outcome: Sendable {
        public var report: MigrationReport
        public var jsonPath: String
        public var markdownPath: String
        public var htmlPath: String
        /// `exceptions.csv` beside the report, and the register it lists.
        public var exceptionsPath: String
        public var exceptions: ExceptionFigures
        public var target: ConnectedTarget
    }

    /// The commands that work on a loaded target outside the stages (rotate, erase, rollback,
    /// snapshots, verify-ledger), with this pipeline's work directory, logger and key.
    public var operations: TargetOperations {
        var operations = TargetOperations(work: work, logger: logger, kek: kek)
        operations.transport = transport
        return operations
    }

    // MARK: Stages

    public func extract(source: String, mappingPath: String) throws(MigrationError) -> ExtractSummary {
        try extract(source: source, mappingPath: mappingPath, afterMembers: nil)
    }

    /// ``extract(source:mappingPath:)``; `afterMembers` runs on this thread once the members'
    /// files are extracted, while the ledger's and commission's may still be (`run` cleanses the
    /// members there). The manifest is written after both, as without it.
    func extract(
        source: String, mappingPath: String, afterMembers: ((ExtractSummary, Mapping) throws(MigrationError) -> Void)?
    ) throws(MigrationError) -> ExtractSummary {
        try refuseToOverwriteUnfinishedRun(by: "extract")
        let started = ContinuousClock.now
        let mapping = try MappingLoader.load(path: mappingPath)
        guard let mappingText = FileManager.default.contents(atPath: mappingPath) else {
            throw MigrationError(.mappingInvalid, "cannot read the mapping \(mappingPath)")
        }
        // No manifest while the stage files are rewritten: a kill now leaves nothing that
        // claims a stage is done.
        if unlink(work.manifestFile) != 0 && errno != ENOENT {
            throw MigrationError(.workdirUnwritable, "cannot remove \(work.manifestFile): \(String(cString: strerror(errno)))")
        }
        try AtomicFile.write(Array(mappingText), to: work.mappingCopy)
        let absoluteSource = URL(fileURLWithPath: source).standardizedFileURL.path
        // Refused before a second thread writes anything: no key for PII columns, no members file.
        _ = try SourceFiles.resolve(source: absoluteSource, glob: mapping.members.source.files)
        if kek == nil && mapping.members.columns.contains(where: \.pii) { throw KeyEncryptionKey.missingForExtract }
        // The ledger's and the commission's files are read on a second thread while the members'
        // are (other files, their own stage files; no progress line, so the members' stays readable).
        let others = BackgroundJob(name: "mlm-migrate.extract.ledger") { [self] () throws(MigrationError) in
            (
                ledger: try mapping.ledger.map { ledger throws(MigrationError) in
                    try extractLedger(ledger, source: absoluteSource, progress: false)
                },
                commission: try mapping.commission.map { commission throws(MigrationError) in
                    try extractCommission(commission, source: absoluteSource, progress: false)
                }
            )
        }
        let (summary, extracted) = try others.alongside { () throws(MigrationError) in
            let summary = try Extractor(members: mapping.members, source: absoluteSource, logger: logger, encryptor: kek.map(PIIEncryptor.init))
                .run(outputPath: work.path(.extractMembers), piiPath: work.path(.extractMemberPII), progress: progress)
            try afterMembers?(summary, mapping)
            return summary
        }
        var manifest = RunManifest(source: absoluteSource, mappingDigest: mapping.digest, extract: summary)
        manifest.sourceFingerprint = SourceFiles.fingerprint(source: absoluteSource)
        manifest.ledgerExtract = extracted.ledger
        if let commission = extracted.commission {
            manifest.commissionExtract = commission
            manifest.commissionPeriod = commissionPeriod
        }
        manifest.recordTiming("extract", since: started)
        try work.writeManifest(manifest)
        return summary
    }

    public func cleanse() throws(MigrationError) -> CleanseSummary {
        try cleanse(cleansedMembers: nil)
    }

    /// ``cleanse()``, given the members' cleanse when it already ran (`run`, beside the ledger's
    /// extract: ``extract(source:mappingPath:afterMembers:)``), so only the ledger's and the
    /// commission's are left.
    func cleanse(cleansedMembers: CleanseSummary?) throws(MigrationError) -> CleanseSummary {
        try refuseToOverwriteUnfinishedRun(by: "cleanse")
        let started = ContinuousClock.now
        var manifest = try work.readManifest()
        let mapping = try workMapping(manifest)
        guard manifest.extract != nil else { throw Self.missing("extract") }
        try refuseReleased(manifest, by: "cleanse")
        manifest.clearStages(from: .cleanse)
        try work.writeManifest(manifest)
        let summary = if let cleansedMembers { cleansedMembers } else { try cleanseMembers(mapping.members, kekID: manifest.extract?.kekID) }
        manifest.cleanse = summary
        // One read of the member files gives the ledger's and the commission's member directories.
        var keys = Set(mapping.ledger.map { [$0.rules.memberKey] } ?? [])
        if let data = mapping.commission, mapping.commissionPlan != nil { keys.formUnion(CommissionCleanser.memberKeys(data)) }
        let directories = MemberDirectories(
            keys: keys, members: mapping.members, extractPath: work.path(.extractMembers), cleansedPath: work.path(.cleanseMembers)
        )
        // The commission state is cleansed on a second thread once the ledger's row rules are
        // done: the ledger's sorted write and balances leave a core free. Its own files only.
        var commission: BackgroundJob<CommissionCleanseSummary?>?
        let commissionInputs = manifest
        let startCommission = { [self] in
            guard commission == nil, mapping.commission != nil else { return }
            commission = BackgroundJob(name: "mlm-migrate.cleanse.commission") { [self] () throws(MigrationError) in
                try cleanseCommission(mapping, manifest: commissionInputs, directories: directories)
            }
        }
        do throws(MigrationError) {
            manifest.ledgerCleanse = try mapping.ledger.map { ledger throws(MigrationError) in
                try cleanseLedger(ledger, members: mapping.members, manifest: manifest, directories: directories, afterRowRules: startCommission)
            }
        } catch {
            _ = try? commission?.wait()
            throw error
        }
        manifest.commissionCleanse = if let commission {
            try commission.wait()
        } else {
            try cleanseCommission(mapping, manifest: manifest, directories: directories)
        }
        manifest.recordTiming("cleanse", since: started)
        try work.writeManifest(manifest)
        return summary
    }

    /// Cleanse's members part: from Extract's members (and PII) files to Cleanse's.
    private func cleanseMembers(_ members: MembersMapping, kekID: String?) throws(MigrationError) -> CleanseSummary {
        try Cleanser(mapping: members, logger: logger).run(
            extractPath: work.path(.extractMembers),
            membersPath: work.path(.cleanseMembers),
            quarantinePath: work.path(.cleanseQuarantine),
            reattachedPath: work.path(.cleanseReattached),
            acceptedRowsPath: work.path(.cleanseAcceptedRows),
            extractPIIPath: work.path(.extractMemberPII),
            kekID: kekID,
            duplicatesPath: work.path(.cleanseDuplicateCandidates),
            progress: progress
        )
    }

    /// With `delta`, numbers the members against the target's (`target`, as for load): members
    /// it has keep their ids, new ones get the next ones, and the load writes only the changes.
    ///
    /// `releasing` (a whole `run`): Extract's PII file and the cleansed ledger are removed as
    /// soon as they are read, so the work directory never holds them beside all of Transform's
    /// files; the manifest says so first, so a kill leaves no claim that they are there.
    ///
    /// `besideLoad` (a whole `run`, not a delta): only the members are transformed here; the
    /// manifest says the rest is pending, and ``load(target:)`` transforms the ledger and the
    /// commission state while the members, their quarantine and PII load.
    public func transform(delta: Bool = false, target: String? = nil, releasing: Bool = false, besideLoad: Bool = false) throws(MigrationError) -> TransformSummary {
        try transform(delta: delta, target: target, releasing: releasing, besideLoad: besideLoad, transformedMembers: nil)
    }

    /// ``transform(delta:target:releasing:besideLoad:)``, given the members' part when it already
    /// ran (`run`, a first load: beside the ledger's extract and cleanse,
    /// ``transformMembers(kekID:duplicates:targetIDs:)``).
    func transform(
        delta: Bool, target: String?, releasing: Bool, besideLoad: Bool, transformedMembers: TransformedMembers?
    ) throws(MigrationError) -> TransformSummary {
        try refuseToOverwriteUnfinishedRun(by: "transform")
        let started = ContinuousClock.now - .milliseconds(transformedMembers?.milliseconds ?? 0)
        var manifest = try work.readManifest()
        guard manifest.cleanse != nil else { throw Self.missing("cleanse") }
        try refuseReleased(manifest, by: "transform")
        manifest.clearStages(from: .transform)
        if releasing { manifest.markReleased(after: "transform") }
        try work.writeManifest(manifest)
        let summary: TransformSummary
        var targetIDs: TargetIDs?
        if let transformedMembers, !delta {
            summary = transformedMembers.summary
        } else {
            if delta {
                let ids = try TargetIDs.read(from: try connect(target, fresh: false).0)
                try ids.write(to: work.path(.transformTargetIDs))
                logger.notice("delta run: numbering members against the target's", metadata: ["members": "\(ids.ids.count)", "highest_id": "\(ids.highest)"])
                targetIDs = ids
            }
            summary = try transformMembers(
                kekID: manifest.extract?.kekID, duplicates: manifest.cleanse?.duplicateCandidates != nil, targetIDs: targetIDs
            ).summary
        }
        if releasing { try remove([.extractMemberPII]) }
        manifest.transform = summary
        manifest.delta = targetIDs?.basis
        manifest.workID = UUID().uuidString.lowercased()
        if besideLoad && !delta && (manifest.ledgerCleanse != nil || manifest.commissionCleanse != nil) {
            manifest.transformPending = true
            manifest.recordTiming("transform", since: started)
            try work.writeManifest(manifest)
            return summary
        }
        let rest = try transformLedgerAndCommission(manifest, progress: progress) { () throws(MigrationError) in
            if releasing { try remove([.cleanseWalletEntries]) }
        }
        manifest.record(rest)
        manifest.recordTiming("transform", since: started)
        try work.writeManifest(manifest)
        return summary
    }

    /// Transform's members part, and how long it took.
    struct TransformedMembers {
        var summary: TransformSummary
        var milliseconds: Int
    }

    /// Transform's members part: from Cleanse's members files (and Extract's PII, sealed under
    /// `kekID`) to the members, id map, quarantine, PII and duplicate pairs to load. Writes only
    /// those stage files, never the manifest: `run` calls it beside the ledger's extract and
    /// cleanse, once the members are cleansed (a first load numbers the members from their own
    /// files alone).
    func transformMembers(kekID: String?, duplicates: Bool, targetIDs: TargetIDs?) throws(MigrationError) -> TransformedMembers {
        let started = ContinuousClock.now
        let summary = try Transformer(logger: logger).run(
            cleansedPath: work.path(.cleanseMembers),
            cleanseQuarantinePath: work.path(.cleanseQuarantine),
            outputDirectory: work.file("transform"),
            pii: kekID == nil ? nil : (work.path(.extractMemberPII), work.path(.cleanseAcceptedRows)),
            kekID: kekID, targetIDs: targetIDs,
            cleansedDuplicatesPath: duplicates ? work.path(.cleanseDuplicateCandidates) : nil
        )
        return TransformedMembers(summary: summary, milliseconds: StageTiming.milliseconds(since: started))
    }

    /// Transform's ledger and commission parts, once the members' is done (its id map, read
    /// once for both, is what they number members by); `afterLedger` runs once the ledger's is
    /// done. The commission's part runs on a thread of its own beside the ledger's (it writes
    /// other files), so it takes the cores the ledger's leaves idle rather than time after it.
    /// Writes only their stage files, never the manifest: ``load(target:)`` runs this on a second
    /// thread.
    func transformLedgerAndCommission(
        _ manifest: RunManifest, progress: Bool?, afterLedger: () throws(MigrationError) -> Void = {}
    ) throws(MigrationError) -> TransformRest {
        let started = ContinuousClock.now
        var rest = TransformRest()
        let mapping = try workMapping(manifest)
        guard manifest.ledgerCleanse != nil || mapping.commission != nil else { return rest }
        let ids = try MemberIDTable(idMapPath: work.path(.transformIDMap))
        let commission = BackgroundJob(name: "mlm-migrate.transform.commission") { [self] () throws(MigrationError) in
            try transformCommission(mapping, manifest: manifest, ids: ids)
        }
        (rest.ledger, rest.commission) = try commission.alongside { () throws(MigrationError) -> LedgerTransformSummary? in
            guard manifest.ledgerCleanse != nil else { return nil }
            let ledger = try LedgerTransformer(logger: logger).run(
                cleanseDirectory: work.file("cleanse"), memberIDs: ids,
                outputDirectory: work.file("transform"), scratch: work.file("transform"), progress: progress
            )
            try afterLedger()
            return ledger
        }
        rest.milliseconds = StageTiming.milliseconds(since: started)
        return rest
    }

    public func load(target: String?) throws(MigrationError) -> (LoadSummary, ConnectedTarget) {
        let started = ContinuousClock.now
        var manifest = try work.readManifest()
        let resuming = manifest.loadPending == true
        let mapping = try workMapping(manifest)
        let info = try runInfo(manifest, mapping: mapping)
        // A fresh target only for a first load; a delta run loads into the target it was numbered
        // against, a resumed one into its own.
        let fresh = manifest.loadPending != true && manifest.delta == nil
        manifest.load = nil
        manifest.reconciled = nil
        manifest.loadPending = true
        try work.writeManifest(manifest)
        guard manifest.transformPending == true else {
            let settled = manifest
            return try finishLoad(
                try loadRetrying(manifest, target, fresh: fresh, info: info, finishingTransform: nil) { () throws(MigrationError) in settled },
                manifest, started, resuming
            )
        }
        // `run` left the ledger and commission state to transform here, on a second thread, while
        // the members, their quarantine and PII load; the loader waits for it before their steps.
        let pending = BackgroundJob(name: "mlm-migrate.transform.ledger") { [self, manifest] () throws(MigrationError) in
            try transformLedgerAndCommission(manifest, progress: false)
        }
        // The manifest with the rest of Transform recorded, once it is done.
        let transformed = manifest
        let finished = { () throws(MigrationError) -> RunManifest in
            var finished = transformed
            finished.record(try pending.wait())
            return finished
        }
        let finishing = { [self] () throws(MigrationError) -> RunInfo in try runInfo(try finished(), mapping: mapping) }
        let loaded: Result<(LoadSummary, ConnectedTarget), MigrationError>
        do throws(MigrationError) {
            loaded = .success(try loadRetrying(manifest, target, fresh: fresh, info: info, finishingTransform: finishing, settled: finished))
        } catch {
            loaded = .failure(error)
        }
        // Recorded whatever the load's outcome, so a resume need not transform them again; the
        // load's error comes first.
        let rest: TransformRest
        do throws(MigrationError) {
            rest = try pending.wait()
        } catch {
            if case .failure(let stopped) = loaded { throw stopped }
            throw error
        }
        manifest.record(rest)
        try work.writeManifest(manifest)
        // Transform is done now: its inputs go (unless `run --keep-stage-files`), and the files on disk are logged.
        if manifest.releasedAfter?.contains("transform") == true {
            try releaseStageFiles(after: "transform")
        } else {
            logStageFiles(after: "transform")
        }
        return try finishLoad(try loaded.get(), manifest, started, resuming)
    }

    /// Records the load's summary and time in the manifest.
    private func finishLoad(
        _ loaded: (LoadSummary, ConnectedTarget), _ manifest: RunManifest, _ started: ContinuousClock.Instant, _ resuming: Bool
    ) throws(MigrationError) -> (LoadSummary, ConnectedTarget) {
        var manifest = manifest
        manifest.load = loaded.0
        manifest.loadPending = loaded.0.complete == false
        manifest.recordTiming("load", since: started, adding: resuming)
        try work.writeManifest(manifest)
        return loaded
    }

    /// What the target records of this work directory's run (``RunInfo``): its counts so far,
    /// with the ledger's once Transform has them.
    func runInfo(_ manifest: RunManifest, mapping: Mapping) throws(MigrationError) -> RunInfo {
        guard let extract = manifest.extract, let cleanse = manifest.cleanse, let transform = manifest.transform else {
            throw Self.missing("transform")
        }
        let pending = manifest.transformPending == true
        var counts = [
            ("members.extracted", String(extract.rows)),
            ("members.accepted", String(cleanse.accepted)),
            ("members.quarantined", String(cleanse.quarantined)),
            ("members.transformed", String(transform.members)),
        ]
        if let pii = transform.piiMembers { counts.append(("member_pii.transformed", String(pii))) }
        if mapping.ledger != nil && !pending {
            guard let ledgerExtract = manifest.ledgerExtract, let ledgerCleanse = manifest.ledgerCleanse, let ledgerTransform = manifest.ledgerTransform else {
                throw Self.missing("transform")
            }
            counts += [
                ("wallet_entries.extracted", String(ledgerExtract.entries.rows)),
                ("wallet_entries.quarantined", String(ledgerCleanse.entries.quarantined)),
                ("wallet_entries.transformed", String(ledgerTransform.entries)),
                ("wallets.transformed", String(ledgerTransform.wallets)),
            ]
        }
        var info = RunInfo(
            vendor: mapping.vendor, mappingDigest: mapping.digest, source: manifest.source,
            countsJSON: JSONText.object(counts), ledgerDigest: mapping.ledger == nil ? nil : manifest.ledgerTransform?.runDigest,
            hasPII: transform.piiMembers != nil, workID: manifest.workID, delta: manifest.delta
        )
        info.transformPending = pending
        info.ledgerPending = pending && mapping.ledger != nil
        if mapping.delta.goneMembers == .mark { info.goneStatus = mapping.delta.goneStatus }
        if mapping.commission != nil {
            guard pending || manifest.commissionTransform != nil else { throw Self.missing("transform") }
            info.hasCommission = true
        }
        info.kekID = extract.kekID
        return info
    }

    /// With ``earlyChecks`` (a whole `run`'s first load, no batch limit): the load's hook that
    /// starts reconcile's PII round trip before the first ledger or commission step, and the
    /// ledger's read-back as the wallet entries start loading, reading the members whose entries
    /// `frontier` says are in (``EarlyChecks``).
    private func earlyStart(_ manifest: RunManifest, frontier: EntryFrontier?) -> ((LoadStep, Int, PostgresConnection) -> Void)? {
        guard let earlyChecks, maxBatches == nil, manifest.delta == nil, let mapping = try? workMapping(manifest) else { return nil }
        return { [self] step, runID, connection in
            if step.loadsWalletEntries, mapping.ledger != nil, !earlyChecks.ledger.isStarted {
                logger.info("reading the ledger back as its entries load", metadata: ["run_id": "\(runID)"])
                let (connInfo, logger) = (connection.siblingConnInfo, logger)
                earlyChecks.ledger.start(runID: runID) { () throws(MigrationError) in
                    try LedgerVerifier(connection: try PostgresConnection(connInfo, logger: logger)).verify(runID: runID, frontier: frontier)
                }
            }
            guard !step.fromMemberTransform, !earlyChecks.pii.isStarted, let check = try? piiRoundTrip(manifest, mapping: mapping, runID: runID, connInfo: connection.siblingConnInfo)
            else { return }
            logger.info("checking the PII round trip while the rest loads", metadata: ["run_id": "\(runID)"])
            earlyChecks.pii.start(runID: runID, check)
        }
    }

    /// With ``earlyChecks`` (a whole `run`'s first load, no batch limit): the load's hook that
    /// gathers reconcile's checks once the last row is committed, on a connection of its own,
    /// while the load validates the foreign keys it adds back (``EarlyChecks``).
    private func earlyReconcile(
        _ manifest: RunManifest, settled: @escaping () throws(MigrationError) -> RunManifest
    ) -> ((Int, PostgresConnection) -> Void)? {
        guard let earlyChecks, maxBatches == nil, manifest.delta == nil else { return nil }
        return { [self] runID, connection in
            guard !earlyChecks.reconcile.isStarted else { return }
            logger.info("reconciling while the foreign keys are validated", metadata: ["run_id": "\(runID)"])
            let connInfo = connection.siblingConnInfo
            earlyChecks.reconcile.start(runID: runID) { [self] () throws(MigrationError) in
                let manifest = try settled()
                return try gatherFindings(
                    manifest, mapping: try workMapping(manifest), runID: runID,
                    connection: try PostgresConnection(connInfo, logger: logger), settled: LoadSettledChecks(deferred: true)
                )
            }
        }
    }

    /// Loads `info`'s run into the target. A transient database error (connection lost,
    /// serialization failure...) is retried with backoff on a new connection, resuming from the
    /// last committed batch.
    /// `settled` gives the manifest with every stage's figures recorded, once the loader has
    /// waited for any Transform pending (for reconcile's checks begun before the load ends).
    private func loadRetrying(
        _ manifest: RunManifest, _ target: String?, fresh: Bool, info: RunInfo, finishingTransform: (() throws(MigrationError) -> RunInfo)?,
        settled: @escaping () throws(MigrationError) -> RunManifest
    ) throws(MigrationError) -> (LoadSummary, ConnectedTarget) {
        var fresh = fresh
        var attempt = 0
        while true {
            // One per attempt: a read-back begun before a failure is told of it by that attempt's
            // loader (and reconcile reads the ledger again); one the retry begins follows the retry.
            let frontier = EntryFrontier()
            do throws(MigrationError) {
                let (connection, described) = try connect(target, fresh: fresh)
                fresh = false
                var loader = Loader(connection: connection, batchSize: max(1, batchSize), logger: logger)
                loader.maxBatches = maxBatches
                loader.entryPartitions = entryPartitions
                loader.entryStreams = entryStreams
                loader.binaryCopy = binaryCopy
                loader.finishingTransform = finishingTransform
                loader.entryFrontier = frontier
                loader.stepStarting = earlyStart(manifest, frontier: frontier)
                loader.rowsLoaded = earlyReconcile(manifest, settled: settled)
                return (try loader.run(transformDirectory: work.file("transform"), info: info, progress: progress), described)
            } catch {
                // While it restarts, the database is briefly unreachable: also worth a retry then.
                let retryable = error.isTransient || (attempt > 0 && error.code == ErrorCode.targetUnreachable.rawValue)
                guard retryable, attempt < retryDelays.count else { throw error }
                // Reconcile's checks begun once the rows were in are dropped (they may have taken
                // the PII round trip and the read-back, which the retry's steps then begin
                // again): the retry gathers them afresh, never beside a gather still running.
                earlyChecks?.reconcile.drain()
                logger.warning("transient database error; resuming the load", metadata: ["error": "\(error)", "retry_in_seconds": "\(retryDelays[attempt])"])
                usleep(UInt32(retryDelays[attempt] * 1_000_000))
                attempt += 1
            }
        }
    }

    /// All stages in order; nil when ``maxBatches`` paused the load (the same call continues).
    ///
    /// A work directory whose run is unfinished is never extracted over: with the same export
    /// (unchanged files) and mapping, this finishes that run instead, whatever stopped it (a
    /// kill, a failure, `--max-batches`): an unfinished load is resumed from its last committed
    /// batch (a new extract would draw new data keys for rows already loaded), a load never
    /// reconciled is reconciled. With another export or mapping it is refused, naming the way
    /// out (``refuseToOverwriteUnfinishedRun(by:)``).
    ///
    /// With `delta`, the export is a later one of a system the target already holds: only the
    /// changes are written (see ``Loader``'s delta runs), and the report counts them.
    public func run(source: String, mappingPath: String, target: String?, delta: Bool = false) throws(MigrationError) -> Outcome? {
        var pipeline = self
        let early = EarlyChecks()
        pipeline.earlyChecks = early
        // Checks begun by a load end before this call does, whatever its outcome (a retried load
        // may have begun some its reconcile never took).
        defer { early.drain() }
        return try pipeline.runStages(source: source, mappingPath: mappingPath, target: target, delta: delta)
    }

    private func runStages(source: String, mappingPath: String, target: String?, delta: Bool) throws(MigrationError) -> Outcome? {
        let manifest = try? work.existingManifest()
        let state = manifest.map(\.runState) ?? .nothingLoaded
        if state == .loadUnfinished || state == .unreconciled, let manifest {
            let changes = try changes(since: manifest, source: source, mappingPath: mappingPath)
            guard changes.isEmpty else { throw unfinishedRunRefusal(state, by: "run", because: changes) }
        }
        switch state {
        case .loadUnfinished:
            logger.notice("resuming this work directory's unfinished load", metadata: ["work": "\(work.path)"])
        case .unreconciled:
            logger.notice("this work directory's run is loaded; reconciling it", metadata: ["work": "\(work.path)"])
            return try reconcile(target: target)
        case .nothingLoaded, .finished:
            // The members are cleansed as soon as they are extracted, while the ledger's and
            // commission's files are still being read on the second thread; for a first load
            // they are then transformed on a thread of their own, beside the rest of the extract
            // and the ledger's and commission's cleanse (a delta run numbers them against the
            // target's, in Transform). The members' transform writes only its own stage files.
            var cleansedMembers: CleanseSummary?
            var membersTransform: BackgroundJob<TransformedMembers>?
            do throws(MigrationError) {
                _ = try extract(source: source, mappingPath: mappingPath) { [self] summary, mapping throws(MigrationError) in
                    let cleansed = try cleanseMembers(mapping.members, kekID: summary.kekID)
                    cleansedMembers = cleansed
                    guard !delta else { return }
                    let duplicates = cleansed.duplicateCandidates != nil
                    membersTransform = BackgroundJob(name: "mlm-migrate.transform.members") { [self] () throws(MigrationError) in
                        try transformMembers(kekID: summary.kekID, duplicates: duplicates, targetIDs: nil)
                    }
                }
                logStageFiles(after: "extract")
                _ = try cleanse(cleansedMembers: cleansedMembers)
            } catch {
                _ = try? membersTransform?.wait()
                throw error
            }
            let transformedMembers = try membersTransform?.wait()
            try releaseStageFiles(after: "cleanse")
            _ = try transform(
                delta: delta, target: target, releasing: !keepStageFiles, besideLoad: !delta, transformedMembers: transformedMembers
            )
            // With the ledger still to transform, its files are released once it is (load).
            if try work.readManifest().transformPending != true { try releaseStageFiles(after: "transform") }
        }
        let (summary, _) = try load(target: target)
        guard summary.complete != false else { return nil }
        return try reconcile(target: target)
    }

    /// Continues run `runID` from this work directory (`mlm-migrate resume RUN`): checks that the
    /// target's run is unfinished and was loaded from this work directory's transform, then
    /// loads from its last committed batch and reconciles. nil when ``maxBatches`` paused it again.
    public func resume(target: String?, runID: Int) throws(MigrationError) -> Outcome? {
        let manifest = try work.readManifest()
        let (connection, _) = try connect(target, fresh: false)
        guard let run = try RunRecords(connection: connection).run(runID) else {
            throw MigrationError(.resumeNoRun, "the target has no run \(runID)")
        }
        guard run.workID != nil, run.workID == manifest.workID else {
            throw MigrationError(.resumeOtherWorkDirectory, "run \(runID) was not loaded from \(work.path); resume it from its own work directory")
        }
        guard run.status == "loading" else {
            throw MigrationError(.resumeNotUnfinished, "run \(runID) is \(run.status), not unfinished; nothing to resume")
        }
        let (summary, _) = try load(target: target)
        guard summary.complete != false else { return nil }
        return try reconcile(target: target)
    }

    /// What differs between the export and mapping given and the ones this work directory's
    /// manifest was extracted from: empty when they are the same.
    private func changes(since manifest: RunManifest, source: String, mappingPath: String) throws(MigrationError) -> [String] {
        let absoluteSource = URL(fileURLWithPath: source).standardizedFileURL.path
        let mapping = try MappingLoader.load(path: mappingPath)
        var changes: [String] = []
        if manifest.source != absoluteSource {
            changes.append("another export (\(absoluteSource), not \(manifest.source))")
        } else if manifest.sourceFingerprint != SourceFiles.fingerprint(source: absoluteSource) {
            changes.append("the export's files changed (size or modification time)")
        }
        if manifest.mappingDigest != mapping.digest { changes.append("the mapping changed") }
        if manifest.commissionPeriod != commissionPeriod { changes.append("another --commission-period") }
        return changes
    }

    /// Refuses to let `command` overwrite a work directory whose run is unfinished (its load
    /// unfinished, or never reconciled): its stage files are what the target's rows came from.
    func refuseToOverwriteUnfinishedRun(by command: String) throws(MigrationError) {
        let state = (try? work.existingManifest())?.runState ?? .nothingLoaded
        guard state == .loadUnfinished || state == .unreconciled else { return }
        throw unfinishedRunRefusal(state, by: command, because: [])
    }

    /// `workdir.run_unfinished`: why `command` leaves this work directory alone, and the commands
    /// that finish or discard its run.
    private func unfinishedRunRefusal(_ state: RunManifest.RunState, by command: String, because changes: [String]) -> MigrationError {
        let dir = "--work-dir \(work.path)"
        let what = state == .unreconciled
            ? "a run that is loaded but not reconciled"
            : "an unfinished load"
        let finish = state == .unreconciled
            ? "finish it with `mlm-migrate reconcile \(dir)`"
            : "finish it with `mlm-migrate load \(dir)` then `mlm-migrate reconcile \(dir)` (or `mlm-migrate run` with the export and mapping it was extracted from)"
        let reason = changes.isEmpty ? "" : " (\(changes.joined(separator: "; ")))"
        return MigrationError(
            .workdirRunUnfinished,
            "\(work.path) holds \(what); `\(command)` would overwrite the files it came from\(reason) and was refused, "
                + "the work directory is unchanged: \(finish); or discard it with `mlm-migrate rollback --run RUN` "
                + "(`mlm-migrate snapshots` lists it) and use a new --work-dir for this export"
        )
    }

    // MARK: Helpers

    /// Logs the stage files' size on disk after `stage`, before and after removing (unless
    /// ``keepStageFiles``) the files nothing later reads: a stage's inputs and outputs are on
    /// disk together while it runs, so the larger `bytes` figure is the work directory's peak
    /// (the sorts' scratch runs, removed as they are merged, aside).
    private func releaseStageFiles(after stage: String) throws(MigrationError) {
        var metadata: Logger.Metadata = ["after": "\(stage)", "bytes": "\(work.stageFileBytes)"]
        if !keepStageFiles {
            var manifest = try work.readManifest()
            manifest.markReleased(after: stage)
            try work.writeManifest(manifest)
            try remove(StageFile.released(after: stage))
            metadata["bytes_kept"] = "\(work.stageFileBytes)"
        }
        logger.info("stage files on disk", metadata: metadata)
    }

    private func remove(_ files: [StageFile]) throws(MigrationError) {
        for file in files where unlink(work.path(file)) != 0 && errno != ENOENT {
            throw MigrationError(.workdirUnwritable, "cannot remove \(work.path(file)): \(String(cString: strerror(errno)))")
        }
    }

    /// `workdir.stage_missing` when `run` removed files `command` reads: the stage before it
    /// must run again (the export is still there; the target is not touched).
    private func refuseReleased(_ manifest: RunManifest, by command: String) throws(MigrationError) {
        // Cleanse reads extract files (gone after cleanse); transform, cleanse files and
        // Extract's PII (gone after transform).
        let released = manifest.releasedAfter ?? []
        guard let stage = command == "cleanse" ? released.first : released.first(where: { $0 == "transform" }) else { return }
        throw MigrationError(
            .workdirStageMissing,
            "`mlm-migrate run` removed this work directory's \(stage == "cleanse" ? "extract" : "extract and cleanse") files once \(stage) finished, "
                + "and \(command) reads them: run `mlm-migrate extract` first (or `run` with --keep-stage-files to keep them)"
        )
    }

    private func logStageFiles(after stage: String) {
        logger.info("stage files on disk", metadata: ["after": "\(stage)", "bytes": "\(work.stageFileBytes)"])
    }

    static func missing(_ stage: String) -> MigrationError {
        MigrationError(.workdirStageMissing, "the \(stage) stage has not run in this work directory; run `mlm-migrate \(stage)` first")
    }

    /// The mapping copied into the work directory at extract, checked against the manifest.
    func workMapping(_ manifest: RunManifest) throws(MigrationError) -> Mapping {
        let mapping = try MappingLoader.load(path: work.mappingCopy)
        guard mapping.digest == manifest.mappingDigest else {
            throw MigrationError(.workdirCorrupt, "\(work.mappingCopy) changed since extract; run extract again")
        }
        return mapping
    }

    func connect(_ target: String?, fresh: Bool) throws(MigrationError) -> (PostgresConnection, ConnectedTarget) {
        try TargetConnector(work: work, logger: logger, transport: transport, disposableFrom: disposableFrom).connect(target, fresh: fresh)
    }
}

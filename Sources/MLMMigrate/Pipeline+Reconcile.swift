import Foundation
import Glibc
import Logging

/// Reconcile: the checks on the target, the report in its three forms and the exceptions register.
extension Pipeline {
    public func reconcile(target: String?) throws(MigrationError) -> Outcome {
        let started = ContinuousClock.now
        var manifest = try work.readManifest()
        let mapping = try workMapping(manifest)
        guard let extract = manifest.extract, let cleanse = manifest.cleanse, let transform = manifest.transform else {
            throw Self.missing("transform")
        }
        let (connection, described) = try connect(target, fresh: false)
        let reconciler = Reconciler(connection: connection, logger: logger)
        let runID: Int
        if let loaded = manifest.load?.runID { runID = loaded } else { runID = try reconciler.latestRun(mappingDigest: mapping.digest) }
        let counts = StageCounts(extract: extract, cleanse: cleanse, transform: transform)
        // A `run` gathers the checks as soon as its rows are in, while its load validates the
        // foreign keys (``EarlyChecks``); the figures only the load's end settles are read now.
        var findings: ReconcileFindings
        if let early = earlyChecks?.reconcile.take(runID: runID, logger: logger) {
            findings = early
            try findings.settled.settle(&findings.checks, on: connection)
        } else {
            findings = try gatherFindings(manifest, mapping: mapping, runID: runID, connection: connection, settled: LoadSettledChecks())
        }
        var checks = findings.checks
        checks += SourceChecks.checks(
            EntityTally.all(
                counts: counts, ledger: findings.ledger?.counts, commission: manifest.commissionCleanse, commissionExtract: manifest.commissionExtract ?? []
            ),
            maxQuarantineRatio: mapping.maxQuarantineRatio
        )
        var facts = MigrationReport.RunFacts(
            runID: runID, generatedAt: ISO8601DateFormatter().string(from: Date()),
            target: described.endpoint, source: manifest.source, connection: described.transport
        )
        // Since the checks began, when a `run` gathered them as its load ended.
        manifest.recordTiming("reconcile", since: min(started, findings.started))
        facts.timings = manifest.timings
        var report = MigrationReport(
            counts: counts, checks: checks, mapping: mapping, run: facts, ledger: findings.ledger, pii: findings.pii, delta: findings.delta
        )
        report.addDuplicateCandidates(findings.duplicatePairs)
        if let commission = findings.commission, let cleansed = manifest.commissionCleanse {
            report.addCommission(commission, entities: cleansed.entities, extracted: manifest.commissionExtract ?? [])
        }
        let exceptionsPath = "\(work.path)/\(ExceptionsCSV.fileName)"
        let reader = ExceptionReader(connection: connection)
        let exceptions = try ExceptionsCSV.write(to: exceptionsPath, runID: runID, decisions: try reader.decisions()) { each throws(MigrationError) in
            try reader.forEach(runID: runID, each)
        }
        report.exceptions = exceptions
        let paths = try ReportWriter.write(report, to: work.path)
        try RunRecords(connection: connection).recordReport(runID, passed: report.passed, json: String(decoding: report.json(), as: UTF8.self))
        if manifest.load != nil && manifest.loadPending != true {
            manifest.reconciled = true
            try work.writeManifest(manifest)
        }
        return Outcome(
            report: report, jsonPath: paths.json, markdownPath: paths.markdown, htmlPath: paths.html,
            exceptionsPath: exceptionsPath, exceptions: exceptions, target: described
        )
    }

    /// Reconcile's checks on the target for run `runID`, and the figures its report shows, in the
    /// report's order but for the source checks; the figures `settled` holds open are read later.
    /// Reads only: a `run` gathers them on a connection of its own while its load validates keys.
    func gatherFindings(
        _ manifest: RunManifest, mapping: Mapping, runID: Int, connection: PostgresConnection, settled: LoadSettledChecks
    ) throws(MigrationError) -> ReconcileFindings {
        let started = ContinuousClock.now
        guard let extract = manifest.extract, let cleanse = manifest.cleanse, let transform = manifest.transform else {
            throw Self.missing("transform")
        }
        let counts = StageCounts(extract: extract, cleanse: cleanse, transform: transform)
        // The PII round trip reads other tables than the ledger's check: it runs beside it, on
        // its own connection and thread; its checks are listed after the ledger's as before. A
        // `run` may have started it already, while its ledger loaded (``EarlyChecks``).
        let piiCheck = try piiRoundTrip(manifest, mapping: mapping, runID: runID, connInfo: connection.siblingConnInfo)
        let early = earlyChecks?.pii
        let piiJob = BackgroundJob(name: "mlm-migrate.reconcile.pii") { [piiCheck, logger] () throws(MigrationError) -> ([Check], PIIFigures)? in
            if let value = early?.take(runID: runID, logger: logger) { return value }
            return try piiCheck?()
        }
        let ((memberAndLedgerChecks, ledger), piiResult) = try piiJob.alongside {
            () throws(MigrationError) -> ([Check], (counts: LedgerStageCounts, figures: LedgerFigures)?) in
            let checks = try Reconciler(connection: connection, logger: logger)
                .run(runID: runID, counts: counts, legs: mapping.members.genealogy.legs, settled: settled)
            guard mapping.ledger != nil else { return (checks, nil) }
            guard let ledgerExtract = manifest.ledgerExtract, let ledgerCleanse = manifest.ledgerCleanse, let ledgerTransform = manifest.ledgerTransform else {
                throw Self.missing("transform")
            }
            let ledgerCounts = LedgerStageCounts(entriesExtract: ledgerExtract.entries, balancesExtract: ledgerExtract.balances, cleanse: ledgerCleanse, transform: ledgerTransform)
            let verified = earlyChecks?.ledger.take(runID: runID, logger: logger)
            let (ledgerChecks, figures) = try LedgerReconciler(connection: connection, logger: logger)
                .run(runID: runID, counts: ledgerCounts, verified: verified, settled: settled)
            return (checks + ledgerChecks, (ledgerCounts, figures))
        }
        var findings = ReconcileFindings(checks: memberAndLedgerChecks + (piiResult?.0 ?? []), settled: settled, started: started)
        findings.ledger = ledger
        findings.pii = piiResult?.1
        let deltaReconciler = DeltaReconciler(connection: connection, logger: logger)
        let isDelta = try deltaReconciler.isDelta(runID: runID)
        if mapping.commission != nil {
            guard let cleansed = manifest.commissionCleanse, let transformed = manifest.commissionTransform else { throw Self.missing("transform") }
            let (commissionChecks, figures) = try CommissionReconciler(connection: connection, logger: logger)
                .run(runID: runID, delta: isDelta, cleanse: cleansed, transform: transformed, settled: settled)
            findings.checks += commissionChecks
            findings.commission = figures
        }
        if isDelta {
            let contents = RunContents(pii: transform.piiMembers != nil, ledger: mapping.ledger != nil, commission: mapping.commission != nil)
            let tables = TargetTables.deltaCounted(for: contents).map { ($0.deltaName ?? $0.bareName, $0.name) }
            findings.delta = try deltaReconciler.figures(runID: runID, tables: tables)
        }
        let (duplicatesCheck, duplicatePairs) = try DuplicateCandidateReconciler(connection: connection)
            .run(runID: runID, expected: transform.duplicateCandidates)
        findings.checks.append(duplicatesCheck)
        findings.duplicatePairs = duplicatePairs
        return findings
    }

    /// Reconcile's PII round trip for run `runID` on a new connection (`connInfo`), as a job to
    /// run on another thread; nil when the mapping has no PII.
    func piiRoundTrip(
        _ manifest: RunManifest, mapping: Mapping, runID: Int, connInfo: String
    ) throws(MigrationError) -> (() throws(MigrationError) -> ([Check], PIIFigures))? {
        guard let expected = manifest.transform?.piiMembers else { return nil }
        guard let kek else {
            throw MigrationError(.keysKEKMissing, "reconcile decrypts the PII to verify it (runbooks/keys.md): give --kek-file or set \(KeyEncryptionKey.environmentVariable)")
        }
        let source = Extractor(members: mapping.members, source: manifest.source, logger: logger)
        let fields = mapping.members.columns.filter(\.pii).map(\.field)
        let cleansed = work.path(.cleanseMembers)
        return { [logger] () throws(MigrationError) in
            try PIIReconciler(connection: try PostgresConnection(connInfo, logger: logger), kek: kek, logger: logger).run(
                runID: runID, fields: fields, source: source, cleansedMembersPath: cleansed, expected: expected
            )
        }
    }
}

/// What reconcile read from the target for one run, before the report is made of it.
struct ReconcileFindings: @unchecked Sendable {
    var checks: [Check]
    /// The checks left open until the load has finished, and how to read them.
    let settled: LoadSettledChecks
    var ledger: (counts: LedgerStageCounts, figures: LedgerFigures)?
    var pii: PIIFigures?
    var delta: DeltaFigures?
    var commission: CommissionFigures?
    var duplicatePairs: [DuplicateCandidateFigure] = []
    /// When reconcile began reading them.
    let started: ContinuousClock.Instant

    init(checks: [Check], settled: LoadSettledChecks, started: ContinuousClock.Instant) {
        self.checks = checks
        self.settled = settled
        self.started = started
    }
}

/// Checks a whole `run` starts before its reconcile, for that reconcile to take, in this process
/// only (nothing is kept on disk: a later command checks afresh). The PII round trip reads only
/// the members' keys and PII, which no later step of the load writes: it starts once the load is
/// past them, while the ledger and commission state load (I/O for the database, a core idle here).
///
/// Likewise the ledger's read-back (``LedgerVerifier``) once the wallets are in, as the entries
/// load: it reads the members whose entries are all committed (``EntryFrontier``) and waits for
/// more; the digest the load records at its end is read by reconcile itself.
///
/// And the rest of reconcile's reads (``Pipeline/gatherFindings(_:mapping:runID:connection:settled:)``)
/// once the last row is committed, while the load validates the foreign keys it dropped (a scan
/// of the entries on one core): they take the two above, and leave open the checks of the keys
/// and of the digest the load records last (``LoadSettledChecks``), which reconcile reads.
final class EarlyChecks: @unchecked Sendable {
    let pii = EarlyCheck<([Check], PIIFigures)>(name: "mlm-migrate.reconcile.pii.early", what: "the PII round trip")
    let ledger = EarlyCheck<LedgerVerification>(name: "mlm-migrate.reconcile.ledger.early", what: "the ledger's read-back")
    let reconcile = EarlyCheck<ReconcileFindings>(name: "mlm-migrate.reconcile.early", what: "reconcile's checks")

    /// Waits for whatever was started and not handed over, dropping the results (reconcile's
    /// first: it takes the other two).
    func drain() {
        reconcile.drain()
        pii.drain()
        ledger.drain()
    }
}

/// One of ``EarlyChecks``: a check started for a run during its load, handed over once.
final class EarlyCheck<Value>: @unchecked Sendable {
    private let name: String
    private let what: String
    private var started: (runID: Int, job: BackgroundJob<Value>)?

    init(name: String, what: String) {
        self.name = name
        self.what = what
    }

    /// Whether the check has been started, and not handed over yet.
    var isStarted: Bool { started != nil }

    /// Starts `check` for `runID` on its own thread.
    func start(runID: Int, _ check: @escaping () throws(MigrationError) -> Value) {
        started = (runID, BackgroundJob(name: name, check))
    }

    /// The value of the check started for `runID`, once; nil when none was, or when it failed
    /// (logged: the caller runs the check again).
    func take(runID: Int, logger: Logger) -> Value? {
        defer { started = nil }
        guard let started, started.runID == runID else { return nil }
        do throws(MigrationError) {
            return try started.job.wait()
        } catch {
            logger.warning("\(what) begun during the load failed; checking again", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Waits for the check, if started and not handed over, dropping its value.
    func drain() {
        _ = try? started?.job.wait()
        started = nil
    }
}

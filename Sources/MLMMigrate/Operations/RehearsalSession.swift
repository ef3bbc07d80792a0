import Foundation
import Glibc
import Logging

/// The state of one rehearsal while its steps run: the target, the work directories, the
/// digests each comparison needs, and the steps' verdicts so far. Used by ``Rehearsal`` only.
final class RehearsalSession {
    let rehearsal: Rehearsal
    let plan: RehearsalPlan
    let mapping: Mapping
    let conninfo: String
    let endpoint: String
    private(set) var steps: [RehearsalReport.Step] = []
    private(set) var batchSize: Int
    /// Rows per entity of the rehearsal's export, and the stages timed for the window estimate.
    private(set) var exportRows: [String: Int] = [:]
    private(set) var windowTimings: [(stage: String, seconds: Double, rows: Int)] = []
    var failed: Bool { steps.contains { $0.verdict == "fail" } }

    private var firstLoadDigests: [String: String] = [:]
    private var firstRunID: Int?
    private var plannedBatches = 0

    var logger: Logger { rehearsal.logger }
    var first: WorkDirectory { get throws(MigrationError) { try WorkDirectory(path: rehearsal.work.file("first")) } }

    init(rehearsal: Rehearsal, plan: RehearsalPlan, mapping: Mapping, conninfo: String) throws(MigrationError) {
        self.rehearsal = rehearsal
        self.plan = plan
        self.mapping = mapping
        self.conninfo = conninfo
        batchSize = plan.batchSize ?? 10_000
        endpoint = try Self.connect(rehearsal, conninfo).endpoint
    }

    func runSteps() {
        step("first_load", "First load, its checks and verify-ledger", firstLoad)
        step("kill_and_resume", "Load killed at a random batch, resumed, compared", killAndResume)
        if let period = mapping.commission?.period.id, mapping.commissionPlan != nil {
            step("parallel_run", "Parallel run of \(period)") { step throws(MigrationError) in
                try self.parallelRun(period: period, in: try self.first, accepted: self.plan.acceptedDifferences, &step)
            }
        }
        if let later = plan.later {
            var beforeDelta: [String: String] = [:]
            var deltaRun: Int?
            step("delta", "Delta from the later export") { step throws(MigrationError) in
                beforeDelta = try TableDigests.read(try self.connection())
                deltaRun = try self.delta(later, in: "delta", timed: true, &step)
            }
            step("delta_rollback", "Delta rolled back, compared with the state before") { step throws(MigrationError) in
                guard let deltaRun else { throw MigrationError(.rehearseStepFailed, "the delta recorded no run") }
                try self.rollbackDelta(deltaRun, expected: beforeDelta, &step)
            }
            step("delta_again", "Delta applied again") { step throws(MigrationError) in
                _ = try self.delta(later, in: "delta-again", timed: false, &step)
            }
            if let period = plan.laterCommissionPeriod, mapping.commissionPlan != nil {
                step("parallel_run", "Parallel run of \(period) (later export)") { step throws(MigrationError) in
                    let work = try WorkDirectory(path: self.rehearsal.work.file("delta-again"))
                    try self.parallelRun(period: period, in: work, accepted: self.plan.laterAcceptedDifferences, &step)
                }
            }
        }
        step("snapshot_restore", "Full snapshot and restore, compared", snapshotAndRestore)
    }

    /// Runs `body` as a step: timed, passed unless it says otherwise or throws; skipped after a failure.
    private func step(_ name: String, _ title: String, _ body: (inout RehearsalReport.Step) throws(MigrationError) -> Void) {
        var step = RehearsalReport.Step(name: name, title: title, verdict: "pass", seconds: 0)
        if failed {
            step.verdict = "skipped"
            step.reason = "an earlier step failed"
        } else {
            logger.notice("rehearsal step", metadata: ["step": "\(name)"])
            let started = Date()
            do throws(MigrationError) {
                try body(&step)
            } catch {
                step.verdict = "fail"
                step.reason = "\(error.message) [\(error.code)]"
            }
            step.seconds = Date().timeIntervalSince(started)
            if let rows = step.rows { step.rowsPerSecond = Double(rows) / max(step.seconds, 0.000_001) }
        }
        steps.append(step)
        rehearsal.onStep?(step)
    }

    static func connect(_ rehearsal: Rehearsal, _ conninfo: String) throws(MigrationError) -> PostgresConnection {
        try TargetConnector(work: rehearsal.work, logger: rehearsal.logger, transport: rehearsal.transport)
            .connect(conninfo, fresh: false).0
    }

    func connection() throws(MigrationError) -> PostgresConnection { try Self.connect(rehearsal, conninfo) }

    func pipeline(_ work: WorkDirectory) -> Pipeline {
        var pipeline = Pipeline(work: work, logger: logger)
        pipeline.kek = rehearsal.kek
        pipeline.transport = rehearsal.transport
        pipeline.progress = rehearsal.progress
        pipeline.batchSize = batchSize
        return pipeline
    }

    private func timed<T>(
        _ stage: String, rows: Int, into step: inout RehearsalReport.Step, _ body: () throws(MigrationError) -> T
    ) throws(MigrationError) -> T {
        let started = Date()
        let result = try body()
        let seconds = Date().timeIntervalSince(started)
        step.stages.append(.init(stage: stage, seconds: seconds, rows: rows, rowsPerSecond: Double(rows) / max(seconds, 0.000_001)))
        return result
    }

    // MARK: Steps

    private func firstLoad(_ step: inout RehearsalReport.Step) throws(MigrationError) {
        let work = try first
        var pipeline = pipeline(work)
        _ = try timed("extract", rows: 0, into: &step) { () throws(MigrationError) in
            try pipeline.extract(source: plan.source, mappingPath: plan.mappingPath)
        }
        exportRows = Self.exportRows(try work.readManifest())
        let total = exportRows.values.reduce(0, +)
        step.stages[0].rows = total
        step.stages[0].rowsPerSecond = Double(total) / max(step.stages[0].seconds, 0.000_001)
        _ = try timed("cleanse", rows: total, into: &step) { () throws(MigrationError) in try pipeline.cleanse() }
        _ = try timed("transform", rows: total, into: &step) { () throws(MigrationError) in try pipeline.transform() }
        let loadRows = try plannedLoad(work)
        if plan.batchSize == nil {
            batchSize = min(10_000, max(1, loadRows / 20))
            pipeline.batchSize = batchSize
        }
        let (summary, _) = try timed("load", rows: loadRows, into: &step) { () throws(MigrationError) in
            try pipeline.load(target: conninfo)
        }
        firstRunID = summary.runID
        plannedBatches = summary.batches
        let outcome = try timed("reconcile", rows: total, into: &step) { () throws(MigrationError) in
            try pipeline.reconcile(target: conninfo)
        }
        step.facts.append("run \(summary.runID): \(summary.batches) batches of up to \(batchSize) rows")
        step.facts.append("report: \(outcome.markdownPath)")
        step.facts.append(Self.exceptionsFact(outcome))
        let failedChecks = outcome.report.content.checks.filter { !$0.passed }.map(\.name)
        if mapping.ledger != nil {
            let entries = exportRows["wallet_entries"] ?? 0
            let (verification, _, _) = try timed("verify-ledger", rows: entries, into: &step) { () throws(MigrationError) in
                try pipeline.operations.verifyLedger(target: conninfo, runID: summary.runID)
            }
            if verification.findingCount > 0 || (verification.storedRunDigest.map { $0 != verification.runDigest } ?? false) {
                fail(&step, "verify-ledger found \(verification.findingCount) problems")
            }
        }
        windowTimings += step.stages.map { ($0.stage, $0.seconds, $0.rows) }
        step.rows = total
        firstLoadDigests = try TableDigests.read(try connection())
        if !failedChecks.isEmpty { fail(&step, "checks failed: \(failedChecks.joined(separator: ", "))") }
    }

    private func killAndResume(_ step: inout RehearsalReport.Step) throws(MigrationError) {
        guard let runID = firstRunID else { throw MigrationError(.rehearseStepFailed, "the first load recorded no run") }
        let work = try first
        guard plannedBatches >= 2 else {
            return fail(&step, "the load has \(plannedBatches) batch; give a smaller --batch-size so it can be interrupted")
        }
        _ = try pipeline(work).operations.rollback(target: conninfo, runID: runID, toBatch: 0)
        var random = Rehearsal.SeededRandom(state: plan.seed)
        let killAfter = Int.random(in: 1...max(1, plannedBatches * 3 / 4), using: &random)
        var arguments = [
            "load", "--work-dir", work.path, "--target", conninfo, "--batch-size", String(batchSize),
            "--no-progress", "--log-level", "error",
        ]
        if rehearsal.transport.allowUnverifiedTLS { arguments.append("--allow-unverified-tls") }
        let watch = try connection()
        let committedSQL = "SELECT count(*) FROM mlm_migration.batches WHERE run_id > $1::bigint"
        let committed = { () -> Int in
            ((try? watch.scalar(committedSQL, [String(runID)])) ?? nil).flatMap { Int($0) } ?? 0
        }
        let killed = try CommandRunner.run(rehearsal.executable, arguments, separateErrors: true) { committed() >= killAfter }
        let atKill = committed()
        step.facts.append("seed \(plan.seed): load killed (SIGKILL) after batch \(atKill) of \(plannedBatches) (drawn: \(killAfter))")
        guard killed.status == 137 else {
            let reason = killed.status == 0 ? "the load finished before the kill landed" : Self.lastLine(killed.errorOutput)
            return fail(&step, "the interrupted load did not die as planned: \(reason)")
        }
        let started = Date()
        var resumed = try CommandRunner.run(rehearsal.executable, arguments, separateErrors: true)
        // The killed session's lock is released as soon as its backend notices the dead client.
        for _ in 0..<100 where resumed.errorOutput.contains("[target.busy]") {
            usleep(100_000)
            resumed = try CommandRunner.run(rehearsal.executable, arguments, separateErrors: true)
        }
        let seconds = Date().timeIntervalSince(started)
        guard resumed.status == 0 else {
            return fail(&step, "the same command did not resume the load: \(Self.lastLine(resumed.errorOutput))")
        }
        let rows = try plannedLoad(work)
        step.rows = rows
        step.stages.append(.init(stage: "resumed load", seconds: seconds, rows: rows, rowsPerSecond: Double(rows) / max(seconds, 0.000_001)))
        let differing = TableDigests.differing(firstLoadDigests, try TableDigests.read(watch))
        step.facts.append("tables compared with the uninterrupted load: \(firstLoadDigests.count)")
        guard differing.isEmpty else {
            return fail(&step, "the resumed load differs from the uninterrupted one in \(differing.joined(separator: ", "))")
        }
        let outcome = try pipeline(work).reconcile(target: conninfo)
        firstRunID = outcome.report.run.runID
        let failedChecks = outcome.report.content.checks.filter { !$0.passed }.map(\.name)
        if !failedChecks.isEmpty { fail(&step, "checks failed after the resume: \(failedChecks.joined(separator: ", "))") }
    }

    private func parallelRun(period: String, in work: WorkDirectory, accepted: String?, _ step: inout RehearsalReport.Step) throws(MigrationError) {
        let (summary, _, markdown) = try pipeline(work).operations.parallelRun(target: conninfo, period: period, mappingPath: plan.mappingPath)
        step.rows = summary.bonuses.map(\.members).reduce(0, +)
        step.facts.append("\(summary.differences.count) differences; report: \(markdown)")
        let flagged = summary.differences.map(Self.differenceKey)
        let acceptedKeys = try accepted.map { path throws(MigrationError) in try Self.acceptedDifferences(path) } ?? []
        if let accepted { step.facts.append("accepted in writing: \(acceptedKeys.count) differences (\(accepted))") }
        let unaccepted = Set(flagged).subtracting(acceptedKeys)
        if !unaccepted.isEmpty {
            let migration = summary.differences.filter { unaccepted.contains(Self.differenceKey($0)) && $0.classification == "migration" }.count
            fail(&step, "\(unaccepted.count) differences not accepted (\(migration) caused by migration); see \(markdown)")
        }
    }

    /// Applies `later` as a delta in work directory `name`; returns its run.
    private func delta(_ later: String, in name: String, timed: Bool, _ step: inout RehearsalReport.Step) throws(MigrationError) -> Int? {
        let work = try WorkDirectory(path: rehearsal.work.file(name))
        var pipeline = pipeline(work)
        pipeline.commissionPeriod = plan.laterCommissionPeriod
        var outcome: Pipeline.Outcome?
        if timed {
            _ = try self.timed("extract", rows: 0, into: &step) { () throws(MigrationError) in
                try pipeline.extract(source: later, mappingPath: plan.mappingPath)
            }
            let rows = Self.exportRows(try work.readManifest()).values.reduce(0, +)
            step.rows = rows
            step.stages[0].rows = rows
            step.stages[0].rowsPerSecond = Double(rows) / max(step.stages[0].seconds, 0.000_001)
            _ = try self.timed("cleanse", rows: rows, into: &step) { () throws(MigrationError) in try pipeline.cleanse() }
            _ = try self.timed("transform", rows: rows, into: &step) { () throws(MigrationError) in
                try pipeline.transform(delta: true, target: conninfo)
            }
            _ = try self.timed("load", rows: rows, into: &step) { () throws(MigrationError) in try pipeline.load(target: conninfo) }
            outcome = try self.timed("reconcile", rows: rows, into: &step) { () throws(MigrationError) in
                try pipeline.reconcile(target: conninfo)
            }
        } else {
            outcome = try pipeline.run(source: later, mappingPath: plan.mappingPath, target: conninfo, delta: true)
            step.rows = Self.exportRows(try work.readManifest()).values.reduce(0, +)
        }
        guard let outcome else { throw MigrationError(.rehearseStepFailed, "the delta load paused") }
        step.facts.append("run \(outcome.report.run.runID); report: \(outcome.markdownPath)")
        step.facts.append(Self.exceptionsFact(outcome))
        for entity in outcome.report.content.delta?.entities ?? [] {
            step.facts.append(
                "\(entity.entity): inserted \(entity.inserted), updated \(entity.updated), unchanged \(entity.unchanged), gone \(entity.gone)"
            )
        }
        let failedChecks = outcome.report.content.checks.filter { !$0.passed }.map(\.name)
        if !failedChecks.isEmpty { fail(&step, "checks failed: \(failedChecks.joined(separator: ", "))") }
        return outcome.report.run.runID
    }

    private func rollbackDelta(_ runID: Int, expected: [String: String], _ step: inout RehearsalReport.Step) throws(MigrationError) {
        let work = try WorkDirectory(path: rehearsal.work.file("delta"))
        let summary = try pipeline(work).operations.rollback(target: conninfo, runID: runID, toBatch: 0)
        step.rows = summary.rowsRemoved.values.reduce(0, +) + summary.rowsRestored.values.reduce(0, +)
        step.facts.append("run \(runID) rolled back: \(step.rows ?? 0) rows removed or restored from prior images")
        let differing = TableDigests.differing(expected, try TableDigests.read(try connection()))
        if !differing.isEmpty { fail(&step, "after the rollback, differs from the state before the delta in \(differing.joined(separator: ", "))") }
    }

    private func snapshotAndRestore(_ step: inout RehearsalReport.Step) throws(MigrationError) {
        let before = try TableDigests.read(try connection())
        let path = rehearsal.work.file("rehearsal-snapshot.dump")
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: path + ".sha256")
        let operations = pipeline(try first).operations
        let rows = exportRows.values.reduce(0, +)
        _ = try timed("snapshot", rows: rows, into: &step) { () throws(MigrationError) in try operations.snapshot(target: conninfo, to: path) }
        _ = try timed("restore", rows: rows, into: &step) { () throws(MigrationError) in try operations.restore(target: conninfo, from: path) }
        windowTimings.append((step.stages[0].stage, step.stages[0].seconds, step.stages[0].rows))
        step.rows = rows
        step.facts.append("snapshot: \(path)")
        let differing = TableDigests.differing(before, try TableDigests.read(try connection()))
        if !differing.isEmpty { fail(&step, "the restored target differs from the snapshot's in \(differing.joined(separator: ", "))") }
    }

    // MARK: Helpers

    /// Open exceptions are reported, not a rehearsal failure: the cutover's go/no-go decides them.
    static func exceptionsFact(_ outcome: Pipeline.Outcome) -> String {
        let figures = outcome.exceptions
        return "exceptions: \(figures.open) open, \(figures.decided) decided "
            + "(each needs a decision before cutover's go/no-go): \(outcome.exceptionsPath)"
    }

    private func fail(_ step: inout RehearsalReport.Step, _ reason: String) {
        step.verdict = "fail"
        step.reason = step.reason.map { "\($0); \(reason)" } ?? reason
    }

    /// Rows the load of `work`'s transform writes.
    private func plannedLoad(_ work: WorkDirectory) throws(MigrationError) -> Int {
        let manifest = try work.readManifest()
        let contents = RunContents(
            pii: manifest.transform?.piiMembers != nil, ledger: mapping.ledger != nil, commission: mapping.commission != nil
        )
        return Loader.plan(TargetTables.loadSteps(for: contents), in: work.file("transform"), batchSize: 1)?.rows ?? 0
    }

    /// Rows per entity an extract read.
    static func exportRows(_ manifest: RunManifest) -> [String: Int] {
        var rows: [String: Int] = [:]
        if let members = manifest.extract { rows["members"] = members.rows }
        if let ledger = manifest.ledgerExtract {
            rows[ledger.entries.entity] = ledger.entries.rows
            if let balances = ledger.balances { rows[balances.entity] = balances.rows }
        }
        for entity in manifest.commissionExtract ?? [] { rows[entity.entity] = entity.rows }
        return rows
    }

    /// A parallel-run difference as the accepted-differences file names it (a carry difference
    /// once per member, whatever its leg).
    static func differenceKey(_ difference: ParallelRunDifference) -> String {
        let bonus = difference.bonusType.hasPrefix("carry:") ? "carry" : difference.bonusType
        return "\(difference.legacyID)\t\(bonus)\t\(difference.classification)"
    }

    /// The keys of an accepted-differences file: a TSV with `legacy_id`, `bonus_type` and
    /// `classification` columns (others ignored).
    static func acceptedDifferences(_ path: String) throws(MigrationError) -> Set<String> {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MigrationError(.rehearseBadOption, "cannot read the accepted differences \(path)")
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        let header = lines.first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) ?? []
        let wanted = ["legacy_id", "bonus_type", "classification"]
        let indexes = wanted.compactMap { header.firstIndex(of: $0) }
        guard indexes.count == wanted.count else {
            throw MigrationError(.rehearseBadOption, "\(path), line 1: the header needs columns legacy_id, bonus_type, classification")
        }
        var keys = Set<String>()
        for line in lines.dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let last = indexes.max(), fields.count > last else { continue }
            keys.insert(indexes.map { fields[$0] }.joined(separator: "\t"))
        }
        return keys
    }

    static func lastLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).last.map(String.init) ?? "no message"
    }
}

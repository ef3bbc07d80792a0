public import Foundation
public import Logging

/// What a rehearsal is asked to do (`mlm-migrate rehearse`).
public struct RehearsalPlan: Sendable {
    public var source: String
    public var mappingPath: String
    /// A later export of the same system, applied as a delta, rolled back and applied again.
    public var later: String?
    /// The closed pay period the later export holds (its parallel run), when not the mapping's.
    public var laterCommissionPeriod: String?
    /// A staging target; nil: a disposable PostgreSQL in the work directory, stopped at the end.
    public var target: String?
    /// nil: 10,000 rows (the cutover runbook's), fewer when the export would not fill 20 batches.
    public var batchSize: Int?
    /// Seeds the batch the load is killed after.
    public var seed: UInt64
    public var productionRows: [String: Int]?
    public var productionSource: String?
    /// The parallel-run differences finance accepted in writing, per period's file
    /// (`legacy_id`, `bonus_type`, `classification` columns, as in samples/expected/).
    public var acceptedDifferences: String?
    public var laterAcceptedDifferences: String?

    public init(source: String, mappingPath: String, seed: UInt64) {
        self.source = source
        self.mappingPath = mappingPath
        self.seed = seed
    }
}

/// `mlm-migrate rehearse`: the staging rehearsal as one command whose report is the go/no-go
/// evidence. In order: the first load with its checks (and verify-ledger); the same load rolled
/// back, run again as a child process killed after a seeded-random batch, resumed, and compared
/// table by table with the uninterrupted one; the parallel run; the later export's delta, its
/// rollback (compared with the state before) and the delta again; a full snapshot and restore
/// (compared). Then `rehearsal.json`, `rehearsal.md` and the cutover window estimate.
///
/// Each step runs in its own work directory under ``work`` (`first/`, `delta/`, `delta-again/`).
/// A step that fails makes the rehearsal no-go and skips the steps after it. The KEK stays in
/// this process: the child load needs none.
public struct Rehearsal {
    public let work: WorkDirectory
    public let logger: Logger
    /// The mlm-migrate executable, run as the load the rehearsal kills.
    public let executable: String
    public var kek: KeyEncryptionKey?
    public var transport = TransportPolicy()
    public var progress: Bool?
    /// Told each step as it ends (the CLI prints it).
    public var onStep: (@Sendable (RehearsalReport.Step) -> Void)?

    public init(work: WorkDirectory, logger: Logger, executable: String) {
        self.work = work
        self.logger = logger
        self.executable = executable
    }

    /// Runs every step; throws only when the rehearsal cannot start (mapping, target, work
    /// directory). A failing step is a no-go verdict in the report, not an error.
    public func run(_ plan: RehearsalPlan) throws(MigrationError) -> (report: RehearsalReport, json: String, markdown: String) {
        let mapping = try MappingLoader.load(path: plan.mappingPath)
        var production: (rows: [String: Int], basis: String)?
        if let rows = plan.productionRows {
            production = (rows, "production row counts given by --production-rows")
        } else if let path = plan.productionSource {
            production = (try ExportRowCounts.count(source: path, mapping: mapping), "rows counted in the production export \(path)")
        }
        var cluster: EmbeddedPostgres?
        let conninfo: String
        if let target = plan.target {
            conninfo = target
        } else {
            let started = try EmbeddedPostgres.startFresh(workDirectory: work.path)
            logger.notice("rehearsing on a disposable PostgreSQL", metadata: ["data": "\(started.dataDirectory)"])
            cluster = started
            conninfo = started.conninfo
        }
        defer { cluster?.stop() }
        let session = try RehearsalSession(rehearsal: self, plan: plan, mapping: mapping, conninfo: conninfo)
        session.runSteps()
        var report = RehearsalReport(
            verdict: session.failed ? "no-go" : "go",
            reasons: session.steps.filter { $0.verdict == "fail" }.map { "\($0.title): \($0.reason ?? "failed")" },
            generatedAt: ISO8601DateFormatter().string(from: Date()), toolVersion: ToolVersion.current,
            vendor: mapping.vendor, mappingDigest: mapping.digest,
            source: URL(fileURLWithPath: plan.source).standardizedFileURL.path,
            later: plan.later.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
            target: session.endpoint, disposableTarget: cluster != nil, seed: plan.seed,
            batchSize: session.batchSize, steps: session.steps
        )
        if !session.exportRows.isEmpty {
            let basis = production?.basis ?? "the rehearsal's own export (no --production-rows or --production-source given)"
            report.window = CutoverWindow.estimate(
                timings: session.windowTimings, rehearsal: session.exportRows, production: production?.rows ?? [:], basis: basis
            )
        }
        let paths = try RehearsalReportWriter.write(report, to: work.path)
        return (report, paths.json, paths.markdown)
    }

    /// A seeded generator (SplitMix64): the same `--seed` draws the same kill point.
    struct SeededRandom: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import MLMMigrate

@main
struct MLMMigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mlm-migrate",
        abstract: "Migrate a legacy MLM platform's exports into PostgreSQL, losing nothing and proving it.",
        discussion: """
            `run` does every stage. The stage commands run one stage on the previous stage's output in the \
            work directory, so a team can stop and inspect between stages. Exit codes: 0 success, 1 a \
            reconciliation check failed, 2 the run could not complete (message on stderr).
            """,
        version: ToolVersion.current,
        subcommands: [Run.self, Resume.self, Extract.self, Cleanse.self, Transform.self, Load.self, Reconcile.self, VerifyLedger.self, EvidenceCommand.self, VerifyEvidence.self, ParallelRunCommand.self, ExceptionsCommand.self, SignOffCommand.self, RehearseCommand.self, StatusCommand.self, Keys.self, Erase.self, Rollback.self, Snapshots.self, Snapshot.self, Restore.self, ValidateMapping.self, ProfileCommand.self]
    )
}

/// Options every stage command shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Work directory for stage files, the manifest and the report.")
    var workDir = "mlm-work"

    @Option(name: .long, help: "Log level on stderr: trace, debug, info, notice, warning, error.")
    var logLevel = "notice"

    @Option(name: .long, help: "Log lines on stderr as text, or json: one object a line (time, level, label, message, metadata).")
    var logFormat = "text"

    @Flag(name: .long, help: "Never draw the progress line (it is drawn only when stderr is a terminal).")
    var noProgress = false

    func validate() throws {
        guard !workDir.isEmpty else { throw ValidationError("--work-dir must not be empty") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
    }

    /// The pipeline with the target, batch and key options, when the command takes them.
    func pipeline(target: TargetOptions? = nil, batches: BatchOptions? = nil, keys: KeyOptions? = nil) throws -> Pipeline {
        var pipeline = try pipeline()
        if let target {
            pipeline.transport = TransportPolicy(allowUnverifiedTLS: target.allowUnverifiedTLS)
            pipeline.disposableFrom = target.after
        }
        if let batches {
            pipeline.batchSize = batches.batchSize
            pipeline.maxBatches = batches.maxBatches
            pipeline.entryPartitions = batches.entryPartitions
            pipeline.entryStreams = batches.entryStreams
            pipeline.binaryCopy = batches.copyFormat == .binary
        }
        if let keys { pipeline.kek = try keys.kek() }
        return pipeline
    }

    /// The pipeline of a command that writes the work directory or through it: it holds the
    /// work directory's lock until the process ends, so a second command is refused
    /// (`workdir.locked`) rather than overwriting files the first is reading.
    func pipeline() throws -> Pipeline {
        let pipeline = try readingPipeline()
        try pipeline.work.lock()
        return pipeline
    }

    /// A reading pipeline (no lock) that connects to the target under the TLS rule of `target`.
    func readingPipeline(target: TargetOptions) throws -> Pipeline {
        var pipeline = try readingPipeline()
        pipeline.transport = TransportPolicy(allowUnverifiedTLS: target.allowUnverifiedTLS)
        return pipeline
    }

    /// The pipeline of a command that only reads (listings, verify-ledger, snapshot): no lock,
    /// so it may run beside a command writing the same work directory.
    func readingPipeline() throws -> Pipeline {
        let level = Logger.Level(rawValue: logLevel) ?? .notice
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            if json {
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var pipeline = Pipeline(work: try WorkDirectory(path: workDir), logger: Logger(label: "mlm-migrate"))
        pipeline.progress = noProgress ? false : nil
        return pipeline
    }
}

/// Options for commands that connect to the target.
struct TargetOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Target database as a libpq URI or key=value string.",
        discussion: """
            Without it, libpq's PG* environment is used when set, else a disposable local PostgreSQL is started: \
            in the work directory's postgres/ when the postgres user can reach it, else under \
            /tmp/mlm-migrate-pg-<tag> (the output names the directory and how to stop it). A target reached over TCP (localhost too) needs sslmode=verify-full, or \
            sslmode=require with --allow-unverified-tls; a Unix socket (host=/dir) needs neither.
            """
    ))
    var target: String?

    @Flag(name: .long, help: "Accept sslmode=require or verify-ca over TCP: encrypted, but the server is not verified.")
    var allowUnverifiedTLS = false

    @Option(name: .customLong("after"), help: ArgumentHelp(
        "Without --target: use the disposable PostgreSQL of this earlier work directory.",
        discussion: "For a delta run (or any later command) in a new work directory over a first run that started its own disposable PostgreSQL."
    ))
    var after: String?
}

/// Says that `--max-batches` paused the load, and how to continue.
func printPaused(_ load: LoadSummary?) {
    print("load paused after batch \(load?.batches ?? 0) of run \(load?.runID ?? 0) (--max-batches); run the same command again to continue")
}

/// The end of `run` and `resume`: the report's summary, or, when `--max-batches` paused the
/// load (no outcome), how to continue.
func finish(_ outcome: Pipeline.Outcome?, of pipeline: Pipeline) throws {
    guard let outcome else { return printPaused(try pipeline.work.readManifest().load) }
    try finish(outcome)
}

/// Prints a stopping error in one line and exits 2; anything else is re-thrown.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as MigrationError {
        FileHandle.standardError.write(Data("mlm-migrate: error: \(error.message) [\(error.code)]\n".utf8))
        throw ExitCode(2)
    }
}

/// Prints the short summary of a reconcile outcome and exits 1 when a check failed.
func finish(_ outcome: Pipeline.Outcome) throws {
    let report = outcome.report
    for entity in report.content.entities {
        print("\(entity.entity): extracted \(entity.extracted), loaded \(entity.loaded), quarantined \(entity.quarantined)")
    }
    for entity in report.content.delta?.entities ?? [] {
        print("delta \(entity.entity): inserted \(entity.inserted), updated \(entity.updated), unchanged \(entity.unchanged), gone from the export \(entity.gone) (kept)")
    }
    let failed = report.content.checks.filter { !$0.passed }
    print("checks: \(report.content.checks.count - failed.count) passed, \(failed.count) failed\(failed.isEmpty ? "" : " (" + failed.map(\.name).joined(separator: ", ") + ")")")
    print("report: \(outcome.markdownPath)")
    print("report (json): \(outcome.jsonPath)")
    print("report (html): \(outcome.htmlPath)")
    print("report content sha256: \(report.contentDigest)")
    print("exceptions: \(outcome.exceptionsPath) (\(outcome.exceptions.open) open, \(outcome.exceptions.decided) decided)")
    if let cluster = outcome.target.embedded {
        print("target: disposable PostgreSQL, data in \(cluster.dataDirectory)")
        print("connect: \(cluster.psqlCommand)")
        print("stop: \(cluster.stopCommand)")
    } else {
        print("target: \(outcome.target.endpoint)")
    }
    if !report.passed { throw ExitCode(1) }
}

import ArgumentParser
import MLMMigrate

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run every stage: extract, cleanse, transform, load, reconcile.")

    @OptionGroup var input: SourceOptions

    @Flag(help: ArgumentHelp(
        "Apply a later export to a target that holds an earlier one: write only the changes.",
        discussion: "Members keep their ids; new rows are inserted, changed ones updated (their prior images kept for rollback), wallets only appended to; members gone from the export are kept and reported. Without --target, give --after WORKDIR, the first run's work directory, to use its disposable PostgreSQL."
    ))
    var delta = false

    @Option(name: .long, help: ArgumentHelp(
        "Sign an evidence pack when the run passes, with this key (from `keys generate --signing`).",
        discussion: "The pack goes to --evidence-out, default WORKDIR/evidence-run-RUN (docs/evidence.md)."
    ))
    var signingKey: String?

    @Option(name: .long, help: "Where to write the evidence pack (a new directory); needs --signing-key.")
    var evidenceOut: String?

    @Flag(help: ArgumentHelp(
        "Keep every stage file in the work directory.",
        discussion: "By default a file is removed once nothing later in the run reads it (the extract files after cleanse, the cleansed ledger and Extract's PII ciphertexts after transform), so the work directory holds at most what one stage reads and writes. Keep them to run a stage again on its own or to read them."
    ))
    var keepStageFiles = false

    @OptionGroup var batches: BatchOptions
    @OptionGroup var target: TargetOptions
    @OptionGroup var keys: KeyOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if evidenceOut != nil && signingKey == nil { throw ValidationError("--evidence-out needs --signing-key") }
    }

    func run() throws {
        try reportingErrors {
            // Read before the run, so a wrong key file stops it before anything is written.
            let signing = try signingKey.map { try SigningKey.load(path: $0) }
            var pipeline = try common.pipeline(target: target, batches: batches, keys: keys)
            pipeline.commissionPeriod = input.commissionPeriod
            pipeline.keepStageFiles = keepStageFiles
            let outcome = try pipeline.run(source: input.source, mappingPath: input.mapping, target: target.target, delta: delta)
            if let signing, let outcome {
                if outcome.report.passed {
                    let out = evidenceOut ?? pipeline.work.file("evidence-run-\(outcome.report.run.runID)")
                    let manifest = try pipeline.evidence(target: target.target, to: out, signingKey: signing)
                    print("evidence: \(out) (signed by \(manifest.signingKeyID); verify with `mlm-migrate verify-evidence`)")
                } else {
                    print("evidence: not written, the run failed its checks")
                }
            }
            try finish(outcome, of: pipeline)
        }
    }
}

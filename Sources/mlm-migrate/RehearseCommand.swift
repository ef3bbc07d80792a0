import ArgumentParser
import Foundation
import MLMMigrate

struct RehearseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rehearse",
        abstract: "Rehearse the migration on staging: the go/no-go evidence and the cutover window estimate.",
        discussion: """
            Runs the first load with its checks; the same load killed after a random batch and resumed, compared \
            table by table with the uninterrupted one; the parallel run; with --later, the delta, its rollback \
            (compared with the state before) and the delta again; a full snapshot and restore (compared). Writes \
            rehearsal.json and rehearsal.md into the work directory. Without --target, on a disposable PostgreSQL. \
            Exit 0 on go, 1 on no-go, 2 when the rehearsal could not start.
            """
    )

    @Option(name: .long, help: "The legacy export to rehearse: a directory of CSV files, or a SQLite file.")
    var source: String

    @Option(name: .long, help: "The vendor's mapping file (mappings/*.yaml).")
    var mapping: String

    @Option(name: .long, help: "A later export of the same system: applied as a delta, rolled back, applied again.")
    var later: String?

    @Option(name: .long, help: "The closed pay period the later export holds (its parallel run), e.g. 2026-12.")
    var laterCommissionPeriod: String?

    @Option(name: .long, help: "Production rows per entity for the window estimate: members=N,wallet_entries=M,...")
    var productionRows: String?

    @Option(name: .long, help: "The production export, whose rows per entity are counted for the window estimate.")
    var productionSource: String?

    @Option(name: .long, help: "Parallel-run differences finance accepted (TSV: legacy_id, bonus_type, classification).")
    var acceptedDifferences: String?

    @Option(name: .long, help: "The same for the later export's period.")
    var laterAcceptedDifferences: String?

    @Option(name: .long, help: "Seed of the random kill point (printed by every rehearsal; give it to repeat one).")
    var seed: UInt64?

    @Option(name: .long, help: "Rows per batch; default 10,000, fewer when the export would not fill 20 batches.")
    var batchSize: Int?

    @OptionGroup var target: TargetOptions
    @OptionGroup var keys: KeyOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard (batchSize ?? 1) > 0 else { throw ValidationError("--batch-size must be at least 1") }
        guard productionRows == nil || productionSource == nil else {
            throw ValidationError("give --production-rows or --production-source, not both")
        }
    }

    func run() throws {
        try reportingErrors {
            let pipeline = try common.pipeline(target: target, keys: keys)
            var plan = RehearsalPlan(source: source, mappingPath: mapping, seed: seed ?? UInt64.random(in: 0...UInt64.max))
            plan.later = later
            plan.laterCommissionPeriod = laterCommissionPeriod
            plan.target = target.target
            plan.batchSize = batchSize
            plan.productionRows = try productionRows.map { text throws(MigrationError) in try CutoverWindow.parseRows(text) }
            plan.productionSource = productionSource
            plan.acceptedDifferences = acceptedDifferences
            plan.laterAcceptedDifferences = laterAcceptedDifferences
            print("rehearsal seed: \(plan.seed)")
            var rehearsal = Rehearsal(work: pipeline.work, logger: pipeline.logger, executable: Self.executable)
            rehearsal.kek = pipeline.kek
            rehearsal.transport = pipeline.transport
            rehearsal.progress = pipeline.progress
            rehearsal.onStep = { step in
                let reason = step.reason.map { ": \($0)" } ?? ""
                print("step \(step.name): \(step.verdict) (\(String(format: "%.2f", step.seconds)) s)\(reason)")
            }
            let (report, json, markdown) = try rehearsal.run(plan)
            print("rehearsal: \(report.isGo ? "GO" : "NO-GO")")
            for reason in report.reasons { print("no-go: \(reason)") }
            if let window = report.window {
                let total = CutoverWindow.clock(window.withMarginSeconds)
                print("cutover window estimate: \(total) with margin \(window.margin)x (\(window.basis))")
            }
            print("report: \(markdown)")
            print("report (json): \(json)")
            if !report.isGo { throw ExitCode(1) }
        }
    }

    /// This very executable, run again as the load the rehearsal interrupts.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

import ArgumentParser
import MLMMigrate

struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Undo what the newest run wrote: all of it (--run RUN) or everything after one of its batches (--to-batch RUN:N).",
        discussion: "One transaction, children before parents, logged in mlm_migration.rollbacks. After --to-batch the run is resumable with the same load command. `snapshots` lists the batch boundaries."
    )

    @Option(name: .customLong("run"), help: "Roll back this run entirely (its mlm_migration.runs.run_id).")
    var wholeRun: Int?

    @Option(name: .long, help: "Roll back run RUN to just after its batch N.")
    var toBatch: String?

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard (wholeRun == nil) != (toBatch == nil) else { throw ValidationError("give exactly one of --run RUN and --to-batch RUN:N") }
        if let toBatch {
            let parts = toBatch.split(separator: ":")
            guard parts.count == 2, Int(parts[0]) != nil, let batch = Int(parts[1]), batch >= 0 else {
                throw ValidationError("--to-batch takes RUN:N, e.g. 3:120")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            let parts = toBatch?.split(separator: ":").compactMap { Int($0) } ?? []
            let runID = wholeRun ?? parts.first ?? 0
            let batch = wholeRun == nil ? parts.last ?? 0 : 0
            let summary = try common.pipeline(target: target).operations.rollback(target: target.target, runID: runID, toBatch: batch)
            let removed = summary.rowsRemoved.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.value) from \($0.key)" }
            let restored = summary.rowsRestored.sorted { $0.key < $1.key }.map { "\($0.value) in \($0.key)" }
            let point = batch == 0 ? "before it started" : "after batch \(batch)"
            let removedText = removed.isEmpty ? "nothing" : removed.joined(separator: ", ")
            let restoredText = restored.isEmpty ? "" : "; restored from prior images " + restored.joined(separator: ", ")
            print("rolled back run \(summary.runID) to \(point): removed \(removedText)\(restoredText)")
            if batch > 0 { print("the run is resumable: the same load command (from its work directory) continues it") }
        }
    }
}

struct Snapshots: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the points the target can be rolled back to: each run's batch boundaries.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let points = try common.readingPipeline(target: target).operations.restorePoints(target: target.target)
            guard !points.isEmpty else {
                print("no run to roll back")
                return
            }
            print("run\tafter batch\tentity\tkind\trows\tcommitted at (UTC)\trollback")
            for runID in Set(points.map(\.runID)).sorted(by: >) {
                print("\(runID)\t0\t-\t-\t-\t-\tmlm-migrate rollback --run \(runID)")
                for point in points where point.runID == runID {
                    print("\(runID)\t\(point.batch)\t\(point.entity)\t\(point.kind)\t\(point.rows)\t\(point.committedAt)\tmlm-migrate rollback --to-batch \(runID):\(point.batch)")
                }
            }
        }
    }
}

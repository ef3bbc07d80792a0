import ArgumentParser
import MLMMigrate

struct Snapshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a full pg_dump of the target's mlm and mlm_migration schemas, with its SHA-256 beside it (the pre-cutover backup).",
        discussion: "For undoing batches of a run, `rollback` is quicker; see runbooks/rollback.md for which to use when."
    )

    @Flag(name: .long, help: "A full dump of both schemas (the only kind today).")
    var full = false

    @Option(name: .long, help: "The dump file to create (mode 0600, never overwritten); FILE.sha256 is written beside it.")
    var out: String

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard full else { throw ValidationError("give --full: a snapshot is a full dump of the target's schemas") }
    }

    func run() throws {
        try reportingErrors {
            let digest = try common.readingPipeline(target: target).operations.snapshot(target: target.target, to: out)
            print("snapshot written to \(out) (sha256 \(digest), also in \(out).sha256)")
        }
    }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace the target's schemas with a snapshot, after checking its SHA-256; erasures made since are applied again.",
        discussion: "One transaction: if anything fails, the target is left as it was."
    )

    @Option(name: .long, help: "The snapshot file (from `snapshot --full`), with FILE.sha256 beside it.")
    var from: String

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let restored = try common.pipeline(target: target).operations.restore(target: target.target, from: from)
            print("restored \(from) (sha256 \(restored.sha256) checked)")
            if !restored.erasuresReapplied.isEmpty {
                print("erased again, as the snapshot predates their erasure: \(restored.erasuresReapplied.joined(separator: ", "))")
            }
        }
    }
}

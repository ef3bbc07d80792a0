import ArgumentParser
import MLMMigrate

/// Where the legacy export is and how to read it (`run`, `extract`).
struct SourceOptions: ParsableArguments {
    @Option(name: .long, help: "The legacy export: a directory of CSV files, or a SQLite file.")
    var source: String

    @Option(name: .long, help: "The vendor's mapping file (mappings/*.yaml).")
    var mapping: String

    @Option(name: .long, help: ArgumentHelp(
        "The closed pay period this export holds, when not the mapping's commission_period (a later export's).",
        discussion: "As the plan names periods: 2026-12 for a calendar month, the first day 2026-11-23 for a week."
    ))
    var commissionPeriod: String?
}

/// How Load splits the rows (`run`, `load`).
struct BatchOptions: ParsableArguments {
    @Option(name: .long, help: "Rows per batch transaction.")
    var batchSize = 50_000

    @Option(name: .long, help: "Stop the load after this many batches, to inspect; the same command continues it.")
    var maxBatches: Int?

    @Option(name: .long, help: ArgumentHelp(
        "Hash-partition mlm.wallet_entries by member_id into N partitions, loaded by N parallel COPY streams.",
        discussion: "Only into a target without entries; later runs keep the target's layout (docs/scaling.md)."
    ))
    var entryPartitions: Int?

    @Option(name: .long, help: ArgumentHelp(
        "COPY streams (connections) that load the wallet entries of a first load at once.",
        discussion: "The step's batches are numbered in advance and shared out; a resume needs the same --batch-size (docs/performance.md)."
    ))
    var entryStreams = 2

    @Option(name: .long, help: ArgumentHelp(
        "How a first load sends rows: binary (PostgreSQL's binary COPY where the columns allow it) or text (the stage files' bytes).",
        discussion: "The same rows, batches and digests either way; binary spares the server parsing every value (docs/performance.md)."
    ))
    var copyFormat: CopyFormat = .binary

    enum CopyFormat: String, ExpressibleByArgument, CaseIterable {
        case binary, text
    }

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
        guard (maxBatches ?? 1) > 0 else { throw ValidationError("--max-batches must be at least 1") }
        guard entryPartitions.map(EntryPartitions.allowed.contains) ?? true else {
            throw ValidationError("--entry-partitions must be between 2 and 64")
        }
        guard (1...16).contains(entryStreams) else { throw ValidationError("--entry-streams must be between 1 and 16") }
    }
}

/// Where the key-encryption key comes from (`run`, `extract`, `reconcile`, `keys rotate`).
struct KeyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The key-encryption key file (mode 0600; made by `mlm-migrate keys generate`).",
        discussion: "Without it, the key is read from the MLM_MIGRATE_KEK environment variable (the key file's one line)."
    ))
    var kekFile: String?

    /// The KEK from `--kek-file`, else the environment; nil when neither is given.
    func kek() throws -> KeyEncryptionKey? {
        try KeyEncryptionKey.resolve(file: kekFile)
    }
}

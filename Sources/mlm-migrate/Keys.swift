import ArgumentParser
import MLMMigrate

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the key-encryption key that protects members' personal data, and the evidence signing key (runbooks/keys.md).",
        subcommands: [Generate.self, Rotate.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new random key-encryption key to a new file (mode 0600); prints only its id.",
            discussion: "With --signing, an Ed25519 evidence signing key instead (docs/evidence.md), its public key beside it in FILE.pub."
        )

        @Option(name: .long, help: "The key file to create; an existing file is never overwritten.")
        var out: String

        @Flag(name: .long, help: "Make an evidence signing key (kept apart from the KEK), and FILE.pub for auditors.")
        var signing = false

        func run() throws {
            try reportingErrors {
                if signing {
                    let key = try SigningKey.writeNew(path: out)
                    print("signing key \(key.id) written to \(out) (mode 0600); its public key to \(out).pub: give that to the auditors")
                    return
                }
                let kek = try KeyEncryptionKey.writeNew(path: out)
                print("key \(kek.id) written to \(out) (mode 0600); keep a copy outside the work directory and the target")
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-wrap every data key in the target under a new key-encryption key, without re-encrypting any value.",
            discussion: "Each batch commits on its own; run the same command again to resume an interrupted rotation. The current key comes from --kek-file or MLM_MIGRATE_KEK."
        )

        @Option(name: .long, help: "The new key file (from `keys generate`).")
        var newKekFile: String

        @Option(name: .long, help: "Keys re-wrapped per transaction.")
        var batchSize = 10_000

        @Option(name: .long, help: "Stop after this many batches (resume later with the same command).")
        var maxBatches: Int?

        @OptionGroup var keys: KeyOptions
        @OptionGroup var target: TargetOptions
        @OptionGroup var common: CommonOptions

        func validate() throws {
            guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
            guard (maxBatches ?? 1) > 0 else { throw ValidationError("--max-batches must be at least 1") }
        }

        func run() throws {
            try reportingErrors {
                let summary = try common.pipeline(target: target, keys: keys).operations.rotateKeys(target: target.target, to: try KeyEncryptionKey.load(path: newKekFile), batchSize: batchSize, maxBatches: maxBatches)
                print("rotation \(summary.rotationID) from \(summary.fromKEK) to \(summary.toKEK): re-wrapped \(summary.dataKeys) data keys and \(summary.quarantineKeys) quarantined rows' keys")
                if summary.finished {
                    print("finished: every key is under \(summary.toKEK); the old key file may now be retired (runbooks/keys.md)")
                } else {
                    print("\(summary.remaining) keys remain under \(summary.fromKEK); run the same command again to continue")
                }
            }
        }
    }
}

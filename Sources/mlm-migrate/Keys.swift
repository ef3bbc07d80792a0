import ArgumentParser
import MLMMigrate

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the key-encryption key that protects members' personal data (docs/pii-encryption.md).",
        subcommands: [Generate.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a new random key-encryption key to a new file (mode 0600); prints only its id.")

        @Option(name: .long, help: "The key file to create; an existing file is never overwritten.")
        var out: String

        func run() throws {
            try reportingErrors {
                let kek = try KeyEncryptionKey.writeNew(path: out)
                print("key \(kek.id) written to \(out) (mode 0600); keep a copy outside the work directory and the target")
            }
        }
    }
}

import ArgumentParser
import MLMMigrate

struct VerifyEvidence: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-evidence",
        abstract: "Check an evidence pack's signature, every hash and, with --target, every figure against the target.",
        discussion: """
            The signature is checked against the public key you hold (--public-key), never only the one in the \
            pack. Exit codes: 0 verified, 1 a mismatch (each named), 2 the pack or a key could not be read.
            """
    )

    @Argument(help: "The evidence pack directory.")
    var pack: String

    @Option(name: .long, help: "The signer's public key file (signing-key FILE.pub), from your own copy.")
    var publicKey: String

    @Option(name: .long, help: "The export, when not where the manifest says it was.")
    var source: String?

    @Option(name: .long, help: "A mapping file to check instead of the pack's copy.")
    var mapping: String?

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let key = try SigningPublicKey.load(path: publicKey)
            let operations = try common.readingPipeline(target: target).operations
            let result = try operations.verifyEvidence(
                pack, publicKey: key, source: source, mapping: mapping, target: target.target
            )
            if let manifest = result.manifest {
                print("pack: run \(manifest.runID) of \(manifest.vendor), mlm-migrate \(manifest.toolVersion)")
            }
            for line in result.checked { print("ok \(line)") }
            for line in result.skipped { print("skipped \(line)") }
            for line in result.mismatches { print("FAIL \(line)") }
            print(result.passed ? "evidence verified" : "EVIDENCE VERIFICATION FAILED")
            if !result.passed { throw ExitCode(1) }
        }
    }
}

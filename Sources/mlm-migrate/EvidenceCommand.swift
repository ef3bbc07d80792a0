import ArgumentParser
import MLMMigrate

struct EvidenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Write a signed evidence pack of the work directory's reconciled run (docs/evidence.md).",
        discussion: """
            Hashes every report file, the mapping and every source file, recomputes the report's figures \
            from the target (stopping with evidence.target_differs when one no longer holds), and signs \
            the manifest with Ed25519. The pack holds no source file: the export is only hashed.
            """
    )

    @Option(name: .long, help: "The directory to create for the pack (new or empty).")
    var out: String

    @Option(name: .long, help: "The signing key file (from `keys generate --signing`; never the KEK).")
    var signingKey: String

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let signing = try SigningKey.load(path: signingKey)
            let manifest = try common.pipeline(target: target).evidence(target: target.target, to: out, signingKey: signing)
            print("evidence pack: \(out)")
            print("run \(manifest.runID): \(manifest.reportFiles.count) report files, \(manifest.sourceFiles.count) source files, "
                + "\(manifest.figures.count) figures")
            print("signed by \(manifest.signingKeyID); auditors verify with their copy of the public key (\(signingKey).pub)")
        }
    }
}

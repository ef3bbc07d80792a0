public import Foundation
import Glibc

/// Makes a signed evidence pack from a reconciled work directory and its target
/// (docs/evidence.md): `manifest.json` (canonical), `manifest.json.sig` (Ed25519, base64),
/// `signing-key.pub`, and copies of the report files and the mapping. Never copies a source
/// file: the export holds PII in plaintext, so the pack holds only its hashes.
public struct EvidencePack {
    /// The files of a pack besides the copies.
    public static let manifestName = "manifest.json"
    public static let signatureName = "manifest.json.sig"
    public static let publicKeyName = "signing-key.pub"
    public static let mappingName = "mapping.yaml"

    public let work: WorkDirectory
    public let connection: PostgresConnection

    public init(work: WorkDirectory, connection: PostgresConnection) {
        self.work = work
        self.connection = connection
    }

    /// Writes the pack into `directory` (created; it must not exist or be empty) and returns
    /// its manifest. Stops with `evidence.target_differs` when a figure recomputed from the
    /// target is not the one the report states: a pack only attests a report that holds.
    public func write(to directory: String, signingKey: SigningKey) throws(MigrationError) -> EvidenceManifest {
        guard let data = FileManager.default.contents(atPath: work.file("report.json")),
              let report = try? JSONDecoder().decode(MigrationReport.self, from: data) else {
            throw MigrationError(.evidenceNoReport, "\(work.path) holds no report.json; run reconcile (or run) first")
        }
        let runManifest = try work.readManifest()
        let reportFiles = try ReportWriter.writtenFiles(in: work.path).map { name throws(MigrationError) in
            try Self.hash(work.file(name), name: name)
        }
        let mapping = try Self.hash(work.mappingCopy, name: Self.mappingName)
        let sources = SourceFiles.regularFiles(source: runManifest.source)
        guard !sources.isEmpty else {
            throw MigrationError(.sourceMissing, "the export \(runManifest.source) is not there; the pack hashes every source file")
        }
        let sourceFiles = try sources.map { file throws(MigrationError) in
            try Self.hash(file.path, name: file.name.isEmpty ? (file.path as NSString).lastPathComponent : file.name)
        }
        let reader = EvidenceFigures(connection: connection)
        let figures = try reader.read(runID: report.run.runID, ledger: report.content.ledger != nil)
        try Self.requireReportHolds(report, figures: figures)
        let manifest = EvidenceManifest(
            toolVersion: ToolVersion.current, vendor: report.content.vendor, runID: report.run.runID,
            kekID: runManifest.extract?.kekID, ledgerRunDigest: report.content.ledger?.runDigest,
            signingKeyID: signingKey.id, target: try reader.identity(), mapping: mapping,
            reportFiles: reportFiles, source: runManifest.source, sourceFiles: sourceFiles, figures: figures
        )
        let bytes = manifest.canonicalBytes
        let signature = try signingKey.sign(bytes)
        try Self.createEmpty(directory)
        for file in reportFiles { try Self.copy(work.file(file.path), to: "\(directory)/\(file.path)") }
        try Self.copy(work.mappingCopy, to: "\(directory)/\(Self.mappingName)")
        try AtomicFile.write(Data(signature).base64EncodedString() + "\n", to: "\(directory)/\(Self.signatureName)")
        try AtomicFile.write(signingKey.publicKey.text, to: "\(directory)/\(Self.publicKeyName)")
        try AtomicFile.write(bytes, to: "\(directory)/\(Self.manifestName)")
        return manifest
    }

    /// Every figure the report states must be the one recomputed now, and the ledger over every
    /// wallet must verify.
    static func requireReportHolds(_ report: MigrationReport, figures: [EvidenceManifest.Figure]) throws(MigrationError) {
        let values = Dictionary(figures.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        for (figure, checkName) in EvidenceFigures.reportChecks.sorted(by: { $0.key < $1.key }) {
            guard let check = report.content.checks.first(where: { $0.name == checkName }) else { continue }
            guard values[figure] == check.expected else {
                throw MigrationError(
                    .evidenceTargetDiffers, "the target's \(figure) is not the one report.json states (\(checkName)); "
                        + "reconcile again, and sign only a report that holds"
                )
            }
        }
        if let problems = values["ledger.every_wallet.problems"], problems != "0" {
            throw MigrationError(.evidenceTargetDiffers, "verifying every wallet in the target found \(problems) problems; "
                + "`mlm-migrate verify-ledger` names them")
        }
    }

    static func hash(_ path: String, name: String) throws(MigrationError) -> EvidenceManifest.FileHash {
        guard let hash = EvidenceManifest.FileHash.of(path, name: name) else {
            throw MigrationError(.evidenceUnwritable, "cannot read \(path) to hash it")
        }
        return hash
    }

    private static func createEmpty(_ directory: String) throws(MigrationError) {
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: directory), !existing.isEmpty {
            throw MigrationError(
                .evidenceUnwritable, "\(directory) is not empty; give --out a new directory (a pack is never overwritten)"
            )
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw MigrationError(.evidenceUnwritable, "cannot create \(directory)")
        }
    }

    private static func copy(_ path: String, to destination: String) throws(MigrationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MigrationError(.evidenceUnwritable, "cannot read \(path) to copy it into the pack")
        }
        try AtomicFile.write(Array(data), to: destination)
    }
}

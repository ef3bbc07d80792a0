public import Foundation

/// What ``EvidenceVerifier`` found: every mismatch named (which file or figure), and what it
/// checked or could not check.
public struct EvidenceVerification: Sendable {
    public var manifest: EvidenceManifest?
    /// One line per thing checked and found right.
    public var checked: [String] = []
    /// One line per thing not checked, and why.
    public var skipped: [String] = []
    /// One line per mismatch, naming the file or figure.
    public var mismatches: [String] = []

    public var passed: Bool { mismatches.isEmpty && manifest != nil }
}

/// Checks an evidence pack (`mlm-migrate verify-evidence`): the signature against the public
/// key the auditor holds (never only the key inside the pack), every hash the manifest lists,
/// and, given a connection, every figure recomputed from the target against the signed one.
public struct EvidenceVerifier {
    public let directory: String
    public let publicKey: SigningPublicKey

    public init(directory: String, publicKey: SigningPublicKey) {
        self.directory = directory
        self.publicKey = publicKey
    }

    /// `source`/`mapping`: where the auditor holds the export and the mapping (nil: the export
    /// where the manifest says it was, when reachable; the pack's copy of the mapping).
    public func verify(
        source: String?, mapping: String?, target: PostgresConnection?
    ) throws(MigrationError) -> EvidenceVerification {
        var result = EvidenceVerification()
        let manifestPath = "\(directory)/\(EvidencePack.manifestName)"
        guard let bytes = FileManager.default.contents(atPath: manifestPath).map(Array.init) else {
            throw MigrationError(.evidencePackUnreadable, "\(directory) holds no \(EvidencePack.manifestName); is it an evidence pack?")
        }
        let signatureText = FileManager.default.contents(atPath: "\(directory)/\(EvidencePack.signatureName)")
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        let signed: Bool
        if let text = signatureText, let signature = Data(base64Encoded: text),
           publicKey.isValidSignature(Array(signature), for: bytes) {
            signed = true
            result.checked.append("signature: manifest.json is signed by \(publicKey.id)")
        } else {
            signed = false
            result.mismatches.append(
                "signature: \(EvidencePack.signatureName) is missing or is not \(publicKey.id)'s signature of manifest.json"
            )
        }
        let packKey = try? SigningPublicKey.load(path: "\(directory)/\(EvidencePack.publicKeyName)")
        if packKey != publicKey {
            result.mismatches.append("\(EvidencePack.publicKeyName): the key in the pack is not the public key given")
        }
        // An unreadable manifest is a mismatch too (exit 1): it is not what was signed.
        let manifest: EvidenceManifest
        do {
            manifest = try EvidenceManifest.parse(bytes, source: manifestPath)
        } catch {
            result.mismatches.append("manifest.json: \(error.message)")
            return result
        }
        result.manifest = manifest
        // An unsigned manifest names nothing worth reading: its paths could point anywhere.
        guard signed else { return result }
        if manifest.signingKeyID != publicKey.id {
            result.mismatches.append("signingKeyID: the manifest names \(manifest.signingKeyID), not \(publicKey.id)")
        }
        checkPackFiles(manifest, mapping: mapping, into: &result)
        try checkSource(manifest, given: source, into: &result)
        if let target {
            try checkTarget(manifest, connection: target, into: &result)
        } else {
            result.skipped.append("target figures: not checked (give --target)")
        }
        return result
    }

    /// The report copies and the mapping: each hash, and no file in the pack that is not listed.
    private func checkPackFiles(_ manifest: EvidenceManifest, mapping: String?, into result: inout EvidenceVerification) {
        // The pack's copy of the mapping is always checked; a given mapping file as well.
        let mappings = [(manifest.mapping, "\(directory)/\(EvidencePack.mappingName)")] + (mapping.map { [(manifest.mapping, $0)] } ?? [])
        let files = manifest.reportFiles.map { ($0, "\(directory)/\($0.path)") } + mappings
        for (file, path) in files {
            compare(file, at: path, what: file.path == EvidencePack.mappingName ? "mapping" : "report file", into: &result)
        }
        let listed = Set(manifest.reportFiles.map(\.path) + [
            EvidencePack.mappingName, EvidencePack.manifestName, EvidencePack.signatureName, EvidencePack.publicKeyName,
        ])
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where !listed.contains(name) {
            result.mismatches.append("file \(name): in the pack but not in the manifest")
        }
    }

    private func checkSource(
        _ manifest: EvidenceManifest, given: String?, into result: inout EvidenceVerification
    ) throws(MigrationError) {
        let source = given ?? manifest.source
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            if let given { throw MigrationError(.sourceMissing, "source \(given) does not exist") }
            result.skipped.append("source files: not checked (\(manifest.source) is not reachable here; give --source)")
            return
        }
        if isDirectory.boolValue {
            for file in manifest.sourceFiles {
                compare(file, at: "\(source)/\(file.path)", what: "source file", into: &result)
            }
            let listed = Set(manifest.sourceFiles.map(\.path))
            for file in SourceFiles.regularFiles(source: source) where !listed.contains(file.name) {
                result.mismatches.append("source file \(file.name): in the export but not in the manifest")
            }
        } else if manifest.sourceFiles.count == 1, let file = manifest.sourceFiles.first {
            compare(file, at: source, what: "source file", into: &result)
        } else {
            result.mismatches.append("source: \(source) is one file; the manifest lists \(manifest.sourceFiles.count)")
        }
    }

    private func checkTarget(
        _ manifest: EvidenceManifest, connection: PostgresConnection, into result: inout EvidenceVerification
    ) throws(MigrationError) {
        let reader = EvidenceFigures(connection: connection)
        let identity = try reader.identity()
        for (name, signed, now) in [
            ("target.database", manifest.target.database, identity.database),
            ("target.systemIdentifier", manifest.target.systemIdentifier, identity.systemIdentifier),
        ] {
            if signed == now { result.checked.append("\(name): \(now)") } else {
                result.mismatches.append("\(name): the target is \(now), the pack was signed for \(signed)")
            }
        }
        let recomputed = Dictionary(
            try reader.read(runID: manifest.runID, ledger: manifest.ledgerRunDigest != nil).map { ($0.name, $0.value) },
            uniquingKeysWith: { first, _ in first }
        )
        var matched = 0
        for figure in manifest.figures {
            guard let now = recomputed[figure.name] else {
                result.mismatches.append("figure \(figure.name): signed \(figure.value), the target no longer has it")
                continue
            }
            if now == figure.value { matched += 1 } else {
                result.mismatches.append("figure \(figure.name): signed \(figure.value), recomputed \(now)")
            }
        }
        let signedNames = Set(manifest.figures.map(\.name))
        for name in recomputed.keys.sorted() where !signedNames.contains(name) {
            result.mismatches.append("figure \(name): in the target but not in the pack")
        }
        if let digest = manifest.ledgerRunDigest, recomputed["ledger.run_digest"] != digest {
            let now = recomputed["ledger.run_digest"] ?? "none"
            result.mismatches.append("ledgerRunDigest: signed \(digest), recomputed \(now)")
        }
        result.checked.append("target figures: \(matched) of \(manifest.figures.count) recomputed and equal to the signed ones")
    }

    private func compare(
        _ file: EvidenceManifest.FileHash, at path: String, what: String, into result: inout EvidenceVerification
    ) {
        guard let now = EvidenceManifest.FileHash.of(path, name: file.path) else {
            result.mismatches.append("\(what) \(file.path): missing (\(path))")
            return
        }
        if now == file {
            result.checked.append("\(what) \(file.path): sha256 \(file.sha256)")
        } else {
            result.mismatches.append(
                "\(what) \(file.path): sha256 \(now.sha256) (\(now.bytes) bytes), signed \(file.sha256) (\(file.bytes) bytes)"
            )
        }
    }
}

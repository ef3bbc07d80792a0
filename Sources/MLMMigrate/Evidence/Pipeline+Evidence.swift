extension Pipeline {
    /// Writes the signed evidence pack of this work directory's reconciled run into `directory`
    /// (`mlm-migrate evidence`, and `run --signing-key`), reading the figures from its target.
    public func evidence(
        target: String?, to directory: String, signingKey: SigningKey
    ) throws(MigrationError) -> EvidenceManifest {
        let (connection, _) = try connect(target, fresh: false)
        return try EvidencePack(work: work, connection: connection).write(to: directory, signingKey: signingKey)
    }
}

extension TargetOperations {
    /// Checks the evidence pack in `directory` against `publicKey`, the hashed files and, when
    /// `target` is given, the target's figures (`mlm-migrate verify-evidence`).
    public func verifyEvidence(
        _ directory: String, publicKey: SigningPublicKey, source: String?, mapping: String?, target: String?
    ) throws(MigrationError) -> EvidenceVerification {
        let connection = try target.map { target throws(MigrationError) in try connect(target, fresh: false).0 }
        return try EvidenceVerifier(directory: directory, publicKey: publicKey)
            .verify(source: source, mapping: mapping, target: connection)
    }
}

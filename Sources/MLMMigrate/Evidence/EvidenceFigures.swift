import Logging

/// The figures an evidence pack signs, recomputed from the target: its identity, every table's
/// row count and digest (``TableDigests``: the whole target), the digests the report states
/// (members, id map, ledger entries, wallets, run digest: over the run's scope, as reconcile
/// computes them), and the ledger re-verified over every wallet in the target, kept members'
/// included (``LedgerVerifier/verifyEveryWallet()``). The same code makes the pack and checks it.
public struct EvidenceFigures {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Which report check states each figure that reconcile also computed.
    public static let reportChecks: [String: String] = [
        "members.rows_digest": "content.members_digest",
        "id_map.digest": "content.id_map_digest",
        "ledger.entries_digest": "ledger.entries_digest",
        "ledger.wallets_digest": "ledger.wallets_digest",
        "ledger.run_digest": "ledger.run_digest",
    ]

    /// `current_database()` and the cluster's system identifier.
    public func identity() throws(MigrationError) -> EvidenceManifest.TargetIdentity {
        let row = try connection.query(
            "SELECT current_database(), (SELECT system_identifier::text FROM pg_control_system())",
            what: "reading the target's identity"
        ).first ?? []
        return EvidenceManifest.TargetIdentity(
            database: row.first.flatMap { $0 } ?? "", systemIdentifier: row.count > 1 ? (row[1] ?? "") : ""
        )
    }

    /// The figures, sorted by name; `ledger` adds the ledger's.
    public func read(runID: Int, ledger: Bool) throws(MigrationError) -> [EvidenceManifest.Figure] {
        var figures: [String: String] = [:]
        for (table, digest) in try TableDigests.read(connection) {
            figures["table.\(table).rows"] = String(digest.prefix { $0 != ":" })
            figures["table.\(table).digest"] = digest
        }
        let content = try Reconciler(connection: connection, logger: .init(label: "evidence"))
            .contentDigests(runID: runID)
        figures["members.rows_digest"] = content.members
        figures["id_map.digest"] = content.idMap
        if ledger {
            let verifier = LedgerVerifier(connection: connection)
            let scoped = try verifier.verify(runID: runID)
            figures["ledger.entries_digest"] = scoped.entriesDigest
            figures["ledger.wallets_digest"] = scoped.walletsDigest
            figures["ledger.run_digest"] = scoped.runDigest
            let every = try verifier.verifyEveryWallet()
            figures["ledger.every_wallet.wallets"] = String(every.wallets)
            figures["ledger.every_wallet.entries"] = String(every.entries)
            figures["ledger.every_wallet.digest"] = every.runDigest
            figures["ledger.every_wallet.problems"] = String(every.findingCount)
        }
        return figures.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            .map { EvidenceManifest.Figure(name: $0.key, value: $0.value) }
    }
}

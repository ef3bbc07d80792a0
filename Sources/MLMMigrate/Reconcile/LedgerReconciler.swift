public import Logging

/// The ledger figures the earlier stages produced, for Reconcile to compare with the target.
public struct LedgerStageCounts: Codable, Sendable, Equatable {
    public var entriesExtract: ExtractSummary
    public var balancesExtract: ExtractSummary?
    public var cleanse: LedgerCleanseSummary
    public var transform: LedgerTransformSummary

    public init(entriesExtract: ExtractSummary, balancesExtract: ExtractSummary?, cleanse: LedgerCleanseSummary, transform: LedgerTransformSummary) {
        self.entriesExtract = entriesExtract
        self.balancesExtract = balancesExtract
        self.cleanse = cleanse
        self.transform = transform
    }
}

/// The ledger section of the report: control totals per currency, every balance variance,
/// and the run digest.
public struct LedgerFigures: Codable, Sendable, Equatable {
    /// One currency: source total = loaded total + quarantined total, in signed minor units.
    public struct Currency: Codable, Sendable, Equatable {
        public var currency: String
        public var sourceEntries: Int
        public var sourceMinor: String
        public var loadedEntries: Int
        public var loadedMinor: String
        public var quarantinedEntries: Int
        public var quarantinedMinor: String
        public var balanced: Bool
        /// The currency's ISO 4217 exponent (minor units per major: 10^exponent), beside the
        /// minor-unit figures for a reader of report.json; nil for a code the table does not know.
        public var exponent: Int?
    }

    /// A wallet whose recomputed balance differs from the legacy balance, or has none.
    public struct Variance: Codable, Sendable, Equatable {
        public var legacyID: String
        public var memberID: Int64
        public var currency: String
        public var legacyBalanceMinor: String?
        public var balanceMinor: String
        /// Recomputed minus legacy; nil when there is no legacy balance.
        public var differenceMinor: String?
        /// The currency's ISO 4217 exponent, as for ``Currency/exponent``.
        public var exponent: Int?
    }

    public var currencies: [Currency]
    /// Quarantined entries whose amount could not be valued, so they are in no total.
    public var unvaluedQuarantined: Int
    public var snappedAmounts: Int
    public var wallets: Int
    public var variances: [Variance]
    public var runDigest: String

    /// A wallet a delta run did not append to: its history in the target is not the start of
    /// the export's. `seq` and `legacyTxnID` name the first target entry that differs.
    public struct Conflict: Codable, Sendable, Equatable {
        public var legacyID: String
        public var currency: String
        public var seq: Int64?
        public var legacyTxnID: String?
        public var problem: String
    }

    /// Delta runs only; empty otherwise.
    public var conflicts: [Conflict] = []
}

/// Reconcile for the ledger: counts and control totals per currency, content digests and hash
/// chains, all from one streamed read of every entry by ``LedgerVerifier``; foreign keys; and
/// the list of balance variances for the report.
public struct LedgerReconciler {
    public let connection: PostgresConnection
    public let logger: Logger

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// `verified`: the run's entries and wallets already read back and recomputed
    /// (``LedgerVerifier/verify(runID:)``, by a `run` as its entries loaded). The digest the load
    /// records at its end and the foreign keys' check are read by `settled`, now or once the load ends.
    public func run(
        runID: Int, counts: LedgerStageCounts, verified: LedgerVerification? = nil, settled: LoadSettledChecks = LoadSettledChecks()
    ) throws(MigrationError) -> (checks: [Check], figures: LedgerFigures) {
        let run = String(runID)
        var checks: [Check] = []
        func count(_ sql: String, _ parameters: [String?]? = nil) throws(MigrationError) -> Int { Int(try connection.scalar(sql, parameters ?? [run]) ?? "0") ?? 0 }
        let scope = ReconcileScope(runID: runID)

        // One streamed read of every entry gives the counts, the totals and the hash checks.
        let verification: LedgerVerification
        if let verified { verification = verified } else { verification = try LedgerVerifier(connection: connection).verify(runID: runID) }
        let entries = verification.entries
        let entriesQuarantined = try count("SELECT count(*) FROM mlm_migration.quarantine WHERE run_id = $1::bigint AND entity = 'wallet_entries'")
        checks.append(Check(
            name: "wallet_entries.counts_balance", description: "entries extracted = loaded + quarantined (rows in the target for this run)",
            expected: String(counts.entriesExtract.rows), actual: String(entries + entriesQuarantined)
        ))
        checks.append(Check(
            name: "wallet_entries.loaded_as_transformed", description: "entries in the target = entries Transform produced",
            expected: String(counts.transform.entries), actual: String(entries)
        ))
        let written = (
            wallets: try count("SELECT count(*) FROM mlm.wallets WHERE run_id = $1::bigint"),
            entries: try count("SELECT count(*) FROM mlm.wallet_entries WHERE run_id = $1::bigint")
        )
        let manifests = try connection.query(
            "SELECT coalesce(sum((rows_by_table ->> 'mlm.wallets')::bigint), 0), coalesce(sum((rows_by_table ->> 'mlm.wallet_entries')::bigint), 0) FROM mlm_migration.batches WHERE run_id = $1::bigint",
            [run], what: "reading the ledger's batch manifests"
        ).first
        checks.append(Check(
            name: "ledger.batches_manifest_matches", description: "wallet and entry rows recorded in batch manifests = rows this run wrote",
            expected: "\(written.wallets)/\(written.entries)", actual: "\(manifests?[0] ?? "0")/\(manifests?[1] ?? "0")"
        ))
        let conflicts = try connection.query("""
            SELECT m.legacy_id, c.currency, c.seq, c.legacy_txn_id, c.problem FROM mlm_migration.ledger_conflicts c JOIN mlm.members m USING (member_id)
            WHERE c.run_id = $1::bigint ORDER BY c.member_id, c.currency
            """, [run], what: "reading the ledger conflicts").map {
            LedgerFigures.Conflict(legacyID: $0[0] ?? "", currency: $0[1] ?? "", seq: $0[2].flatMap { Int64($0) }, legacyTxnID: $0[3], problem: $0[4] ?? "")
        }
        checks.append(Check(
            name: "ledger.history_unchanged", description: "wallets whose entries in the target are not the start of the export's (ledgers only append; listed below)",
            expected: "0", actual: String(conflicts.count)
        ))
        if let balancesExtract = counts.balancesExtract {
            let attached = try count("SELECT count(*) FROM mlm.wallets WHERE legacy_balance_minor IS NOT NULL AND \(scope.covers("mlm.wallets.member_id"))", [])
            let quarantined = try count("SELECT count(*) FROM mlm_migration.quarantine WHERE run_id = $1::bigint AND entity = 'wallet_balances'")
            checks.append(Check(
                name: "wallet_balances.counts_balance", description: "legacy balances extracted = attached to a wallet + quarantined",
                expected: String(balancesExtract.rows), actual: String(attached + quarantined)
            ))
        }

        let loaded = verification.loadedByCurrency.mapValues { (entries: $0.entries, minor: String($0.minor)) }
        var currencies: [LedgerFigures.Currency] = []
        let known = Dictionary(counts.cleanse.totals.map { ($0.currency, $0) }, uniquingKeysWith: { first, _ in first })
        for code in Set(known.keys).union(loaded.keys).sorted() {
            let source = known[code] ?? CurrencyTotals(currency: code, sourceEntries: 0, sourceMinor: "0", quarantinedEntries: 0, quarantinedMinor: "0")
            let target = loaded[code] ?? (0, "0")
            let sum = (Int128(target.minor) ?? 0) + (Int128(source.quarantinedMinor) ?? 0)
            let figure = LedgerFigures.Currency(
                currency: code, sourceEntries: source.sourceEntries, sourceMinor: source.sourceMinor,
                loadedEntries: target.entries, loadedMinor: target.minor,
                quarantinedEntries: source.quarantinedEntries, quarantinedMinor: source.quarantinedMinor,
                balanced: String(sum) == source.sourceMinor && target.entries + source.quarantinedEntries == source.sourceEntries,
                exponent: CurrencyTable.exponent(of: code)
            )
            currencies.append(figure)
            checks.append(Check(
                name: "ledger.control_total.\(code)", description: "\(code): source total = loaded total (summed from the entries read back) + quarantined total, in minor units and entries",
                expected: "\(source.sourceMinor) / \(source.sourceEntries)", actual: "\(sum) / \(target.entries + source.quarantinedEntries)"
            ))
        }

        checks.append(Check(name: "ledger.entries_digest", description: "SHA-256 of mlm.wallet_entries read back = SHA-256 of the rows Transform produced", expected: counts.transform.entriesDigest, actual: verification.entriesDigest))
        checks.append(Check(name: "ledger.wallets_digest", description: "SHA-256 of mlm.wallets read back = SHA-256 of the rows Transform produced", expected: counts.transform.walletsDigest, actual: verification.walletsDigest))
        checks.append(Check(name: "ledger.chains_verified", description: "entries whose seq, time order, running balance or hash chain, or wallets whose count, balance, head or Merkle root, disagree with a recomputation", expected: "0", actual: String(verification.findingCount)))
        if let kept = verification.kept {
            checks.append(Check(
                name: "ledger.kept_wallets_verified",
                description: "wallets of members the export no longer gives (kept in the target, \(kept.wallets) wallets, \(kept.entries) entries) whose chain or figures disagree with a recomputation",
                expected: "0", actual: String(kept.findingCount)
            ))
            for finding in kept.findings.prefix(20) { logger.error("kept wallet finding", metadata: ["finding": "\(finding)"]) }
        }
        checks.append(Check(name: "ledger.run_digest", description: "run digest recomputed from the target's entries = the one Transform computed", expected: counts.transform.runDigest, actual: verification.runDigest))
        checks.append(try settled.check(
            name: "ledger.run_digest_recorded", description: "run digest recorded in mlm_migration.runs = the one Transform computed",
            expected: counts.transform.runDigest, on: connection
        ) { connection throws(MigrationError) in try LedgerVerifier(connection: connection).storedRunDigest(runID: runID) ?? "none" })
        for finding in verification.findings.prefix(20) { logger.error("ledger finding", metadata: ["finding": "\(finding)"]) }

        checks.append(try settled.check(
            name: "ledger.foreign_keys_enforced",
            description: "entries reference their wallet and their counterparty, wallets their member: enforced and validated",
            expected: "3", on: connection
        ) { connection throws(MigrationError) in
            try TargetSchema.enforcedForeignKeys(of: [TargetTables.wallets, TargetTables.walletEntries], on: connection)
        })

        var variances: [LedgerFigures.Variance] = []
        for row in try connection.query("""
            SELECT m.legacy_id, w.member_id, w.currency, w.legacy_balance_minor, w.balance_minor, w.balance_minor::numeric - w.legacy_balance_minor
            FROM mlm.wallets w JOIN mlm.members m USING (member_id)
            WHERE w.legacy_balance_minor IS DISTINCT FROM w.balance_minor AND \(scope.covers("w.member_id"))
            ORDER BY w.member_id, w.currency
            """, what: "listing balance variances") {
            variances.append(LedgerFigures.Variance(
                legacyID: row[0] ?? "", memberID: row[1].flatMap { Int64($0) } ?? 0, currency: row[2] ?? "",
                legacyBalanceMinor: row[3], balanceMinor: row[4] ?? "0", differenceMinor: row[5],
                exponent: CurrencyTable.exponent(of: row[2] ?? "")
            ))
        }
        checks.append(Check(name: "ledger.variances_listed", description: "wallets whose legacy balance differs (or is missing), listed below = those Transform found", expected: String(counts.transform.variances), actual: String(variances.count)))
        let figures = LedgerFigures(
            currencies: currencies, unvaluedQuarantined: counts.cleanse.unvaluedQuarantined, snappedAmounts: counts.cleanse.snappedAmounts,
            wallets: verification.wallets, variances: variances, runDigest: verification.runDigest, conflicts: conflicts
        )
        logger.info("reconciled ledger", metadata: ["entries": "\(entries)", "wallets": "\(verification.wallets)", "variances": "\(variances.count)", "findings": "\(verification.findingCount)"])
        return (checks, figures)
    }
}

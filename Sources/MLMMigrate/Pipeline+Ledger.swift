/// The ledger's part of extract and cleanse: wallet entries and balances through their stages.
extension Pipeline {
    func extractLedger(_ ledger: LedgerMapping, source: String, progress: Bool?) throws(MigrationError) -> LedgerExtractSummary {
        let entries = try Extractor(entity: "wallet_entries", mapping: ledger.entries, source: source, logger: logger)
            .run(outputPath: work.path(.extractWalletEntries), progress: progress)
        let balances = try ledger.balances.map { mapping throws(MigrationError) in
            try Extractor(entity: "wallet_balances", mapping: mapping, source: source, logger: logger)
                .run(outputPath: work.path(.extractWalletBalances), progress: progress)
        }
        return LedgerExtractSummary(entries: entries, balances: balances)
    }

    func cleanseLedger(
        _ ledger: LedgerMapping, members: MembersMapping, manifest: RunManifest, directories: MemberDirectories? = nil,
        afterRowRules: (() -> Void)? = nil
    ) throws(MigrationError) -> LedgerCleanseSummary {
        guard let extract = manifest.ledgerExtract else { throw Self.missing("extract") }
        let paths = LedgerCleansePaths(
            entriesExtract: work.path(.extractWalletEntries),
            balancesExtract: extract.balances == nil ? nil : work.path(.extractWalletBalances),
            membersExtract: work.path(.extractMembers), membersCleansed: work.path(.cleanseMembers),
            entries: work.path(.cleanseWalletEntries), balances: work.path(.cleanseWalletBalances),
            quarantine: work.path(.cleanseLedgerQuarantine), scratch: work.file("cleanse")
        )
        var cleanser = LedgerCleanser(mapping: ledger, members: members, logger: logger, directories: directories)
        cleanser.afterRowRules = afterRowRules
        return try cleanser.run(paths: paths, progress: progress)
    }
}

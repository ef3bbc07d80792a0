/// One entity's rows as the stages counted them: extracted from the source, loaded (or, for
/// legacy balances, attached), and the physical lines of its CSV files.
public struct EntityTally: Sendable, Equatable {
    public var entity: String
    public var extracted: Int
    public var loaded: Int
    public var sourceLines: SourceLineCount?

    public init(entity: String, extracted: Int, loaded: Int, sourceLines: SourceLineCount?) {
        self.entity = entity
        self.extracted = extracted
        self.loaded = loaded
        self.sourceLines = sourceLines
    }

    /// The run's entities, from the stage summaries in the work directory's manifest.
    public static func all(
        counts: StageCounts, ledger: LedgerStageCounts?, commission: CommissionCleanseSummary?, commissionExtract: [ExtractSummary]
    ) -> [EntityTally] {
        var tallies = [EntityTally(
            entity: "members", extracted: counts.extract.rows, loaded: counts.transform.members, sourceLines: counts.extract.sourceLines
        )]
        if let ledger {
            tallies.append(EntityTally(
                entity: "wallet_entries", extracted: ledger.entriesExtract.rows, loaded: ledger.transform.entries,
                sourceLines: ledger.entriesExtract.sourceLines
            ))
            if let extract = ledger.balancesExtract, let balances = ledger.cleanse.balances {
                tallies.append(EntityTally(
                    entity: "wallet_balances", extracted: extract.rows, loaded: balances.accepted, sourceLines: extract.sourceLines
                ))
            }
        }
        for counts in commission?.entities ?? [] {
            let extract = commissionExtract.first { $0.entity == counts.entity }
            tallies.append(EntityTally(
                entity: counts.entity, extracted: counts.extracted, loaded: counts.accepted, sourceLines: extract?.sourceLines
            ))
        }
        return tallies
    }
}

/// Checks on what the source gave, whatever the entity: every physical line of a CSV file is a
/// header, blank or record line (so no line vanished into another record); a run loads at least
/// one member; and no entity quarantines more than the mapping's `max_quarantine_ratio`.
public enum SourceChecks {
    public static func checks(_ tallies: [EntityTally], maxQuarantineRatio: QuarantineRatio) -> [Check] {
        var checks: [Check] = []
        for tally in tallies {
            if let lines = tally.sourceLines {
                checks.append(Check(
                    name: "\(tally.entity).source_lines_accounted",
                    description: "physical lines of the source files (counted apart from the CSV parse) = header + blank + record lines",
                    expected: String(lines.physical), actual: String(lines.accounted)
                ))
            }
            let quarantined = tally.extracted - tally.loaded
            checks.append(Check(
                name: "\(tally.entity).quarantine_ratio",
                description: "share of extracted rows quarantined is at most max_quarantine_ratio",
                expected: "≤ \(maxQuarantineRatio.percent)",
                actual: QuarantineRatio.percent(of: quarantined, in: tally.extracted),
                passed: maxQuarantineRatio.allows(quarantined, of: tally.extracted)
            ))
            if tally.entity == "members" {
                checks.append(Check(
                    name: "members.some_loaded", description: "the run loaded at least one member (an empty or wholly quarantined source fails)",
                    expected: "≥ 1", actual: String(tally.loaded), passed: tally.loaded >= 1
                ))
            }
        }
        return checks
    }
}

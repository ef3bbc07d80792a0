public import Foundation
import Crypto

/// The reconciliation report an auditor reads: what each stage counted, why rows were
/// quarantined, every check with its figures, and digests that tie it to the target's rows.
///
/// `content` holds everything that depends only on the export, mapping and tool version; its
/// SHA-256 (over sorted-key, compact JSON) is `contentDigest`, so two runs of the same export
/// give the same digest. `run` holds what differs between runs (ids, times, target). See
/// docs/report.md.
public struct MigrationReport: Codable, Sendable {
    public struct Content: Codable, Sendable, Equatable {
        public var toolVersion: String
        public var vendor: String
        public var mappingDigest: String
        public var entities: [EntityFigures]
        public var checks: [Check]
        public var passed: Bool
        /// The ledger section, when the mapping has a ledger.
        public var ledger: LedgerFigures?
        /// The PII section, when the mapping has PII.
        public var pii: PIIFigures?
        /// The delta section, for a run that applied a later export.
        public var delta: DeltaFigures?
        /// The commission section, when the mapping has commission entities.
        public var commission: CommissionFigures?
        /// Loaded registrations flagged as the same person (`duplicate_person_policy: flag`),
        /// when there are any.
        public var duplicateCandidates: [DuplicateCandidateFigure]?
        /// Members per sponsor-tree level, in the export and as loaded.
        public var genealogy: GenealogyDepthFigures?
    }

    /// The sponsor tree's shape: members per level (index 0 is level 1, members without a
    /// sponsor) as the export links them and as they were loaded (``SponsorDepth``).
    public struct GenealogyDepthFigures: Codable, Sendable, Equatable {
        public var sourceLevels: [Int]
        /// Extracted rows whose sponsor chain matches no member or runs in a cycle.
        public var sourceUnlinked: Int
        public var loadedLevels: [Int]
    }

    public struct EntityFigures: Codable, Sendable, Equatable {
        public var entity: String
        public var extracted: Int
        public var loaded: Int
        public var quarantined: Int
        public var quarantinedByReason: [String: Int]
        public var reattachedByReason: [String: Int]
        public var sourceFiles: [String]
        public var levels: Int
        public var rowsDigest: String
    }

    public struct RunFacts: Codable, Sendable, Equatable {
        public var runID: Int
        public var generatedAt: String
        public var target: String
        public var source: String
        /// How the run reached the target: TLS protocol and cipher, or `local socket`.
        public var connection: String?
        /// Each stage's time in this work directory, in pipeline order (reconcile: up to the report).
        public var timings: [StageTiming]?
    }

    public var content: Content
    public var contentDigest: String
    public var run: RunFacts
    /// Exceptions open and decided per kind (outside `content`: decisions are people's).
    public var exceptions: ExceptionFigures?

    public init(
        counts: StageCounts, checks: [Check], mapping: Mapping, run: RunFacts,
        ledger: (counts: LedgerStageCounts, figures: LedgerFigures)? = nil, pii: PIIFigures? = nil, delta: DeltaFigures? = nil
    ) {
        let members = EntityFigures(
            entity: "members",
            extracted: counts.extract.rows,
            loaded: counts.transform.members,
            quarantined: counts.cleanse.quarantined,
            quarantinedByReason: counts.cleanse.quarantinedByReason,
            reattachedByReason: counts.cleanse.reattachedByReason,
            sourceFiles: counts.extract.files,
            levels: counts.transform.levels,
            rowsDigest: counts.transform.membersDigest
        )
        var entities = [members]
        if let ledger {
            let cleanse = ledger.counts.cleanse
            entities.append(EntityFigures(
                entity: "wallet_entries", extracted: ledger.counts.entriesExtract.rows, loaded: ledger.counts.transform.entries,
                quarantined: cleanse.entries.quarantined, quarantinedByReason: cleanse.entries.quarantinedByReason, reattachedByReason: [:],
                sourceFiles: ledger.counts.entriesExtract.files, levels: 0, rowsDigest: ledger.counts.transform.entriesDigest
            ))
            if let extract = ledger.counts.balancesExtract, let balances = cleanse.balances {
                entities.append(EntityFigures(
                    entity: "wallet_balances", extracted: extract.rows, loaded: balances.accepted,
                    quarantined: balances.quarantined, quarantinedByReason: balances.quarantinedByReason, reattachedByReason: [:],
                    sourceFiles: extract.files, levels: 0, rowsDigest: ledger.counts.transform.walletsDigest
                ))
            }
        }
        content = Content(
            toolVersion: ToolVersion.current, vendor: mapping.vendor, mappingDigest: mapping.digest,
            entities: entities, checks: checks, passed: checks.allSatisfy(\.passed), ledger: ledger?.figures, pii: pii, delta: delta
        )
        if let source = counts.cleanse.sourceSponsorLevels, let loaded = counts.transform.sponsorLevels {
            content.genealogy = GenealogyDepthFigures(
                sourceLevels: source, sourceUnlinked: counts.cleanse.sourceSponsorUnlinked ?? 0, loadedLevels: loaded
            )
        }
        contentDigest = Self.digest(of: content)
        self.run = run
    }

    public var passed: Bool { content.passed }

    /// Adds the commission entities (extracted = loaded + quarantined each) and the volume
    /// control totals, and digests the content again.
    public mutating func addCommission(_ figures: CommissionFigures, entities: [EntityCounts], extracted: [ExtractSummary]) {
        for counts in entities {
            let files = extracted.first { $0.entity == counts.entity }?.files ?? []
            content.entities.append(EntityFigures(
                entity: counts.entity, extracted: counts.extracted, loaded: counts.accepted, quarantined: counts.quarantined,
                quarantinedByReason: counts.quarantinedByReason, reattachedByReason: [:], sourceFiles: files, levels: 0, rowsDigest: ""
            ))
        }
        content.commission = figures
        contentDigest = Self.digest(of: content)
    }

    /// Lists the pairs flagged as the same person, and digests the content again.
    public mutating func addDuplicateCandidates(_ pairs: [DuplicateCandidateFigure]) {
        guard !pairs.isEmpty else { return }
        content.duplicateCandidates = pairs
        contentDigest = Self.digest(of: content)
    }

    /// SHA-256 (hex) of `content` encoded as compact JSON with sorted keys.
    public static func digest(of content: Content) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(content)) ?? Data()
        return Hex.encode(SHA256.hash(data: data))
    }

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }
}

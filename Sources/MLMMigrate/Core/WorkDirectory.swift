public import Foundation

/// The work directory: stage outputs, the mapping copy, the run manifest and the reports.
///
/// Layout: `mapping.yaml`, `manifest.json`, `extract/`, `cleanse/`, `transform/`,
/// `report.json`, `report.md`, and, for the embedded default, `embedded-postgres.json` and
/// `postgres/`. Files are created mode 0600; they hold PII only as protected tokens.
public struct WorkDirectory: Sendable {
    public let path: String

    public init(path: String) throws(MigrationError) {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
        for stage in [""] + StageFile.stageDirectories.map({ "/" + $0 }) {
            do {
                try FileManager.default.createDirectory(atPath: self.path + stage, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw MigrationError(.workdirUnwritable, "cannot create work directory \(self.path + stage)")
            }
        }
    }

    public func file(_ relative: String) -> String { "\(path)/\(relative)" }

    public var mappingCopy: String { file("mapping.yaml") }
    public var manifestFile: String { file("manifest.json") }

    public func readManifest() throws(MigrationError) -> RunManifest {
        guard let data = FileManager.default.contents(atPath: manifestFile) else {
            throw MigrationError(.workdirNoManifest, "\(path) holds no extract yet; run `mlm-migrate extract` (or `run`) first")
        }
        do {
            return try JSONDecoder().decode(RunManifest.self, from: data)
        } catch {
            throw MigrationError(.workdirCorrupt, "\(manifestFile) cannot be read; run extract again")
        }
    }

    public func writeManifest(_ manifest: RunManifest) throws(MigrationError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: manifestFile), options: .atomic)
        } catch {
            throw MigrationError(.workdirUnwritable, "cannot write \(manifestFile)")
        }
    }
}

/// What the stages have done so far in a work directory; each stage reads its predecessor's
/// summary from here and adds its own.
public struct RunManifest: Codable, Sendable {
    public var source: String
    public var mappingDigest: String
    public var extract: ExtractSummary?
    public var cleanse: CleanseSummary?
    public var transform: TransformSummary?
    /// Drawn at random by each transform: names its output, so a load resumes only the run
    /// that came from these very files.
    public var workID: String?
    /// The export's fingerprint at extract (``SourceFiles/fingerprint(source:)``).
    public var sourceFingerprint: String?
    /// A load of this work directory started and has not finished (killed, failed or paused):
    /// `run` resumes it instead of extracting again while the export is unchanged.
    public var loadPending: Bool?
    /// Set by `transform --delta`: the target its member ids were numbered against.
    public var delta: DeltaBasis?
    public var load: LoadSummary?
    /// Ledger stages, when the mapping has a ledger.
    public var ledgerExtract: LedgerExtractSummary?
    public var ledgerCleanse: LedgerCleanseSummary?
    public var ledgerTransform: LedgerTransformSummary?
    /// Commission stages, when the mapping has commission entities.
    public var commissionExtract: [ExtractSummary]?
    public var commissionCleanse: CommissionCleanseSummary?
    public var commissionTransform: CommissionTransformSummary?
    /// The closed period given at extract (`--commission-period`), overriding the mapping's.
    public var commissionPeriod: String?
}

/// What Extract read of the ledger entities.
public struct LedgerExtractSummary: Codable, Sendable, Equatable {
    public var entries: ExtractSummary
    public var balances: ExtractSummary?
}

import Crypto

/// What kind of thing a person must decide on (the `kind` column of `exceptions.csv`).
public enum ExceptionKind: String, Codable, Sendable, CaseIterable, Comparable {
    /// A row in `mlm_migration.quarantine`.
    case quarantine
    /// A wallet whose recomputed balance differs from the legacy one, or has none.
    case balanceVariance = "balance_variance"
    /// Two loaded registrations flagged as the same person (`mlm_migration.duplicate_candidates`).
    case duplicateCandidate = "duplicate_candidate"
    /// A parallel-run difference (`mlm_migration.parallel_run`).
    case parallelRunMismatch = "parallel_run_mismatch"

    public static func < (lhs: ExceptionKind, rhs: ExceptionKind) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// One exception of the register: ids, reason codes, columns and amounts only, never a source
/// value (PII or not) beyond the legacy ids the report already names. See docs/exceptions.md.
public struct ExceptionEntry: Equatable, Sendable {
    public var kind: ExceptionKind
    public var entity: String
    public var reason: String
    /// Where the row was read (file or table name) and its line or rowid; quarantine only.
    public var source: String = ""
    public var line: String = ""
    public var legacyID: String = ""
    /// The other registration of a duplicate candidate.
    public var relatedLegacyID: String = ""
    /// The pay period of a parallel-run mismatch.
    public var period: String = ""
    /// Column names (comma-separated); for a parallel-run mismatch, its bonus type.
    public var columns: String = ""
    public var currency: String = ""
    /// Decimal places of the minor unit (or of a carry-forward volume).
    public var exponent: String = ""
    /// A quarantined row's amount, or the difference (migrated minus legacy).
    public var amountMinor: String = ""
    public var legacyMinor: String = ""
    public var migratedMinor: String = ""
    public var detail: String = ""
    /// Disambiguates exceptions whose other identity fields are equal (1, 2... in source order).
    public var occurrence = 1

    public init(kind: ExceptionKind, entity: String, reason: String) {
        self.kind = kind
        self.entity = entity
        self.reason = reason
    }

    /// The fields that make two exceptions "the same" across runs, in the order hashed.
    public var identityFields: [String] {
        switch kind {
        case .quarantine:
            let locus = legacyID.isEmpty ? "\(source):\(line)" : ""
            return [kind.rawValue, entity, reason, legacyID, locus, String(occurrence)]
        case .balanceVariance:
            return [kind.rawValue, entity, reason, legacyID, currency, String(occurrence)]
        case .duplicateCandidate:
            return [kind.rawValue, entity, reason, legacyID, relatedLegacyID, String(occurrence)]
        case .parallelRunMismatch:
            return [kind.rawValue, entity, reason, legacyID, period, columns, String(occurrence)]
        }
    }

    /// `EX-` and the first 16 hex digits of SHA-256 of ``identityFields`` as one COPY-text line
    /// (tab-separated, backslash escapes, newline at the end). Never depends on a run id.
    public var id: String {
        "EX-" + String(Self.sha256Line(identityFields).prefix(16))
    }

    /// The fields a decision covers: everything but where the row was found and the run.
    public var contentFields: [String] {
        [id, kind.rawValue, entity, reason, legacyID, relatedLegacyID, period, columns, currency, exponent,
         amountMinor, legacyMinor, migratedMinor, detail]
    }

    /// SHA-256 (hex) of ``contentFields`` as one COPY-text line: a decision recorded for one
    /// digest does not cover the exception once its content changes.
    public var contentDigest: String { Self.sha256Line(contentFields) }

    static func sha256Line(_ fields: [String]) -> String {
        var line: [UInt8] = []
        CopyText.encodeRow(fields, into: &line)
        return Hex.encode(SHA256.hash(data: line))
    }
}

/// The three decisions a person can record on an exception (`mlm-migrate sign-off`).
public enum ExceptionDecision: String, Codable, Sendable, CaseIterable {
    case accepted
    case fixInSource = "fix_in_source"
    case fixInTarget = "fix_in_target"
}

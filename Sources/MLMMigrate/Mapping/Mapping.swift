public import Foundation

/// A vendor's export described declaratively: where each entity's rows are, how source columns
/// map onto the target's fields, and what to do with defects. Loaded by ``MappingLoader``.
public struct Mapping: Sendable {
    /// Format version of the mapping file itself (currently 1).
    public var version: Int
    /// A free-text vendor name, recorded in the run and the report.
    public var vendor: String
    /// The members (genealogy) entity.
    public var members: MembersMapping
    /// The wallet ledger entities, when the export has them.
    public var ledger: LedgerMapping?
    /// What a delta run does with members the later export no longer has.
    public var delta = DeltaPolicy()
    /// The commission state the export holds (orders, carries, ranks, payouts), when it has any.
    public var commission: CommissionDataMapping?
    /// The legacy compensation plan, which the parallel run recomputes a closed period with.
    public var commissionPlan: CommissionPlan?
    /// The largest share of an entity's extracted rows that may be quarantined before the
    /// run fails the `<entity>.quarantine_ratio` check.
    public var maxQuarantineRatio = QuarantineRatio.defaultMaximum
    /// SHA-256 (hex) of the mapping file's bytes, recorded with every run.
    public var digest: String
}

/// A share of rows in millionths (parts per million), so the comparison is exact integer math.
public struct QuarantineRatio: Sendable, Equatable, Codable {
    public var partsPerMillion: Int

    /// 5%: a legacy export with more bad rows than that needs a look before it is loaded.
    public static let defaultMaximum = QuarantineRatio(partsPerMillion: 50_000)

    public init(partsPerMillion: Int) {
        self.partsPerMillion = partsPerMillion
    }

    /// Reads `0`, `1`, `0.05`, `.5`: a decimal from 0 to 1 with at most 6 places.
    public init?(decimal text: String) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard whole.allSatisfy(\.isASCII), fraction.allSatisfy(\.isASCII),
              whole.allSatisfy(\.isNumber), fraction.allSatisfy(\.isNumber), fraction.count <= 6,
              !(whole.isEmpty && fraction.isEmpty), parts.count == 1 || !fraction.isEmpty,
              let wholeValue = whole.isEmpty ? 0 : Int(whole), wholeValue <= 1 else { return nil }
        let millionths = Int(fraction + String(repeating: "0", count: 6 - fraction.count)) ?? 0
        let value = wholeValue * 1_000_000 + millionths
        guard value <= 1_000_000 else { return nil }
        partsPerMillion = value
    }

    /// True when `part` of `whole` rows is at most this share (an empty whole allows nothing).
    public func allows(_ part: Int, of whole: Int) -> Bool {
        Int128(part) * 1_000_000 <= Int128(partsPerMillion) * Int128(whole)
    }

    /// The share as a percentage with up to 4 places (`5%`, `0.125%`).
    public var percent: String { Self.percent(numerator: Int128(partsPerMillion), denominator: 1_000_000) }

    /// `part / whole` as a percentage rounded down to 2 places (`12.34%`).
    public static func percent(of part: Int, in whole: Int) -> String {
        whole == 0 ? "n/a" : percent(numerator: Int128(part), denominator: Int128(whole), places: 2)
    }

    private static func percent(numerator: Int128, denominator: Int128, places: Int = 4) -> String {
        var scale: Int128 = 1
        for _ in 0..<places { scale *= 10 }
        let hundredths = numerator * 100 * scale / denominator
        let whole = hundredths / scale
        var fraction = String(hundredths % scale)
        fraction = String(repeating: "0", count: places - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole)%" : "\(whole).\(fraction)%"
    }
}

/// The mapping's `delta:` block: what a delta run (`run --delta`) does with the members the
/// target has and the later export no longer gives. They are never deleted: ledgers only append
/// and their downlines must keep a sponsor. `keep` leaves them as they are; `mark` sets their
/// status to `gone_status` (with a prior image, so a rollback undoes it). Either way the report
/// lists them.
public struct DeltaPolicy: Sendable, Equatable {
    public enum GoneMembers: String, Sendable, CaseIterable {
        case keep
        case mark
    }

    public var goneMembers: GoneMembers = .keep
    public var goneStatus: String?

    public init(goneMembers: GoneMembers = .keep, goneStatus: String? = nil) {
        self.goneMembers = goneMembers
        self.goneStatus = goneStatus
    }
}

/// How a source is read.
public enum SourceFormat: Sendable, Equatable {
    /// A CSV file (or files matching `files` in the source directory).
    case csv(CSVOptions)
    /// A SQLite database; rows come from a table or a query.
    case sqlite(SQLiteSelection)
}

/// CSV dialect and text encoding.
public struct CSVOptions: Sendable, Equatable {
    public var encoding: TextEncoding = .utf8
    public var delimiter: UInt8 = UInt8(ascii: ",")
    public var quote: UInt8 = UInt8(ascii: "\"")
}

/// What to read from a SQLite database.
public enum SQLiteSelection: Sendable, Equatable {
    /// A whole table; rows are numbered by rowid.
    case table(String)
    /// An arbitrary read-only query; rows are numbered from 1 in result order.
    case query(String)
}

/// The text encodings legacy exports come in.
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case windows1252 = "windows-1252"
    case latin1 = "latin-1"
}

/// Where an entity's rows come from.
public struct SourceSpec: Sendable, Equatable {
    public var format: SourceFormat
    /// A glob (`members*.csv`, `*.sqlite`) matched in the source directory; files are read in
    /// name order. Ignored when `--source` names a file.
    public var files: String
    /// A second table or file whose row for each record is read beside it (`join:`).
    public var join: SourceJoin?
}

/// `join: { from: details, on: { refid: id } }`: the rows of a second SQLite table (or CSV
/// file, by glob) joined one-to-one to the entity's rows, where the joined column (`refid`)
/// equals the entity's column (`id`). A record with no joined row gets blanks; a key on two
/// joined rows stops the run. The joined columns are mapped by name, or as `<from>.<column>`
/// when the entity's own source has a column of that name. Records keep their own source and
/// line (or rowid), so a quarantined row still names where it is.
public struct SourceJoin: Sendable, Equatable {
    /// A table name (SQLite) or a file glob (CSV).
    public var from: String
    /// The joined source's key column.
    public var joinedColumn: String
    /// The entity source's column it must equal.
    public var column: String

    /// The prefix of joined column names (`details.`): the table, or the glob up to its first `.`.
    public var prefix: String { String(from.prefix { $0 != "." && $0 != "*" }) + "." }
}

/// How a source value becomes a typed field.
public enum ColumnKind: Sendable, Equatable {
    /// Trimmed text; blank becomes NULL.
    case text
    /// A code looked up in a table (`"1": active`); an unlisted code is quarantined. A code
    /// mapped to the empty text means "none" (the field is blank).
    case code([String: String])
    /// A timestamp in the given format and legacy zone, converted to UTC.
    case timestamp(TimestampFormat, zone: String)
    /// A money amount, parsed later with its row's currency (see ``ParseMoney``).
    case money(MoneyFormat)
}

/// One mapped column.
public struct ColumnSpec: Sendable, Equatable {
    /// The target field name (`legacy_id`, `joined_at`, or a PII field such as `email`).
    public var field: String
    /// The source column: a CSV header name or a SQLite result column name.
    public var from: String
    public var kind: ColumnKind
    public var required: Bool
    /// PII never leaves Extract in plaintext.
    public var pii: Bool
    /// Marks a PII column as identifying a person, for duplicate-person detection.
    public var identity: IdentityKind?
    /// Values that mean "missing" (`0001-01-01`, `0`), compared after trimming: read as blank.
    public var nullValues: Set<String> = []
    /// `value:`: the same text for every row, read from no source column (`from` is empty).
    public var constant: String?
    /// `default:`: the text used when the source value is blank or one of ``nullValues``.
    public var defaultValue: String?

    public init(field: String, from: String, kind: ColumnKind, required: Bool, pii: Bool, identity: IdentityKind?) {
        self.field = field
        self.from = from
        self.kind = kind
        self.required = required
        self.pii = pii
        self.identity = identity
    }

    /// The value the later rules see, applied by Extract as each record is read (before
    /// encryption, so PII sentinels are never stored): the constant, else the trimmed source
    /// value unless it is blank or a null value, else the default. Untrimmed text is kept as read.
    public func sourceValue(_ raw: String?) -> String? {
        Self.sourceValue(raw, constant: constant, defaultValue: defaultValue, nullValues: nullValues)
    }

    /// ``sourceValue(_:)`` from the parts of a spec it reads (Extract keeps them apart per column).
    static func sourceValue(_ raw: String?, constant: String?, defaultValue: String?, nullValues: Set<String>) -> String? {
        if let constant { return constant }
        guard let raw else { return defaultValue }
        if nullValues.isEmpty && defaultValue == nil { return raw }
        let trimmed = raw.trimmingWhitespace()
        if trimmed.isEmpty || nullValues.contains(trimmed) { return defaultValue ?? (trimmed.isEmpty ? raw : nil) }
        return raw
    }
}

/// The kinds of identity a PII column can carry.
public enum IdentityKind: String, Sendable, CaseIterable {
    case email
    case phone
}

/// What a member reference (sponsor, placement parent) holds.
public enum ReferenceKey: String, Sendable, CaseIterable {
    case legacyID = "legacy_id"
    case username
}

/// What happens to a member whose sponsor or placement parent is missing or quarantined.
public enum OrphanPolicy: String, Sendable, CaseIterable {
    /// Quarantine the member (and so, in turn, its downline).
    case quarantine
    /// Re-attach: sponsor becomes the root; placement spills over to the first free leg under the root.
    case attachToRoot = "attach_to_root"
    /// Stop the run.
    case fail
}

/// What happens when several rows share a legacy id.
public enum DuplicateIDPolicy: String, Sendable, CaseIterable {
    /// Quarantine every row with that id: no way to tell which is real.
    case quarantineAll = "quarantine_all"
    /// Keep the first in source order, quarantine the rest.
    case keepFirst = "keep_first"
}

/// What happens when the same person (identity columns) registered more than once.
public enum DuplicatePersonPolicy: String, Sendable, CaseIterable {
    /// Load both; list each pair for review (`mlm_migration.duplicate_candidates`, the report).
    case flag
    /// Keep the earliest registration, quarantine the later ones (their downline follows
    /// ``DuplicatePersonDownline``).
    case quarantine
    /// Load them all and list nothing.
    case allow
}

/// How many identity columns must match for two registrations to be the same person.
public enum DuplicatePersonMatch: Sendable, Equatable {
    /// One identity column is enough.
    case any
    /// Every identity column the mapping has.
    case all
    /// At least this many identity columns.
    case atLeast(Int)

    /// True when `matched` of the mapping's `identityColumns` columns satisfy the rule.
    public func accepts(_ matched: Int, of identityColumns: Int) -> Bool {
        switch self {
        case .any: matched >= 1
        case .all: matched >= identityColumns && matched >= 1
        case .atLeast(let count): matched >= count
        }
    }
}

/// Where the downline of a quarantined duplicate registration goes.
public enum DuplicatePersonDownline: String, Sendable, CaseIterable {
    /// Through `orphan_policy`, like the downline of any quarantined member.
    case orphanPolicy = "orphan_policy"
    /// To the kept (earlier) registration of the same person: sponsor links move to it, and
    /// placements spill over into the first free leg under it.
    case attachToSurvivor = "attach_to_survivor"
}

/// How the genealogy's root is chosen.
public enum RootRule: Sendable, Equatable {
    /// The earliest-joined member without sponsor; other sponsorless members are extra roots.
    case earliest
    /// The member with this legacy id.
    case legacyID(String)
}

/// Genealogy rules for the members entity.
public struct GenealogyRules: Sendable, Equatable {
    /// Placement legs in slot order (`[left, right]` for a binary plan). Empty: no placement tree.
    public var legs: [String]
    public var sponsorKey: ReferenceKey
    public var placementKey: ReferenceKey
    public var root: RootRule
    public var orphanPolicy: OrphanPolicy
    public var duplicateIDPolicy: DuplicateIDPolicy
    public var duplicatePersonPolicy: DuplicatePersonPolicy
    public var duplicatePersonMatch = DuplicatePersonMatch.any
    public var duplicatePersonDownline = DuplicatePersonDownline.orphanPolicy
    /// The identity fields the mapping has (`email`, `phone`): what a match score counts.
    public var identityColumns: [String] = []

    public init(
        legs: [String], sponsorKey: ReferenceKey, placementKey: ReferenceKey, root: RootRule,
        orphanPolicy: OrphanPolicy, duplicateIDPolicy: DuplicateIDPolicy, duplicatePersonPolicy: DuplicatePersonPolicy
    ) {
        self.legs = legs
        self.sponsorKey = sponsorKey
        self.placementKey = placementKey
        self.root = root
        self.orphanPolicy = orphanPolicy
        self.duplicateIDPolicy = duplicateIDPolicy
        self.duplicatePersonPolicy = duplicatePersonPolicy
    }
}

/// The members entity: its source, columns and genealogy rules.
public struct MembersMapping: Sendable, Equatable {
    public var source: SourceSpec
    public var columns: [ColumnSpec]
    public var genealogy: GenealogyRules

    /// The fields every members mapping may map, beside PII fields.
    public static let knownFields = ["legacy_id", "username", "sponsor", "placement", "placement_leg", "status", "joined_at"]
    /// Fields a members mapping must map.
    public static let requiredFields = ["legacy_id"]
}

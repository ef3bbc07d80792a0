public import Foundation

/// What `mlm-migrate profile` found in a legacy export: per table and column, the references
/// between columns, and the findings a migration engineer reads first. Written as
/// `profile.json` (keys sorted, snake_case; docs/profile.md describes every field) and
/// `profile.md`. Holds no value of a personal-data column, only shapes and counts.
public struct Profile: Codable, Sendable, Equatable {
    public var formatVersion = 1
    /// The export's file or directory name (not its path, so the profile is the same wherever it lies).
    public var source: String
    public var tables: [TableProfile]
    public var references: [ReferenceProfile]
    public var findings: [ProfileFinding]

    /// The profile as JSON with sorted keys: the same export gives the same bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self) + Data("\n".utf8)
    }

    public func table(_ name: String) -> TableProfile? { tables.first { $0.name == name } }
}

/// One CSV file or SQLite table.
public struct TableProfile: Codable, Sendable, Equatable {
    public var name: String
    /// The file the table was read from, relative to the source.
    public var file: String
    /// `csv` or `sqlite`.
    public var format: String
    /// Records profiled (a CSV's malformed records are counted apart, not here).
    public var rows: Int
    public var encoding: EncodingProfile
    public var csv: CSVTraits?
    public var columns: [ColumnProfile]

    public func column(_ name: String) -> ColumnProfile? { columns.first { $0.name == name } }
}

/// How a table's text is encoded, judged from its values' bytes.
public struct EncodingProfile: Codable, Sendable, Equatable {
    /// `ascii`, `utf-8`, `windows-1252`, `latin-1` or `mixed` (valid UTF-8 and other bytes).
    public var guess: String
    public var nonAsciiValues: Int
    public var invalidUtf8Values: Int
    /// Values with bytes 0x80-0x9F that are not UTF-8: Windows-1252 rather than Latin-1.
    public var c1ByteValues: Int
    public var nulByteValues: Int
}

/// What only a CSV file has: byte-order mark, delimiter, line ends, malformed records.
public struct CSVTraits: Codable, Sendable, Equatable {
    public var byteOrderMark: Bool
    public var delimiter: String
    public var lineEndings: LineEndingCounts
    public var physicalLines: Int
    public var blankLines: Int
    /// Line ends inside quoted fields (a note spanning lines), counted in `line_endings` too.
    public var lineBreaksInFields: Int
    /// Records with text after a closing quote or a quote never closed on their line.
    public var malformedRecords: Int
    public var malformedLines: [Int]
    /// Records with more or fewer fields than the header.
    public var fieldCountMismatches: Int
    public var fieldCountMismatchLines: [Int]
}

/// Line ends in a file, counted byte by byte.
public struct LineEndingCounts: Codable, Sendable, Equatable {
    public var crlf = 0
    public var lf = 0
    public var cr = 0
}

/// One column's statistics.
public struct ColumnProfile: Codable, Sendable, Equatable {
    public var name: String
    public var position: Int
    /// SQLite's declared column type, when the table has one.
    public var declaredType: String?
    /// `empty`, `integer`, `decimal`, `timestamp` or `text`.
    public var inferredType: String
    public var nulls: Int
    public var blanks: Int
    public var nonBlank: Int
    public var blankShare: Double
    public var distinct: Int
    public var distinctExact: Bool
    /// Non-blank values that repeat an earlier one (non_blank - distinct).
    public var repeats: Int
    public var repeatShare: Double
    /// Values that do not read as the inferred type.
    public var nonconforming: Int
    /// Unique (or nearly: at most 1% repeats and blanks), non-personal integers or codes.
    public var keyCandidate: Bool
    public var unique: Bool
    /// For a key candidate: `kept` (references were matched against it) or `not computed (too many keys)`.
    public var keySet: String?
    /// Smallest and largest number, or timestamp (wall clock, as read); never for personal data.
    public var min: String?
    public var max: String?
    public var timestamp: TimestampProfile?
    public var shapes: [ShapeCount]
    public var otherShapes: Int
    public var sentinels: [SentinelCount]
    public var money: MoneyProfile?
    public var personalData: PersonalDataProfile?
    /// The values of a short-coded, non-personal column (at most 32), with counts.
    public var codes: [CodeCount]?
    public var encoding: EncodingProfile
}

public struct ShapeCount: Codable, Sendable, Equatable {
    public var shape: String
    public var count: Int
}

public struct SentinelCount: Codable, Sendable, Equatable {
    public var value: String
    public var count: Int
}

public struct CodeCount: Codable, Sendable, Equatable {
    public var value: String
    public var count: Int
}

/// The timestamp format most values read in, and how many do not.
public struct TimestampProfile: Codable, Sendable, Equatable {
    /// A mapping `format:` (`d/m/Y H:i`, `epoch`).
    public var format: String
    public var parsed: Int
    /// Read, but outside 1900-01-01..2100-01-01.
    public var outOfRange: Int
    /// Shaped like the format but no such date or time (`31/02/2019`).
    public var impossible: Int
    /// Other formats that read as many values (`d/m/Y` and `m/d/Y` when no day is over 12).
    public var alsoFits: [String]
}

/// A decimal column that may be money stored as floating point.
public struct MoneyProfile: Codable, Sendable, Equatable {
    public var decimalValues: Int
    /// Values that are a float artefact at 2 decimals (`10.199999999999999`), snapped by the tolerance.
    public var artefacts2: Int
    public var artefactShare2: Double
    /// Values with digits below a cent beyond the tolerance (`10.005`).
    public var subMinor2: Int
    public var artefacts3: Int
    public var artefactShare3: Double
    public var subMinor3: Int
    public var negatives: Int
}

/// A column that looks like personal data: only its shapes and counts are in the profile.
public struct PersonalDataProfile: Codable, Sendable, Equatable {
    public var kind: PersonalDataKind
    /// `name`, `shape`, or `name and shape`.
    public var evidence: String
    /// Share of non-blank values that repeat another (emails compared lower-cased, phones by digits).
    public var duplicateShare: Double
}

/// Values of one column found among another column's key set.
public struct ReferenceProfile: Codable, Sendable, Equatable {
    public var fromTable: String
    public var fromColumn: String
    public var toTable: String
    public var toColumn: String
    /// `computed`, or `not computed (too many keys)`.
    public var status: String
    /// Non-blank values checked, those found in the key set, and the share found.
    public var values: Int
    public var matched: Int
    public var matchShare: Double
    /// 1 - match_share: the orphan rate to expect.
    public var orphanShare: Double
    /// Both columns in one table (a sponsor or placement parent).
    public var selfReference: Bool
    /// Rows that reference themselves.
    public var selfLoops: Int
    /// Cycles of two or more rows, and the rows on them.
    public var cycles: Int
    public var rowsOnCycles: Int
}

/// Something a person should look at before writing the mapping, with a stable code.
public struct ProfileFinding: Codable, Sendable, Equatable {
    /// Stable, dotted: `profile.orphan_references`, `profile.duplicate_keys`... (docs/profile.md).
    public var code: String
    public var table: String
    public var column: String?
    public var count: Int
    public var detail: String
}

/// The values legacy systems store to mean "missing" (`0000-00-00`, `0`, `N/A`): a fixed list,
/// so the profile may print them even for a personal-data column (they are not anyone's data).
enum SentinelValues {
    /// What kind of column a sentinel is suspicious in.
    enum Kind: Sendable {
        /// A date or date-time stand-in: suspicious in any column.
        case date
        /// A number (`0`, `-1`): suspicious in keys, references and dates, not in amounts.
        case number
        /// A word (`N/A`, `NULL`): suspicious in any column.
        case word
    }

    static let all: [(value: String, kind: Kind)] = [
        ("0000-00-00", .date), ("0000-00-00 00:00:00", .date), ("0001-01-01", .date),
        ("0001-01-01 00:00:00", .date),
        ("1900-01-01", .date), ("1900-01-01 00:00:00", .date), ("1970-01-01", .date),
        ("1970-01-01 00:00:00", .date),
        ("9999-12-31", .date), ("9999-12-31 23:59:59", .date), ("00/00/0000", .date), ("01/01/1900", .date),
        ("01/01/1970", .date), ("31/12/9999", .date), ("12/31/9999", .date),
        ("0", .number), ("-1", .number),
        ("N/A", .word), ("n/a", .word), ("NA", .word), ("NULL", .word), ("null", .word), ("None", .word),
        ("none", .word), ("nil", .word), ("-", .word), ("?", .word), ("#N/A", .word), ("undefined", .word),
    ]

    /// Index into ``all`` by the value's hash.
    static let indexByHash: [UInt64: Int] = {
        var index: [UInt64: Int] = [:]
        for (position, entry) in all.enumerated() { index[ValueHash.hash(entry.value)] = position }
        return index
    }()
}

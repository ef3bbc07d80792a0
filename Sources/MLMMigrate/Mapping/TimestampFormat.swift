/// A legacy timestamp format, parsed from the mapping's `format:`.
///
/// Patterns use PHP `date()` letters, the style legacy PHP scripts print with:
/// `d` day (2 digits), `j` day, `m` month (2 digits), `n` month, `Y` year (4 digits),
/// `y` year (2 digits, 1970-2069), `H` hour (2 digits), `G` hour, `i` minutes, `s` seconds;
/// any other character must appear literally. `epoch` and `epoch_ms` read Unix time, and
/// `iso8601` reads `YYYY-MM-DD[T ]HH:MM[:SS][Z|±HH[:MM]]`.
public enum TimestampFormat: Sendable, Equatable {
    case pattern([Token])
    case epochSeconds
    case epochMilliseconds
    case iso8601

    /// One element of a pattern.
    public enum Token: Sendable, Equatable {
        case day2, day, month2, month, year4, year2, hour2, hour, minute2, second2
        case literal(UInt8)
    }

    /// Parses a format string; returns nil with no tokens or a non-ASCII literal.
    public init?(_ text: String) {
        switch text {
        case "epoch": self = .epochSeconds
        case "epoch_ms": self = .epochMilliseconds
        case "iso8601": self = .iso8601
        default:
            var tokens: [Token] = []
            for scalar in text.unicodeScalars {
                guard scalar.isASCII else { return nil }
                switch scalar {
                case "d": tokens.append(.day2)
                case "j": tokens.append(.day)
                case "m": tokens.append(.month2)
                case "n": tokens.append(.month)
                case "Y": tokens.append(.year4)
                case "y": tokens.append(.year2)
                case "H": tokens.append(.hour2)
                case "G": tokens.append(.hour)
                case "i": tokens.append(.minute2)
                case "s": tokens.append(.second2)
                default: tokens.append(.literal(UInt8(scalar.value)))
                }
            }
            guard tokens.contains(where: { if case .year4 = $0 { true } else if case .year2 = $0 { true } else { false } }) else {
                return nil
            }
            self = .pattern(tokens)
        }
    }

    /// Whether the format carries its own zone (Unix time) so `timezone:` is not needed.
    public var isZoneFree: Bool {
        switch self {
        case .epochSeconds, .epochMilliseconds: true
        case .pattern, .iso8601: false
        }
    }
}

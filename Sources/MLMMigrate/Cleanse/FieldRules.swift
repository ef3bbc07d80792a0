/// The outcome of cleansing one field.
public enum FieldOutcome: Equatable {
    /// Normalised text, or nil for blank.
    case text(String?)
    /// UTC microseconds since the epoch, or nil for blank.
    case timestamp(Int64?)
    case rejected(ReasonCode)
}

/// Rule: trims surrounding white space; a blank value becomes NULL.
public enum TrimText {
    public static func apply(_ value: String?) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// Rule: looks a trimmed legacy code up in the mapping's `codes` table; a code mapped to the
/// empty text (`"0": ""` or `"0": null`) means "none" and gives a blank field.
public enum MapCode {
    public static func apply(_ value: String, codes: [String: String]) -> FieldOutcome {
        guard let mapped = codes[value] else { return .rejected(.unknownCode) }
        return .text(mapped.isEmpty ? nil : mapped)
    }
}

/// Applies a column's rules in order: trim, then code map or timestamp parse, then `required`.
public final class FieldRules {
    public let column: ColumnSpec
    private let timestamp: ParseTimestamp?

    public init(column: ColumnSpec) {
        self.column = column
        if case .timestamp(let format, let zone) = column.kind {
            timestamp = ParseTimestamp(format: format, zone: zone)
        } else {
            timestamp = nil
        }
    }

    public func apply(_ raw: String?) -> FieldOutcome {
        let outcome: FieldOutcome
        if let value = TrimText.apply(raw) {
            switch column.kind {
            case .text, .money:
                outcome = .text(value)
            case .code(let codes):
                outcome = MapCode.apply(value, codes: codes)
                if outcome == .text(nil) && column.required { return .rejected(.requiredMissing) }
            case .timestamp:
                switch timestamp?.parse(value) {
                case .value(let micros): outcome = .timestamp(micros)
                case .outOfRange: outcome = .rejected(.timestampOutOfRange)
                case .unparseable, nil: outcome = .rejected(.unparseableTimestamp)
                }
            }
        } else {
            if column.required { return .rejected(.requiredMissing) }
            if case .timestamp = column.kind { return .timestamp(nil) }
            outcome = .text(nil)
        }
        return outcome
    }
}

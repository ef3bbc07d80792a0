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

/// What ``FieldRules/applyPlain(_:)`` made of a field the rules accept.
public enum PlainFieldOutcome: Equatable {
    /// The field's own bytes are the value: nothing to trim, unescape or map.
    case same
    /// This text (a mapped code), or nil for blank.
    case text(String?)
    /// UTC microseconds since the epoch, or nil for blank.
    case timestamp(Int64?)
}

/// Applies a column's rules in order: trim, then code map or timestamp parse, then `required`.
public final class FieldRules {
    public let column: ColumnSpec
    private let timestamp: ParseTimestamp?
    /// A `codes` column's codes as bytes in byte order, with what each maps to, for
    /// ``applyPlain(_:)``; nil when a code is not ASCII (as a `String` key, a canonically
    /// equivalent text of other bytes would match it).
    private let plainCodes: [(code: [UInt8], mapped: String)]?

    public init(column: ColumnSpec) {
        self.column = column
        if case .timestamp(let format, let zone) = column.kind {
            timestamp = ParseTimestamp(format: format, zone: zone)
        } else {
            timestamp = nil
        }
        if case .code(let codes) = column.kind, codes.keys.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) {
            plainCodes = codes.map { (Array($0.utf8), $1) }.sorted { $0.code.lexicographicallyPrecedes($1.code) }
        } else {
            plainCodes = nil
        }
    }

    /// The rules on a field as it stands in a stage file (COPY text, still escaped), for the
    /// usual field: `\N`, empty, or printable ASCII with no backslash (no escape to undo) and
    /// no space at either end (nothing to trim). Where it answers, it answers as ``apply(_:)``
    /// does on the decoded text; nil when the field needs `apply`: other bytes, or a rule
    /// rejects it.
    public func applyPlain(_ field: UnsafeBufferPointer<UInt8>) -> PlainFieldOutcome? {
        if field.isEmpty || CopyText.isNull(field) {
            if column.required { return nil }
            if case .timestamp = column.kind { return .timestamp(nil) }
            return .text(nil)
        }
        guard Self.isPlain(field) else { return nil }
        switch column.kind {
        case .text, .money:
            return .same
        case .code:
            guard let plainCodes, let mapped = Self.search(plainCodes, field) else { return nil }
            if mapped.isEmpty { return column.required ? nil : .text(nil) }
            return .text(mapped)
        case .timestamp:
            guard case .value(let micros) = timestamp?.parse(bytes: field) else { return nil }
            return .timestamp(micros)
        }
    }

    /// Whether a stage-file field decodes to its own bytes and trims to itself: printable ASCII
    /// but the backslash, at least one byte, no space at either end.
    public static func isPlain(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = field.first, let last = field.last, first != 0x20, last != 0x20 else { return false }
        for byte in field where byte < 0x20 || byte > 0x7E || byte == UInt8(ascii: "\\") { return false }
        return true
    }

    /// Binary search of the byte-ordered codes.
    private static func search(_ codes: [(code: [UInt8], mapped: String)], _ field: UnsafeBufferPointer<UInt8>) -> String? {
        var (low, high) = (0, codes.count)
        while low < high {
            let middle = (low + high) / 2
            let code = codes[middle].code
            if code.elementsEqual(field) { return codes[middle].mapped }
            if code.lexicographicallyPrecedes(field) { low = middle + 1 } else { high = middle }
        }
        return nil
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

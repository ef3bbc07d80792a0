/// Normalises identity values (email, phone) so the same person compares equal however the
/// legacy system stored them. The blind index and duplicate-person detection both use this.
public enum IdentityNormalizer {
    /// Email: surrounding white space removed, then lower-cased (Unicode full case mapping).
    /// Phone: digits only, with a leading `+` kept when present.
    /// Returns nil for a value that is blank after normalising.
    public static func normalize(_ value: String, as kind: IdentityKind) -> String? {
        switch kind {
        case .email:
            let trimmed = value.trimmingWhitespace().lowercased()
            return trimmed.isEmpty ? nil : trimmed
        case .phone:
            let trimmed = value.trimmingWhitespace()
            let digits = trimmed.unicodeScalars.filter { ("0"..."9").contains($0) }
            guard !digits.isEmpty else { return nil }
            return (trimmed.hasPrefix("+") ? "+" : "") + String(String.UnicodeScalarView(digits))
        }
    }
}

extension String {
    /// The string without leading and trailing white space and newlines (Unicode properties).
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        guard let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return self }
        return String(scalars[first...last])
    }
}

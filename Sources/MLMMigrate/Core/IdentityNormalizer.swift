import Foundation

/// Normalises identity values (email, phone) so the same person compares equal however the
/// legacy system stored them. The blind index and duplicate-person detection both use this.
public enum IdentityNormalizer {
    /// Email: surrounding white space removed, then lower-cased (Unicode full case mapping),
    /// then, for non-ASCII text, Unicode NFC, so a precomposed `é` and `e` + combining accent
    /// (NFD, as some systems store it) are the same person.
    /// Phone: digits only, with a leading `+` kept when present.
    /// Returns nil for a value that is blank after normalising.
    public static func normalize(_ value: String, as kind: IdentityKind) -> String? {
        switch kind {
        case .email:
            var trimmed = value.trimmingWhitespace().lowercasedFast()
            if trimmed.utf8.contains(where: { $0 >= 0x80 }) { trimmed = trimmed.precomposedStringWithCanonicalMapping }
            return trimmed.isEmpty ? nil : trimmed
        case .phone:
            var text = value.trimmingWhitespace()
            return text.withUTF8 { bytes -> String? in
                var out: [UInt8] = bytes.first == UInt8(ascii: "+") ? [UInt8(ascii: "+")] : []
                for byte in bytes where byte >= 0x30 && byte <= 0x39 { out.append(byte) }
                return out.contains(where: { $0 != UInt8(ascii: "+") }) ? String(decoding: out, as: UTF8.self) : nil
            }
        }
    }
}

extension String {
    /// `lowercased()`, with a byte-level path for ASCII text (the common case in exports).
    func lowercasedFast() -> String {
        var copy = self
        let ascii = copy.withUTF8 { bytes -> String? in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
            guard bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return self }
            return String(decoding: bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
        return ascii ?? lowercased()
    }

    /// The string without leading and trailing white space and newlines (Unicode properties;
    /// text whose ends are ASCII is trimmed byte by byte).
    public func trimmingWhitespace() -> String {
        var copy = self
        switch copy.withUTF8(Self.asciiTrimRange) {
        case .none: return trimmingUnicodeWhitespace()
        case .some(let range) where range.lowerBound == 0 && range.upperBound == utf8.count: return self
        case .some(let range): return copy.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
        }
    }

    /// The byte range left after trimming ASCII white space, or nil when a byte at either end
    /// of that range is not ASCII (Unicode white space may follow).
    static func asciiTrimRange(_ bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        var start = 0
        var end = bytes.count
        while start < end && isSpace(bytes[start]) { start += 1 }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        if end > start && (bytes[start] >= 0x80 || bytes[end - 1] >= 0x80) { return nil }
        return start..<end
    }

    private func trimmingUnicodeWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        guard let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return self }
        return String(scalars[first...last])
    }
}

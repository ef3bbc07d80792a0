/// JSON text for stage files and the target's `jsonb` columns, written in the exact form
/// PostgreSQL prints a `jsonb` value in, so `payload::text` read back from the target is
/// byte for byte the text that was hashed (docs/report.md, "The quarantine").
public enum JSONText {
    /// A JSON string literal for `value`, escaped as PostgreSQL's `escape_json` does: `\"`,
    /// `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u00xx` (lowercase) for other control characters,
    /// every other character as itself.
    public static func quote(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let s where s.value < 0x20:
                let hex = String(s.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A JSON object of string values (nil becomes `null`) in `jsonb`'s output form: keys
    /// ordered shorter first, then by their UTF-8 bytes; `": "` after a key and `", "` between
    /// pairs. A key given twice keeps its last value, as `jsonb` does.
    public static func object(_ pairs: [(String, String?)]) -> String {
        var latest: [String: Int] = [:]
        for (index, pair) in pairs.enumerated() { latest[pair.0] = index }
        let kept = pairs.enumerated().filter { latest[$0.element.0] == $0.offset }.map(\.element)
        let ordered = kept.sorted { jsonbKeyPrecedes($0.0, $1.0) }
        return "{" + ordered.map { "\(quote($0.0)): \($0.1.map(quote) ?? "null")" }.joined(separator: ", ") + "}"
    }

    /// `jsonb`'s key order: by length in bytes, then bytewise.
    public static func jsonbKeyPrecedes(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        return x.count != y.count ? x.count < y.count : x.lexicographicallyPrecedes(y)
    }
}

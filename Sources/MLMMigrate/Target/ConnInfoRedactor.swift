import CLibPQ
import Foundation

/// Takes passwords out of text that may hold a connection string: a `--target`, or a libpq
/// message that echoes part of one (`invalid percent-encoded token: "S3cret%ZZ"`).
///
/// Every conninfo string and every libpq message goes through ``redact(_:conninfo:)`` before it
/// reaches an error, a log line, a report or stdout.
public enum ConnInfoRedactor {
    /// What a password is replaced with.
    public static let mask = "***"

    /// `text` with every password removed: the userinfo password of a `postgres://` URI, a
    /// `password=` value (quoted or not, in key=value form or a URI query), the password
    /// `conninfo` names and each of `secrets`, and any quoted fragment of `conninfo` that libpq
    /// echoed back (keywords, single characters and the host, database and user names of a
    /// string libpq parses aside, which keep messages readable).
    public static func redact(_ text: String, conninfo: String? = nil, secrets: [String] = []) -> String {
        var out = text
        let known = (conninfo.map(passwords(in:)) ?? []) + secrets
        for secret in known.sorted(by: { $0.count > $1.count }) where !secret.isEmpty {
            out = out.replacingOccurrences(of: secret, with: mask)
        }
        if let conninfo, !conninfo.isEmpty { out = maskQuotedFragments(out, of: conninfo, keeping: names(in: conninfo)) }
        out = maskURIPasswords(out)
        out = maskPasswordValues(out)
        return out
    }

    /// The passwords `conninfo` holds: libpq's own reading when it parses, and what the
    /// patterns find either way (a malformed string still names its password).
    static func passwords(in conninfo: String) -> [String] {
        var found = parsed(conninfo)["password"].map { [$0] } ?? []
        found += uriPasswordRanges(conninfo).map { String(conninfo[$0]) }
        found += passwordValueRanges(conninfo).map { String(conninfo[$0]) }
        for raw in found where raw.contains("%") {
            if let decoded = raw.removingPercentEncoding { found.append(decoded) }
        }
        return found.filter { $0 != mask }.sorted { $0.count > $1.count }
    }

    /// libpq's reading of `conninfo`: keyword to value, empty when it does not parse.
    static func parsed(_ conninfo: String) -> [String: String] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            if let errorMessage { PQfreemem(errorMessage) }
            return [:]
        }
        defer { PQconninfoFree(options) }
        return PostgresConnection.options(options)
    }

    /// The host, database and user names `conninfo` gives (each of a comma-separated host list
    /// too): messages may name them.
    static func names(in conninfo: String) -> Set<String> {
        let options = parsed(conninfo)
        let values = ["host", "hostaddr", "dbname", "user"].compactMap { options[$0] }.filter { $0 != options["password"] }
        return Set(values + values.flatMap { $0.split(separator: ",").map(String.init) })
    }

    /// Each `"…"` fragment of `text` that is part of `conninfo`, but for keywords, lone
    /// characters and `keeping`, becomes `"***"`.
    static func maskQuotedFragments(_ text: String, of conninfo: String, keeping: Set<String> = []) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "\"") {
            out += rest[...open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "\"") else {
                rest = rest[afterOpen...]
                break
            }
            let fragment = String(rest[afterOpen..<close])
            let keep = fragment.count <= 1 || keywords.contains(fragment) || keeping.contains(fragment) || !conninfo.contains(fragment)
            out += keep ? fragment : mask
            out += "\""
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// libpq's connection keywords (`host`, `port`, `sslmode`...): never secret.
    static let keywords: Set<String> = {
        var names: Set<String> = []
        guard let options = PQconndefaults() else { return names }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            names.insert(String(cString: keyword))
            option += 1
        }
        return names.subtracting(["password"])
    }()

    private static func maskURIPasswords(_ text: String) -> String {
        var out = text
        for range in uriPasswordRanges(text).reversed() { out.replaceSubrange(range, with: mask) }
        return out
    }

    private static func maskPasswordValues(_ text: String) -> String {
        var out = text
        for range in passwordValueRanges(text).reversed() { out.replaceSubrange(range, with: mask) }
        return out
    }

    /// The password part of each `scheme://user:PASSWORD@host` in `text`: from the first `:`
    /// after `://` to the last `@` before the URI ends (whitespace or a quote), so a password
    /// holding an unencoded `@` or `/` is covered too.
    static func uriPasswordRanges(_ text: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var searchStart = text.startIndex
        while let scheme = text.range(of: "://", range: searchStart..<text.endIndex) {
            let start = scheme.upperBound
            let end = text[start...].firstIndex { $0.isWhitespace || $0 == "\"" || $0 == "'" } ?? text.endIndex
            searchStart = end
            guard let at = text[start..<end].lastIndex(of: "@"),
                  let colon = text[start..<at].firstIndex(of: ":") else { continue }
            let password = text.index(after: colon)..<at
            if !password.isEmpty { ranges.append(password) }
        }
        return ranges
    }

    /// The value of each `password=VALUE` in `text` (key=value form, or a URI query): a quoted
    /// value up to its closing quote (`\'` escapes), else up to whitespace, `&` or a quote.
    static func passwordValueRanges(_ text: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var searchStart = text.startIndex
        while let key = text.range(of: "password", options: .caseInsensitive, range: searchStart..<text.endIndex) {
            searchStart = key.upperBound
            var index = key.upperBound
            while index < text.endIndex, text[index] == " " { index = text.index(after: index) }
            guard index < text.endIndex, text[index] == "=" else { continue }
            index = text.index(after: index)
            while index < text.endIndex, text[index] == " " { index = text.index(after: index) }
            guard index < text.endIndex else { continue }
            let valueStart: String.Index
            var valueEnd: String.Index
            if text[index] == "'" {
                valueStart = text.index(after: index)
                valueEnd = valueStart
                while valueEnd < text.endIndex, text[valueEnd] != "'" {
                    if text[valueEnd] == "\\" { valueEnd = text.index(after: valueEnd) }
                    if valueEnd < text.endIndex { valueEnd = text.index(after: valueEnd) }
                }
            } else {
                valueStart = index
                valueEnd = text[index...].firstIndex { $0.isWhitespace || $0 == "&" || $0 == "\"" || $0 == "'" } ?? text.endIndex
            }
            if valueStart < valueEnd { ranges.append(valueStart..<valueEnd) }
            searchStart = valueEnd
        }
        return ranges
    }
}

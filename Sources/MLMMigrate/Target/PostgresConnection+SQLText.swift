/// The one place that turns text into SQL, for the few statements that cannot take it as a
/// parameter (`$1`): values inside generated `WITH` chains, identifiers built from the table
/// registry. Prefer a parameter whenever the statement allows one.
///
/// Caution: whatever these return is spliced into SQL as written. `literal` is safe for any
/// text (an `E''` string means the same whatever `standard_conforming_strings` says);
/// `identifier` quotes a name so it can never end the identifier early.
public enum SQLText {
    /// A string constant: `E'…'` with backslashes and quotes doubled. A NUL, which PostgreSQL
    /// text cannot hold, is dropped.
    public static func literal(_ text: String) -> String {
        var out = "E'"
        for scalar in text.unicodeScalars where scalar != "\0" {
            if scalar == "'" || scalar == "\\" { out.unicodeScalars.append(scalar) }
            out.unicodeScalars.append(scalar)
        }
        return out + "'"
    }

    /// A quoted identifier: `"…"` with double quotes doubled.
    public static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

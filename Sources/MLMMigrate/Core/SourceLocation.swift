/// Where a row came from: a file and its physical line (CSV), or a table and its rowid (SQLite).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The source file name (relative to the source directory) or `file.sqlite:table`.
    public var source: String
    /// 1-based line of the first line of the record (CSV) or the SQLite rowid / record ordinal.
    public var line: Int

    public init(source: String, line: Int) {
        self.source = source
        self.line = line
    }

    public var description: String { "\(source):\(line)" }
}

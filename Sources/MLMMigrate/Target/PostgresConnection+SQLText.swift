import CLibPQ

/// The one place that turns text into SQL, for the few statements that cannot take it as a
/// parameter (`$1`): values inside generated `WITH` chains and `COPY (...)` queries, identifiers.
/// Prefer a parameter whenever the statement allows one.
///
/// Caution: whatever these return is spliced into SQL as written. They quote with libpq's
/// `PQescapeLiteral` and `PQescapeIdentifier`, which follow this connection's
/// `standard_conforming_strings` and encoding; a hand-written quote doubler does not. Use the
/// result only on this connection.
extension PostgresConnection {
    /// A string constant for this connection. A NUL, which PostgreSQL text cannot hold, is dropped.
    public func literal(_ text: String) throws(MigrationError) -> String {
        try escaped(text, what: "quoting a value", PQescapeLiteral)
    }

    /// A quoted identifier for this connection (a table, column or constraint name).
    public func identifier(_ name: String) throws(MigrationError) -> String {
        try escaped(name, what: "quoting an identifier", PQescapeIdentifier)
    }

    private func escaped(
        _ text: String, what: String, _ escape: (OpaquePointer?, UnsafePointer<CChar>?, Int) -> UnsafeMutablePointer<CChar>?
    ) throws(MigrationError) -> String {
        let bytes = Array(text.utf8.filter { $0 != 0 }) + [0]
        let quoted = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { escape(conn, $0.baseAddress, bytes.count - 1) }
        }
        guard let quoted else {
            // libpq's message names the encoding problem, never the text.
            throw MigrationError(.targetSQLFailed, "\(what) failed: \(Self.firstLine(String(cString: PQerrorMessage(conn))))")
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }
}

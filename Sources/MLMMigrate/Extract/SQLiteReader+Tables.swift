import CSQLite

extension SQLiteReader {
    /// The database's tables (not SQLite's own), in name order, with each column's declared type.
    public static func tables(
        path: String, displayName: String
    ) throws(MigrationError) -> [(name: String, declaredTypes: [String: String])] {
        var db: OpaquePointer?
        defer { sqlite3_close_v2(db) }
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            throw MigrationError(.sourceUnreadable, "\(displayName): cannot open as SQLite")
        }
        func rows(_ sql: String, _ bind: String?) throws(MigrationError) -> [[String]] {
            var statement: OpaquePointer?
            defer { sqlite3_finalize(statement) }
            guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
                throw MigrationError(
                    .sourceUnreadable,
                    "\(displayName): cannot list its tables: \(String(cString: sqlite3_errmsg(db)))")
            }
            if let bind { _ = mlm_sqlite3_bind_text_transient(statement, 1, bind, -1) }
            var out: [[String]] = []
            while sqlite3_step(statement) == SQLITE_ROW {
                let count = sqlite3_column_count(statement)
                out.append(
                    (0..<count).map { sqlite3_column_text(statement, $0).map { String(cString: $0) } ?? "" })
            }
            return out
        }
        let names = try rows(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
            nil)
        var tables: [(name: String, declaredTypes: [String: String])] = []
        for row in names {
            guard let name = row.first else { continue }
            var types: [String: String] = [:]
            for column in try rows("SELECT name, type FROM pragma_table_info(?1)", name)
            where column.count == 2 {
                types[column[0]] = column[1]
            }
            tables.append((name, types))
        }
        return tables
    }
}

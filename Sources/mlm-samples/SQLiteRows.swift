import CSQLite
import MLMMigrate

/// Inserts generated rows into a sample SQLite table: each value an `Int64`, `Double`, `String`
/// or nil (NULL), bound by position.
enum SQLiteRows {
    static func insert(_ rows: [[Any?]], into table: String, of db: OpaquePointer?) throws {
        guard let width = rows.first?.count else { return }
        var statement: OpaquePointer?
        sqlite3_prepare_v2(db, "INSERT INTO \(table) VALUES (\(Array(repeating: "?", count: width).joined(separator: ",")))", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        for row in rows {
            sqlite3_reset(statement)
            for (index, value) in row.enumerated() {
                let slot = Int32(index + 1)
                switch value {
                case let number as Int64: sqlite3_bind_int64(statement, slot, number)
                case let number as Double: sqlite3_bind_double(statement, slot, number)
                case let text as String: mlm_sqlite3_bind_text_transient(statement, slot, text, -1)
                default: sqlite3_bind_null(statement, slot)
                }
            }
            guard sqlite3_step(statement) == SQLITE_DONE else { throw MigrationError(.samplesSQLite, "insert into \(table) failed") }
        }
    }
}

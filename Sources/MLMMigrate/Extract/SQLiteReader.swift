import CSQLite

/// Reads rows from a legacy SQLite export through the sqlite3 C library, opened read-only.
///
/// Values come back as their text form: integers in decimal, reals as the shortest decimal
/// that round-trips the stored binary double (Swift's `description`: `0.30000000000000004`,
/// `1e-05`), NULL as nil. Rows are streamed with `sqlite3_step`; nothing is buffered.
///
/// A table's records are numbered by their rowid, so a quarantined row can be found again; a
/// view, a `WITHOUT ROWID` table or a query numbers them 1, 2, ... in the order read.
public final class SQLiteReader {
    public let displayName: String
    public private(set) var columnNames: [String] = []
    private var db: OpaquePointer?
    private var statement: OpaquePointer?
    private let numberedByRowID: Bool
    private var ordinal = 0

    /// Opens `path` and prepares the selection. Table names are checked by the mapping loader
    /// (letters, digits, `_`) before they are quoted into SQL here.
    public init(path: String, displayName: String, selection: SQLiteSelection, join: SourceJoin? = nil) throws(MigrationError) {
        self.displayName = displayName
        var handle: OpaquePointer?
        let openStatus = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil)
        db = handle
        guard openStatus == SQLITE_OK else {
            throw MigrationError(.sourceUnreadable, "\(displayName): cannot open as SQLite (\(String(cString: sqlite3_errstr(openStatus))))")
        }
        let sql: String
        switch selection {
        case .table(let table):
            let rowID = try Self.rowIDAlias(db: handle, table: table, displayName: displayName)
            var columns = (rowID.map { "m.\($0) AS \"__mlm_rowid\", " } ?? "") + "m.*"
            var from = "\"\(table)\" m"
            if let join {
                let joined = try Self.joinedColumns(db: handle, join: join, displayName: displayName)
                columns += joined.map { ", d.\(Self.quoted($0)) AS \(Self.quoted(join.prefix + $0))" }.joined()
                from += " LEFT JOIN \"\(join.from)\" d ON d.\(Self.quoted(join.joinedColumn)) = m.\(Self.quoted(join.column))"
            }
            sql = "SELECT \(columns) FROM \(from)" + (rowID.map { " ORDER BY m.\($0)" } ?? "")
            numberedByRowID = rowID != nil
        case .query(let query):
            sql = query
            numberedByRowID = false
        }
        var prepared: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &prepared, nil) == SQLITE_OK else {
            let message = String(cString: sqlite3_errmsg(db))
            throw MigrationError(.sourceBadSelection, "\(displayName): the mapping's table or query cannot be read: \(message)")
        }
        statement = prepared
        let count = sqlite3_column_count(prepared)
        for index in 0..<count {
            columnNames.append(sqlite3_column_name(prepared, index).map { String(cString: $0) } ?? "")
        }
        if numberedByRowID { columnNames.removeFirst() }
    }

    /// The name that reads `table`'s rowid (`rowid`, `_rowid_` or `oid`, the first not taken by
    /// a column of that name), or nil when it has none: a view or a `WITHOUT ROWID` table, whose
    /// rows are then numbered 1, 2, ... in the order SQLite returns them.
    private static func rowIDAlias(db: OpaquePointer?, table: String, displayName: String) throws(MigrationError) -> String? {
        func strings(_ sql: String) throws(MigrationError) -> [String] {
            try firstColumn(db: db, sql, binding: table, failure: "\(displayName): cannot describe the table")
        }
        let kind = try strings("SELECT type FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE").first
        guard kind == "table" else { return nil }
        let columns = Set(try strings("SELECT name FROM pragma_table_info(?1)").map { $0.lowercased() })
        for alias in ["rowid", "_rowid_", "oid"] where !columns.contains(alias) {
            var probe: OpaquePointer?
            defer { sqlite3_finalize(probe) }
            // A WITHOUT ROWID table has no such column: the statement does not prepare.
            if sqlite3_prepare_v2(db, "SELECT \(alias) FROM \"\(table)\"", -1, &probe, nil) == SQLITE_OK { return alias }
        }
        return nil
    }

    /// The first column of every row of `sql`, its `?1` bound to `binding` (NULL as empty text);
    /// a statement that does not prepare is `source.bad_selection` with `failure` and SQLite's reason.
    private static func firstColumn(db: OpaquePointer?, _ sql: String, binding: String, failure: String) throws(MigrationError) -> [String] {
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
            throw MigrationError(.sourceBadSelection, "\(failure): \(String(cString: sqlite3_errmsg(db)))")
        }
        _ = mlm_sqlite3_bind_text_transient(statement, 1, binding, -1)
        var out: [String] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            out.append(sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? "")
        }
        return out
    }

    /// An SQLite identifier in double quotes (a quote inside doubled).
    private static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The joined table's columns, after checking that its key is on one row at most.
    private static func joinedColumns(db: OpaquePointer?, join: SourceJoin, displayName: String) throws(MigrationError) -> [String] {
        func rows(_ sql: String) throws(MigrationError) -> [String] {
            try firstColumn(db: db, sql, binding: join.from, failure: "\(displayName): join with \(join.from) cannot be read")
        }
        let columns = try rows("SELECT name FROM pragma_table_info(?1)")
        guard !columns.isEmpty else {
            throw MigrationError(.sourceBadSelection, "\(displayName): the joined table \(join.from) does not exist")
        }
        let key = quoted(join.joinedColumn)
        let repeated = try rows("""
            SELECT count(*) FROM (SELECT 1 FROM "\(join.from)" WHERE \(key) IS NOT NULL GROUP BY \(key) HAVING count(*) > 1)
            """).first ?? "0"
        guard repeated == "0" else {
            throw MigrationError(
                .sourceJoinNotUnique,
                "\(displayName): \(repeated) values of \(join.from).\(join.joinedColumn) are on more than one row; a join needs one row per record"
            )
        }
        return columns
    }

    deinit {
        sqlite3_finalize(statement)
        sqlite3_close_v2(db)
    }

    /// The next row as (record number, raw UTF-8 bytes per column or nil), or nil when done.
    public func next() throws(MigrationError) -> (record: Int, values: [[UInt8]?])? {
        let status = sqlite3_step(statement)
        if status == SQLITE_DONE { return nil }
        guard status == SQLITE_ROW else {
            throw MigrationError(.sourceUnreadable, "\(displayName): read failed after record \(ordinal): \(String(cString: sqlite3_errmsg(db)))")
        }
        ordinal += 1
        let offset: Int32 = numberedByRowID ? 1 : 0
        let record = numberedByRowID ? Int(sqlite3_column_int64(statement, 0)) : ordinal
        var values: [[UInt8]?] = []
        values.reserveCapacity(columnNames.count)
        for index in 0..<Int32(columnNames.count) {
            let column = index + offset
            if sqlite3_column_type(statement, column) == SQLITE_NULL {
                values.append(nil)
                continue
            }
            if sqlite3_column_type(statement, column) == SQLITE_FLOAT {
                // SQLite's own text of a REAL keeps 15 significant digits, which hides float
                // noise (207.35999999999999 reads 207.36); the shortest text that round-trips
                // the stored double shows it, so Cleanse snaps it and counts it.
                values.append(Array(String(sqlite3_column_double(statement, column)).utf8))
                continue
            }
            let length = Int(sqlite3_column_bytes(statement, column))
            if let text = sqlite3_column_text(statement, column) {
                values.append(Array(UnsafeBufferPointer(start: text, count: length)))
            } else {
                values.append([])
            }
        }
        return (record, values)
    }
}

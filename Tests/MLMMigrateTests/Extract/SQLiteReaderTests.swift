import CSQLite
import MLMMigrate
import Testing

@Suite struct SQLiteReaderTests {
    private func database(_ sql: String) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/db.sqlite"
        var db: OpaquePointer?
        #expect(sqlite3_open(path, &db) == SQLITE_OK)
        #expect(sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK)
        sqlite3_close(db)
        return (directory, path)
    }

    @Test func readsTableRowsNumberedByRowIDWithNullsAsNil() throws {
        let (directory, path) = try database("CREATE TABLE t (id INTEGER, name TEXT, cents INTEGER); INSERT INTO t VALUES (7, 'a', 1250), (8, NULL, -3);")
        let reader = try SQLiteReader(path: path, displayName: "db.sqlite:t", selection: .table("t"))
        #expect(reader.columnNames == ["id", "name", "cents"])
        let first = try #require(try reader.next())
        #expect(first.record == 1)
        #expect(first.values.map { $0.map { String(decoding: $0, as: UTF8.self) } } == ["7", "a", "1250"])
        let second = try #require(try reader.next())
        #expect(second.values[1] == nil)
        #expect(try reader.next() == nil)
        _ = directory
    }

    @Test func namesTheSourceWhenTheTableDoesNotExist() throws {
        let (directory, path) = try database("CREATE TABLE t (id INTEGER);")
        #expect(throws: MigrationError.self) {
            _ = try SQLiteReader(path: path, displayName: "db.sqlite:missing", selection: .table("missing"))
        }
        _ = directory
    }
}

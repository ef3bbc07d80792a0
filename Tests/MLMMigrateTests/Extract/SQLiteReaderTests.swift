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

    private func records(_ path: String, _ table: String) throws -> [(record: Int, first: String?)] {
        let reader = try SQLiteReader(path: path, displayName: "db.sqlite:\(table)", selection: .table(table))
        var out: [(Int, String?)] = []
        while let row = try reader.next() { out.append((row.record, row.values.first.flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) })) }
        return out
    }

    @Test func numbersAViewsRowsInReadOrderInsteadOfAllZero() throws {
        let (directory, path) = try database("""
            CREATE TABLE t (id TEXT); INSERT INTO t VALUES ('a'), ('b'), ('c');
            CREATE VIEW v AS SELECT id FROM t WHERE id <> 'b';
            """)
        let rows = try records(path, "v")
        #expect(rows.map(\.record) == [1, 2])
        #expect(rows.map(\.first) == ["a", "c"])
        _ = directory
    }

    @Test func numbersByTheRealRowIDWhenAColumnIsNamedRowID() throws {
        let (directory, path) = try database("""
            CREATE TABLE t (rowid TEXT, name TEXT);
            INSERT INTO t (oid, rowid, name) VALUES (10, 'x', 'a'), (20, 'x', 'b');
            CREATE TABLE u (rowid TEXT, _rowid_ TEXT, oid TEXT);
            INSERT INTO u VALUES ('p', 'q', 'r'), ('s', 't', 'u');
            """)
        let rows = try records(path, "t")
        #expect(rows.map(\.record) == [10, 20])
        #expect(rows.map(\.first) == ["x", "x"])
        #expect(try records(path, "u").map(\.record) == [1, 2])
        _ = directory
    }

    @Test func numbersAWithoutRowIDTableInReadOrder() throws {
        let (directory, path) = try database("""
            CREATE TABLE w (id TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID; INSERT INTO w VALUES ('b', 2), ('a', 1);
            """)
        let rows = try records(path, "w")
        #expect(rows.map(\.record) == [1, 2])
        #expect(rows.map(\.first) == ["a", "b"])
        _ = directory
    }

    @Test func readsARealAsTheShortestTextThatRoundTripsSoFloatNoiseShows() throws {
        let (directory, path) = try database("CREATE TABLE t (v REAL); INSERT INTO t VALUES (0.1 + 0.2), (207.36), (1e-5), (12.5);")
        let reader = try SQLiteReader(path: path, displayName: "db.sqlite:t", selection: .table("t"))
        var texts: [String] = []
        while let row = try reader.next() { texts.append(row.values[0].map { String(decoding: $0, as: UTF8.self) } ?? "nil") }
        #expect(texts == ["0.30000000000000004", "207.36", "1e-05", "12.5"])
        #expect(ParseMoney().parse(texts[0], exponent: 2) == .snapped(30))
        _ = directory
    }
}

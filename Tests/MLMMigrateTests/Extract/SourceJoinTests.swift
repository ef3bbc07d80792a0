import CSQLite
import Foundation
import Logging
import MLMMigrate
import Testing

/// `join:` reads each member's row of a second table or file beside it, with no SQL in the mapping.
@Suite struct SourceJoinTests {
    private func mapping(_ source: String) throws -> MembersMapping {
        let yaml = """
            version: 1
            vendor: test
            entities:
              members:
                source: \(source)
                columns:
                  legacy_id: { from: id, required: true }
                  status: { from: state }
                  username: { from: details.id }
                  joined_at: { from: registered, type: timestamp, format: "Y-m-d", timezone: UTC, null_values: ["0000-00-00"] }
                genealogy: { legs: [] }
            """
        let result = MappingLoader.parse(yaml: yaml)
        #expect(result.issues.isEmpty, "\(result.issues)")
        return try #require(result.mapping?.members)
    }

    /// Extracts with `mapping` and returns (line, legacy id, status, username, joined) per record.
    private func extract(_ mapping: MembersMapping, source: String, in directory: TemporaryDirectory) throws -> [[String?]] {
        let output = "\(directory.path)/out.tsv"
        _ = try Extractor(members: mapping, source: source, logger: Logger(label: "test")).run(outputPath: output, progress: false)
        let reader = try StageFileReader(path: output)
        var rows: [[String?]] = []
        while let row = try reader.next() { rows.append([row[1]] + Array(row[4...])) }
        return rows
    }

    @Test func joinsASQLiteTableByKeyKeepingTheMainTablesRowID() throws {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/export.sqlite"
        var db: OpaquePointer?
        #expect(sqlite3_open(path, &db) == SQLITE_OK)
        #expect(sqlite3_exec(db, """
            CREATE TABLE users (id INTEGER, state TEXT); INSERT INTO users (rowid, id, state) VALUES (5, 1, 'a'), (9, 2, 'b'), (12, 3, 'c');
            CREATE TABLE details (refid TEXT, id TEXT, registered TEXT);
            INSERT INTO details VALUES ('2', 'bob', '2020-02-02'), ('1', 'ann', '0000-00-00');
            """, nil, nil, nil) == SQLITE_OK)
        sqlite3_close(db)
        let mapping = try mapping("{ format: sqlite, table: users, join: { from: details, on: { refid: id } } }")
        let rows = try extract(mapping, source: path, in: directory)
        #expect(rows == [["5", "1", "a", "ann", nil], ["9", "2", "b", "bob", "2020-02-02"], ["12", "3", "c", nil, nil]])
    }

    @Test func refusesAJoinKeyOnTwoRows() throws {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/export.sqlite"
        var db: OpaquePointer?
        #expect(sqlite3_open(path, &db) == SQLITE_OK)
        #expect(sqlite3_exec(db, """
            CREATE TABLE users (id INTEGER, state TEXT); INSERT INTO users VALUES (1, 'a');
            CREATE TABLE details (refid TEXT, id TEXT, registered TEXT); INSERT INTO details VALUES ('1', 'x', ''), ('1', 'y', '');
            """, nil, nil, nil) == SQLITE_OK)
        sqlite3_close(db)
        let mapping = try mapping("{ format: sqlite, table: users, join: { from: details, on: { refid: id } } }")
        #expect {
            _ = try extract(mapping, source: path, in: directory)
        } throws: { ($0 as? MigrationError)?.code == "source.join_not_unique" }
    }

    @Test func joinsACSVFileByKeyKeepingTheMainFilesLines() throws {
        let directory = try TemporaryDirectory()
        let source = "\(directory.path)/export"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        _ = try directory.write("export/users.csv", "id,state\n1,a\n\n2,b\n3,c\n")
        _ = try directory.write("export/details.csv", "refid,id,registered\n2,bob,2020-02-02\n1,ann,0000-00-00\n")
        let mapping = try mapping("{ format: csv, files: \"users.csv\", join: { from: details.csv, on: { refid: id } } }")
        let rows = try extract(mapping, source: source, in: directory)
        #expect(rows == [["2", "1", "a", "ann", nil], ["4", "2", "b", "bob", "2020-02-02"], ["5", "3", "c", nil, nil]])
    }
}

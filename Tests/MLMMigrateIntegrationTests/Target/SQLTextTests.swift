import Foundation
import MLMMigrate
import Testing

/// Values and names quoted into SQL by libpq, on a server where `standard_conforming_strings`
/// is off (backslashes escape inside plain '' strings there).
@Suite struct SQLTextTests {
    static let hostile = [
        "x\\'); CREATE TABLE pwned(); --",
        "x'); CREATE TABLE pwned(); --",
        "a\\",
        "\\\\'; CREATE TABLE pwned(); --",
        "it's \"quoted\" \\n ünïcødé",
    ]

    /// A fresh database whose sessions start with `standard_conforming_strings = off`.
    private func nonConformingDatabase(_ hint: String) throws -> PostgresConnection {
        let target = try TestPostgres.freshDatabase(hint)
        let name = try #require(target.split(separator: " ").last { $0.hasPrefix("dbname=") }?.dropFirst("dbname=".count))
        try PostgresConnection(target).execute("ALTER DATABASE \"\(name)\" SET standard_conforming_strings = off")
        let connection = try PostgresConnection(target)
        #expect(try connection.scalar("SHOW standard_conforming_strings") == "off")
        return connection
    }

    @Test(arguments: hostile)
    func aQuotedValueRoundTripsExactlyAndRunsNoSQL(value: String) throws {
        let connection = try nonConformingDatabase("sqltextliteral")
        #expect(try connection.scalar("SELECT \(try connection.literal(value))") == value)
        try connection.execute("CREATE TABLE t (v text); INSERT INTO t VALUES (\(try connection.literal(value)))")
        #expect(try connection.scalar("SELECT v FROM t") == value)
        #expect(try connection.scalar("SELECT to_regclass('pwned') IS NULL") == "t")
    }

    @Test(arguments: hostile)
    func aQuotedIdentifierNamesExactlyThatTableAndRunsNoSQL(name: String) throws {
        let connection = try nonConformingDatabase("sqltextidentifier")
        try connection.execute("CREATE TABLE \(try connection.identifier(name)) (a int)")
        #expect(try connection.scalar("SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace") == name)
        #expect(try connection.scalar("SELECT to_regclass('pwned') IS NULL") == "t")
    }

    @Test func aNULIsDroppedAsPostgreSQLTextCannotHoldIt() throws {
        let connection = try PostgresConnection(try TestPostgres.freshDatabase("sqltextnul"))
        #expect(try connection.scalar("SELECT \(try connection.literal("a\0b"))") == "ab")
    }
}

import Foundation
import MLMMigrate
import Testing

@Suite struct PostgresConnectionTests {
    @Test func namesAnUnreachableDatabaseClearly() {
        #expect {
            _ = try PostgresConnection("host=/nonexistent-socket-dir port=1 dbname=x connect_timeout=2")
        } throws: { ($0 as? MigrationError)?.code == "target.unreachable" }
    }

    @Test func namesAWrongPasswordClearly() throws {
        let server = try TestPostgres.server
        let cluster = try #require(server.cluster, "needs the embedded test cluster to set password authentication")
        let admin = try PostgresConnection("\(server.base) dbname=postgres")
        try admin.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pw_user') THEN CREATE ROLE pw_user LOGIN PASSWORD 'right-password'; END IF; END $$")
        let hba = "\(cluster.dataDirectory)/pg_hba.conf"
        let current = try String(contentsOfFile: hba, encoding: .utf8)
        if !current.hasPrefix("local all pw_user scram-sha-256") {
            try ("local all pw_user scram-sha-256\n" + current).write(toFile: hba, atomically: false, encoding: .utf8)
            try admin.execute("SELECT pg_reload_conf()")
            Thread.sleep(forTimeInterval: 0.3)
        }
        #expect {
            _ = try PostgresConnection("\(server.base.replacingOccurrences(of: "user=postgres", with: "user=pw_user")) dbname=postgres password=wrong-password")
        } throws: { error in
            let migration = error as? MigrationError
            return migration?.code == "target.auth_failed" && migration?.message.contains("wrong-password") == false
        }
        _ = try PostgresConnection("\(server.base.replacingOccurrences(of: "user=postgres", with: "user=pw_user")) dbname=postgres password=right-password")
    }

    @Test func copiesRowsInAndOutAndReportsSQLStateOnFailure() throws {
        let connection = try PostgresConnection(try TestPostgres.freshDatabase("copy"))
        try connection.execute("CREATE TABLE t (a int PRIMARY KEY, b text)")
        let rows = try connection.copyIn("COPY t FROM STDIN", what: "copy", data: Array("1\tx\n2\t\\N\n".utf8))
        #expect(rows == 2)
        var out = ""
        try connection.copyOut("COPY (SELECT * FROM t ORDER BY a) TO STDOUT", what: "read") { out += String(decoding: $0, as: UTF8.self) }
        #expect(out == "1\tx\n2\t\\N\n")
        #expect {
            try connection.copyIn("COPY t FROM STDIN", what: "copy", data: Array("1\ty\n".utf8))
        } throws: { ($0 as? MigrationError)?.message.contains("23505") == true }
    }
}

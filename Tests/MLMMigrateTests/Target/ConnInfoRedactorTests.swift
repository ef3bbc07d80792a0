import Testing
@testable import MLMMigrate

@Suite struct ConnInfoRedactorTests {
    @Test func removesTheUserinfoPasswordOfAURI() {
        let text = ConnInfoRedactor.redact("cannot parse postgresql://migrator:S3cret%ZZPW@db.example:5432/mlm?sslmode=verify-full")
        #expect(text == "cannot parse postgresql://migrator:***@db.example:5432/mlm?sslmode=verify-full")
        // An unencoded @ or / in the password is covered up to the last @.
        #expect(!ConnInfoRedactor.redact("postgres://u:pa/ss@wo@rd@host/db").contains("pa/ss"))
    }

    @Test func removesPasswordValuesQuotedOrNotInKeyValueFormAndURIQueries() {
        #expect(ConnInfoRedactor.redact("host=h password=S3cret user=u") == "host=h password=*** user=u")
        #expect(ConnInfoRedactor.redact("host=h password = 'S3 cret\\' x' user=u") == "host=h password = '***' user=u")
        #expect(ConnInfoRedactor.redact("postgresql://h/db?user=u&password=S3cret&sslmode=require")
            == "postgresql://h/db?user=u&password=***&sslmode=require")
        #expect(ConnInfoRedactor.redact("password authentication failed for user \"u\"") == "password authentication failed for user \"u\"")
    }

    @Test func removesTheFragmentsOfTheConnectionStringThatLibpqEchoes() {
        let conninfo = "postgresql://migrator:S3cret%ZZPW@localhost/mlm"
        let message = "invalid percent-encoded token: \"S3cret%ZZPW\""
        #expect(ConnInfoRedactor.redact(message, conninfo: conninfo) == "invalid percent-encoded token: \"***\"")
        // Keywords and lone characters stay readable.
        let keyValue = "host=/tmp password=S3cret port=abc"
        #expect(ConnInfoRedactor.redact("invalid integer value \"abc\" for connection option \"port\"", conninfo: keyValue)
            == "invalid integer value \"***\" for connection option \"port\"")
        #expect(ConnInfoRedactor.redact("missing \"=\" after \"S3cret\" in connection info string", conninfo: "host=/tmp S3cret")
            == "missing \"=\" after \"***\" in connection info string")
    }

    @Test func removesThePasswordAConnectionStringNamesWhereverItAppears() {
        let text = ConnInfoRedactor.redact("user u with hunter2-pw failed", conninfo: "host=/tmp password='hunter2-pw'")
        #expect(text == "user u with *** failed")
        #expect(ConnInfoRedactor.redact("pg_dump: error: x hunter2", secrets: ["hunter2"]) == "pg_dump: error: x ***")
    }
}

extension ConnInfoRedactorTests {
    @Test func keepsTheHostAndDatabaseNamesOfAStringLibpqParses() {
        let conninfo = "host=db.staging dbname=mlm user=migrator password=S3cret"
        let message = "could not translate host name \"db.staging\" to address"
        #expect(ConnInfoRedactor.redact(message, conninfo: conninfo) == message)
        #expect(ConnInfoRedactor.redact("x \"S3cret\"", conninfo: conninfo) == "x \"***\"")
    }
}

import MLMMigrate
import Testing

/// The checks only a load's end settles: read at once, or left open (failing) until
/// ``LoadSettledChecks/settle(_:on:)`` reads them on the connection it is given.
@Suite struct LoadSettledChecksTests {
    private static func figure(_ connection: PostgresConnection) throws(MigrationError) -> String {
        try connection.scalar("SELECT count(*) FROM pg_constraint WHERE conname = 'settled_probe_fkey'") ?? "?"
    }

    @Test func readsAtOnceUnlessDeferredThenWhenSettled() throws {
        let connection = try PostgresConnection(try TestPostgres.freshDatabase("settled"))
        try connection.execute("CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child (parent_id int)")

        let now = LoadSettledChecks()
        let read = try now.check(name: "probe.keys", description: "the probe key", expected: "1", on: connection, read: Self.figure)
        #expect(read.actual == "0" && !read.passed && !now.isOpen("probe.keys"))

        let later = LoadSettledChecks(deferred: true)
        var checks = [
            Check(name: "before", description: "", expected: "a", actual: "a"),
            try later.check(name: "probe.keys", description: "the probe key", expected: "1", on: connection, read: Self.figure),
            Check(name: "after", description: "", expected: "b", actual: "c"),
        ]
        #expect(checks[1].actual == LoadSettledChecks.openFigure && !checks[1].passed && later.isOpen("probe.keys"))
        // The key goes in after the check was made: settling reads it then, in the check's place.
        try connection.execute("ALTER TABLE child ADD CONSTRAINT settled_probe_fkey FOREIGN KEY (parent_id) REFERENCES parent")
        try later.settle(&checks, on: connection)
        #expect(checks.map(\.name) == ["before", "probe.keys", "after"])
        #expect(checks[1] == Check(name: "probe.keys", description: "the probe key", expected: "1", actual: "1"))
        #expect(checks[1].passed && !later.isOpen("probe.keys") && !checks[2].passed)
    }

    @Test func refusesToSettleACheckThatWasDropped() throws {
        let connection = try PostgresConnection(try TestPostgres.freshDatabase("settledlost"))
        let later = LoadSettledChecks(deferred: true)
        _ = try later.check(name: "probe.keys", description: "", expected: "1", on: connection, read: Self.figure)
        var checks: [Check] = []
        let error = #expect(throws: MigrationError.self) { try later.settle(&checks, on: connection) }
        #expect(error?.message.contains("probe.keys") == true)
    }
}

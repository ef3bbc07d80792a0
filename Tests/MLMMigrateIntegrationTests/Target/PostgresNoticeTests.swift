import Foundation
import Logging
import MLMMigrate
import Synchronization
import Testing

/// A log handler that keeps what it is given, for tests.
final class CapturingLogHandler: LogHandler, Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let storage = Mutex<[Entry]>([])
    var entries: [Entry] { storage.withLock { $0 } }

    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        let entry = Entry(level: event.level, message: "\(event.message)", metadata: (event.metadata ?? [:]).mapValues { "\($0)" })
        storage.withLock { $0.append(entry) }
    }
}

@Suite struct PostgresNoticeTests {
    @Test func serverNoticesAndWarningsGoToTheLoggerAtDebugLevel() throws {
        let handler = CapturingLogHandler()
        let connection = try PostgresConnection(try TestPostgres.freshDatabase("notice"), logger: Logger(label: "test") { _ in handler })
        try connection.execute("CREATE SCHEMA IF NOT EXISTS public")
        try connection.execute("COMMIT")
        let notices = handler.entries.filter { $0.message == "server notice" }
        #expect(notices.allSatisfy { $0.level == .debug })
        let texts = notices.compactMap { $0.metadata["message"] }
        #expect(texts.contains { $0.contains("schema \"public\" already exists, skipping") }, "\(texts)")
        #expect(texts.contains { $0.contains("there is no transaction in progress") }, "\(texts)")
    }

    @Test func theCLIPrintsNoServerNoticeOnStderr() throws {
        let vendor = "vendor2-mlmsoft"
        let target = try TestPostgres.freshDatabase("noticecli")
        let work = try TemporaryDirectory()
        func load(_ name: String) throws -> ToolRun {
            try ToolRun.run("mlm-migrate", [
                "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--target", target,
                "--work-dir", "\(work.path)/\(name)", "--kek-file", TestKeys.kekFile,
            ])
        }
        let first = try load("first")
        #expect(first.status == 0, "\(first.stderr)")
        // The schema exists now: applying it again draws "already exists, skipping" notices.
        let second = try load("second")
        for output in [first.stderr, second.stderr] {
            #expect(!output.contains("NOTICE:"), "\(output)")
            #expect(!output.contains("WARNING:"), "\(output)")
            #expect(!output.contains("already exists, skipping"), "\(output)")
        }
    }
}

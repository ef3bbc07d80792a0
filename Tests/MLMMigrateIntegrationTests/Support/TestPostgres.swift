import Foundation
import MLMMigrate
import Testing

/// A real PostgreSQL for integration tests: `MLM_TEST_PG` (a libpq string for a role that may
/// create databases) when set, else one embedded cluster started once per test process with
/// mlm-migrate's own `EmbeddedPostgres`. Each test gets its own fresh database.
enum TestPostgres {
    struct Server {
        var base: String
        var cluster: EmbeddedPostgres?
    }

    private static let shared: Result<Server, MigrationError> = {
        if let conninfo = ProcessInfo.processInfo.environment["MLM_TEST_PG"], !conninfo.isEmpty {
            return .success(Server(base: conninfo, cluster: nil))
        }
        let directory = NSTemporaryDirectory() + "mlm-migrate-tests-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let cluster = try EmbeddedPostgres.startFresh(workDirectory: directory)
            atexit { TestPostgres.stopAtExit() }
            return .success(Server(base: "host=\(cluster.socketDirectory) port=\(cluster.port) user=postgres", cluster: cluster))
        } catch let error as MigrationError {
            return .failure(error)
        } catch {
            return .failure(MigrationError(.testSetup, "\(error)"))
        }
    }()

    static func stopAtExit() {
        guard case .success(let server) = shared, let cluster = server.cluster else { return }
        cluster.stop()
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: cluster.dataDirectory).deletingLastPathComponent().path)
        try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "mlm-migrate-tests-\(getpid())")
    }

    static var server: Server {
        get throws { try shared.get() }
    }

    /// Creates a new, empty database and returns its connection string.
    static func freshDatabase(_ hint: String = "t") throws -> String {
        let server = try server
        let name = "\(hint.lowercased().filter { $0.isLetter || $0.isNumber })_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgresConnection("\(server.base) dbname=postgres")
        try admin.execute("CREATE DATABASE \"\(name)\"")
        return "\(server.base) dbname=\(name)"
    }
}

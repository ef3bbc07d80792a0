import Foundation
import Glibc
import MLMMigrate

/// A PostgreSQL that accepts TCP connections on 127.0.0.1 over TLS only (`hostssl ... trust`,
/// `host ... reject`), with a self-signed certificate for `localhost`; started once per test
/// process as the `postgres` user and stopped at exit. Its Unix socket is for setup.
enum TLSPostgres {
    struct Server {
        var directory: String
        var port: Int
        /// The server's self-signed certificate: the root to verify it with.
        var certificate: String
        /// Another self-signed `localhost` certificate: a root that does not verify the server.
        var wrongCertificate: String

        /// A `key=value` string for database `dbname` over TCP, with `options` added.
        func tcp(_ dbname: String, _ options: String) -> String {
            "host=localhost port=\(port) user=postgres dbname=\(dbname) connect_timeout=5 \(options)"
        }

        /// The same database through the Unix socket (setup only).
        func socket(_ dbname: String) -> String { "host=\(directory) port=\(port) user=postgres dbname=\(dbname)" }
    }

    private static let shared: Result<Server, MigrationError> = {
        do throws(MigrationError) {
            let server = try start()
            atexit { TLSPostgres.stopAtExit() }
            return .success(server)
        } catch {
            return .failure(error)
        }
    }()

    static var server: Server {
        get throws { try shared.get() }
    }

    /// A new, empty database on the TLS server; returns its name.
    static func freshDatabase(_ hint: String) throws -> String {
        let server = try server
        let name = "\(hint)_\(UUID().uuidString.prefix(8).lowercased())"
        try PostgresConnection(server.socket("postgres")).execute("CREATE DATABASE \"\(name)\"")
        return name
    }

    private static func run(_ executable: String, _ arguments: [String]) throws(MigrationError) {
        let result = try CommandRunner.run(executable, arguments)
        guard result.status == 0 else {
            throw MigrationError(.testSetup, "\(executable) \(arguments.first ?? "") failed: \(result.output)")
        }
    }

    private static func asPostgres(_ tool: String, _ arguments: [String]) throws(MigrationError) {
        let bin = try EmbeddedPostgres.findBinDirectory()
        try run(CommandRunner.which("runuser") ?? "/usr/sbin/runuser", ["-u", "postgres", "--", "\(bin)/\(tool)"] + arguments)
    }

    private static func selfSigned(_ directory: String, _ name: String) throws(MigrationError) {
        try run(CommandRunner.which("openssl") ?? "/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost", "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).crt",
        ])
    }

    private static func start() throws(MigrationError) -> Server {
        let directory = "/tmp/mlm-tls-pg-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw MigrationError(.testSetup, "cannot create \(directory)")
        }
        try selfSigned(directory, "server")
        try selfSigned(directory, "wrong")
        try run(CommandRunner.which("chmod") ?? "/bin/chmod", ["0600", "\(directory)/server.key"])
        try run(CommandRunner.which("chown") ?? "/bin/chown", ["-R", "postgres:postgres", directory])
        let data = "\(directory)/data"
        try asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"])
        let hba = "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 reject\nhost all all ::1/128 reject\n"
        do {
            try hba.write(toFile: "\(data)/pg_hba.conf", atomically: false, encoding: .utf8)
        } catch {
            throw MigrationError(.testSetup, "cannot write pg_hba.conf")
        }
        let port = EmbeddedPostgres.freePort()
        let options = [
            "-p \(port)", "-k \(directory)", "-c listen_addresses=127.0.0.1", "-c ssl=on",
            "-c ssl_cert_file=\(directory)/server.crt", "-c ssl_key_file=\(directory)/server.key",
        ].joined(separator: " ")
        try asPostgres("pg_ctl", ["-D", data, "-o", options, "-l", "\(directory)/postgres.log", "-w", "-t", "60", "start"])
        return Server(
            directory: directory, port: port, certificate: "\(directory)/server.crt", wrongCertificate: "\(directory)/wrong.crt"
        )
    }

    static func stopAtExit() {
        guard case .success(let server) = shared else { return }
        try? asPostgres("pg_ctl", ["-D", "\(server.directory)/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: server.directory)
    }
}

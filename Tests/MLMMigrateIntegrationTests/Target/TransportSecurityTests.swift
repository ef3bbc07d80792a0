import Foundation
import Logging
import MLMMigrate
import Testing

/// A target reached over TCP (localhost too) needs TLS that verifies the server, or
/// `--allow-unverified-tls` for `sslmode=require`; the run report names the negotiated TLS.
@Suite struct TransportSecurityTests {
    private func connect(_ conninfo: String, allowUnverifiedTLS: Bool = false) throws -> (PostgresConnection, ConnectedTarget) {
        let work = try WorkDirectory(path: try TemporaryDirectory().path)
        let connector = TargetConnector(
            work: work, logger: Logger(label: "test"), transport: TransportPolicy(allowUnverifiedTLS: allowUnverifiedTLS)
        )
        return try connector.connect(conninfo, fresh: false)
    }

    private func refusal(_ conninfo: String, allowUnverifiedTLS: Bool = false) -> MigrationError? {
        do {
            _ = try connect(conninfo, allowUnverifiedTLS: allowUnverifiedTLS)
            return nil
        } catch {
            return error as? MigrationError
        }
    }

    @Test(arguments: ["sslmode=disable", "sslmode=allow", "sslmode=prefer", "", "password=S3cret sslmode=prefer"])
    func tcpWithoutRequiredTLSIsRefusedBeforeConnecting(options: String) throws {
        let server = try TLSPostgres.server
        for conninfo in [server.tcp("postgres", options), "hostaddr=127.0.0.1 port=\(server.port) user=postgres \(options)"] {
            let error = refusal(conninfo, allowUnverifiedTLS: true)
            #expect(error?.code == ErrorCode.targetTLSRequired.rawValue, "\(String(describing: error))")
            #expect(error?.message.contains("sslmode=verify-full") == true)
            #expect(error?.message.contains("S3cret") == false)
        }
    }

    @Test func aURIToLocalhostIsRefusedAndASocketIsNot() throws {
        let server = try TLSPostgres.server
        let uri = "postgresql://postgres:S3cret@localhost:\(server.port)/postgres"
        #expect(refusal(uri)?.code == ErrorCode.targetTLSRequired.rawValue)
        #expect(refusal(uri)?.message.contains("S3cret") == false)
        let (connection, described) = try connect(server.socket("postgres"))
        #expect(try connection.scalar("SELECT 1") == "1")
        #expect(described.transport == "local socket")
    }

    @Test func requireIsRefusedWithoutTheFlagAndEncryptedWithIt() throws {
        let server = try TLSPostgres.server
        let conninfo = server.tcp("postgres", "sslmode=require")
        let error = refusal(conninfo)
        #expect(error?.code == ErrorCode.targetTLSRequired.rawValue)
        #expect(error?.message.contains("--allow-unverified-tls") == true)
        let (connection, described) = try connect(conninfo, allowUnverifiedTLS: true)
        #expect(try connection.scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == "t")
        #expect(described.transport.hasPrefix("TLSv1."))
    }

    @Test func verifyFullWithTheServersRootConnectsAndNamesProtocolAndCipher() throws {
        let server = try TLSPostgres.server
        let (connection, described) = try connect(server.tcp("postgres", "sslmode=verify-full sslrootcert=\(server.certificate)"))
        let expected = try connection.query("SELECT version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        #expect(expected.count == 1)
        #expect(described.transport == "\(expected.first?[0] ?? "?") \(expected.first?[1] ?? "?")")
        #expect(described.transport.hasPrefix("TLSv1.3"))
    }

    @Test func verifyFullWithAWrongRootFailsCleanlyWithoutThePassword() throws {
        let server = try TLSPostgres.server
        let error = refusal(server.tcp("postgres", "password=S3cret sslmode=verify-full sslrootcert=\(server.wrongCertificate)"))
        #expect(error?.code == ErrorCode.targetUnreachable.rawValue, "\(String(describing: error))")
        #expect(error?.message.contains("certificate") == true, "\(String(describing: error))")
        #expect(error?.message.contains("S3cret") == false)
    }

    @Test func theLibpqEnvironmentIsCheckedToo() throws {
        let server = try TLSPostgres.server
        let work = try TemporaryDirectory()
        var environment = ToolRun.environmentWithoutLibpq
        environment["PGHOST"] = "localhost"
        environment["PGPORT"] = String(server.port)
        environment["PGUSER"] = "postgres"
        environment["PGDATABASE"] = "postgres"
        for mode in ["prefer", "require"] {
            environment["PGSSLMODE"] = mode
            let result = try ToolRun.run("mlm-migrate", ["snapshots", "--work-dir", work.path], environment: environment)
            #expect(result.status == 2)
            #expect(result.stderr.contains("[target.tls_required]"), "\(result.stderr)")
        }
    }

    @Test func aRunOverVerifiedTLSNamesTheConnectionInItsReport() throws {
        let server = try TLSPostgres.server
        let database = try TLSPostgres.freshDatabase("tlsrun")
        let vendor = "vendor2-mlmsoft"
        let work = try TemporaryDirectory()
        let verified = server.tcp(database, "sslmode=verify-full sslrootcert=\(server.certificate)")
        let result = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--target", verified,
            "--work-dir", work.path, "--kek-file", TestKeys.kekFile,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(MigrationReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(work.path)/report.json")))
        let connection = try #require(report.run.connection)
        #expect(connection.hasPrefix("TLSv1.3 "), "\(connection)")
        #expect(connection.contains("AES"), "\(connection)")
        let markdown = try String(contentsOfFile: "\(work.path)/report.md", encoding: .utf8)
        #expect(markdown.contains("| connection | \(connection) |"))

        let unverified = server.tcp(database, "sslmode=require")
        let refused = try ToolRun.run("mlm-migrate", ["snapshots", "--target", unverified, "--work-dir", work.path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("[target.tls_required]"), "\(refused.stderr)")
        let allowed = try ToolRun.run("mlm-migrate", ["snapshots", "--target", unverified, "--work-dir", work.path, "--allow-unverified-tls"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }
}

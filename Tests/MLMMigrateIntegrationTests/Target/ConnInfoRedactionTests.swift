import Foundation
import MLMMigrate
import Testing

/// Malformed `--target` strings with a password: libpq quotes them in its parse errors, and
/// none of it may reach an error, stdout, stderr or a file in the work directory.
@Suite struct ConnInfoRedactionTests {
    static let secret = "S3cret"
    static let malformed = [
        "postgresql://migrator:\(secret)%ZZPW@localhost/mlm",
        "postgresql://migrator:\(secret)PW@[::1/mlm",
        "host=/nonexistent-dir password='\(secret) PW' port=\(secret)",
        "host=/nonexistent-dir password=\(secret)PW \(secret)junk",
    ]

    @Test(arguments: malformed)
    func aMalformedConnectionStringNeverShowsItsPasswordInTheError(conninfo: String) {
        #expect {
            _ = try PostgresConnection(conninfo)
        } throws: { error in
            let message = (error as? MigrationError)?.message ?? ""
            return !message.isEmpty && !message.contains(Self.secret) && !message.contains("PW")
        }
    }

    @Test(arguments: malformed)
    func theCLINeverPrintsOrLogsThePasswordOfAMalformedTarget(conninfo: String) throws {
        let work = try TemporaryDirectory()
        let result = try ToolRun.run("mlm-migrate", [
            "snapshots", "--target", conninfo, "--work-dir", work.path, "--log-level", "trace",
        ], environment: ToolRun.environmentWithoutLibpq)
        #expect(result.status == 2)
        #expect(result.stderr.contains("[target."), "\(result.stderr)")
        #expect(!result.stderr.contains(Self.secret), "\(result.stderr)")
        #expect(!result.stdout.contains(Self.secret), "\(result.stdout)")
        for file in FileManager.default.enumerator(atPath: work.path)?.compactMap({ $0 as? String }) ?? [] {
            let text = (try? String(contentsOfFile: "\(work.path)/\(file)", encoding: .utf8)) ?? ""
            #expect(!text.contains(Self.secret), "\(file)")
        }
    }
}

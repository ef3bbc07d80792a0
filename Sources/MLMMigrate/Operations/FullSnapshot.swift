import Crypto
import Foundation
public import Logging

/// A full copy of the target's schemas for the pre-cutover backup (`mlm-migrate snapshot
/// --full`, `restore`): `pg_dump` in its custom format, and beside it `FILE.sha256` in
/// `sha256sum` form, checked before any restore.
///
/// The dump holds what the target holds: PII only as ciphertexts and wrapped keys. A restore
/// replaces both schemas in one transaction, then re-applies every erasure the target had
/// recorded that the snapshot predates, so an erased member stays erased.
public struct FullSnapshot {
    public let connection: PostgresConnection
    public let logger: Logger
    static let schemas = ["mlm", "mlm_migration"]

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Writes the dump to `path` (mode 0600; never overwriting) and its checksum; returns the SHA-256.
    public func take(to path: String) throws(MigrationError) -> String {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw MigrationError(.snapshotExists, "\(path) already exists; a snapshot is never overwritten")
        }
        try RunRecords.lockTarget(connection)
        let previous = umask(0o077)
        defer { umask(previous) }
        try tool("pg_dump", ["--format=custom", "--no-owner", "--file=\(path)"] + Self.schemas.map { "--schema=\($0)" })
        let digest = try Self.sha256(of: path)
        do {
            try "\(digest)  \((path as NSString).lastPathComponent)\n".write(toFile: path + ".sha256", atomically: true, encoding: .utf8)
        } catch {
            throw MigrationError(.snapshotUnwritable, "cannot write \(path).sha256")
        }
        logger.notice("snapshot taken", metadata: ["file": "\(path)", "sha256": "\(digest)"])
        return digest
    }

    /// What a restore did.
    public struct Restored: Sendable, Equatable {
        public var sha256: String
        /// Legacy ids erased again because the snapshot predates their erasure.
        public var erasuresReapplied: [String]
    }

    /// Checks the dump against its checksum file, then replaces the target's schemas with it.
    public func restore(from path: String, scratch: String) throws(MigrationError) -> Restored {
        let digest = try Self.sha256(of: path)
        let recorded = (try? String(contentsOfFile: path + ".sha256", encoding: .utf8))?.split(separator: " ").first.map(String.init)
        guard let recorded else {
            throw MigrationError(.snapshotNoChecksum, "\(path).sha256 is missing; a snapshot is restored only with its checksum")
        }
        guard recorded == digest else {
            throw MigrationError(.snapshotChecksumMismatch, "\(path) does not match \(path).sha256: the file was changed or damaged")
        }
        try RunRecords.lockTarget(connection)
        let erasedNow = try erasures()
        // pg_restore writes the dump as SQL (ciphertexts only), run after dropping both schemas,
        // all in one transaction: a failure leaves the target as it was.
        let script = "\(scratch)/.restore-\(getpid()).sql"
        let drop = "\(scratch)/.restore-\(getpid())-drop.sql"
        defer {
            unlink(script)
            unlink(drop)
        }
        let previous = umask(0o077)
        defer { umask(previous) }
        do {
            try Self.schemas.map { "DROP SCHEMA IF EXISTS \($0) CASCADE;\n" }.joined().write(toFile: drop, atomically: true, encoding: .utf8)
        } catch {
            throw MigrationError(.workdirUnwritable, "cannot write \(drop)")
        }
        try tool("pg_restore", ["--no-owner", "--file=\(script)", path])
        try tool("psql", ["--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", "--file=\(drop)", "--file=\(script)"])
        let erasedThen = Set(try erasures().map(\.legacyID))
        var reapplied: [String] = []
        let eraser = MemberEraser(connection: connection, logger: logger)
        for erasure in erasedNow where !erasedThen.contains(erasure.legacyID) {
            let reason = "re-applied after restoring \((path as NSString).lastPathComponent)" + (erasure.reason.map { ": \($0)" } ?? "")
            do throws(MigrationError) {
                _ = try eraser.erase(legacyID: erasure.legacyID, reason: reason)
            } catch where error.code == ErrorCode.eraseUnknownMember.rawValue {
                // Not in the snapshot at all: keep the erasure on record, so it is not forgotten.
                _ = try connection.query(
                    "INSERT INTO mlm_migration.erasures (legacy_id, quarantine_rows, reason) VALUES ($1, 0, $2)", [erasure.legacyID, reason]
                )
            }
            reapplied.append(erasure.legacyID)
        }
        logger.notice("snapshot restored", metadata: ["file": "\(path)", "erasures_reapplied": "\(reapplied.count)"])
        return Restored(sha256: digest, erasuresReapplied: reapplied)
    }

    private func erasures() throws(MigrationError) -> [(legacyID: String, reason: String?)] {
        guard try connection.scalar("SELECT to_regclass('mlm_migration.erasures') IS NOT NULL") == "t" else { return [] }
        return try connection.query("SELECT legacy_id, reason FROM mlm_migration.erasures ORDER BY erasure_id").map { ($0[0] ?? "", $0[1]) }
    }

    /// Runs a PostgreSQL client program against this connection's database: its parameters in
    /// the child's environment (``CommandRunner/childEnvironment(_:)`` adds only those), and its
    /// error redacted.
    private func tool(_ name: String, _ arguments: [String]) throws(MigrationError) {
        let directory = try EmbeddedPostgres.findBinDirectory()
        let executable = FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") ? "\(directory)/\(name)" : (CommandRunner.which(name) ?? name)
        let libpq = connection.libpqEnvironment
        let result = try CommandRunner.run(executable, arguments, environment: libpq, separateErrors: true)
        guard result.status == 0 else {
            let line = result.errorOutput.split(whereSeparator: \.isNewline).first.map(String.init) ?? "exit \(result.status)"
            let first = ConnInfoRedactor.redact(line, secrets: libpq["PGPASSWORD"].map { [$0] } ?? [])
            throw MigrationError(ErrorCode.snapshotToolFailed[name] ?? .snapshotPsqlFailed, "\(name) failed: \(first)")
        }
    }

    static func sha256(of path: String) throws(MigrationError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MigrationError(.snapshotUnreadable, "cannot read \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return Hex.encode(hasher.finalize())
    }
}

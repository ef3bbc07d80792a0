import Crypto
public import Foundation

/// What an evidence pack attests (docs/evidence.md): the hashes of the report files, the
/// mapping and every source file, who made the run and with which keys, the target's identity,
/// and the figures recomputed from the target when the pack was made. Its canonical bytes
/// (``CanonicalJSON``) are what the signing key signs.
public struct EvidenceManifest: Codable, Sendable, Equatable {
    /// A file by its name (relative to its directory), size and SHA-256.
    public struct FileHash: Codable, Sendable, Equatable {
        public var path: String
        public var bytes: Int
        public var sha256: String

        public init(path: String, bytes: Int, sha256: String) {
            self.path = path
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// The database the figures were read from.
    public struct TargetIdentity: Codable, Sendable, Equatable {
        /// `current_database()`.
        public var database: String
        /// `pg_control_system().system_identifier`: the cluster, unchanged by a rename.
        public var systemIdentifier: String
    }

    /// One figure recomputed from the target, by a stable name (docs/evidence.md lists them).
    public struct Figure: Codable, Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public static let currentFormat = "mlm-evidence-v1"

    public var format = Self.currentFormat
    public var toolVersion: String
    public var vendor: String
    public var runID: Int
    /// The KEK the run's PII was encrypted under; nil without PII.
    public var kekID: String?
    /// The ledger run digest the report states; nil without a ledger.
    public var ledgerRunDigest: String?
    public var signingKeyID: String
    public var target: TargetIdentity
    /// The work directory's copy of the mapping (`mapping.yaml`).
    public var mapping: FileHash
    /// Every file the report stage wrote, sorted by name.
    public var reportFiles: [FileHash]
    /// The export as extract read it: a directory or a SQLite file (absolute path).
    public var source: String
    /// Every regular file directly in `source` (or `source` itself), sorted by name.
    public var sourceFiles: [FileHash]
    /// Sorted by name.
    public var figures: [Figure]

    /// The bytes that are signed and written as `manifest.json`.
    public var canonicalBytes: [UInt8] { json.bytes }

    var json: CanonicalJSON {
        func file(_ hash: FileHash) -> CanonicalJSON {
            .object([("path", .string(hash.path)), ("bytes", .integer(hash.bytes)), ("sha256", .string(hash.sha256))])
        }
        return .object([
            ("format", .string(format)),
            ("toolVersion", .string(toolVersion)),
            ("vendor", .string(vendor)),
            ("runID", .integer(runID)),
            ("kekID", kekID.map(CanonicalJSON.string) ?? .null),
            ("ledgerRunDigest", ledgerRunDigest.map(CanonicalJSON.string) ?? .null),
            ("signingKeyID", .string(signingKeyID)),
            ("target", .object([
                ("database", .string(target.database)), ("systemIdentifier", .string(target.systemIdentifier)),
            ])),
            ("mapping", file(mapping)),
            ("reportFiles", .array(reportFiles.map(file))),
            ("source", .string(source)),
            ("sourceFiles", .array(sourceFiles.map(file))),
            ("figures", .array(figures.map { .object([("name", .string($0.name)), ("value", .string($0.value))]) })),
        ])
    }

    /// Reads a manifest, refusing bytes that are not its canonical form (so what is checked is
    /// exactly what was signed: no duplicate key, no extra field, nothing reordered).
    public static func parse(_ bytes: [UInt8], source: String) throws(MigrationError) -> EvidenceManifest {
        guard let manifest = try? JSONDecoder().decode(EvidenceManifest.self, from: Data(bytes)) else {
            throw MigrationError(.evidencePackUnreadable, "\(source) is not an evidence manifest written by mlm-migrate")
        }
        guard manifest.format == currentFormat else {
            throw MigrationError(
                .evidencePackUnreadable, "\(source) has format \(manifest.format); this mlm-migrate reads \(currentFormat)"
            )
        }
        let names = manifest.reportFiles.map(\.path) + manifest.sourceFiles.map(\.path) + [manifest.mapping.path]
        if let name = names.first(where: { $0.hasPrefix("/") || $0.split(separator: "/").contains("..") }) {
            throw MigrationError(.evidencePackUnreadable, "\(source) names a file outside its folder (\(name))")
        }
        guard manifest.canonicalBytes == bytes else {
            throw MigrationError(.evidencePackUnreadable, "\(source) is not in canonical form (docs/evidence.md); it was edited")
        }
        return manifest
    }
}

extension EvidenceManifest.FileHash {
    /// The size and SHA-256 of the file at `path`, named `name`; nil when it cannot be read.
    public static func of(_ path: String, name: String) -> EvidenceManifest.FileHash? {
        guard let reader = try? ChunkedFileReader(path: path) else { return nil }
        var hasher = SHA256()
        var bytes = 0
        do {
            while try reader.nextChunk({ chunk in
                hasher.update(bufferPointer: UnsafeRawBufferPointer(chunk))
                bytes += chunk.count
            }) {}
        } catch {
            return nil
        }
        return EvidenceManifest.FileHash(path: name, bytes: bytes, sha256: Hex.encode(hasher.finalize()))
    }
}

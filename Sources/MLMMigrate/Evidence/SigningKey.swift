public import Crypto
import Foundation
import Glibc

/// The Ed25519 key that signs evidence packs (`keys generate --signing`). Kept apart from the
/// KEK: a file holding one is refused where the other is expected. Held only in memory; its
/// `description` never shows the key.
///
/// Text form: `mlm-signing-v1 <key id> <base64 of the 32-byte Ed25519 private key (seed)>`,
/// one line. The key id is `sig-` and the first 16 hex digits of SHA-256 of the public key.
/// `@unchecked Sendable`: the swift-crypto key is an immutable value.
public struct SigningKey: @unchecked Sendable, CustomStringConvertible {
    public let key: Curve25519.Signing.PrivateKey
    public var publicKey: SigningPublicKey { SigningPublicKey(key: key.publicKey) }
    public var id: String { publicKey.id }
    public var description: String { "signing key \(id)" }

    /// The first word of the text form.
    public static let tag = "mlm-signing-v1"

    public init(key: Curve25519.Signing.PrivateKey) { self.key = key }

    /// The text form of the private key (a secret: write it only to a 0600 file).
    public var text: String { "\(Self.tag) \(id) \(Data(key.rawRepresentation).base64EncodedString())\n" }

    /// Signs `bytes` (Ed25519, 64 bytes).
    public func sign(_ bytes: [UInt8]) throws(MigrationError) -> [UInt8] {
        do {
            return Array(try key.signature(for: bytes))
        } catch {
            throw MigrationError(.evidenceUnwritable, "cannot sign with \(self)")
        }
    }

    /// Generates a key into `path` (mode 0600) and its public key into `path.pub` (mode 0644);
    /// refuses to overwrite either file. Each is written whole (temporary file, fsync, link).
    public static func writeNew(path: String) throws(MigrationError) -> SigningKey {
        let signing = SigningKey(key: Curve25519.Signing.PrivateKey())
        let publicPath = path + ".pub"
        for existing in [path, publicPath] where access(existing, F_OK) == 0 {
            throw MigrationError(.keysSigningKeyExists, "\(existing) already exists; a key file is never overwritten")
        }
        try KeyFile.create(path, text: signing.text, mode: 0o600)
        try KeyFile.create(publicPath, text: signing.publicKey.text, mode: 0o644)
        return signing
    }

    /// Reads a signing key file, refusing one that group or others may read or write.
    public static func load(path: String) throws(MigrationError) -> SigningKey {
        let (text, exposed) = try KeyFile.readPrivate(path)
        let key = try parse(text, source: path)
        guard !exposed else {
            throw MigrationError(
                .keysSigningKeyExposed, "the signing key file \(path) is readable or writable by group or others; chmod 600 it"
            )
        }
        return key
    }

    /// Parses the text form; `source` names where it came from in errors (never the key).
    public static func parse(_ text: String, source: String) throws(MigrationError) -> SigningKey {
        let parts = text.split(whereSeparator: \.isWhitespace)
        if parts.first == "mlm-kek-v1" {
            throw MigrationError(.keysSigningKeyIsKEK, "\(source) is a key-encryption key (KEK), not a signing key; "
                + "sign with a key from `mlm-migrate keys generate --signing` (runbooks/keys.md)")
        }
        if parts.first.map(String.init) == SigningPublicKey.tag {
            throw MigrationError(
                .keysSigningKeyInvalid, "\(source) is a public key; signing needs the private key file (without .pub)"
            )
        }
        let line = try KeyFile.parseLine(parts, tag: tag, what: "signing key", source: source)
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: line.bytes) else {
            throw KeyFile.invalid(source, what: "signing key", tag: tag)
        }
        let signing = SigningKey(key: key)
        try KeyFile.requireID(line.id, is: signing.id, source: source)
        return signing
    }
}

/// The public half of a ``SigningKey``: what auditors hold to verify a pack.
///
/// Text form: `mlm-signing-public-v1 <key id> <base64 of the 32-byte Ed25519 public key>`.
public struct SigningPublicKey: @unchecked Sendable, Equatable, CustomStringConvertible {
    public let key: Curve25519.Signing.PublicKey
    public static let tag = "mlm-signing-public-v1"

    public init(key: Curve25519.Signing.PublicKey) { self.key = key }

    public var raw: [UInt8] { Array(key.rawRepresentation) }
    public var id: String { "sig-" + Hex.encode(SHA256.hash(data: raw).prefix(8)) }
    public var text: String { "\(Self.tag) \(id) \(Data(raw).base64EncodedString())\n" }
    public var description: String { "public key \(id)" }

    public static func == (lhs: SigningPublicKey, rhs: SigningPublicKey) -> Bool { lhs.raw == rhs.raw }

    /// True when `signature` is this key's Ed25519 signature of `bytes`.
    public func isValidSignature(_ signature: [UInt8], for bytes: [UInt8]) -> Bool {
        key.isValidSignature(signature, for: bytes)
    }

    public static func load(path: String) throws(MigrationError) -> SigningPublicKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MigrationError(.keysSigningKeyUnreadable, "cannot read the public key file \(path)")
        }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    public static func parse(_ text: String, source: String) throws(MigrationError) -> SigningPublicKey {
        let parts = text.split(whereSeparator: \.isWhitespace)
        if parts.first == "mlm-kek-v1" || parts.first.map(String.init) == SigningKey.tag {
            throw MigrationError(.keysSigningKeyInvalid, "\(source) is a private key, not a public key; give the .pub file")
        }
        let line = try KeyFile.parseLine(parts, tag: tag, what: "public key", source: source)
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: line.bytes) else {
            throw KeyFile.invalid(source, what: "public key", tag: tag)
        }
        let publicKey = SigningPublicKey(key: key)
        try KeyFile.requireID(line.id, is: publicKey.id, source: source)
        return publicKey
    }
}

/// Creating and reading key files: a new file written whole or not at all, a private one
/// refused when group or others may read or write it.
enum KeyFile {
    /// The id and 32 key bytes of a key file's words `<tag> <id> <base64>`.
    static func parseLine(
        _ parts: [Substring], tag: String, what: String, source: String
    ) throws(MigrationError) -> (id: String, bytes: Data) {
        guard parts.count == 3, parts[0] == tag, let bytes = Data(base64Encoded: String(parts[2])), bytes.count == 32 else {
            throw invalid(source, what: what, tag: tag)
        }
        return (String(parts[1]), bytes)
    }

    static func invalid(_ source: String, what: String, tag: String) -> MigrationError {
        MigrationError(.keysSigningKeyInvalid, "\(source) is not an mlm-migrate \(what) (expected `\(tag) <id> <base64 of 32 bytes>`)")
    }

    /// The id written in the file must be the key's own.
    static func requireID(_ written: String, is actual: String, source: String) throws(MigrationError) {
        guard written == actual else {
            throw MigrationError(.keysSigningKeyInvalid, "\(source): the key id does not match the key; the file was edited or damaged")
        }
    }

    /// Writes `text` to a temporary file (mode `mode`, fsync), then links it to `path`, which
    /// fails if `path` exists: never a half-written key, never an overwritten one.
    static func create(_ path: String, text: String, mode: mode_t) throws(MigrationError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw MigrationError(.keysSigningKeyUnwritable, "cannot create \(path)") }
        let bytes = Array(text.utf8)
        let written = fchmod(fd, mode) == 0 && write(fd, bytes, bytes.count) == bytes.count && fsync(fd) == 0
        close(fd)
        defer { unlink(temporary) }
        guard written else { throw MigrationError(.keysSigningKeyUnwritable, "cannot write \(path)") }
        guard link(temporary, path) == 0 else {
            throw MigrationError(
                errno == EEXIST ? .keysSigningKeyExists : .keysSigningKeyUnwritable,
                errno == EEXIST ? "\(path) already exists; a key file is never overwritten" : "cannot create \(path)"
            )
        }
        let dir = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// The text of a private key file, and whether group or others may read or write it
    /// (checked after the text is known to be a private key, so a wrong file is named as such).
    static func readPrivate(_ path: String) throws(MigrationError) -> (text: String, exposed: Bool) {
        var info = stat()
        guard stat(path, &info) == 0, let data = FileManager.default.contents(atPath: path) else {
            throw MigrationError(.keysSigningKeyUnreadable, "cannot read the signing key file \(path)")
        }
        return (String(decoding: data, as: UTF8.self), info.st_mode & 0o077 != 0)
    }
}

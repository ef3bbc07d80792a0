public import Crypto
import Foundation
import Glibc

/// The key-encryption key (KEK): wraps every member's data key, and derives the blind-index
/// keys. Held only in memory; its `description` never shows the key.
///
/// Text form (a file or an environment variable): `mlm-kek-v1 <key id> <base64 of 32 bytes>`.
/// The key id, stored with every wrapped key, is `kek-` and the first 16 hex digits of
/// SHA-256 of the key, so rotating to a new KEK gives a new id.
/// `@unchecked Sendable`: `SymmetricKey` is an immutable value (swift-crypto 3 does not declare it Sendable).
public struct KeyEncryptionKey: @unchecked Sendable, CustomStringConvertible {
    public let id: String
    public let key: SymmetricKey

    /// The environment variable read when no key file is given.
    public static let environmentVariable = "MLM_MIGRATE_KEK"

    /// Extract's refusal when the mapping has PII columns and no key was given.
    static var missingForExtract: MigrationError {
        MigrationError(.keysKEKMissing, "the mapping has PII columns, encrypted as they are read (runbooks/keys.md): give --kek-file or set \(environmentVariable)")
    }

    public var description: String { "KEK \(id)" }

    public init(key: SymmetricKey) {
        self.key = key
        self.id = Self.id(of: key)
    }

    /// A new random KEK and its text form.
    public static func generate() -> (kek: KeyEncryptionKey, text: String) {
        let kek = KeyEncryptionKey(key: SymmetricKey(size: .bits256))
        let base64 = kek.key.withUnsafeBytes { Data($0).base64EncodedString() }
        return (kek, "mlm-kek-v1 \(kek.id) \(base64)\n")
    }

    /// Generates a KEK into a new file of mode 0600; refuses to overwrite an existing file
    /// (an overwritten KEK would make every data key wrapped by it unreadable).
    public static func writeNew(path: String) throws(MigrationError) -> KeyEncryptionKey {
        let (kek, text) = generate()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            let cause = errno
            if cause == EEXIST {
                throw MigrationError(.keysKEKExists, "\(path) already exists; a key file is never overwritten")
            }
            throw MigrationError(.keysKEKUnwritable, "cannot create \(path): \(String(cString: strerror(cause)))")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw MigrationError(.keysKEKUnwritable, "cannot write \(path)")
        }
        return kek
    }

    /// Reads a key file, refusing one that group or others may read or write.
    public static func load(path: String) throws(MigrationError) -> KeyEncryptionKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw MigrationError(.keysKEKUnreadable, "cannot read the key file \(path)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw MigrationError(.keysKEKExposed, "the key file \(path) is readable or writable by group or others; chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw MigrationError(.keysKEKUnreadable, "cannot read the key file \(path)")
        }
        return try parse(text, source: path)
    }

    /// Parses the text form; `source` names where it came from in errors (never the key).
    public static func parse(_ text: String, source: String) throws(MigrationError) -> KeyEncryptionKey {
        let parts = text.split(whereSeparator: \.isWhitespace)
        if let first = parts.first, first.hasPrefix("mlm-signing") {
            throw MigrationError(.keysKEKIsSigningKey, "\(source) is an evidence signing key, not a key-encryption key (KEK); "
                + "the two are kept apart (runbooks/keys.md)")
        }
        guard parts.count == 3, parts[0] == "mlm-kek-v1", let bytes = Data(base64Encoded: String(parts[2])), bytes.count == 32 else {
            throw MigrationError(.keysKEKInvalid, "\(source) is not an mlm-migrate key (expected `mlm-kek-v1 <id> <base64 of 32 bytes>`)")
        }
        let kek = KeyEncryptionKey(key: SymmetricKey(data: bytes))
        guard kek.id == parts[1] else {
            throw MigrationError(.keysKEKInvalid, "\(source): the key id does not match the key; the file was edited or damaged")
        }
        return kek
    }

    static func id(of key: SymmetricKey) -> String {
        let digest = key.withUnsafeBytes { SHA256.hash(data: $0) }
        return "kek-" + Hex.encode(digest.prefix(8))
    }
}

extension KeyEncryptionKey {
    /// The KEK from `file` when given, else from the `MLM_MIGRATE_KEK` environment variable
    /// (the key file's text); nil when neither is set.
    public static func resolve(file: String?) throws(MigrationError) -> KeyEncryptionKey? {
        if let file { return try load(path: file) }
        guard let text = ProcessInfo.processInfo.environment[environmentVariable], !text.isEmpty else { return nil }
        return try parse(text, source: "the \(environmentVariable) environment variable")
    }
}

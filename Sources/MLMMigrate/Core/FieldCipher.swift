public import Crypto
import Foundation

/// Field-level encryption of PII with AES-256-GCM under a per-member data key (envelope
/// encryption: the data key is stored only wrapped by the KEK, RFC 3394), so destroying one
/// wrapped key erases one member. See docs/pii-encryption.md for the byte layout.
///
/// A ciphertext is `0x01 ‖ nonce (12) ‖ ciphertext ‖ tag (16)`, with a fresh random nonce per
/// value. The authenticated data binds it to its place:
/// `"mlm-migrate pii v1" ‖ 0x00 ‖ table ‖ 0x00 ‖ column ‖ 0x00 ‖ member legacy id`, so a
/// ciphertext copied onto another member, column or table fails to open.
public enum FieldCipher {
    public static let version: UInt8 = 1

    /// Where a value belongs: the authenticated data of its ciphertext.
    public struct Binding: Sendable, Equatable {
        public var table: String
        public var column: String
        public var memberLegacyID: String

        public init(table: String, column: String, memberLegacyID: String) {
            self.table = table
            self.column = column
            self.memberLegacyID = memberLegacyID
        }

        public var authenticatedData: [UInt8] {
            var bytes = Self.prefix(table: table, column: column)
            bytes.append(contentsOf: memberLegacyID.utf8)
            return bytes
        }

        /// The authenticated data up to the member's legacy id, the same for every member of a
        /// column: Extract computes it once per column.
        public static func prefix(table: String, column: String) -> [UInt8] {
            Array("mlm-migrate pii v1".utf8) + [0] + Array(table.utf8) + [0] + Array(column.utf8) + [0]
        }
    }

    /// A new random data key for one member.
    public static func newDataKey() -> SymmetricKey { SymmetricKey(size: .bits256) }

    /// The data key wrapped by the KEK (40 bytes).
    public static func wrap(_ dataKey: SymmetricKey, with kek: KeyEncryptionKey) throws(MigrationError) -> [UInt8] {
        do {
            return Array(try AES.KeyWrap.wrap(dataKey, using: kek.key))
        } catch {
            throw MigrationError(.keysWrapFailed, "could not wrap a data key under \(kek.id)")
        }
    }

    /// Unwraps a data key; fails when `kek` is not the key it was wrapped with.
    public static func unwrap(_ wrapped: [UInt8], with kek: KeyEncryptionKey) throws(MigrationError) -> SymmetricKey {
        do {
            return try AES.KeyWrap.unwrap(wrapped, using: kek.key)
        } catch {
            throw MigrationError(.keysUnwrapFailed, "a data key does not unwrap under \(kek.id): wrong key-encryption key, or the wrapped key was changed")
        }
    }

    /// Encrypts `plaintext` for `binding` under `dataKey`, with a fresh random nonce.
    public static func seal(_ plaintext: String, for binding: Binding, with dataKey: SymmetricKey) throws(MigrationError) -> [UInt8] {
        try seal(plaintext, for: binding, with: dataKey, nonce: AES.GCM.Nonce())
    }

    /// Encrypts with a given nonce, which must be fresh random bytes (Extract draws its members'
    /// data keys and nonces a batch at a time from `SecureRandom`, each member its own slice)
    /// or, for the documented worked example only, fixed. A nonce used twice under one key breaks AES-GCM.
    public static func seal(_ plaintext: String, for binding: Binding, with dataKey: SymmetricKey, nonce: AES.GCM.Nonce) throws(MigrationError) -> [UInt8] {
        try seal(plaintext, authenticating: binding.authenticatedData, with: dataKey, nonce: nonce, what: "\(binding.table).\(binding.column)")
    }

    /// ``seal(_:for:with:nonce:)`` with the authenticated data already built (``Binding/authenticatedData``).
    static func seal(
        _ plaintext: String, authenticating aad: [UInt8], with dataKey: SymmetricKey, nonce: AES.GCM.Nonce,
        what: @autoclosure () -> String
    ) throws(MigrationError) -> [UInt8] {
        var out: [UInt8] = []
        var text = plaintext
        let sealed = text.withUTF8 { plain in
            aad.withUnsafeBytes { aad in
                seal(UnsafeRawBufferPointer(plain), authenticating: aad, with: dataKey, nonce: nonce, appendingTo: &out)
            }
        }
        guard sealed else { throw MigrationError(.piiSealFailed, "could not encrypt \(what())") }
        return out
    }

    /// Appends the ciphertext of the UTF-8 bytes `plaintext` (version, nonce, encrypted bytes,
    /// tag) to `out`; false when sealing failed (`out` is then unchanged). The nonce must be
    /// fresh, as for ``seal(_:for:with:nonce:)``.
    static func seal(
        _ plaintext: UnsafeRawBufferPointer, authenticating aad: UnsafeRawBufferPointer,
        with dataKey: SymmetricKey, nonce: AES.GCM.Nonce, appendingTo out: inout [UInt8]
    ) -> Bool {
        // `combined` is nonce ‖ ciphertext ‖ tag for a 12-byte nonce: the layout after the version.
        guard let box = try? AES.GCM.seal(plaintext, using: dataKey, nonce: nonce, authenticating: aad),
              let combined = box.combined else { return false }
        out.append(version)
        combined.withUnsafeBytes { out.append(contentsOf: $0) }
        return true
    }

    /// ``seal(_:authenticating:with:nonce:appendingTo:)`` through `context`, whose key is already
    /// set for sealing (a member's data key, set once for all of its values): Extract seals
    /// straight into its batch buffer. False when sealing failed (`out` is then unchanged).
    static func seal(
        _ plaintext: UnsafeRawBufferPointer, authenticating aad: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer, keyedIn context: AESGCMContext, appendingTo out: inout [UInt8]
    ) -> Bool {
        out.append(version)
        guard context.seal(plaintext, authenticating: aad, nonce: nonce, appendingTo: &out) else {
            out.removeLast()
            return false
        }
        return true
    }

    /// ``open(_:for:with:)`` through `context`, whose key is already set for opening (a member's
    /// data key, set once for all of its values); nil when the ciphertext does not open.
    static func open(_ ciphertext: [UInt8], for binding: Binding, keyedIn context: AESGCMContext) -> String? {
        guard ciphertext.count >= 1 + AESGCMContext.nonceCount + AESGCMContext.tagCount,
              ciphertext[0] == version else { return nil }
        let aad = binding.authenticatedData
        let plain = ciphertext.withUnsafeBytes { bytes in
            aad.withUnsafeBytes { context.open(UnsafeRawBufferPointer(rebasing: bytes[1...]), authenticating: $0) }
        }
        return plain.flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// Decrypts a ciphertext made by ``seal(_:for:with:)`` for the same binding and key.
    public static func open(_ ciphertext: [UInt8], for binding: Binding, with dataKey: SymmetricKey) throws(MigrationError) -> String {
        let failure = MigrationError(.piiOpenFailed, "a \(binding.table).\(binding.column) ciphertext does not open: wrong key, wrong member or column, or changed bytes")
        guard ciphertext.count >= 1 + 12 + 16, ciphertext[0] == version else { throw failure }
        do {
            let box = try AES.GCM.SealedBox(combined: ciphertext.dropFirst())
            let plain = try AES.GCM.open(box, using: dataKey, authenticating: binding.authenticatedData)
            guard let text = String(bytes: plain, encoding: .utf8) else { throw failure }
            return text
        } catch {
            throw failure
        }
    }
}

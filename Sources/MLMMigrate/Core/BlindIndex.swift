public import Crypto

/// Blind indexes: a keyed hash of a normalised identity value (email, phone), stored beside its
/// ciphertext so the platform can look a member up, and Cleanse can find the same person twice,
/// without decrypting. The key is derived from the KEK per column with HKDF-SHA256
/// (salt `"mlm-migrate blind index v1"`, info the column name), so it differs per column and
/// never equals the KEK.
public struct BlindIndex: @unchecked Sendable {
    private let key: SymmetricKey

    public init(kek: KeyEncryptionKey, column: String) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: kek.key, salt: Array("mlm-migrate blind index v1".utf8), info: Array(column.utf8), outputByteCount: 32
        )
    }

    /// HMAC-SHA256 of the normalised value's UTF-8 bytes.
    public func index(_ normalized: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(normalized.utf8), using: key))
    }
}

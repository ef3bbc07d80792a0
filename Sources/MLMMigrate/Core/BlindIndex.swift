public import Crypto

/// Blind indexes: a keyed hash of a normalised identity value (email, phone), stored beside its
/// ciphertext so the platform can look a member up, and Cleanse can find the same person twice,
/// without decrypting. The key is derived from the KEK per column with HKDF-SHA256
/// (salt `"mlm-migrate blind index v1"`, info the column name), so it differs per column and
/// never equals the KEK.
public struct BlindIndex: @unchecked Sendable {
    /// HMAC-SHA256 already keyed: each index copies it, so the key's pads are hashed once, not per
    /// value. Copies are independent (the hash state is copied on write), so threads may share it.
    private let keyed: HMAC<SHA256>

    public init(kek: KeyEncryptionKey, column: String) {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: kek.key, salt: Array("mlm-migrate blind index v1".utf8), info: Array(column.utf8),
            outputByteCount: 32
        )
        keyed = HMAC<SHA256>(key: key)
    }

    /// HMAC-SHA256 of the normalised value's UTF-8 bytes.
    public func index(_ normalized: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(SHA256.byteCount)
        var text = normalized
        text.withUTF8 { append(indexOf: UnsafeRawBufferPointer($0), to: &out) }
        return out
    }

    /// Appends the 32-byte index of the normalised value's UTF-8 `bytes` to `out`.
    func append(indexOf bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var mac = keyed
        mac.update(data: bytes)
        mac.finalize().withUnsafeBytes { out.append(contentsOf: $0) }
    }
}

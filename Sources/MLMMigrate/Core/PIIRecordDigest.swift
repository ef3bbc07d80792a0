import Crypto

/// A keyed digest of a member's whole normalised PII record, stored beside the ciphertexts as
/// `mlm.member_pii.pii_digest`, so a delta run can tell a changed record from an unchanged one
/// without decrypting either (each extract draws fresh data keys and nonces, so ciphertexts
/// never compare). HMAC-SHA256 under a key derived from the KEK with HKDF-SHA256 (salt
/// `"mlm-migrate pii record digest v1"`, info `"mlm.member_pii"`): like a blind index, it
/// reveals only equality, and only to a holder of the KEK. Layout in docs/pii-encryption.md.
public struct PIIRecordDigest: @unchecked Sendable {
    public static let column = "pii_digest"
    private let key: SymmetricKey

    public init(kek: KeyEncryptionKey) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: kek.key, salt: Array("mlm-migrate pii record digest v1".utf8), info: Array(MemberPIILayout.table.utf8), outputByteCount: 32
        )
    }

    /// The digest of one member's normalised values by field (absent: empty), over the legacy
    /// id, a 0 byte, then per field of ``MemberPIILayout/fields`` in order: 0 when empty, else 1,
    /// the UTF-8 length as 4 bytes big-endian, and the UTF-8 bytes.
    public func digest(legacyID: String, values: [String: String]) -> [UInt8] {
        var message = Array(legacyID.utf8)
        message.append(0)
        for field in MemberPIILayout.fields {
            guard let value = values[field] else {
                message.append(0)
                continue
            }
            let bytes = Array(value.utf8)
            message.append(1)
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { message.append(contentsOf: $0) }
            message.append(contentsOf: bytes)
        }
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }
}

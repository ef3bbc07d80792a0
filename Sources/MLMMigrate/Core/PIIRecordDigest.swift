import Crypto

/// A keyed digest of a member's whole normalised PII record, stored beside the ciphertexts as
/// `mlm.member_pii.pii_digest`, so a delta run can tell a changed record from an unchanged one
/// without decrypting either (each extract draws fresh data keys and nonces, so ciphertexts
/// never compare). HMAC-SHA256 under a key derived from the KEK with HKDF-SHA256 (salt
/// `"mlm-migrate pii record digest v1"`, info `"mlm.member_pii"`): like a blind index, it
/// reveals only equality, and only to a holder of the KEK. Layout in docs/pii-encryption.md.
public struct PIIRecordDigest: @unchecked Sendable {
    public static let column = "pii_digest"
    /// HMAC-SHA256 already keyed, copied per digest (see ``BlindIndex``).
    private let keyed: HMAC<SHA256>

    public init(kek: KeyEncryptionKey) {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: kek.key, salt: Array("mlm-migrate pii record digest v1".utf8),
            info: Array(MemberPIILayout.table.utf8), outputByteCount: 32
        )
        keyed = HMAC<SHA256>(key: key)
    }

    /// The digest of one member's normalised values by field (absent: empty), over the legacy
    /// id, a 0 byte, then per field of ``MemberPIILayout/fields`` in order: 0 when empty, else 1,
    /// the UTF-8 length as 4 bytes big-endian, and the UTF-8 bytes.
    public func digest(legacyID: String, values: [String: String]) -> [UInt8] {
        var out: [UInt8] = []
        var message: [UInt8] = []
        let fieldValues = MemberPIILayout.fields.map { values[$0] }
        append(digestOf: legacyID, fieldValues: fieldValues, to: &out, message: &message)
        return out
    }

    /// Appends the 32-byte digest to `out`; `fieldValues` holds one value (nil: empty) per field
    /// of ``MemberPIILayout/fields``, in that order. `message` is scratch space, reused by the
    /// caller across members.
    func append(
        digestOf legacyID: String, fieldValues: [String?], to out: inout [UInt8], message: inout [UInt8]
    ) {
        message.removeAll(keepingCapacity: true)
        message.append(contentsOf: legacyID.utf8)
        message.append(0)
        for value in fieldValues {
            guard let value else {
                message.append(0)
                continue
            }
            message.append(1)
            withUnsafeBytes(of: UInt32(value.utf8.count).bigEndian) { message.append(contentsOf: $0) }
            message.append(contentsOf: value.utf8)
        }
        var mac = keyed
        message.withUnsafeBytes { mac.update(data: $0) }
        mac.finalize().withUnsafeBytes { out.append(contentsOf: $0) }
    }
}

public import Crypto

/// Encrypts a member's PII right where it is read, so no stage file holds it in plaintext.
///
/// Each member gets a fresh data key, stored only wrapped by the KEK; each value is normalised
/// (``PIINormalizer``) and sealed for `mlm.member_pii.<field>` and the member's legacy id
/// (``FieldCipher``); identity fields also get their blind index (``BlindIndex``).
public struct PIIEncryptor: Sendable {
    public let kek: KeyEncryptionKey
    private let blindIndexes: [String: BlindIndex]
    private let recordDigest: PIIRecordDigest
    /// Per PII field, the authenticated data up to the member's legacy id.
    private let aadPrefixes: [String: [UInt8]]

    public init(kek: KeyEncryptionKey) {
        self.kek = kek
        aadPrefixes = Dictionary(uniqueKeysWithValues: MemberPIILayout.fields.map { ($0, FieldCipher.Binding.prefix(table: MemberPIILayout.table, column: $0)) })
        blindIndexes = Dictionary(uniqueKeysWithValues: MemberPIILayout.identityFields.map { ($0.field, BlindIndex(kek: kek, column: $0.field)) })
        recordDigest = PIIRecordDigest(kek: kek)
    }

    /// One member's protected values.
    public struct Protected {
        /// The wrapped data key; nil when the member has no PII value at all.
        public var wrappedKey: [UInt8]?
        /// Per PII column given, its ciphertext (nil when blank).
        public var ciphertexts: [[UInt8]?]
        /// Per identity field, its blind index (absent when blank or not a usable identity).
        public var blindIndexes: [String: [UInt8]]
        /// The digest of the whole normalised record; nil when the member has no PII value.
        public var recordDigest: [UInt8]?
    }

    /// Encrypts `values` (raw text per PII column, nil when NULL) for the member `legacyID`.
    public func protect(_ values: [(column: ColumnSpec, raw: String?)], legacyID: String) throws(MigrationError) -> Protected {
        var result = Protected(wrappedKey: nil, ciphertexts: [], blindIndexes: [:], recordDigest: nil)
        let normalized = values.map { value in value.raw.flatMap { PIINormalizer.normalize($0, identity: value.column.identity) } }
        guard normalized.contains(where: { $0 != nil }) else {
            result.ciphertexts = Array(repeating: nil, count: values.count)
            return result
        }
        // The data key and every nonce this member needs, in one draw.
        let random = try SecureRandom.bytes(32 + 12 * values.count)
        let dataKey = SymmetricKey(data: random[0..<32])
        result.wrappedKey = try FieldCipher.wrap(dataKey, with: kek)
        var record: [String: String] = [:]
        for (value, normal) in zip(values, normalized) { record[value.column.field] = normal?.stored }
        result.recordDigest = recordDigest.digest(legacyID: legacyID, values: record)
        for (offset, (value, normal)) in zip(values, normalized).enumerated() {
            guard let normal else {
                result.ciphertexts.append(nil)
                continue
            }
            var aad = aadPrefixes[value.column.field] ?? FieldCipher.Binding.prefix(table: MemberPIILayout.table, column: value.column.field)
            aad.append(contentsOf: legacyID.utf8)
            let nonce: AES.GCM.Nonce
            do {
                nonce = try AES.GCM.Nonce(data: random[32 + 12 * offset..<32 + 12 * (offset + 1)])
            } catch {
                throw MigrationError(.piiSealFailed, "could not make a nonce")
            }
            result.ciphertexts.append(try FieldCipher.seal(normal.stored, authenticating: aad, with: dataKey, nonce: nonce, what: "\(MemberPIILayout.table).\(value.column.field)"))
            if let indexed = normal.indexed, let index = blindIndexes[value.column.field] {
                result.blindIndexes[value.column.field] = index.index(indexed)
            }
        }
        return result
    }

    /// The blind index of a normalised identity value of `field`, nil for a field without one.
    public func blindIndex(_ normalized: String, field: String) -> [UInt8]? {
        blindIndexes[field]?.index(normalized)
    }
}

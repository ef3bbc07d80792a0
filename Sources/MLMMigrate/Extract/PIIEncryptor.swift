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

    public init(kek: KeyEncryptionKey) {
        self.kek = kek
        blindIndexes = Dictionary(uniqueKeysWithValues: MemberPIILayout.identityFields.map { identity in
            (identity.field, BlindIndex(kek: kek, column: identity.field))
        })
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
    public func protect(
        _ values: [(column: ColumnSpec, raw: String?)], legacyID: String
    ) throws(MigrationError) -> Protected {
        let plan = plan(for: values.map(\.column))
        var sealed = SealedMember(plan: plan)
        var scratch = Scratch()
        let random = try SecureRandom.bytes(plan.randomByteCount)
        try MigrationError.typed {
            try random.withUnsafeBytes { random in
                try seal(
                    values.map(\.raw), legacyID: legacyID, plan: plan, random: random,
                    into: &sealed, scratch: &scratch
                )
            }
        }
        func bytes(_ range: Range<Int>?) -> [UInt8]? { range.map { Array(sealed.bytes[$0]) } }
        var blind: [String: [UInt8]] = [:]
        for (slot, identity) in MemberPIILayout.identityFields.enumerated() {
            blind[identity.field] = bytes(sealed.blindIndexes[slot])
        }
        return Protected(
            wrappedKey: bytes(sealed.wrappedKey), ciphertexts: sealed.ciphertexts.map(bytes),
            blindIndexes: blind, recordDigest: bytes(sealed.recordDigest)
        )
    }

    /// The blind index of a normalised identity value of `field`, nil for a field without one.
    public func blindIndex(_ normalized: String, field: String) -> [UInt8]? {
        blindIndexes[field]?.index(normalized)
    }

    // MARK: Sealing many members

    /// How the PII columns of one mapping are sealed, resolved once for all its members.
    struct Plan: Sendable {
        /// A class, so walking the columns per member retains one reference, not each field.
        final class Column: Sendable {
            let field: String
            let identity: IdentityKind?
            /// The authenticated data up to the member's legacy id.
            let aadPrefix: [UInt8]
            /// The field's position in ``MemberPIILayout/fields`` (the record digest's order).
            let fieldSlot: Int?
            /// The field's position in ``MemberPIILayout/identityFields`` and its blind index.
            let blindSlot: Int?
            let blindIndex: BlindIndex?

            init(
                field: String, identity: IdentityKind?, aadPrefix: [UInt8], fieldSlot: Int?, blindSlot: Int?,
                blindIndex: BlindIndex?
            ) {
                self.field = field
                self.identity = identity
                self.aadPrefix = aadPrefix
                self.fieldSlot = fieldSlot
                self.blindSlot = blindSlot
                self.blindIndex = blindIndex
            }
        }

        var columns: [Column]

        /// Random bytes one member needs: its data key, then one nonce per column.
        var randomByteCount: Int { AESGCMContext.keyCount + AESGCMContext.nonceCount * columns.count }
    }

    func plan(for specs: [ColumnSpec]) -> Plan {
        Plan(columns: specs.map { spec in
            let blindSlot = MemberPIILayout.identityFields.firstIndex { $0.field == spec.field }
            return Plan.Column(
                field: spec.field, identity: spec.identity,
                aadPrefix: FieldCipher.Binding.prefix(table: MemberPIILayout.table, column: spec.field),
                fieldSlot: MemberPIILayout.fields.firstIndex(of: spec.field), blindSlot: blindSlot,
                blindIndex: blindIndexes[spec.field]
            )
        })
    }

    /// One member's protected values as ranges of one reusable buffer: a batch seals member
    /// after member into the same storage instead of allocating arrays per value.
    struct SealedMember {
        var bytes: [UInt8] = []
        var wrappedKey: Range<Int>?
        /// Per plan column.
        var ciphertexts: [Range<Int>?]
        /// Per field of ``MemberPIILayout/identityFields``.
        var blindIndexes: [Range<Int>?]
        var recordDigest: Range<Int>?

        init(plan: Plan) {
            ciphertexts = Array(repeating: nil, count: plan.columns.count)
            blindIndexes = Array(repeating: nil, count: MemberPIILayout.identityFields.count)
        }

        fileprivate mutating func reset() {
            bytes.removeAll(keepingCapacity: true)
            wrappedKey = nil
            for index in ciphertexts.indices { ciphertexts[index] = nil }
            for index in blindIndexes.indices { blindIndexes[index] = nil }
            recordDigest = nil
        }
    }

    /// Working space of ``seal(_:legacyID:plan:random:into:scratch:)``, kept across members.
    struct Scratch {
        fileprivate var normalized: [(stored: String, indexed: String?)?] = []
        fileprivate var fieldValues: [String?] = []
        fileprivate var aad: [UInt8] = []
        fileprivate var message: [UInt8] = []
        /// The AES-GCM context the member's values are sealed with, its key set once a member.
        fileprivate var cipher: AESGCMContext?
    }

    /// Seals one member's raw values (one per plan column, nil when NULL) into `sealed`, using
    /// `random` (``Plan/randomByteCount`` fresh random bytes, never used for another member)
    /// for the data key and nonces. A member without any value gets no key, ciphertext or digest.
    func seal(
        _ raws: [String?], legacyID: String, plan: Plan, random: UnsafeRawBufferPointer,
        into sealed: inout SealedMember, scratch: inout Scratch
    ) throws(MigrationError) {
        precondition(raws.count == plan.columns.count, "one raw value per plan column")
        precondition(random.count >= plan.randomByteCount, "a data key and a nonce per plan column")
        sealed.reset()
        scratch.normalized.removeAll(keepingCapacity: true)
        var any = false
        for (raw, column) in zip(raws, plan.columns) {
            let normal = raw.flatMap { PIINormalizer.normalize($0, identity: column.identity) }
            if normal != nil { any = true }
            scratch.normalized.append(normal)
        }
        guard any else { return }
        let keyBytes = UnsafeRawBufferPointer(rebasing: random[0..<AESGCMContext.keyCount])
        let dataKey = SymmetricKey(data: keyBytes)
        if scratch.cipher == nil { scratch.cipher = AESGCMContext() }
        guard let cipher = scratch.cipher, cipher.setKey(keyBytes, sealing: true) else {
            throw MigrationError(.piiSealFailed, "could not set up AES-256-GCM (libcrypto)")
        }
        let start = sealed.bytes.count
        sealed.bytes.append(contentsOf: try FieldCipher.wrap(dataKey, with: kek))
        sealed.wrappedKey = start..<sealed.bytes.count

        scratch.fieldValues.removeAll(keepingCapacity: true)
        scratch.fieldValues.append(contentsOf: repeatElement(nil, count: MemberPIILayout.fields.count))
        for (column, normal) in zip(plan.columns, scratch.normalized) {
            if let slot = column.fieldSlot { scratch.fieldValues[slot] = normal?.stored }
        }
        let digestStart = sealed.bytes.count
        recordDigest.append(
            digestOf: legacyID, fieldValues: scratch.fieldValues, to: &sealed.bytes, message: &scratch.message
        )
        sealed.recordDigest = digestStart..<sealed.bytes.count

        for (offset, column) in plan.columns.enumerated() {
            guard let normal = scratch.normalized[offset] else { continue }
            scratch.aad.removeAll(keepingCapacity: true)
            scratch.aad.append(contentsOf: column.aadPrefix)
            scratch.aad.append(contentsOf: legacyID.utf8)
            let nonceStart = AESGCMContext.keyCount + AESGCMContext.nonceCount * offset
            let nonce = UnsafeRawBufferPointer(rebasing: random[nonceStart..<nonceStart + AESGCMContext.nonceCount])
            var stored = normal.stored
            let cipherStart = sealed.bytes.count
            let done = stored.withUTF8 { plain in
                scratch.aad.withUnsafeBytes { aad in
                    FieldCipher.seal(
                        UnsafeRawBufferPointer(plain), authenticating: aad, nonce: nonce, keyedIn: cipher,
                        appendingTo: &sealed.bytes
                    )
                }
            }
            guard done else {
                let what = "\(MemberPIILayout.table).\(column.field)"
                throw MigrationError(.piiSealFailed, "could not encrypt \(what)")
            }
            sealed.ciphertexts[offset] = cipherStart..<sealed.bytes.count
            if var indexed = normal.indexed, let index = column.blindIndex, let slot = column.blindSlot {
                let indexStart = sealed.bytes.count
                indexed.withUTF8 { index.append(indexOf: UnsafeRawBufferPointer($0), to: &sealed.bytes) }
                sealed.blindIndexes[slot] = indexStart..<sealed.bytes.count
            }
        }
    }
}

/// The personal data a member can carry, and the column layouts of the files and tables that
/// hold it encrypted. A mapping may map any of ``fields`` (as `pii: true` columns); the target
/// table `mlm.member_pii` has them all, NULL where the vendor has none.
///
/// Every PII value in a stage file or table is an AES-256-GCM ciphertext (``FieldCipher``) in
/// bytea hex form (`\x…`); blind indexes and wrapped keys likewise.
public enum MemberPIILayout {
    /// The table every PII ciphertext is bound to (its authenticated data names it).
    public static let table = "mlm.member_pii"

    /// PII target fields, in table column order.
    public static let fields = [
        "full_name", "first_name", "last_name", "email", "phone", "date_of_birth", "address",
        "tax_id", "bank_account", "kyc_document_ref", "kyc_status",
    ]

    /// Fields that identify a person and get a blind index: the field must carry this identity.
    public static let identityFields: [(field: String, identity: IdentityKind)] = [("email", .email), ("phone", .phone)]

    /// The blind-index column of an identity field (`email_bidx`).
    public static func blindIndexColumn(_ field: String) -> String { "\(field)_bidx" }

    public static var blindIndexColumns: [String] { identityFields.map { blindIndexColumn($0.field) } }

    /// Extra columns of `extract/members.tsv` when the mapping has PII: one blind index per
    /// identity field the mapping has (its PII field columns there only mark presence, `*`).
    public static func extractBookkeeping(identityFields present: [String]) -> [String] {
        present.map { "_" + blindIndexColumn($0) }
    }

    /// `extract/member_pii.tsv`: the member's wrapped data key, every PII field's ciphertext
    /// (NULL when empty or not mapped), the blind indexes and the record digest
    /// (``PIIRecordDigest``), one row per row of `extract/members.tsv`, in the same order.
    public static let staged = ["wrapped_key"] + fields + blindIndexColumns + [PIIRecordDigest.column]

    /// `transform/member_pii.tsv`: rows for `mlm.member_pii`.
    public static let target = ["member_id", "key_id"] + fields + blindIndexColumns + [PIIRecordDigest.column]

    /// `transform/data_keys.tsv`: rows for `mlm.data_keys`.
    public static let dataKeys = ["key_id", "member_id", "kek_id", "wrapped_key"]
}

/// Normalises a PII value before it is encrypted, so the stored value, its blind index and the
/// reconcile round trip all agree on one form.
public enum PIINormalizer {
    /// `stored` is what is encrypted: an identity value normalised (``IdentityNormalizer``) when
    /// it can be, else the value trimmed; `indexed` is the blind-index input, nil when the value
    /// is not a usable identity (a phone with no digits). nil for a blank value.
    public static func normalize(_ raw: String, identity: IdentityKind?) -> (stored: String, indexed: String?)? {
        if let identity, let normalized = IdentityNormalizer.normalize(raw, as: identity) {
            return (normalized, normalized)
        }
        let trimmed = raw.trimmingWhitespace()
        return trimmed.isEmpty ? nil : (trimmed, nil)
    }
}

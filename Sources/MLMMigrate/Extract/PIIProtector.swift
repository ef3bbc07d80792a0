import Crypto

/// Turns PII values into tokens safe to write anywhere, right where they are read.
///
/// Identity columns (email, phone) become `fp:` + a 128-bit HMAC-SHA256 fingerprint of the
/// normalised value under a key drawn at random for this extract and never stored: equal
/// values give equal tokens within one extract, and nothing can be recovered from them.
/// Other PII columns become `*` (present) or NULL (blank). Until field encryption exists
/// no PII value travels beyond this type.
public struct PIIProtector {
    private let key: SymmetricKey

    public init() {
        key = SymmetricKey(size: .bits256)
    }

    /// The safe token for `value` of `column`, or nil when the value is blank.
    public func protect(_ value: String, column: ColumnSpec) -> String? {
        guard let identity = column.identity else {
            return value.trimmingWhitespace().isEmpty ? nil : "*"
        }
        guard let normalized = IdentityNormalizer.normalize(value, as: identity) else { return nil }
        let mac = HMAC<SHA256>.authenticationCode(for: Array(normalized.utf8), using: key)
        return "fp:" + Hex.encode(mac.prefix(16))
    }
}

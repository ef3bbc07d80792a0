import Crypto

/// Turns PII values into tokens safe to write anywhere, right where they are read.
///
/// Identity columns (email, phone) become `fp:` + 128 bits of SHA-256 over a 64-byte secret
/// drawn at random for this extract (never stored) followed by the normalised value: equal
/// values give equal tokens within one extract, and without the discarded secret nothing can
/// be recovered or even guessed from them. (The secret fills one SHA-256 block, so the hasher
/// is primed once and each value costs one compression; tokens are compared, never verified,
/// so length extension does not matter.)
/// Other PII columns become `*` (present) or NULL (blank). Until field encryption exists
/// no PII value travels beyond this type.
public struct PIIProtector {
    /// A hasher that has already absorbed the secret block; copied per value.
    private let primed: SHA256

    public init() {
        var hasher = SHA256()
        SymmetricKey(size: SymmetricKeySize(bitCount: 512)).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        primed = hasher
    }

    /// The safe token for `value` of `column`, or nil when the value is blank.
    public func protect(_ value: String, column: ColumnSpec) -> String? {
        guard let identity = column.identity else {
            return value.trimmingWhitespace().isEmpty ? nil : "*"
        }
        guard let normalized = IdentityNormalizer.normalize(value, as: identity) else { return nil }
        var hasher = primed
        var text = normalized
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hasher.finalize().withUnsafeBytes { "fp:" + Hex.encode($0.prefix(16)) }
    }
}

import COpenSSL

/// SHA-256 as a plain value over libcrypto's `SHA256_CTX`, for the ledger's many short messages
/// (an entry's chain hash, the Merkle tree's nodes: several per entry, twice per run).
///
/// swift-crypto's `SHA256` allocates a context object per hash and copies it to finalize, which
/// cost more than the hashing itself at 10M entries (docs/performance.md). The digest is the
/// same function (`SHA256HasherTests` checks it against swift-crypto's); long-lived digests
/// (rows, batches, files) stay on swift-crypto.
struct SHA256Hasher {
    private var context = SHA256_CTX()

    static let byteCount = 32

    init() {
        SHA256_Init(&context)
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        SHA256_Update(&context, base, bytes.count)
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    mutating func update(byte: UInt8) {
        withUnsafeBytes(of: byte) { update($0) }
    }

    /// The digest; the hasher is spent (start a new one for the next message).
    mutating func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.byteCount) { buffer, count in
            SHA256_Final(buffer.baseAddress, &context)
            count = Self.byteCount
        }
    }

    /// The digest, held inline (no allocation); the hasher is spent.
    mutating func finalizeHash() -> Hash32 {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.byteCount) { digest in
            SHA256_Final(digest.baseAddress, &context)
            return Hash32(digest: UnsafeRawBufferPointer(digest))
        }
    }

    /// Feeds a hash's 32 bytes.
    mutating func update(_ hash: Hash32) {
        hash.withUnsafeBytes { update($0) }
    }

    /// The digest of one message.
    static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }
}

/// A 32-byte hash (SHA-256) held inline as four words, so a table of millions of wallet
/// summaries costs no heap allocation per hash (an `[UInt8]` costs two, about 80 bytes).
public struct Hash32: Hashable, Sendable {
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

    /// All zeros (the ledger's genesis hash).
    public init() {}

    /// The first 32 bytes of `digest` (a finished SHA-256), read as four big-endian words.
    init(digest: UnsafeRawBufferPointer) {
        w0 = UInt64(bigEndian: digest.loadUnaligned(as: UInt64.self))
        w1 = UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Calls `body` with the 32 bytes, in order, from the stack (no allocation).
    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var words = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return Swift.withUnsafeBytes(of: &words) { body($0) }
    }

    /// The first 32 bytes of `bytes` (zeros where it is shorter); see ``exactly(_:)``.
    public init(_ bytes: some Collection<UInt8>) {
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in bytes.prefix(32).enumerated() { words[index / 8] |= UInt64(byte) << UInt64(56 - 8 * (index % 8)) }
        (w0, w1, w2, w3) = (words[0], words[1], words[2], words[3])
    }

    /// `bytes` as a hash when it holds exactly 32 bytes, else nil.
    public static func exactly(_ bytes: [UInt8]) -> Hash32? {
        bytes.withUnsafeBytes { exactly($0) }
    }

    /// ``exactly(_:)`` of bytes in place.
    static func exactly(_ bytes: UnsafeRawBufferPointer) -> Hash32? {
        bytes.count == 32 ? Hash32(digest: bytes) : nil
    }

    /// The 32 bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return out
    }
}

/// A 64-bit hash of a value's bytes (FNV-1a, then a SplitMix64 finaliser so every bit mixes).
///
/// Seedless on purpose: the profile must be the same for the same export, and Swift's `Hasher`
/// is seeded per process. The profile keeps such hashes, never the values, for the columns it
/// counts distinct values of; collisions at 64 bits are negligible below billions of values.
enum ValueHash {
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return mix(hash)
    }

    static func hash(_ text: String) -> UInt64 {
        var copy = text
        return copy.withUTF8 { hash($0) }
    }

    /// SplitMix64's finaliser: spreads FNV's weak high bits (HyperLogLog reads the top bits).
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// PostgreSQL's hash partitioning of one `bigint` key, computed exactly as the server does, so
/// the loader can send each row straight to its partition: `hashint8extended(key, seed)` (the
/// lookup3 hash of PostgreSQL's `hashfn.c`) combined by `hash_combine64` and taken modulo the
/// modulus. A row sent to the wrong partition is refused by the server (its partition
/// constraint), never stored; `satisfies_hash_partition()` proves this type in a test.
public enum PostgresHashPartition {
    /// `HASH_PARTITION_SEED` in PostgreSQL's `partition.h`.
    static let seed: UInt64 = 0x7A5B_2236_7996_DCFD

    /// The remainder (0..<modulus) of the partition that holds `key`.
    public static func remainder(of key: Int64, modulus: Int) -> Int {
        let combined = combine(0, hashInt8Extended(key, seed: seed))
        return Int(combined % UInt64(modulus))
    }

    /// `hashint8extended`: folds the high half into the low one (as `hashint8` does, so equal
    /// int4 and int8 values hash alike), then hashes 32 bits.
    static func hashInt8Extended(_ value: Int64, seed: UInt64) -> UInt64 {
        let bits = UInt64(bitPattern: value)
        var low = UInt32(truncatingIfNeeded: bits)
        let high = UInt32(truncatingIfNeeded: bits >> 32)
        low ^= value >= 0 ? high : ~high
        return hashUInt32Extended(low, seed: seed)
    }

    /// `hash_bytes_uint32_extended`: Bob Jenkins' lookup3 on one word, seeded.
    static func hashUInt32Extended(_ key: UInt32, seed: UInt64) -> UInt64 {
        var a: UInt32 = 0x9E37_79B9 &+ 4 &+ 3_923_095
        var b = a
        var c = a
        if seed != 0 {
            a &+= UInt32(truncatingIfNeeded: seed >> 32)
            b &+= UInt32(truncatingIfNeeded: seed)
            mix(&a, &b, &c)
        }
        a &+= key
        final(&a, &b, &c)
        return UInt64(b) << 32 | UInt64(c)
    }

    /// `hash_combine64`.
    static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
        a ^ (b &+ 0x49A0_F4DD_15E5_A8E3 &+ (a << 54) &+ (a >> 7))
    }

    private static func rotate(_ x: UInt32, _ k: UInt32) -> UInt32 { x << k | x >> (32 - k) }

    private static func mix(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32) {
        a &-= c; a ^= rotate(c, 4); c &+= b
        b &-= a; b ^= rotate(a, 6); a &+= c
        c &-= b; c ^= rotate(b, 8); b &+= a
        a &-= c; a ^= rotate(c, 16); c &+= b
        b &-= a; b ^= rotate(a, 19); a &+= c
        c &-= b; c ^= rotate(b, 4); b &+= a
    }

    private static func final(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32) {
        c ^= b; c &-= rotate(b, 14)
        a ^= c; a &-= rotate(c, 11)
        b ^= a; b &-= rotate(a, 25)
        c ^= b; c &-= rotate(b, 16)
        a ^= c; a &-= rotate(c, 4)
        b ^= a; b &-= rotate(a, 14)
        c ^= b; c &-= rotate(b, 24)
    }
}

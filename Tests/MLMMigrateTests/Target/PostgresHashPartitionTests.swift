@testable import MLMMigrate
import Testing

/// The partition PostgreSQL 15 puts a bigint key in, computed client-side; the figures were
/// read from a server (`hashint8extended(k, 8816678312871386365)`, and rows inserted into a
/// table partitioned by HASH into 4); EntryPartitionTests proves many more against a server.
@Suite struct PostgresHashPartitionTests {
    @Test func hashesABigintAsPostgreSQLsHashint8extendedDoes() {
        let expected: [(Int64, Int64)] = [
            (1, 5_968_994_663_651_403_477), (2, -6_784_076_462_669_891_433), (-5, 5_466_844_944_386_338_076),
            (1_234_567_890_123, 4_234_184_308_168_508_908),
        ]
        for (key, hash) in expected {
            let computed = PostgresHashPartition.hashInt8Extended(key, seed: PostgresHashPartition.seed)
            #expect(Int64(bitPattern: computed) == hash, "key \(key)")
        }
    }

    @Test func placesKeysInTheRemainderPostgreSQLChose() {
        let chosen = (1...10).map { PostgresHashPartition.remainder(of: Int64($0), modulus: 4) }
        #expect(chosen == [0, 2, 1, 3, 1, 3, 3, 1, 1, 3])
    }
}

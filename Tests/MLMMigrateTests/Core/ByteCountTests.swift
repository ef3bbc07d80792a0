@testable import MLMMigrate
import TestSupport
import Testing

/// `ByteCount` against plain loops, on lengths around its 255-byte blocks.
@Suite struct ByteCountTests {
    @Test func countsBytesAndLineEndsAsAPlainLoopDoes() {
        var numbers = SeededNumbers(seed: 11)
        for length in [0, 1, 2, 254, 255, 256, 257, 509, 510, 511, 1_000, 5_000] {
            for _ in 0..<20 {
                // Mostly the counted bytes, so blocks of 255 of them fill an 8-bit counter.
                let bytes: [UInt8] = (0..<length).map { _ in
                    [0x0D, 0x0A, 0x0A, 0x0D, 0x41][numbers.next(below: 5)]
                }
                let crs = bytes.count { $0 == 0x0D }
                let lfs = bytes.count { $0 == 0x0A }
                let pairs = bytes.indices.dropFirst().count { bytes[$0 - 1] == 0x0D && bytes[$0] == 0x0A }
                bytes.withUnsafeBufferPointer { buffer in
                    #expect(ByteCount.occurrences(of: 0x0A, in: buffer) == lfs, "length \(length)")
                    let counts = ByteCount.lineEnds(in: buffer)
                    #expect(counts.crs == crs && counts.lfs == lfs && counts.pairs == pairs, "length \(length)")
                }
            }
        }
        // A pair split between two blocks, the second without a CR of its own.
        for split in [253, 254, 255, 509] {
            let bytes = [UInt8](repeating: 0x41, count: split) + [0x0D, 0x0A] + [UInt8](repeating: 0x41, count: 300)
            bytes.withUnsafeBufferPointer { #expect(ByteCount.lineEnds(in: $0) == (1, 1, 1), "CR at \(split)") }
        }
        let full = [UInt8](repeating: 0x0A, count: 1_000)
        full.withUnsafeBufferPointer { #expect(ByteCount.occurrences(of: 0x0A, in: $0) == 1_000) }
    }
}

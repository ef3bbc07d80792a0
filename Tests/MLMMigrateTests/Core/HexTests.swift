import MLMMigrate
import Testing

@Suite struct HexTests {
    @Test func decodesHex() {
        #expect(Hex.decode("00ffA0") == [0x00, 0xFF, 0xA0])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }

    @Test func takesEveryHexDigitOfEitherCaseAndRefusesEveryOtherByteInEitherPlace() {
        let values = Dictionary(uniqueKeysWithValues: Array("0123456789abcdef".utf8).enumerated().map { ($1, UInt8($0)) }
            + Array("ABCDEF".utf8).enumerated().map { ($1, UInt8($0 + 10)) })
        for byte in UInt8.min...UInt8.max {
            let high = [byte, UInt8(ascii: "7")].withUnsafeBufferPointer { Hex.decode(bytes: $0) }
            let low = [UInt8(ascii: "7"), byte].withUnsafeBufferPointer { Hex.decode(bytes: $0) }
            #expect(high == values[byte].map { [$0 << 4 | 7] }, "\(byte)")
            #expect(low == values[byte].map { [0x70 | $0] }, "\(byte)")
        }
        var buffer: [UInt8] = [1, 2, 3]
        #expect(!Array("0g".utf8).withUnsafeBufferPointer { Hex.decode(bytes: $0, into: &buffer) } && buffer.isEmpty)
        #expect(Array("beef".utf8).withUnsafeBufferPointer { Hex.decode(bytes: $0, into: &buffer) } && buffer == [0xBE, 0xEF])
    }
}

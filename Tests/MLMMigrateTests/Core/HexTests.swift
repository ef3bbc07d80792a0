import MLMMigrate
import Testing

@Suite struct HexTests {
    @Test func decodesHex() {
        #expect(Hex.decode("00ffA0") == [0x00, 0xFF, 0xA0])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}

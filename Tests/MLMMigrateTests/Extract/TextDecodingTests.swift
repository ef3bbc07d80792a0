import MLMMigrate
import Testing

@Suite struct TextDecodingTests {
    private func decode(_ bytes: [UInt8], _ encoding: TextEncoding) -> String? {
        bytes.withUnsafeBufferPointer { TextDecoding.decode($0, as: encoding) }
    }

    @Test func decodesWindows1252SpecialsIncludingCurlyApostrophe() {
        #expect(decode([0x4F, 0x92, 0x42, 0x72, 0x69, 0x65, 0x6E], .windows1252) == "O’Brien")
        #expect(decode([0x80, 0x20, 0xE9], .windows1252) == "€ é")
    }

    @Test func decodesLatin1ByteForByte() {
        #expect(decode([0x92, 0xE9], .latin1) == "\u{92}é")
    }

    @Test func rejectsInvalidUTF8() {
        #expect(decode([0x4A, 0xE9, 0x72], .utf8) == nil)
        #expect(decode(Array("Jérôme".utf8), .utf8) == "Jérôme")
    }
}

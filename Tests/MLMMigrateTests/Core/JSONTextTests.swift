import MLMMigrate
import Testing

@Suite struct JSONTextTests {
    @Test func ordersKeysAsJsonbDoesShorterFirstThenBytewise() {
        let text = JSONText.object([("username", "a"), ("b", nil), ("_kek_id", "k"), ("aa", "x"), ("B", "y")])
        #expect(text == #"{"B": "y", "b": null, "aa": "x", "_kek_id": "k", "username": "a"}"#)
    }

    @Test func keepsTheLastValueOfAKeyGivenTwice() {
        #expect(JSONText.object([("a", "1"), ("b", "2"), ("a", "3")]) == #"{"a": "3", "b": "2"}"#)
    }

    @Test func writesAnEmptyObjectAsTwoBraces() {
        #expect(JSONText.object([]) == "{}")
    }

    @Test func escapesAsPostgresEscapeJsonDoes() {
        let value = "q\"b\\s/\u{08}\u{0C}\n\r\t\u{01}\u{1F}é€"
        #expect(JSONText.quote(value) == #""q\"b\\s/\b\f\n\r\t\u0001\u001fé€""#)
    }

    @Test func ordersKeysByUTF8BytesNotByCharacters() {
        // "é" is two bytes, so it sorts after the one-byte "z" though both are one character.
        #expect(JSONText.object([("é", "1"), ("z", "2"), ("ab", "3")]) == #"{"z": "2", "ab": "3", "é": "1"}"#)
    }
}

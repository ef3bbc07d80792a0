import MLMMigrate
import Testing

/// Packed texts give back what was stored, and their index compares texts exactly, as Swift
/// strings do, whatever the hash says.
@Suite struct PackedStringsTests {
    private func packed(_ texts: [String?]) -> PackedStrings {
        var strings = PackedStrings()
        for text in texts { strings.append(text) }
        return strings
    }

    @Test func givesBackEveryTextAndNilAsAppended() {
        let texts: [String?] = ["100001", nil, "", "liam1", "Zoë", String(repeating: "x", count: 300)]
        let strings = packed(texts)
        #expect(strings.count == texts.count)
        #expect((0..<texts.count).map { strings[$0] } == texts)
        #expect(strings.isNil(1) && !strings.isNil(2))
    }

    @Test func comparesTextsAsSwiftStringsDo() {
        // U+212A KELVIN SIGN is canonically equivalent to "K"; "é" precomposed and decomposed likewise.
        let strings = packed(["K", "\u{212A}", "caf\u{E9}", "cafe\u{301}", "cafe", nil])
        #expect(strings.equals(0, 1))
        #expect(strings.equals(2, 3))
        #expect(!strings.equals(3, 4))
        #expect(!strings.equals(4, 5) && !strings.equals(5, "cafe"))
        #expect(strings.equals(1, "K"))
    }

    @Test func indexKeepsCollidingTextsApartAndFindsEachByItsText() {
        let strings = packed(["ann", "bob", "ann", "carl", nil, "bob"])
        var index = PackedTextIndex(capacity: 2) { _ in 7 }
        #expect(index.insertIfAbsent(0, in: strings) == nil)
        #expect(index.insertIfAbsent(1, in: strings) == nil)
        #expect(index.insertIfAbsent(2, in: strings) == 0)
        #expect(index.insertIfAbsent(3, in: strings) == nil)
        #expect(index.insertIfAbsent(5, in: strings) == 1)
        #expect(index.count == 3)
        #expect(index.find("ann", in: strings) == 0)
        #expect(index.find("bob", in: strings) == 1)
        #expect(index.find("carl", in: strings) == 3)
        #expect(index.find("dora", in: strings) == nil)
        index.replace(1, with: 5, in: strings)
        #expect(index.find("bob", in: strings) == 5)
        #expect(index.find("ann", in: strings) == 0)
    }

    @Test func indexTreatsCanonicallyEquivalentTextsAsOneKeyLikeADictionary() {
        let strings = packed(["\u{212A}", "K", "cafe\u{301}"])
        var index = PackedTextIndex(capacity: 4)
        #expect(index.insertIfAbsent(0, in: strings) == nil)
        #expect(index.insertIfAbsent(1, in: strings) == 0)
        #expect(index.insertIfAbsent(2, in: strings) == nil)
        #expect(index.find("caf\u{E9}", in: strings) == 2)
    }

    @Test func indexGrowsPastItsCapacityAndStillFindsEveryText() {
        let texts = (0..<5_000).map { "m\($0)" }
        let strings = packed(texts)
        var index = PackedTextIndex(capacity: 1)
        for position in texts.indices { #expect(index.insertIfAbsent(Int32(position), in: strings) == nil) }
        #expect(texts.indices.allSatisfy { index.find(texts[$0], in: strings) == Int32($0) })
    }

    @Test func bitsRememberEachValue() {
        var bits = PackedBits()
        let values = (0..<200).map { $0 % 3 == 0 }
        for value in values { bits.append(value) }
        #expect(bits.count == 200)
        #expect((0..<200).map { bits[$0] } == values)
    }
}

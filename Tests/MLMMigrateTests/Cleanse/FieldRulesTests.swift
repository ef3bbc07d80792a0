import MLMMigrate
import Testing

@Suite struct FieldRulesTests {
    private func column(_ kind: ColumnKind, required: Bool = false) -> ColumnSpec {
        ColumnSpec(field: "f", from: "f", kind: kind, required: required, pii: false, identity: nil)
    }

    @Test func trimsTextAndTurnsBlankIntoNull() {
        #expect(FieldRules(column: column(.text)).apply("  liam1 \t") == .text("liam1"))
        #expect(FieldRules(column: column(.text)).apply("   ") == .text(nil))
        #expect(FieldRules(column: column(.text)).apply(nil) == .text(nil))
    }

    @Test func trimsUnicodeWhiteSpaceAndKeepsInnerSpaces() {
        #expect(TrimText.apply("\u{00A0}Zoë Müller\u{3000}") == "Zoë Müller")
        #expect(TrimText.apply(" \r\nO’Brien\t") == "O’Brien")
        #expect(TrimText.apply("é ") == "é")
        #expect(TrimText.apply("\u{2003}") == nil)
    }

    @Test func mapsCodesAndQuarantinesUnknownOnes() {
        let rules = FieldRules(column: column(.code(["1": "active", "0": "inactive"])))
        #expect(rules.apply(" 1 ") == .text("active"))
        #expect(rules.apply("7") == .rejected(.unknownCode))
    }

    @Test func quarantinesBlankRequiredFields() {
        #expect(FieldRules(column: column(.text, required: true)).apply(" ") == .rejected(.requiredMissing))
        #expect(FieldRules(column: column(.timestamp(.epochSeconds, zone: "UTC"), required: true)).apply(nil) == .rejected(.requiredMissing))
    }

    @Test func parsesTimestampColumnsOrQuarantinesThem() {
        let rules = FieldRules(column: column(.timestamp(.epochSeconds, zone: "UTC")))
        #expect(rules.apply(" 60 ") == .timestamp(60_000_000))
        #expect(rules.apply("soon") == .rejected(.unparseableTimestamp))
        #expect(rules.apply("") == .timestamp(nil))
    }
}

import MLMMigrate
import Testing

@Suite struct PIIProtectorTests {
    let email = ColumnSpec(field: "email", from: "email", kind: .text, required: false, pii: true, identity: .email)
    let name = ColumnSpec(field: "full_name", from: "name", kind: .text, required: false, pii: true, identity: nil)

    @Test func givesTheSameTokenToTheSameNormalisedEmailAndNeverThePlaintext() throws {
        let protector = PIIProtector()
        let a = try #require(protector.protect("  Jane.Doe@Example.COM ", column: email))
        let b = try #require(protector.protect("jane.doe@example.com", column: email))
        #expect(a == b)
        #expect(a.hasPrefix("fp:") && a.count == 35)
        #expect(!a.lowercased().contains("jane"))
        #expect(protector.protect("john@example.com", column: email) != a)
    }

    @Test func givesDifferentTokensInDifferentExtracts() {
        #expect(PIIProtector().protect("a@b.c", column: email) != PIIProtector().protect("a@b.c", column: email))
    }

    @Test func keepsOnlyPresenceForNonIdentityPII() {
        let protector = PIIProtector()
        #expect(protector.protect("Zoë Müller", column: name) == "*")
        #expect(protector.protect("   ", column: name) == nil)
    }

    @Test func normalisesPhonesToDigitsWithLeadingPlus() {
        #expect(IdentityNormalizer.normalize(" +1 (555) 010-2030 ", as: .phone) == "+15550102030")
        #expect(IdentityNormalizer.normalize("n/a", as: .phone) == nil)
    }
}

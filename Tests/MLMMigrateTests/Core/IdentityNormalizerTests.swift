import MLMMigrate
import Testing

@Suite struct IdentityNormalizerTests {
    @Test func treatsTheNFCAndNFDFormsOfOneEmailAsOnePerson() {
        let precomposed = "Ren\u{E9}e@Example.test"
        let decomposed = "  rene\u{301}e@example.TEST "
        #expect(Array(precomposed.utf8) != Array(decomposed.utf8))
        let a = IdentityNormalizer.normalize(precomposed, as: .email)
        let b = IdentityNormalizer.normalize(decomposed, as: .email)
        #expect(a == b)
        #expect(a.map { Array($0.utf8) } == Array("ren\u{E9}e@example.test".utf8))
    }

    @Test func leavesASCIIEmailsAndPhonesAsBefore() {
        #expect(IdentityNormalizer.normalize(" Liam.N@Example.TEST ", as: .email) == "liam.n@example.test")
        #expect(IdentityNormalizer.normalize("+1 (555) 100-0001", as: .phone) == "+15551000001")
        #expect(IdentityNormalizer.normalize("   ", as: .email) == nil)
    }
}

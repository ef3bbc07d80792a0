@testable import MLMMigrate
import Testing

@Suite struct ValueShapeTests {
    @Test func writesDigitsLettersAndPunctuationAsShapes() {
        #expect(ValueShape.of("2019-02-31") == "9999-99-99")
        #expect(ValueShape.of("31/02/2019 10:00") == "99/99/9999 99:99")
        #expect(ValueShape.of("Mary") == "Aaaa")
        #expect(ValueShape.of("10.199999999999999") == "99.999999999999999")
        #expect(ValueShape.of("Gül") == "Aaa")
    }

    @Test func cutsLongValuesWithAnEllipsis() {
        #expect(ValueShape.of(String(repeating: "x", count: 40)) == String(repeating: "a", count: 32) + "…")
    }

    @Test func recognisesPersonalDataByColumnName() {
        #expect(PersonalDataKind.byName("email_addr") == .email)
        #expect(PersonalDataKind.byName("mobile") == .phone)
        #expect(PersonalDataKind.byName("dob") == .dateOfBirth)
        #expect(PersonalDataKind.byName("ssn") == .nationalID)
        #expect(PersonalDataKind.byName("bank_iban") == .bankAccount)
        #expect(PersonalDataKind.byName("street") == .address)
        #expect(PersonalDataKind.byName("first_name") == .name)
        #expect(PersonalDataKind.byName("username") == nil)
        #expect(PersonalDataKind.byName("user_name") == nil)
        #expect(PersonalDataKind.byName("sponsor") == nil)
    }

    @Test func recognisesPersonalDataByShape() {
        func kind(_ text: String) -> PersonalDataKind? {
            var copy = text
            return copy.withUTF8 { PersonalDataKind.byShape($0) }
        }
        #expect(kind("ana.okafor.2@example.test") == .email)
        #expect(kind("+1 555 100 0002") == .phone)
        #expect(kind("(555) 100-0002") == .phone)
        #expect(kind("901-71-0001") == .nationalID)
        #expect(kind("DE89 3704 0044 0532 0130 00") == .bankAccount)
        #expect(kind("Ana Okafor") == .name)
        #expect(kind("100001") == nil)
        #expect(kind("2015-01-03 09:19:41") == nil)
        #expect(kind("DEP") == nil)
    }
}

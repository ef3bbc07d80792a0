/// Kinds of personal data the profile recognises, by column name or by the values' shapes.
/// A column of any of these kinds has no value printed anywhere in the profile.
public enum PersonalDataKind: String, Sendable, Codable, CaseIterable {
    case email
    case phone
    case name
    case dateOfBirth = "date_of_birth"
    case nationalID = "national_id"
    case bankAccount = "bank_account"
    case address
    case kyc

    /// The kind a column's name suggests (`email_addr`, `mobile`, `dob`, `ssn`, `bank_iban`...).
    static func byName(_ column: String) -> PersonalDataKind? {
        let name = column.lowercased()
        let words = Set(name.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init))
        func any(_ hints: [String]) -> Bool { hints.contains { words.contains($0) } }
        func contains(_ hints: [String]) -> Bool { hints.contains { name.contains($0) } }
        if contains(["email", "e_mail", "mail_addr"]) || words.contains("mail") { return .email }
        if any(["phone", "mobile", "tel", "telephone", "cell", "msisdn"]) || contains(["phone"]) {
            return .phone
        }
        if any(["dob", "birth", "birthday", "birthdate"]) || contains(["birth"]) { return .dateOfBirth }
        if any(["ssn", "tax", "nin", "national", "passport", "nric", "pan", "aadhaar", "cpf"]) {
            return .nationalID
        }
        if any(["iban", "bank", "bic", "swift"]) || contains(["iban"]) { return .bankAccount }
        if any(["kyc"]) || contains(["kyc"]) { return .kyc }
        if any(["address", "street", "addr", "city", "zip", "postcode", "postal"]) { return .address }
        let notPersonal = [
            "user", "login", "rank", "product", "plan", "bonus", "file", "company", "table", "currency",
            "display",
        ]
        if any(notPersonal) { return nil }
        if any(["name", "fname", "lname", "firstname", "lastname", "surname", "fullname", "given", "family"])
        {
            return .name
        }
        return nil
    }

    /// The kind a value's bytes look like, or nil; a value is never kept, only counted.
    static func byShape(_ bytes: UnsafeBufferPointer<UInt8>) -> PersonalDataKind? {
        var at = -1, dotAfterAt = false, digits = 0, letters = 0, spaces = 0, phonePunct = 0, other = 0
        var upperFirst = 0
        var previousSpace = true
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "@"): at = at == -1 ? index : -2
            case UInt8(ascii: "."): if at >= 0 { dotAfterAt = true }; other += 1
            case 0x30...0x39: digits += 1
            case 0x41...0x5A, 0x61...0x7A, 0x80...0xFF:
                letters += 1
                if previousSpace && byte >= 0x41 && byte <= 0x5A { upperFirst += 1 }
            case UInt8(ascii: " "): spaces += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"): phonePunct += 1
            default: other += 1
            }
            previousSpace = byte == UInt8(ascii: " ")
        }
        if at > 0 && dotAfterAt && at < bytes.count - 3 { return .email }
        if letters == 0 && other == 0 && (7...15).contains(digits) && (spaces + phonePunct) > 0
            && (bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "(")
                || spaces + phonePunct >= 2)
        {
            if phonePunct == 2 && spaces == 0 && digits == 9 && isNationalID(bytes) { return .nationalID }
            return .phone
        }
        if isNationalID(bytes) { return .nationalID }
        if isIBAN(bytes) { return .bankAccount }
        if digits == 0 && other == 0 && phonePunct == 0 && (1...3).contains(spaces)
            && upperFirst == spaces + 1 && letters >= 4
        {
            return .name
        }
        return nil
    }

    /// `999-99-9999`, the US social security number's shape.
    private static func isNationalID(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == 11 else { return false }
        for (index, byte) in bytes.enumerated() {
            let dash = index == 3 || index == 6
            if dash ? byte != UInt8(ascii: "-") : !(0x30...0x39).contains(byte) { return false }
        }
        return true
    }

    /// Two letters, two digits, then 11 to 30 letters or digits, spaces allowed: an IBAN.
    private static func isIBAN(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var compact: [UInt8] = []
        for byte in bytes where byte != UInt8(ascii: " ") {
            guard (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) else { return false }
            compact.append(byte)
        }
        guard (15...34).contains(compact.count) else { return false }
        return (0x41...0x5A).contains(compact[0]) && (0x41...0x5A).contains(compact[1])
            && (0x30...0x39).contains(compact[2]) && (0x30...0x39).contains(compact[3])
    }
}

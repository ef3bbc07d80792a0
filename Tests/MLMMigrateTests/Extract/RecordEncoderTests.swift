import Foundation
import Logging
import MLMMigrate
import Testing

/// Extract's members rows and `extract/member_pii.tsv`, written batch by batch with the members
/// of a batch sealed into one reused buffer from one draw of random bytes.
@Suite struct RecordEncoderTests {
    static let kek = KeyEncryptionKey.generate().kek
    /// More members than one batch (2,048), so a second batch reuses nothing of the first.
    static let members = 2_100

    private func mapping() throws -> MembersMapping {
        let yaml = """
            version: 1
            vendor: test
            entities:
              members:
                source: { format: csv, files: "members.csv" }
                columns:
                  legacy_id: { from: id, required: true }
                  username: { from: user }
                  full_name: { from: name, pii: true }
                  email: { from: mail, pii: true, identity: email }
                  phone: { from: tel, pii: true, identity: phone }
                genealogy: { legs: [] }
            """
        let result = MappingLoader.parse(yaml: yaml)
        #expect(result.issues.isEmpty, "\(result.issues)")
        return try #require(result.mapping?.members)
    }

    /// Member `n`'s raw name, email and phone: every 7th has no PII at all, every 5th a phone
    /// with no digits (no blind index), every 3rd no name.
    private func raw(_ n: Int) -> (name: String, mail: String, tel: String) {
        if n % 7 == 0 { return ("", " ", "") }
        let name = n % 3 == 0 ? "" : " Ana Müller \(n) "
        return (name, " Ana.\(n)@Example.TEST ", n % 5 == 0 ? "n/a" : "+1 (555) \(n)")
    }

    /// Per member: its members.tsv legacy id, PII markers and blind indexes; its member_pii.tsv row.
    private func extract(in directory: TemporaryDirectory) throws -> (rows: [[String?]], pii: [[String?]]) {
        var csv = "id,user,name,mail,tel\n"
        for n in 1...Self.members {
            let (name, mail, tel) = raw(n)
            csv += n == 10 ? "10,too,few\n" : "\(n),user\(n),\(name),\(mail),\(tel)\n"
        }
        _ = try directory.write("members.csv", csv)
        let encryptor = PIIEncryptor(kek: Self.kek)
        let extractor = Extractor(
            members: try mapping(), source: directory.path, logger: Logger(label: "test"),
            encryptor: encryptor
        )
        let summary = try extractor.run(
            outputPath: "\(directory.path)/members.tsv", piiPath: "\(directory.path)/member_pii.tsv",
            progress: false
        )
        #expect(summary.rows == Self.members && summary.unreadable == 1)
        func read(_ name: String) throws -> (columns: [String], rows: [[String?]]) {
            let reader = try StageFileReader(path: "\(directory.path)/\(name)")
            var rows: [[String?]] = []
            while let row = try reader.next() { rows.append(row) }
            return (reader.columns, rows)
        }
        let members = try read("members.tsv")
        let pii = try read("member_pii.tsv")
        #expect(pii.columns == MemberPIILayout.staged)
        let wanted = ["legacy_id", "full_name", "email", "phone", "_email_bidx", "_phone_bidx"].map { name in
            members.columns.firstIndex(of: name)
        }
        return (members.rows.map { row in wanted.map { $0.flatMap { row[$0] } } }, pii.rows)
    }

    @Test func sealsEveryMembersValuesForThatMemberAcrossBatches() throws {
        let directory = try TemporaryDirectory()
        let (rows, pii) = try extract(in: directory)
        let columns = MemberPIILayout.staged
        try #require(rows.count == Self.members && pii.count == Self.members)
        let encryptor = PIIEncryptor(kek: Self.kek)
        let digest = PIIRecordDigest(kek: Self.kek)
        var nonces = Set<[UInt8]>()
        var keys = Set<[UInt8]>()
        for (index, (row, staged)) in zip(rows, pii).enumerated() {
            let n = index + 1
            let value = Dictionary(uniqueKeysWithValues: zip(columns, staged))
            let (name, mail, tel) = n == 10 ? ("", "", "") : raw(n)
            #expect(row[0] == (n == 10 ? nil : String(n)), "rows stay in source order")
            let given: [(String, String, IdentityKind?)] = [
                ("full_name", name, nil), ("email", mail, .email), ("phone", tel, .phone),
            ]
            let normal = given.compactMap { field, raw, identity in
                PIINormalizer.normalize(raw, identity: identity).map { (field, $0) }
            }
            guard !normal.isEmpty else {
                #expect(staged.allSatisfy { $0 == nil }, "member \(n): no key, ciphertext or digest")
                #expect(row[1...].allSatisfy { $0 == nil })
                continue
            }
            let wrappedText = try #require(value["wrapped_key"] ?? nil)
            let wrapped = try #require(Hex.decodeBytea(wrappedText))
            #expect(keys.insert(wrapped).inserted)
            let dataKey = try FieldCipher.unwrap(wrapped, with: Self.kek)
            var stored: [String: String] = [:]
            for (field, normalized) in normal {
                let text = try #require(value[field] ?? nil)
                let ciphertext = try #require(Hex.decodeBytea(text))
                #expect(nonces.insert(Array(ciphertext[1..<13])).inserted, "a nonce is never used twice")
                let binding = FieldCipher.Binding(
                    table: MemberPIILayout.table, column: field, memberLegacyID: String(n)
                )
                #expect(try FieldCipher.open(ciphertext, for: binding, with: dataKey) == normalized.stored)
                stored[field] = normalized.stored
                let index = normalized.indexed.flatMap { encryptor.blindIndex($0, field: field) }
                    .map(Hex.bytea)
                if field != "full_name" {
                    #expect(value[MemberPIILayout.blindIndexColumn(field)] == index)
                    #expect(row[field == "email" ? 4 : 5] == index)
                }
            }
            for (offset, field) in ["full_name", "email", "phone"].enumerated() {
                #expect((value[field] ?? nil == nil) == (stored[field] == nil))
                #expect(row[1 + offset] == (stored[field] == nil ? nil : "*"))
            }
            let recordDigest = digest.digest(legacyID: String(n), values: stored)
            #expect(value[PIIRecordDigest.column] == Hex.bytea(recordDigest))
        }
    }
}

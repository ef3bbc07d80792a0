import MLMMigrate
import Testing

@Suite struct MappingLoaderTests {
    @Test(arguments: ["vendor1-binaryplan", "vendor2-mlmsoft", "vendor3-flatwallet"])
    func bundledMappingsAreValid(name: String) {
        let result = MappingLoader.check(path: PackagePaths.mapping(name))
        #expect(result.issues == [])
        #expect(result.mapping?.digest.count == 64)
    }

    @Test func reportsEveryErrorWithItsYAMLPathAndLine() {
        let yaml = """
            version: 1
            vendor: test
            entities:
              members:
                source:
                  format: csv
                  encoding: ebcdic
                columns:
                  username: { from: login }
                  joined_at: { from: created, type: timestamp, format: "d/m/Y", timezone: Mars/Olympus }
                  shoe_size: { from: shoes }
                  email: { from: mail, identity: email }
                genealogy:
                  legs: [left, right]
                  orphan_policy: forgive
            """
        let issues = MappingLoader.parse(yaml: yaml).issues
        let paths = issues.map(\.path)
        #expect(paths.contains("entities.members.source.encoding"))
        #expect(paths.contains("entities.members.columns.joined_at.timezone"))
        #expect(paths.contains("entities.members.columns.shoe_size"))
        #expect(paths.contains("entities.members.columns.email.identity"))
        #expect(paths.contains("entities.members.columns.legacy_id"))
        #expect(paths.contains("entities.members.genealogy.orphan_policy"))
        #expect(paths.contains("entities.members.genealogy.legs"))
        #expect(issues.first { $0.path == "entities.members.source.encoding" }?.line == 7)
    }

    @Test func rejectsUnknownKeysAndBrokenYAML() {
        #expect(MappingLoader.parse(yaml: "version: 1\nvendor: x\nentites: {}\n").issues.contains { $0.path == "entites" })
        #expect(MappingLoader.parse(yaml: "version: [1\n").issues.first?.path == "(yaml)")
    }

    @Test func rejectsATableNameThatIsNotAPlainIdentifier() {
        let yaml = """
            version: 1
            vendor: x
            entities:
              members:
                source: { format: sqlite, table: "t; DROP TABLE t" }
                columns: { legacy_id: { from: id } }
                genealogy: {}
            """
        #expect(MappingLoader.parse(yaml: yaml).issues.contains { $0.path == "entities.members.source.table" })
    }

    @Test func parsesPHPDateLettersIntoTokens() {
        #expect(TimestampFormat("d/m/Y H:i") == .pattern([.day2, .literal(UInt8(ascii: "/")), .month2, .literal(UInt8(ascii: "/")), .year4, .literal(UInt8(ascii: " ")), .hour2, .literal(UInt8(ascii: ":")), .minute2]))
        #expect(TimestampFormat("H:i") == nil)
        #expect(TimestampFormat("epoch") == .epochSeconds)
    }

    @Test func readsTheDeltaPolicyAndNamesItsMistakes() throws {
        let base = try String(contentsOfFile: PackagePaths.mapping("vendor2-mlmsoft"), encoding: .utf8)
        #expect(MappingLoader.parse(yaml: base).mapping?.delta == DeltaPolicy())
        let marked = MappingLoader.parse(yaml: base + "\ndelta:\n  gone_members: mark\n  gone_status: gone\n")
        #expect(marked.issues == [])
        #expect(marked.mapping?.delta == DeltaPolicy(goneMembers: .mark, goneStatus: "gone"))
        let paths = { (yaml: String) in MappingLoader.parse(yaml: base + yaml).issues.map(\.path) }
        #expect(paths("\ndelta:\n  gone_members: mark\n") == ["delta.gone_status"])
        #expect(paths("\ndelta:\n  gone_members: keep\n  gone_status: gone\n") == ["delta.gone_status"])
        #expect(paths("\ndelta:\n  gone_members: delete\n") == ["delta.gone_members"])
    }
}

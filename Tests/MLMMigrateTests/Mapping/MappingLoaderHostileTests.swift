import MLMMigrate
import Testing

@Suite struct MappingLoaderHostileTests {
    private func members(source: String, extra: String = "") -> String {
        """
        version: 1
        vendor: test
        \(extra)
        entities:
          members:
            source: \(source)
            columns:
              legacy_id: { from: id, required: true }
              username: { from: login }
            genealogy:
              legs: []
        """
    }

    @Test func namesADuplicateKeyAndItsLineInsteadOfSayingOnlyNotValidYAML() {
        let yaml = """
            version: 1
            vendor: test
            entities:
              members:
                source: { format: csv }
                columns:
                  legacy_id: { from: id }
                  legacy_id: { from: other }
                genealogy: { legs: [] }
            """
        let issues = MappingLoader.parse(yaml: yaml).issues
        #expect(issues.count == 1)
        #expect(issues.first?.message.contains("'legacy_id' appears twice") == true)
        #expect(issues.first?.line == 7)
    }

    @Test func refusesAQuoteEqualToTheDelimiter() {
        let issues = MappingLoader.parse(yaml: members(source: "{ format: csv, delimiter: \"'\", quote: \"'\" }")).issues
        #expect(issues.map(\.path) == ["entities.members.source.quote"])
        #expect(issues.first?.message == "must differ from the delimiter")
    }

    @Test func readsMaxQuarantineRatioExactlyAndRefusesWhatIsNotAShare() {
        let mapping = MappingLoader.parse(yaml: members(source: "{ format: csv }", extra: "max_quarantine_ratio: 0.125")).mapping
        #expect(mapping?.maxQuarantineRatio == QuarantineRatio(partsPerMillion: 125_000))
        #expect(MappingLoader.parse(yaml: members(source: "{ format: csv }")).mapping?.maxQuarantineRatio == .defaultMaximum)
        for bad in ["1.5", "-0.1", "5%", "0.1234567", "abc", "."] {
            let issues = MappingLoader.parse(yaml: members(source: "{ format: csv }", extra: "max_quarantine_ratio: \"\(bad)\"")).issues
            #expect(issues.map(\.path) == ["max_quarantine_ratio"], "\(bad)")
        }
    }

    @Test func comparesQuarantineSharesExactly() {
        let ratio = QuarantineRatio(partsPerMillion: 50_000)
        #expect(ratio.allows(5, of: 100))
        #expect(!ratio.allows(6, of: 100))
        #expect(ratio.allows(0, of: 0))
        #expect(!ratio.allows(1, of: 0))
        #expect(ratio.percent == "5%")
        #expect(QuarantineRatio(partsPerMillion: 1_250).percent == "0.125%")
        #expect(QuarantineRatio.percent(of: 1, in: 3) == "33.33%")
        #expect(QuarantineRatio.percent(of: 0, in: 0) == "n/a")
    }
}

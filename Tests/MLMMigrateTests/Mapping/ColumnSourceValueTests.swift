import MLMMigrate
import Testing

@Suite struct ColumnSourceValueTests {
    private func column(nullValues: Set<String> = [], constant: String? = nil, defaultValue: String? = nil) -> ColumnSpec {
        var column = ColumnSpec(field: "f", from: "f", kind: .text, required: true, pii: false, identity: nil)
        column.nullValues = nullValues
        column.constant = constant
        column.defaultValue = defaultValue
        return column
    }

    @Test func readsSentinelsAsMissingSoARequiredColumnIsQuarantinedAsMissing() {
        let joined = column(nullValues: ["0001-01-01", "0000-00-00 00:00:00", "0"])
        #expect(joined.sourceValue(" 0001-01-01 ") == nil)
        #expect(joined.sourceValue("0000-00-00 00:00:00") == nil)
        #expect(joined.sourceValue("0") == nil)
        #expect(joined.sourceValue("2020-01-01") == "2020-01-01")
        #expect(joined.sourceValue("00") == "00")
        #expect(FieldRules(column: joined).apply(joined.sourceValue("0")) == .rejected(.requiredMissing))
    }

    @Test func givesAConstantForEveryRowAndADefaultForBlankOrSentinelValues() {
        #expect(column(constant: "INR").sourceValue("USD") == "INR")
        #expect(column(constant: "INR").sourceValue(nil) == "INR")
        let zone = column(nullValues: ["-"], defaultValue: "UTC")
        #expect(zone.sourceValue(nil) == "UTC")
        #expect(zone.sourceValue("  ") == "UTC")
        #expect(zone.sourceValue("-") == "UTC")
        #expect(zone.sourceValue("Asia/Kolkata") == "Asia/Kolkata")
    }

    @Test func mapsACodeMeaningNoneToABlankField() {
        let leg = ColumnSpec(field: "placement_leg", from: "leg", kind: .code(["1": "left", "2": "right", "0": ""]), required: false, pii: false, identity: nil)
        #expect(FieldRules(column: leg).apply("0") == .text(nil))
        #expect(FieldRules(column: leg).apply("2") == .text("right"))
        var required = leg
        required.required = true
        #expect(FieldRules(column: required).apply("0") == .rejected(.requiredMissing))
    }

    private func mapping(_ columns: String, legs: String = "[left, right]") -> String {
        """
        version: 1
        vendor: test
        entities:
          members:
            source: { format: csv }
            columns:
        \(columns)
            genealogy:
              legs: \(legs)
        """
    }

    @Test func readsValueDefaultNullValuesAndNoneCodesFromTheMapping() throws {
        let yaml = mapping("""
                  legacy_id: { from: id, required: true }
                  placement: { from: parent, null_values: ["0", "-1"] }
                  placement_leg: { from: leg, codes: { "1": left, "2": right, "0": null, "9": "" } }
                  status: { value: active }
                  joined_at: { from: created, type: timestamp, format: "Y-m-d", timezone: UTC, null_values: ["0000-00-00"], default: "2000-01-01" }
            """)
        let result = MappingLoader.parse(yaml: yaml)
        #expect(result.issues == [])
        let columns = try #require(result.mapping?.members.columns)
        #expect(columns.first { $0.field == "placement" }?.nullValues == ["0", "-1"])
        #expect(columns.first { $0.field == "placement_leg" }?.kind == .code(["1": "left", "2": "right", "0": "", "9": ""]))
        #expect(columns.first { $0.field == "status" }?.constant == "active")
        #expect(columns.first { $0.field == "joined_at" }?.defaultValue == "2000-01-01")
    }

    @Test func pointsABadLegCodeAtItsOwnLineAndRefusesValueWithFrom() {
        let yaml = mapping("""
                  legacy_id: { from: id, required: true }
                  placement: { from: parent }
                  placement_leg:
                    from: leg
                    codes:
                      "1": left
                      "3": middle
                  status: { value: active, from: state }
            """)
        let issues = MappingLoader.parse(yaml: yaml).issues
        let leg = issues.first { $0.path == "entities.members.columns.placement_leg.codes.3" }
        #expect(leg?.line == 13)
        #expect(leg?.message.contains("'middle'") == true)
        #expect(issues.contains { $0.path == "entities.members.columns.status.from" })
    }
}

/// The findings a profile leads with: each defect class visible before mapping, with a stable
/// code, where it is, and how many values or records it touches. Details never quote a value
/// (except the fixed sentinel list, which is nobody's data).
enum ProfileFindings {
    /// Every finding code, with its meaning (docs/profile.md lists the same).
    static let codes: [(code: String, meaning: String)] = [
        (
            "profile.malformed_records",
            "CSV records with text after a closing quote or a quote never closed on their line"
        ),
        ("profile.field_count", "CSV records with more or fewer fields than the header"),
        (
            "profile.encoding_mix",
            "a UTF-8 byte-order mark on text that is not UTF-8, or UTF-8 and other bytes in one table"
        ),
        (
            "profile.invalid_encoding",
            "values whose bytes are not UTF-8 in a table that is otherwise UTF-8 (or a SQLite table)"
        ),
        ("profile.nul_bytes", "values holding a NUL byte"),
        ("profile.mixed_line_endings", "a CSV file with more than one kind of line end"),
        ("profile.duplicate_keys", "a key candidate with repeated values (duplicate ids)"),
        (
            "profile.duplicate_personal_data",
            "an email or phone column with repeated values (the same person twice)"
        ),
        ("profile.sentinels", "values that usually stand for missing (0000-00-00, 0, N/A)"),
        (
            "profile.float_artefacts",
            "decimal values that are floating-point artefacts at 2 decimals (10.199999999999999)"
        ),
        (
            "profile.sub_minor_amounts",
            "decimal values with digits below a cent beyond the artefact tolerance"
        ),
        ("profile.timestamp_out_of_range", "timestamps outside 1900-01-01..2100-01-01"),
        (
            "profile.timestamp_impossible",
            "values shaped like the column's timestamps that are no date (31/02/2019)"
        ),
        (
            "profile.nonconforming_values",
            "values of an integer, decimal or timestamp column that do not read as one"
        ),
        ("profile.orphan_references", "reference values found in no row of the referenced key (orphans)"),
        ("profile.self_references", "rows that reference themselves (a member its own sponsor)"),
        ("profile.reference_cycles", "rows on a cycle of references within one table (A → B → C → A)"),
        ("profile.personal_data", "a column that looks like personal data: only shapes and counts are shown"),
    ]

    static func collect(tables: [TableProfile], references: [ReferenceProfile]) -> [ProfileFinding] {
        var out: [ProfileFinding] = []
        func add(_ code: String, _ table: String, _ column: String?, _ count: Int, _ detail: String) {
            if count > 0 {
                out.append(
                    ProfileFinding(code: code, table: table, column: column, count: count, detail: detail))
            }
        }
        for table in tables {
            if let csv = table.csv {
                add(
                    "profile.malformed_records", table.name, nil, csv.malformedRecords,
                    "lines \(Self.lines(csv.malformedLines, of: csv.malformedRecords))")
                add(
                    "profile.field_count", table.name, nil, csv.fieldCountMismatches,
                    "lines \(Self.lines(csv.fieldCountMismatchLines, of: csv.fieldCountMismatches))")
                // Line ends inside quoted fields are data, not record ends: only more than those is a mix.
                let counts = [csv.lineEndings.crlf, csv.lineEndings.lf, csv.lineEndings.cr].sorted()
                if counts[0] + counts[1] > csv.lineBreaksInFields {
                    add(
                        "profile.mixed_line_endings", table.name, nil, csv.physicalLines,
                        "CRLF \(csv.lineEndings.crlf), LF \(csv.lineEndings.lf), CR \(csv.lineEndings.cr)")
                }
                if csv.byteOrderMark && table.encoding.invalidUtf8Values > 0 {
                    add(
                        "profile.encoding_mix", table.name, nil, table.encoding.invalidUtf8Values,
                        "a UTF-8 byte-order mark, but \(table.encoding.invalidUtf8Values) values are not UTF-8 (\(table.encoding.guess))"
                    )
                }
            }
            if table.encoding.guess == "mixed" {
                add(
                    "profile.encoding_mix", table.name, nil, table.encoding.invalidUtf8Values,
                    "\(table.encoding.nonAsciiValues - table.encoding.invalidUtf8Values) values valid UTF-8, \(table.encoding.invalidUtf8Values) not"
                )
            }
            for column in table.columns {
                let name = column.name
                if table.encoding.guess == "mixed" || table.csv == nil {
                    add(
                        "profile.invalid_encoding", table.name, name, column.encoding.invalidUtf8Values,
                        "values not valid UTF-8")
                }
                add(
                    "profile.nul_bytes", table.name, name, column.encoding.nulByteValues,
                    "values with a NUL byte")
                if column.keyCandidate {
                    add(
                        "profile.duplicate_keys", table.name, name, column.repeats,
                        "\(column.repeats) repeated values in a key of \(column.distinct) distinct")
                }
                if let personal = column.personalData {
                    add(
                        "profile.personal_data", table.name, name, column.nonBlank,
                        "\(personal.kind.rawValue) (by \(personal.evidence))")
                    if personal.kind == .email || personal.kind == .phone {
                        add(
                            "profile.duplicate_personal_data", table.name, name, column.repeats,
                            "\(column.repeats) values repeat another (normalised)")
                    }
                }
                let sentinelCount = column.sentinels.reduce(0) { $0 + $1.count }
                add(
                    "profile.sentinels", table.name, name, sentinelCount,
                    column.sentinels.map { "\($0.value) ×\($0.count)" }.joined(separator: ", "))
                if let money = column.money {
                    add(
                        "profile.float_artefacts", table.name, name, money.artefacts2,
                        "\(money.artefacts2) of \(money.decimalValues) decimal values")
                    add(
                        "profile.sub_minor_amounts", table.name, name, money.subMinor2,
                        "\(money.subMinor2) of \(money.decimalValues) decimal values")
                }
                if let timestamp = column.timestamp {
                    add(
                        "profile.timestamp_out_of_range", table.name, name, timestamp.outOfRange,
                        "format \(timestamp.format)")
                    add(
                        "profile.timestamp_impossible", table.name, name, timestamp.impossible,
                        "format \(timestamp.format)")
                }
                if column.inferredType != "text" && column.inferredType != "empty" {
                    let outOfRange = column.timestamp.map { $0.outOfRange + $0.impossible } ?? 0
                    add(
                        "profile.nonconforming_values", table.name, name, column.nonconforming - outOfRange,
                        "values that do not read as \(column.inferredType)")
                }
            }
        }
        for reference in references where reference.status == "computed" {
            let target = "\(reference.toTable).\(reference.toColumn)"
            add(
                "profile.orphan_references", reference.fromTable, reference.fromColumn,
                reference.values - reference.matched,
                "\(reference.values - reference.matched) of \(reference.values) values match no \(target)")
            add(
                "profile.self_references", reference.fromTable, reference.fromColumn, reference.selfLoops,
                "rows naming themselves in \(target)")
            add(
                "profile.reference_cycles", reference.fromTable, reference.fromColumn, reference.rowsOnCycles,
                "\(reference.cycles) cycle(s) through \(target)")
        }
        return out
    }

    private static func lines(_ listed: [Int], of total: Int) -> String {
        listed.map(String.init).joined(separator: ", ")
            + (total > listed.count ? " and \(total - listed.count) more" : "")
    }
}

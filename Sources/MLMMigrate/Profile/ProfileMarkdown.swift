import Foundation

/// Renders a ``Profile`` as `profile.md`, for the migration engineer and the client's data
/// owner: findings first, then each table and its columns, then references. Prints only what
/// the profile holds, so no personal-data value can appear.
enum ProfileMarkdown {
    static func render(_ profile: Profile) -> String {
        var out = "# Profile of \(profile.source)\n\n"
        out += "\(profile.tables.count) table(s), \(profile.tables.reduce(0) { $0 + $1.rows }) rows. "
        out += "Personal-data columns show shapes and counts only. Field meanings: docs/profile.md.\n\n"
        out += "## Findings\n\n"
        if profile.findings.isEmpty { out += "None.\n" }
        out += profile.findings.isEmpty ? "" : "| finding | where | count | detail |\n|---|---|---:|---|\n"
        for finding in profile.findings {
            let place = finding.column.map { "\(finding.table).\($0)" } ?? finding.table
            out += "| `\(finding.code)` | \(cell(place)) | \(finding.count) | \(cell(finding.detail)) |\n"
        }
        out +=
            "\n## Tables\n\n| table | file | rows | encoding | line ends | malformed |\n|---|---|---:|---|---|---:|\n"
        for table in profile.tables {
            let ends =
                table.csv.map {
                    "CRLF \($0.lineEndings.crlf), LF \($0.lineEndings.lf), CR \($0.lineEndings.cr)"
                } ?? "-"
            let encoding = table.encoding.guess + (table.csv?.byteOrderMark == true ? " (BOM)" : "")
            let bad = table.csv.map { String($0.malformedRecords + $0.fieldCountMismatches) } ?? "-"
            out +=
                "| \(cell(table.name)) | \(cell(table.file)) | \(table.rows) | \(encoding) | \(ends) | \(bad) |\n"
        }
        for table in profile.tables {
            out +=
                "\n### \(table.name)\n\n| column | type | blank | distinct | key | shapes | notes |\n|---|---|---:|---:|---|---|---|\n"
            for column in table.columns {
                let distinct = "\(column.distinct)\(column.distinctExact ? "" : " (est.)")"
                let key =
                    column.keyCandidate ? (column.unique ? "unique" : "key, \(column.repeats) repeats") : ""
                let shapes =
                    column.shapes.prefix(3).map { "`\($0.shape)` \($0.count)" }.joined(separator: ", ")
                    + (column.shapes.count > 3 || column.otherShapes > 0 ? ", …" : "")
                out +=
                    "| \(cell(column.name)) | \(column.inferredType) | \(percent(column.blankShare)) | \(distinct) | \(key) | \(cell(shapes)) | \(cell(notes(column))) |\n"
            }
        }
        out += "\n## References\n\n"
        let computed = profile.references.filter { $0.status == "computed" }
        if computed.isEmpty {
            out += "None found.\n"
        } else {
            out += "| column | matches | share | orphans | self | cycles |\n|---|---|---:|---:|---:|---:|\n"
            for reference in computed {
                out +=
                    "| \(cell(reference.fromTable)).\(cell(reference.fromColumn)) | \(cell(reference.toTable)).\(cell(reference.toColumn)) | "
                out +=
                    "\(percent(reference.matchShare)) | \(reference.values - reference.matched) | \(reference.selfLoops) | "
                out += "\(reference.cycles) (\(reference.rowsOnCycles) rows) |\n"
            }
        }
        for reference in profile.references where reference.status != "computed" {
            out += "\n\(reference.toTable).\(reference.toColumn): references to it \(reference.status).\n"
        }
        return out
    }

    private static func notes(_ column: ColumnProfile) -> String {
        var notes: [String] = []
        if let personal = column.personalData {
            notes.append(
                "**personal data: \(personal.kind.rawValue)** (by \(personal.evidence)), \(percent(personal.duplicateShare)) repeats"
            )
        }
        if let timestamp = column.timestamp {
            var text = "format `\(timestamp.format)`"
            if !timestamp.alsoFits.isEmpty {
                text += " (also fits \(timestamp.alsoFits.map { "`\($0)`" }.joined(separator: ", ")))"
            }
            if timestamp.outOfRange > 0 { text += ", \(timestamp.outOfRange) out of range" }
            if timestamp.impossible > 0 { text += ", \(timestamp.impossible) impossible" }
            notes.append(text)
        }
        if let min = column.min, let max = column.max { notes.append("\(min) … \(max)") }
        if let money = column.money {
            notes.append(
                "money? \(money.artefacts2) float artefacts at 2 decimals (\(percent(money.artefactShare2))), \(money.subMinor2) below a cent"
            )
        }
        if !column.sentinels.isEmpty {
            notes.append(
                "sentinels " + column.sentinels.map { "`\($0.value)` ×\($0.count)" }.joined(separator: ", "))
        }
        if let codes = column.codes {
            notes.append(
                "codes " + codes.prefix(12).map { "`\($0.value)` \($0.count)" }.joined(separator: ", "))
        }
        if column.nonconforming > 0 && column.inferredType != "text" {
            notes.append("\(column.nonconforming) not \(column.inferredType)")
        }
        if column.encoding.invalidUtf8Values > 0 {
            notes.append("\(column.encoding.invalidUtf8Values) not UTF-8")
        }
        if let declared = column.declaredType, !declared.isEmpty { notes.append("declared \(declared)") }
        return notes.joined(separator: "; ")
    }

    private static func percent(_ share: Double) -> String {
        String(format: "%.2f%%", share * 100)
    }

    /// Escapes a table cell's pipes and line breaks.
    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}

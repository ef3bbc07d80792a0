import Foundation

/// The pieces a draft is written with: sources, guesses and the evidence comments.
extension DraftBuilder {
    mutating func writeSource(_ table: TableProfile, indent: String) {
        out.append("\(indent)source:")
        if let csv = table.csv {
            out.append("\(indent)  format: csv")
            let stem = (table.file as NSString).deletingPathExtension
            out.append(
                "\(indent)  files: \(Self.quote(stem + "*." + (table.file as NSString).pathExtension))")
            switch table.encoding.guess {
            case "windows-1252", "latin-1", "mixed":
                // Latin-1 and Windows-1252 read every byte alike outside 0x80-0x9F, where only 1252 has letters.
                out.append(
                    "\(indent)  encoding: windows-1252   # \(table.encoding.invalidUtf8Values) values not UTF-8, \(table.encoding.c1ByteValues) with bytes 0x80-0x9F\(csv.byteOrderMark ? "; the file starts with a UTF-8 BOM all the same" : "")"
                )
            default:
                break
            }
            if csv.delimiter != "," { out.append("\(indent)  delimiter: \(Self.quote(csv.delimiter))") }
        } else {
            out.append("\(indent)  format: sqlite")
            out.append("\(indent)  files: \(Self.quote(table.file))")
            out.append("\(indent)  table: \(table.name)")
        }
    }

    /// `null_values:` for the sentinels the profile saw in the column: they are read as blank.
    static func nullValues(_ column: ColumnProfile) -> [String] {
        column.sentinels.isEmpty
            ? []
            : [
                "null_values: [" + column.sentinels.map { JSONText.quote($0.value) }.joined(separator: ", ")
                    + "]"
            ]
    }

    static func sentinelEvidence(_ column: ColumnProfile) -> String {
        column.sentinels.isEmpty
            ? ""
            : "; sentinels read as missing: "
                + column.sentinels.map { "\($0.value) ×\($0.count)" }.joined(separator: ", ")
    }

    /// A low-cardinality code column named like `hints`, not yet mapped.
    func codeColumn(_ table: TableProfile, hints: [String], excluding: Set<String>) -> ColumnProfile? {
        table.columns.first { column in
            !excluding.contains(column.name) && column.codes != nil && column.personalData == nil
                && DraftGuesses.named(column.name, hints)
        }
    }

    /// Codes common enough to be real (at least 0.5% of values, and more than one): rarer ones
    /// are left out, so the rows holding them are quarantined (`field.unknown_code`).
    func mainCodes(_ column: ColumnProfile) -> [CodeCount] {
        (column.codes ?? []).filter { $0.count >= 2 && $0.count * 200 >= column.nonBlank }.sorted {
            $0.value < $1.value
        }
    }

    func zoneGuess() -> (zone: String, evidence: String) {
        var totals: [String: Int] = [:]
        for table in profile.tables {
            for column in table.columns where Self.isCurrency(column) {
                for code in column.codes ?? [] { totals[code.value.uppercased(), default: 0] += code.count }
            }
        }
        guard let top = totals.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }),
            let zone = DraftGuesses.zoneByCurrency[top.key]
        else {
            return ("UTC", "no evidence of the legacy clock's zone: set it")
        }
        let all = totals.values.reduce(0, +)
        return (
            zone,
            "zone guessed from the currency: \(Self.percent(ColumnProfiler.share(top.value, all))) of wallet rows are \(top.key)"
        )
    }

    func zoneOption(_ timestamp: TimestampProfile, _ zone: (zone: String, evidence: String)) -> [String] {
        timestamp.format == "epoch" ? [] : ["timezone: \(zone.zone)"]
    }

    static func isCurrency(_ column: ColumnProfile) -> Bool {
        guard let codes = column.codes, !codes.isEmpty, column.personalData == nil else { return false }
        return codes.filter { $0.value.count == 3 && $0.value.allSatisfy({ $0.isUppercase }) }.reduce(0) {
            $0 + $1.count
        } * 10 >= column.nonBlank * 9
    }

    static func moneyColumn(_ table: TableProfile, excluding: [String]) -> ColumnProfile? {
        let hints = ["amount", "amt", "balance", "bal", "total", "value", "cents", "minor", "sum", "price"]
        return table.columns.first { column in
            guard !excluding.contains(column.name), column.personalData == nil,
                DraftGuesses.named(column.name, hints)
            else { return false }
            return column.inferredType == "decimal" || column.inferredType == "integer"
        }
    }

    /// `from:`, the options, then `null_values:` when the column has sentinels.
    static func options(_ column: ColumnProfile, _ options: [String]) -> String {
        (["from: \(quote(column.name))"] + options + nullValues(column)).joined(separator: ", ")
    }

    static func piiField(_ kind: PersonalDataKind, column: String, table: TableProfile) -> String? {
        switch kind {
        case .email: return "email"
        case .phone: return "phone"
        case .dateOfBirth: return "date_of_birth"
        case .nationalID: return "tax_id"
        case .bankAccount: return "bank_account"
        case .address: return "address"
        case .kyc: return DraftGuesses.named(column, ["status", "state"]) ? "kyc_status" : "kyc_document_ref"
        case .name:
            if DraftGuesses.named(column, ["first", "given", "fname", "firstname"]) { return "first_name" }
            if DraftGuesses.named(column, ["last", "surname", "family", "lname", "lastname"]) {
                return "last_name"
            }
            return "full_name"
        }
    }

    static func idScore(_ column: ColumnProfile) -> Int {
        (DraftGuesses.named(column.name, ["id", "no", "number", "num", "code"]) ? 4 : 0)
            + (column.inferredType == "integer" ? 2 : 0) + (column.unique ? 1 : 0)
    }

    static func usernameScore(_ column: ColumnProfile) -> Int {
        DraftGuesses.named(
            column.name, ["username", "user", "login", "handle", "nick", "nickname", "userid"]) ? 2 : 0
    }

    static func required(_ column: ColumnProfile, always: Bool) -> [String] {
        always || column.blankShare < 0.01 ? ["required: true"] : []
    }

    static func keyEvidence(_ column: ColumnProfile) -> String {
        "\(column.distinct) distinct of \(column.nonBlank), \(column.repeats) repeated, \(percent(column.blankShare)) blank"
    }

    static func referenceEvidence(_ reference: ReferenceProfile) -> String {
        "\(percent(reference.matchShare)) of \(reference.fromColumn) values match \(reference.toTable).\(reference.toColumn)"
            + " (\(reference.values - reference.matched) orphan(s)\(reference.selfLoops > 0 ? ", \(reference.selfLoops) self" : "")\(reference.cycles > 0 ? ", \(reference.cycles) cycle(s)" : ""))"
    }

    static func codeEvidence(_ column: ColumnProfile, kept: [CodeCount]) -> String {
        let all = column.codes ?? []
        let left = all.filter { code in !kept.contains { $0.value == code.value } }
        return "codes seen: " + all.map { "\($0.value) ×\($0.count)" }.joined(separator: ", ")
            + (left.isEmpty ? "" : "; left out as too rare: " + left.map(\.value).joined(separator: ", "))
    }

    static func timestampEvidence(
        _ column: ColumnProfile, _ timestamp: TimestampProfile, _ zone: (zone: String, evidence: String)
    ) -> String {
        var text = "\(timestamp.parsed) of \(column.nonBlank) values read as \(timestamp.format)"
        if !timestamp.alsoFits.isEmpty {
            text += " (as do \(timestamp.alsoFits.joined(separator: ", ")): check)"
        }
        if timestamp.format != "epoch" { text += "; \(zone.evidence)" }
        return text
    }

    static func codeTable(_ table: [(String, String)]) -> String {
        "{ " + table.map { "\(quote($0.0)): \(quote($0.1))" }.joined(separator: ", ") + " }"
    }

    static func percent(_ share: Double) -> String { String(format: "%.2f%%", share * 100) }

    /// A YAML scalar: plain when it is letters, digits and `_` and not a number, else double-quoted.
    static func quote(_ text: String) -> String {
        let plain =
            !text.isEmpty && text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
            && !(text.first?.isNumber ?? true)
            && !["true", "false", "yes", "no", "null", "on", "off", "y", "n"].contains(text.lowercased())
        return plain ? text : JSONText.quote(text)
    }
}

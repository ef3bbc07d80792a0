public import Foundation

/// A starting mapping written from a ``Profile`` (`profile --draft-mapping`): the members and
/// wallet entities found, their key, reference, timestamp, money and personal-data columns,
/// each guess commented with its evidence. `validate-mapping` accepts it; a person reviews it.
///
/// Built from the profile alone, so it can hold no personal-data value either.
public struct MappingDraft {
    public let profile: Profile
    /// The draft's lines, built once.
    private var lines: [String] = []

    public init(profile: Profile) {
        self.profile = profile
        var builder = DraftBuilder(profile: profile)
        lines = builder.build()
    }

    /// The YAML text.
    public var yaml: String { lines.joined(separator: "\n") + "\n" }

    public func write(to path: String) throws(MigrationError) {
        do {
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw MigrationError(.workdirUnwritable, "cannot write the draft mapping \(path)")
        }
    }
}

/// Chooses the entities and columns and writes the YAML lines (see ``MappingDraft``).
struct DraftBuilder {
    let profile: Profile
    private var out: [String] = []

    init(profile: Profile) {
        self.profile = profile
    }

    /// The best computed reference from each column, keyed by table and column.
    private var bestReference: [String: ReferenceProfile] {
        var best: [String: ReferenceProfile] = [:]
        for reference in profile.references where reference.status == "computed" {
            let key = "\(reference.fromTable).\(reference.fromColumn)"
            if best[key] == nil { best[key] = reference }
        }
        return best
    }

    /// References from `table`'s columns into `target`, best first per column.
    private func references(from table: TableProfile, into target: TableProfile) -> [ReferenceProfile] {
        let all = profile.references.filter { $0.status == "computed" && $0.fromTable == table.name && $0.toTable == target.name }
        var seen = Set<String>()
        return all.filter { seen.insert($0.fromColumn).inserted }
    }

    mutating func build() -> [String] {
        out = ["# Draft mapping written by `mlm-migrate profile --draft-mapping` from the profile of \(profile.source).",
               "# Every guess says why; review each, then run `mlm-migrate validate-mapping` on this file.",
               "version: 1",
               "vendor: \(Self.quote("\(profile.source) (draft)"))",
               "entities:"]
        guard let members = membersTable() else {
            out.append("  # No table with a key column was found: fill in members by hand.")
            return out
        }
        let memberFields = writeMembers(members)
        var used: Set<String> = [members.name]
        if let entries = walletTable(excluding: used, members: members, needsTime: true) {
            used.insert(entries.table.name)
            writeEntries(entries, memberFields: memberFields)
            if let balances = walletTable(excluding: used, members: members, needsTime: false) {
                used.insert(balances.table.name)
                writeBalances(balances, memberFields: memberFields)
            }
        }
        let rest = profile.tables.filter { !used.contains($0.name) }.map(\.name)
        if !rest.isEmpty {
            out.append("# Not mapped by the draft (commission state needs commission_plan; see docs/commissions.md): \(rest.joined(separator: ", "))")
        }
        return out
    }

    // MARK: Members

    /// The table whose rows reference its own key (sponsors), else the one with most personal data.
    private func membersTable() -> TableProfile? {
        func score(_ table: TableProfile) -> Int {
            let selfReferences = references(from: table, into: table).count
            let personal = table.columns.filter { $0.personalData != nil }.count
            return selfReferences * 10 + personal * 2 + (table.columns.contains { $0.keyCandidate } ? 1 : 0)
        }
        let candidates = profile.tables.filter { $0.columns.contains { $0.keyCandidate } }
        return candidates.max { score($0) < score($1) || (score($0) == score($1) && $0.name > $1.name) }
    }

    /// What the member columns are, for the wallet entities' `member_key`.
    struct MemberFields {
        var legacyID: String
        var username: String?
    }

    private mutating func writeMembers(_ table: TableProfile) -> MemberFields {
        let keys = table.columns.filter(\.keyCandidate)
        let legacyID = keys.max { Self.idScore($0) < Self.idScore($1) || (Self.idScore($0) == Self.idScore($1) && $0.position > $1.position) } ?? table.columns[0]
        let username = keys.filter { $0.name != legacyID.name && $0.inferredType == "text" }
            .max { Self.usernameScore($0) < Self.usernameScore($1) || (Self.usernameScore($0) == Self.usernameScore($1) && $0.position > $1.position) }
        let selfReferences = references(from: table, into: table).filter { $0.fromColumn != legacyID.name && $0.fromColumn != username?.name }
        let sponsor = selfReferences.first { DraftGuesses.named($0.fromColumn, ["sponsor", "upline", "referrer", "referer", "enroller", "introducer", "recruiter"]) }
            ?? selfReferences.first { !DraftGuesses.named($0.fromColumn, ["placement", "parent", "matrix", "binary", "tree"]) }
        let placement = selfReferences.first { $0.fromColumn != sponsor?.fromColumn }
        let fields = MemberFields(legacyID: legacyID.name, username: username?.name)
        let zone = zoneGuess()

        out.append("  members:   # \(table.rows) rows; \(table.name) references its own key\(selfReferences.isEmpty ? "? no: no sponsor column found" : "")")
        writeSource(table, indent: "    ")
        out.append("    columns:")
        var mapped = Set<String>()
        func field(_ name: String, _ column: ColumnProfile, _ options: [String], _ evidence: String) {
            mapped.insert(column.name)
            let options = ["from: \(Self.quote(column.name))"] + options + Self.nullValues(column)
            out.append("      \(name): { \(options.joined(separator: ", ")) }   # \(evidence)\(Self.sentinelEvidence(column))")
        }
        field("legacy_id", legacyID, Self.required(legacyID, always: true), Self.keyEvidence(legacyID))
        if let username { field("username", username, Self.required(username, always: false), Self.keyEvidence(username)) }
        for (name, reference) in [("sponsor", sponsor), ("placement", placement)] {
            guard let reference, let column = table.column(reference.fromColumn) else { continue }
            field(name, column, [], Self.referenceEvidence(reference))
        }
        var legs: [String] = []
        if placement != nil, let leg = codeColumn(table, hints: ["leg", "pos", "position", "side", "slot"], excluding: mapped) {
            let codes = mainCodes(leg)
            let table = codes.map { code in (code.value, DraftGuesses.legs[code.value.lowercased()] ?? code.value) }
            legs = table.map(\.1)
            field("placement_leg", leg, ["codes: " + Self.codeTable(table)], Self.codeEvidence(leg, kept: codes))
        }
        if let status = codeColumn(table, hints: ["status", "state", "active"], excluding: mapped) {
            let codes = mainCodes(status)
            let table = codes.map { ($0.value, DraftGuesses.statuses[$0.value.lowercased()] ?? $0.value.lowercased()) }
            field("status", status, Self.required(status, always: false) + ["codes: " + Self.codeTable(table)], Self.codeEvidence(status, kept: codes))
        }
        let times = table.columns.filter { $0.timestamp != nil && $0.personalData == nil && !mapped.contains($0.name) }
        if let joined = times.first(where: { DraftGuesses.named($0.name, ["joined", "join", "created", "registered", "signup", "doj", "enrolled"]) }) ?? times.first,
           let timestamp = joined.timestamp {
            field("joined_at", joined, ["type: timestamp", "format: \(Self.quote(timestamp.format))"] + zoneOption(timestamp, zone) + Self.required(joined, always: false),
                  Self.timestampEvidence(joined, timestamp, zone))
        }
        var piiFields = Set<String>()
        for column in table.columns where !mapped.contains(column.name) {
            guard let personal = column.personalData, let target = Self.piiField(personal.kind, column: column.name, table: table),
                  !piiFields.contains(target) else { continue }
            piiFields.insert(target)
            var options = ["pii: true"]
            if target == "email" || target == "phone" { options.append("identity: \(target)") }
            field(target, column, options, "personal data: \(personal.kind.rawValue) by \(personal.evidence); \(Self.percent(personal.duplicateShare)) repeats")
        }
        for column in table.columns where !mapped.contains(column.name) {
            out.append("      # \(column.name): not mapped (\(column.personalData.map { "personal data: \($0.kind.rawValue)" } ?? column.inferredType))")
        }
        out.append("    genealogy:")
        if !legs.isEmpty { out.append("      legs: [\(legs.map(Self.quote).joined(separator: ", "))]   # placement_leg's codes, in slot order") }
        let sponsorKey = sponsor.map { $0.toColumn == legacyID.name ? "legacy_id" : "username" } ?? "legacy_id"
        let placementKey = placement.map { $0.toColumn == legacyID.name ? "legacy_id" : "username" } ?? "legacy_id"
        out.append("      sponsor_key: \(sponsorKey)\(sponsor.map { "   # its values match \($0.toTable).\($0.toColumn)" } ?? "")")
        out.append("      placement_key: \(placementKey)\(placement.map { "   # its values match \($0.toTable).\($0.toColumn)" } ?? "")")
        out.append("      root: earliest")
        let orphans = (sponsor.map { $0.values - $0.matched } ?? 0) + (placement.map { $0.values - $0.matched } ?? 0)
        out.append("      orphan_policy: quarantine   # \(orphans) reference(s) match no member")
        out.append("      duplicate_id_policy: quarantine_all   # \(legacyID.repeats) repeated \(legacyID.name) value(s)")
        out.append("      duplicate_person_policy: quarantine")
        return fields
    }

    // MARK: Wallet

    struct WalletColumns {
        var table: TableProfile
        var member: ReferenceProfile
        var money: ColumnProfile
        var currency: ColumnProfile
        var time: ColumnProfile?
    }

    /// The wallet entries (`needsTime`) or balances table: references a member, has a currency
    /// and an amount; names with `txn`, `wallet`, `ledger` or `balance` break ties.
    private func walletTable(excluding used: Set<String>, members: TableProfile, needsTime: Bool) -> WalletColumns? {
        var best: (score: Int, columns: WalletColumns)?
        for table in profile.tables where !used.contains(table.name) {
            guard let member = references(from: table, into: members).first(where: { $0.toColumn != $0.fromColumn || true }),
                  let currency = table.columns.first(where: Self.isCurrency),
                  let money = Self.moneyColumn(table, excluding: [member.fromColumn, currency.name]) else { continue }
            let time = table.columns.first { $0.timestamp != nil && $0.personalData == nil }
            guard (time != nil) == needsTime else { continue }
            var score = 1
            for hint in needsTime ? ["txn", "transaction", "transactions", "wallet", "ledger", "entries"] : ["balance", "balances", "wallet"]
            where DraftGuesses.named(table.name, [hint]) { score += 2 }
            if best == nil || score > best?.score ?? 0 {
                best = (score, WalletColumns(table: table, member: member, money: money, currency: currency, time: time))
            }
        }
        return best?.columns
    }

    private mutating func writeEntries(_ wallet: WalletColumns, memberFields: MemberFields) {
        let table = wallet.table
        out.append("  wallet_entries:   # \(table.rows) rows: member, currency, amount and time")
        writeSource(table, indent: "    ")
        out.append("    columns:")
        let used = [wallet.member.fromColumn, wallet.currency.name, wallet.money.name, wallet.time?.name ?? ""]
        let id = table.columns.filter { $0.keyCandidate && !used.contains($0.name) }.max { Self.idScore($0) < Self.idScore($1) || (Self.idScore($0) == Self.idScore($1) && $0.position > $1.position) }
        if let id { out.append("      legacy_txn_id: { \(Self.options(id, [])) }   # \(Self.keyEvidence(id))") }
        if let member = table.column(wallet.member.fromColumn) {
            out.append("      member:        { \(Self.options(member, [])) }   # \(Self.referenceEvidence(wallet.member))\(Self.sentinelEvidence(member))")
        }
        out.append("      currency:      { from: \(Self.quote(wallet.currency.name)) }   # \(Self.codeEvidence(wallet.currency, kept: wallet.currency.codes ?? []))")
        var kinds: [(String, String)] = []
        if let kind = codeColumn(table, hints: ["type", "kind", "txn_type", "code"], excluding: Set(used + [id?.name ?? ""])) {
            let codes = mainCodes(kind)
            kinds = codes.map { ($0.value, DraftGuesses.kinds[$0.value.lowercased()] ?? $0.value.lowercased()) }
            out.append("      kind:          { from: \(Self.quote(kind.name)), codes: \(Self.codeTable(kinds)) }   # \(Self.codeEvidence(kind, kept: codes))")
        }
        writeAmount("amount", wallet.money)
        let zone = zoneGuess()
        if let time = wallet.time, let timestamp = time.timestamp {
            out.append("      occurred_at:   { \(Self.options(time, ["type: timestamp", "format: \(Self.quote(timestamp.format))"] + zoneOption(timestamp, zone))) }   # \(Self.timestampEvidence(time, timestamp, zone))\(Self.sentinelEvidence(time))")
        }
        out.append("    ledger:")
        out.append("      member_key: \(wallet.member.toColumn == memberFields.legacyID ? "legacy_id" : "username")   # \(table.name).\(wallet.member.fromColumn) matches members' \(wallet.member.toColumn)")
        let negatives = wallet.money.money?.negatives ?? (wallet.money.min?.hasPrefix("-") == true ? 1 : 0)
        let debits = DraftGuesses.debitKinds.filter { kind in kinds.contains { $0.1 == kind } }
        if negatives * 20 < wallet.money.nonBlank && !debits.isEmpty {
            out.append("      amount_sign: by_kind   # \(negatives) negative amount(s): amounts look like magnitudes")
            out.append("      debit_kinds: [\(debits.joined(separator: ", "))]")
        } else {
            out.append("      amount_sign: signed   # amounts carry their sign (\(negatives) negative)")
        }
        let repeats = id?.repeats ?? 0
        out.append("      duplicate_txn_policy: quarantine_all   # \(repeats) repeated \(id?.name ?? "id") value(s); keep_first if they are the same transaction exported twice")
    }

    private mutating func writeBalances(_ wallet: WalletColumns, memberFields: MemberFields) {
        out.append("  wallet_balances:   # \(wallet.table.rows) rows: member, currency and balance")
        writeSource(wallet.table, indent: "    ")
        out.append("    columns:")
        out.append("      member:   { from: \(Self.quote(wallet.member.fromColumn)) }   # \(Self.referenceEvidence(wallet.member))")
        out.append("      currency: { from: \(Self.quote(wallet.currency.name)) }")
        writeAmount("balance", wallet.money)
    }

    /// `type: money` for decimals (with their float artefacts), `minor_units` for integers.
    private mutating func writeAmount(_ field: String, _ column: ColumnProfile) {
        let padded = (field + ":").padding(toLength: 14, withPad: " ", startingAt: 0)
        if column.inferredType == "integer" {
            out.append("      \(padded) { from: \(Self.quote(column.name)), type: minor_units }   # integers, named like minor units")
        } else {
            let money = column.money
            let evidence = money.map { "\($0.artefacts2) float artefact(s) at 2 decimals (\(Self.percent($0.artefactShare2))) snapped within 1/10000 of a minor unit; \($0.subMinor2) below a cent" } ?? "decimal"
            out.append("      \(padded) { from: \(Self.quote(column.name)), type: money }   # \(evidence)")
        }
    }

    // MARK: Pieces

    private mutating func writeSource(_ table: TableProfile, indent: String) {
        out.append("\(indent)source:")
        if let csv = table.csv {
            out.append("\(indent)  format: csv")
            let stem = (table.file as NSString).deletingPathExtension
            out.append("\(indent)  files: \(Self.quote(stem + "*." + (table.file as NSString).pathExtension))")
            switch table.encoding.guess {
            case "windows-1252", "latin-1", "mixed":
                // Latin-1 and Windows-1252 read every byte alike outside 0x80-0x9F, where only 1252 has letters.
                out.append("\(indent)  encoding: windows-1252   # \(table.encoding.invalidUtf8Values) values not UTF-8, \(table.encoding.c1ByteValues) with bytes 0x80-0x9F\(csv.byteOrderMark ? "; the file starts with a UTF-8 BOM all the same" : "")")
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
    private static func nullValues(_ column: ColumnProfile) -> [String] {
        column.sentinels.isEmpty ? [] : ["null_values: [" + column.sentinels.map { JSONText.quote($0.value) }.joined(separator: ", ") + "]"]
    }

    private static func sentinelEvidence(_ column: ColumnProfile) -> String {
        column.sentinels.isEmpty ? "" : "; sentinels read as missing: " + column.sentinels.map { "\($0.value) ×\($0.count)" }.joined(separator: ", ")
    }

    /// A low-cardinality code column named like `hints`, not yet mapped.
    private func codeColumn(_ table: TableProfile, hints: [String], excluding: Set<String>) -> ColumnProfile? {
        table.columns.first { column in
            !excluding.contains(column.name) && column.codes != nil && column.personalData == nil && DraftGuesses.named(column.name, hints)
        }
    }

    /// Codes common enough to be real (at least 0.5% of values, and more than one): rarer ones
    /// are left out, so the rows holding them are quarantined (`field.unknown_code`).
    private func mainCodes(_ column: ColumnProfile) -> [CodeCount] {
        (column.codes ?? []).filter { $0.count >= 2 && $0.count * 200 >= column.nonBlank }.sorted { $0.value < $1.value }
    }

    private func zoneGuess() -> (zone: String, evidence: String) {
        var totals: [String: Int] = [:]
        for table in profile.tables {
            for column in table.columns where Self.isCurrency(column) {
                for code in column.codes ?? [] { totals[code.value.uppercased(), default: 0] += code.count }
            }
        }
        guard let top = totals.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }),
              let zone = DraftGuesses.zoneByCurrency[top.key] else {
            return ("UTC", "no evidence of the legacy clock's zone: set it")
        }
        let all = totals.values.reduce(0, +)
        return (zone, "zone guessed from the currency: \(Self.percent(ColumnProfiler.share(top.value, all))) of wallet rows are \(top.key)")
    }

    private func zoneOption(_ timestamp: TimestampProfile, _ zone: (zone: String, evidence: String)) -> [String] {
        timestamp.format == "epoch" ? [] : ["timezone: \(zone.zone)"]
    }

    private static func isCurrency(_ column: ColumnProfile) -> Bool {
        guard let codes = column.codes, !codes.isEmpty, column.personalData == nil else { return false }
        return codes.filter { $0.value.count == 3 && $0.value.allSatisfy({ $0.isUppercase }) }.reduce(0) { $0 + $1.count } * 10 >= column.nonBlank * 9
    }

    private static func moneyColumn(_ table: TableProfile, excluding: [String]) -> ColumnProfile? {
        let hints = ["amount", "amt", "balance", "bal", "total", "value", "cents", "minor", "sum", "price"]
        return table.columns.first { column in
            guard !excluding.contains(column.name), column.personalData == nil, DraftGuesses.named(column.name, hints) else { return false }
            return column.inferredType == "decimal" || column.inferredType == "integer"
        }
    }

    /// `from:`, the options, then `null_values:` when the column has sentinels.
    private static func options(_ column: ColumnProfile, _ options: [String]) -> String {
        (["from: \(quote(column.name))"] + options + nullValues(column)).joined(separator: ", ")
    }

    private static func piiField(_ kind: PersonalDataKind, column: String, table: TableProfile) -> String? {
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
            if DraftGuesses.named(column, ["last", "surname", "family", "lname", "lastname"]) { return "last_name" }
            return "full_name"
        }
    }

    private static func idScore(_ column: ColumnProfile) -> Int {
        (DraftGuesses.named(column.name, ["id", "no", "number", "num", "code"]) ? 4 : 0) + (column.inferredType == "integer" ? 2 : 0) + (column.unique ? 1 : 0)
    }

    private static func usernameScore(_ column: ColumnProfile) -> Int {
        DraftGuesses.named(column.name, ["username", "user", "login", "handle", "nick", "nickname", "userid"]) ? 2 : 0
    }

    private static func required(_ column: ColumnProfile, always: Bool) -> [String] {
        always || column.blankShare < 0.01 ? ["required: true"] : []
    }

    private static func keyEvidence(_ column: ColumnProfile) -> String {
        "\(column.distinct) distinct of \(column.nonBlank), \(column.repeats) repeated, \(percent(column.blankShare)) blank"
    }

    private static func referenceEvidence(_ reference: ReferenceProfile) -> String {
        "\(percent(reference.matchShare)) of \(reference.fromColumn) values match \(reference.toTable).\(reference.toColumn)"
            + " (\(reference.values - reference.matched) orphan(s)\(reference.selfLoops > 0 ? ", \(reference.selfLoops) self" : "")\(reference.cycles > 0 ? ", \(reference.cycles) cycle(s)" : ""))"
    }

    private static func codeEvidence(_ column: ColumnProfile, kept: [CodeCount]) -> String {
        let all = column.codes ?? []
        let left = all.filter { code in !kept.contains { $0.value == code.value } }
        return "codes seen: " + all.map { "\($0.value) ×\($0.count)" }.joined(separator: ", ")
            + (left.isEmpty ? "" : "; left out as too rare: " + left.map(\.value).joined(separator: ", "))
    }

    private static func timestampEvidence(_ column: ColumnProfile, _ timestamp: TimestampProfile, _ zone: (zone: String, evidence: String)) -> String {
        var text = "\(timestamp.parsed) of \(column.nonBlank) values read as \(timestamp.format)"
        if !timestamp.alsoFits.isEmpty { text += " (as do \(timestamp.alsoFits.joined(separator: ", ")): check)" }
        if timestamp.format != "epoch" { text += "; \(zone.evidence)" }
        return text
    }

    private static func codeTable(_ table: [(String, String)]) -> String {
        "{ " + table.map { "\(quote($0.0)): \(quote($0.1))" }.joined(separator: ", ") + " }"
    }

    static func percent(_ share: Double) -> String { String(format: "%.2f%%", share * 100) }

    /// A YAML scalar: plain when it is letters, digits and `_` and not a number, else double-quoted.
    static func quote(_ text: String) -> String {
        let plain = !text.isEmpty && text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
            && !(text.first?.isNumber ?? true) && !["true", "false", "yes", "no", "null", "on", "off", "y", "n"].contains(text.lowercased())
        return plain ? text : JSONText.quote(text)
    }
}

import Foundation

/// Chooses the entities and columns and writes the YAML lines (see ``MappingDraft``).
struct DraftBuilder {
    let profile: Profile
    var out: [String] = []

    init(profile: Profile) {
        self.profile = profile
    }

    /// References from `table`'s columns into `target`, best first per column.
    func references(from table: TableProfile, into target: TableProfile) -> [ReferenceProfile] {
        let all = profile.references.filter {
            $0.status == "computed" && $0.fromTable == table.name && $0.toTable == target.name
        }
        var seen = Set<String>()
        return all.filter { seen.insert($0.fromColumn).inserted }
    }

    mutating func build() -> [String] {
        out = [
            "# Draft mapping written by `mlm-migrate profile --draft-mapping` from the profile of \(profile.source).",
            "# Every guess says why; review each, then run `mlm-migrate validate-mapping` on this file.",
            "version: 1",
            "vendor: \(Self.quote("\(profile.source) (draft)"))",
            "entities:",
        ]
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
            out.append(
                "# Not mapped by the draft (commission state needs commission_plan; see docs/commissions.md): \(rest.joined(separator: ", "))"
            )
        }
        return out
    }

    // MARK: Members

    /// The table whose rows reference its own key (sponsors), else the one with most personal data.
    func membersTable() -> TableProfile? {
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

    mutating func writeMembers(_ table: TableProfile) -> MemberFields {
        let keys = table.columns.filter(\.keyCandidate)
        let legacyID =
            keys.max {
                Self.idScore($0) < Self.idScore($1)
                    || (Self.idScore($0) == Self.idScore($1) && $0.position > $1.position)
            } ?? table.columns[0]
        let username = keys.filter { $0.name != legacyID.name && $0.inferredType == "text" }
            .max {
                Self.usernameScore($0) < Self.usernameScore($1)
                    || (Self.usernameScore($0) == Self.usernameScore($1) && $0.position > $1.position)
            }
        let selfReferences = references(from: table, into: table).filter {
            $0.fromColumn != legacyID.name && $0.fromColumn != username?.name
        }
        let sponsor =
            selfReferences.first {
                DraftGuesses.named(
                    $0.fromColumn,
                    ["sponsor", "upline", "referrer", "referer", "enroller", "introducer", "recruiter"])
            }
            ?? selfReferences.first {
                !DraftGuesses.named($0.fromColumn, ["placement", "parent", "matrix", "binary", "tree"])
            }
        let placement = selfReferences.first { $0.fromColumn != sponsor?.fromColumn }
        let fields = MemberFields(legacyID: legacyID.name, username: username?.name)
        let zone = zoneGuess()

        out.append(
            "  members:   # \(table.rows) rows; \(table.name) references its own key\(selfReferences.isEmpty ? "? no: no sponsor column found" : "")"
        )
        writeSource(table, indent: "    ")
        out.append("    columns:")
        var mapped = Set<String>()
        func field(_ name: String, _ column: ColumnProfile, _ options: [String], _ evidence: String) {
            mapped.insert(column.name)
            let options = ["from: \(Self.quote(column.name))"] + options + Self.nullValues(column)
            out.append(
                "      \(name): { \(options.joined(separator: ", ")) }   # \(evidence)\(Self.sentinelEvidence(column))"
            )
        }
        field("legacy_id", legacyID, Self.required(legacyID, always: true), Self.keyEvidence(legacyID))
        if let username {
            field("username", username, Self.required(username, always: false), Self.keyEvidence(username))
        }
        for (name, reference) in [("sponsor", sponsor), ("placement", placement)] {
            guard let reference, let column = table.column(reference.fromColumn) else { continue }
            field(name, column, [], Self.referenceEvidence(reference))
        }
        var legs: [String] = []
        if placement != nil,
            let leg = codeColumn(table, hints: ["leg", "pos", "position", "side", "slot"], excluding: mapped)
        {
            let codes = mainCodes(leg)
            let table = codes.map { code in
                (code.value, DraftGuesses.legs[code.value.lowercased()] ?? code.value)
            }
            legs = table.map(\.1)
            field(
                "placement_leg", leg, ["codes: " + Self.codeTable(table)], Self.codeEvidence(leg, kept: codes)
            )
        }
        if let status = codeColumn(table, hints: ["status", "state", "active"], excluding: mapped) {
            let codes = mainCodes(status)
            let table = codes.map {
                ($0.value, DraftGuesses.statuses[$0.value.lowercased()] ?? $0.value.lowercased())
            }
            field(
                "status", status, Self.required(status, always: false) + ["codes: " + Self.codeTable(table)],
                Self.codeEvidence(status, kept: codes))
        }
        let times = table.columns.filter {
            $0.timestamp != nil && $0.personalData == nil && !mapped.contains($0.name)
        }
        if let joined = times.first(where: {
            DraftGuesses.named(
                $0.name, ["joined", "join", "created", "registered", "signup", "doj", "enrolled"])
        }) ?? times.first,
            let timestamp = joined.timestamp
        {
            field(
                "joined_at", joined,
                ["type: timestamp", "format: \(Self.quote(timestamp.format))"] + zoneOption(timestamp, zone)
                    + Self.required(joined, always: false),
                Self.timestampEvidence(joined, timestamp, zone))
        }
        var piiFields = Set<String>()
        for column in table.columns where !mapped.contains(column.name) {
            guard let personal = column.personalData,
                let target = Self.piiField(personal.kind, column: column.name, table: table),
                !piiFields.contains(target)
            else { continue }
            piiFields.insert(target)
            var options = ["pii: true"]
            if target == "email" || target == "phone" { options.append("identity: \(target)") }
            field(
                target, column, options,
                "personal data: \(personal.kind.rawValue) by \(personal.evidence); \(Self.percent(personal.duplicateShare)) repeats"
            )
        }
        for column in table.columns where !mapped.contains(column.name) {
            out.append(
                "      # \(column.name): not mapped (\(column.personalData.map { "personal data: \($0.kind.rawValue)" } ?? column.inferredType))"
            )
        }
        out.append("    genealogy:")
        if !legs.isEmpty {
            out.append(
                "      legs: [\(legs.map(Self.quote).joined(separator: ", "))]   # placement_leg's codes, in slot order"
            )
        }
        let sponsorKey =
            sponsor.map { $0.toColumn == legacyID.name ? "legacy_id" : "username" } ?? "legacy_id"
        let placementKey =
            placement.map { $0.toColumn == legacyID.name ? "legacy_id" : "username" } ?? "legacy_id"
        out.append(
            "      sponsor_key: \(sponsorKey)\(sponsor.map { "   # its values match \($0.toTable).\($0.toColumn)" } ?? "")"
        )
        out.append(
            "      placement_key: \(placementKey)\(placement.map { "   # its values match \($0.toTable).\($0.toColumn)" } ?? "")"
        )
        out.append("      root: earliest")
        let orphans =
            (sponsor.map { $0.values - $0.matched } ?? 0) + (placement.map { $0.values - $0.matched } ?? 0)
        out.append("      orphan_policy: quarantine   # \(orphans) reference(s) match no member")
        out.append(
            "      duplicate_id_policy: quarantine_all   # \(legacyID.repeats) repeated \(legacyID.name) value(s)"
        )
        out.append("      duplicate_person_policy: quarantine")
        return fields
    }
}

public import Foundation
import Crypto
import Yams

/// One problem found in a mapping file: where (YAML path and line) and what.
public struct MappingIssue: Sendable, CustomStringConvertible, Equatable {
    public var path: String
    public var line: Int?
    public var message: String

    public var description: String {
        if let line { "line \(line): \(path): \(message)" } else { "\(path): \(message)" }
    }
}

/// Reads and validates a mapping file, collecting every issue rather than stopping at the first.
public enum MappingLoader {
    /// Loads `path`, or throws `mapping.invalid` whose message lists every issue.
    public static func load(path: String) throws(MigrationError) -> Mapping {
        let result = check(path: path)
        if let mapping = result.mapping, result.issues.isEmpty { return mapping }
        let lines = result.issues.map { "  \(path): \($0)" }.joined(separator: "\n")
        throw MigrationError(.mappingInvalid, "mapping \(path) has \(result.issues.count) error(s):\n\(lines)")
    }

    /// Validates `path` and returns the mapping (when it could be built) and every issue.
    public static func check(path: String) -> (mapping: Mapping?, issues: [MappingIssue]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return (nil, [MappingIssue(path: "(file)", line: nil, message: "cannot read the mapping file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [MappingIssue(path: "(file)", line: nil, message: "the mapping file is not UTF-8")])
        }
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        return parse(yaml: text, digest: digest)
    }

    /// Validates YAML text (exposed for tests).
    public static func parse(yaml: String, digest: String = "") -> (mapping: Mapping?, issues: [MappingIssue]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return (nil, [MappingIssue(
                path: "(yaml)", line: context.mark.line,
                message: "the key \(keys) appears twice in one block (first at this line); YAML keeps neither silently, so remove one"
            )])
        } catch let error as YamlError {
            return (nil, [MappingIssue(path: "(yaml)", line: error.line, message: "not valid YAML")])
        } catch {
            return (nil, [MappingIssue(path: "(yaml)", line: nil, message: "not valid YAML")])
        }
        var reader = NodeReader()
        let mapping = reader.mapping(root, digest: digest)
        return (reader.issues.isEmpty ? mapping : nil, reader.issues)
    }
}

private extension YamlError {
    var line: Int? {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _): mark.line
        default: nil
        }
    }
}

/// Walks the YAML tree, building the mapping and recording issues with their paths.
struct NodeReader {
    var issues: [MappingIssue] = []

    mutating func issue(_ path: String, _ node: Node?, _ message: String) {
        issues.append(MappingIssue(path: path, line: node?.mark?.line, message: message))
    }

    mutating func object(_ node: Node?, _ path: String, allowed: [String]) -> Node.Mapping? {
        guard let node else {
            issue(path, nil, "is missing")
            return nil
        }
        guard let map = node.mapping else {
            issue(path, node, "must be a mapping of keys to values")
            return nil
        }
        for (key, _) in map {
            let name = key.string ?? ""
            if !allowed.contains(name) {
                issue(path == "(root)" ? name : "\(path).\(name)", key, "unknown key; expected one of: \(allowed.joined(separator: ", "))")
            }
        }
        return map
    }

    mutating func string(_ map: Node.Mapping, _ key: String, _ path: String, required: Bool) -> String? {
        guard let node = map[key] else {
            if required { issue("\(path).\(key)", nil, "is missing") }
            return nil
        }
        guard let scalar = node.scalar else {
            issue("\(path).\(key)", node, "must be a single value")
            return nil
        }
        return scalar.string
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(
        _ map: Node.Mapping, _ key: String, _ path: String, default value: T
    ) -> T where T.RawValue == String {
        guard let text = string(map, key, path, required: false) else { return value }
        guard let parsed = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            issue("\(path).\(key)", map[key], "must be one of: \(allowed)")
            return value
        }
        return parsed
    }

    mutating func bool(_ map: Node.Mapping, _ key: String, _ path: String) -> Bool {
        guard let text = string(map, key, path, required: false) else { return false }
        switch text {
        case "true", "yes": return true
        case "false", "no": return false
        default:
            issue("\(path).\(key)", map[key], "must be true or false")
            return false
        }
    }

    mutating func mapping(_ root: Node?, digest: String) -> Mapping? {
        let topKeys = ["version", "vendor", "entities", "delta", "commission_plan", "commission_period", "ranks", "max_quarantine_ratio"]
        guard let top = object(root, "(root)", allowed: topKeys) else { return nil }
        let version = string(top, "version", "version", required: true)
        if let version, version != "1" {
            issue("version", top["version"], "unsupported mapping version; this mlm-migrate reads version 1")
        }
        let vendor = string(top, "vendor", "vendor", required: true) ?? ""
        let entityNames = ["members", "wallet_entries", "wallet_balances"] + Self.commissionEntityNames
        guard let entities = object(top["entities"], "entities", allowed: entityNames) else { return nil }
        let members = membersMapping(entities["members"], "entities.members")
        let ledger = ledgerMapping(entities, memberColumns: members?.columns ?? [])
        let delta = deltaPolicy(top["delta"], "delta")
        let commission = commissionData(top, entities)
        let plan = top["commission_plan"].flatMap { commissionPlan($0, "commission_plan") }
        if commission != nil && top["commission_plan"] == nil {
            issue("commission_plan", nil, "commission entities need the plan (its volume_scale and currency at least)")
        }
        guard let members else { return nil }
        var mapping = Mapping(version: 1, vendor: vendor, members: members, ledger: ledger, delta: delta, digest: digest)
        mapping.commission = commission
        mapping.commissionPlan = plan
        if let ratio = quarantineRatio(top) { mapping.maxQuarantineRatio = ratio }
        return mapping
    }

    /// The optional `max_quarantine_ratio`: a decimal from 0 to 1 with at most 6 places, read
    /// exactly (``QuarantineRatio``).
    mutating func quarantineRatio(_ top: Node.Mapping) -> QuarantineRatio? {
        guard let text = string(top, "max_quarantine_ratio", "max_quarantine_ratio", required: false) else { return nil }
        guard let ratio = QuarantineRatio(decimal: text) else {
            issue("max_quarantine_ratio", top["max_quarantine_ratio"], "must be a decimal from 0 to 1 with at most 6 places, such as 0.05")
            return nil
        }
        return ratio
    }

    /// The optional `delta:` block (``DeltaPolicy``).
    mutating func deltaPolicy(_ node: Node?, _ path: String) -> DeltaPolicy {
        guard node != nil, let map = object(node, path, allowed: ["gone_members", "gone_status"]) else { return DeltaPolicy() }
        let policy = DeltaPolicy(goneMembers: choice(map, "gone_members", path, default: .keep), goneStatus: string(map, "gone_status", path, required: false))
        if policy.goneMembers == .mark && policy.goneStatus == nil {
            issue("\(path).gone_status", nil, "gone_members: mark needs the status to set, such as gone_status: gone_from_legacy")
        }
        if policy.goneMembers == .keep && policy.goneStatus != nil {
            issue("\(path).gone_status", map["gone_status"], "applies to gone_members: mark only")
        }
        return policy
    }

    mutating func membersMapping(_ node: Node?, _ path: String) -> MembersMapping? {
        guard let map = object(node, path, allowed: ["source", "columns", "genealogy"]) else { return nil }
        let source = sourceSpec(map["source"], "\(path).source")
        let columns = columnSpecs(map["columns"], "\(path).columns", known: MembersMapping.knownFields, required: MembersMapping.requiredFields, allowsPII: true)
        let genealogy = genealogyRules(map["genealogy"], "\(path).genealogy", columns: columns, columnsNode: map["columns"], columnsPath: "\(path).columns")
        guard let source, let genealogy else { return nil }
        return MembersMapping(source: source, columns: columns, genealogy: genealogy)
    }

    mutating func sourceSpec(_ node: Node?, _ path: String) -> SourceSpec? {
        let keys = ["format", "files", "encoding", "delimiter", "quote", "table", "query", "join"]
        guard let map = object(node, path, allowed: keys) else { return nil }
        let join = sourceJoin(map["join"], "\(path).join")
        if join != nil, map["query"] != nil {
            issue("\(path).join", map["join"], "a query joins in its own SQL; use table: with join:")
        }
        let format = string(map, "format", path, required: true)
        let files = string(map, "files", path, required: false)
        switch format {
        case "csv":
            var options = CSVOptions()
            options.encoding = choice(map, "encoding", path, default: TextEncoding.utf8)
            if let delimiter = singleByte(map, "delimiter", path) { options.delimiter = delimiter }
            if let quote = singleByte(map, "quote", path) { options.quote = quote }
            if options.delimiter == options.quote {
                issue("\(path).quote", map["quote"] ?? map["delimiter"], "must differ from the delimiter")
            }
            for key in ["table", "query"] where map[key] != nil {
                issue("\(path).\(key)", map[key], "applies to format sqlite only")
            }
            return SourceSpec(format: .csv(options), files: files ?? "*.csv", join: join)
        case "sqlite":
            let table = string(map, "table", path, required: false)
            let query = string(map, "query", path, required: false)
            for key in ["encoding", "delimiter", "quote"] where map[key] != nil {
                issue("\(path).\(key)", map[key], "applies to format csv only")
            }
            switch (table, query) {
            case let (table?, nil):
                guard table.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    issue("\(path).table", map["table"], "must be a plain table name (letters, digits, _); use query for anything else")
                    return nil
                }
                if let join, !join.from.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    issue("\(path).join.from", map["join"], "must be a plain table name (letters, digits, _)")
                    return nil
                }
                return SourceSpec(format: .sqlite(.table(table)), files: files ?? "*.sqlite", join: join)
            case let (nil, query?):
                return SourceSpec(format: .sqlite(.query(query)), files: files ?? "*.sqlite")
            default:
                issue(path, node, "a sqlite source needs exactly one of table or query")
                return nil
            }
        case nil:
            return nil
        default:
            issue("\(path).format", map["format"], "must be one of: csv, sqlite")
            return nil
        }
    }

    /// The optional `join: { from: TABLE_OR_GLOB, on: { JOINED_COLUMN: COLUMN } }`.
    mutating func sourceJoin(_ node: Node?, _ path: String) -> SourceJoin? {
        guard node != nil, let map = object(node, path, allowed: ["from", "on"]) else { return nil }
        let from = string(map, "from", path, required: true)
        guard let on = map["on"]?.mapping, on.count == 1, let pair = on.first,
              let joinedColumn = pair.key.string, let column = pair.value.string else {
            issue("\(path).on", map["on"], "must name one pair, the joined column and the entity's column it equals: { refid: id }")
            return nil
        }
        guard let from else { return nil }
        return SourceJoin(from: from, joinedColumn: joinedColumn, column: column)
    }

    mutating func singleByte(_ map: Node.Mapping, _ key: String, _ path: String) -> UInt8? {
        guard let text = string(map, key, path, required: false) else { return nil }
        guard text.utf8.count == 1, let byte = text.utf8.first, byte != 0x0A, byte != 0x0D else {
            issue("\(path).\(key)", map[key], "must be a single ASCII character other than a line break")
            return nil
        }
        return byte
    }

    /// The `columns` of an entity: `known` fields (plus PII fields when `allowsPII`), of which
    /// `required` must be present.
    mutating func columnSpecs(_ node: Node?, _ path: String, known: [String], required requiredFields: [String], allowsPII: Bool) -> [ColumnSpec] {
        guard let node else {
            issue(path, nil, "is missing")
            return []
        }
        guard let map = node.mapping else {
            issue(path, node, "must map each target field to its source column")
            return []
        }
        var columns: [ColumnSpec] = []
        for (key, value) in map {
            let field = key.string ?? ""
            let fieldPath = "\(path).\(field)"
            let keys = [
                "from", "type", "format", "timezone", "codes", "required", "pii", "identity", "decimal_separator", "thousands_separator",
                "null_values", "value", "default",
            ]
            guard let spec = object(value, fieldPath, allowed: keys) else { continue }
            let constant = string(spec, "value", fieldPath, required: false)
            let from = string(spec, "from", fieldPath, required: constant == nil) ?? ""
            if constant != nil {
                for key in ["from", "null_values", "default"] where spec[key] != nil {
                    issue("\(fieldPath).\(key)", spec[key], "a column with value: takes it for every row; drop \(key)")
                }
            }
            let pii = bool(spec, "pii", fieldPath)
            let required = bool(spec, "required", fieldPath)
            if !known.contains(field) && !(pii && allowsPII) {
                issue(fieldPath, key, "unknown target field; expected one of \(known.joined(separator: ", "))" + (allowsPII ? ", or a PII field marked pii: true" : ""))
            }
            if pii && allowsPII && !known.contains(field) {
                if !MemberPIILayout.fields.contains(field) {
                    issue(fieldPath, key, "unknown PII field; mlm.member_pii has \(MemberPIILayout.fields.joined(separator: ", "))")
                }
                for option in ["type", "codes", "format", "timezone"] where spec[option] != nil {
                    issue("\(fieldPath).\(option)", spec[option], "a PII column is text, encrypted as read (trimmed; email and phone normalised)")
                }
            }
            if known.contains(field) && pii {
                issue("\(fieldPath).pii", spec["pii"], "\(field) is stored in plain columns and cannot be PII")
            }
            var identity: IdentityKind?
            if let text = string(spec, "identity", fieldPath, required: false) {
                identity = IdentityKind(rawValue: text)
                if identity == nil { issue("\(fieldPath).identity", spec["identity"], "must be one of: email, phone") }
                if !pii { issue("\(fieldPath).identity", spec["identity"], "only a pii: true column can identify a person") }
                if let identity, !MemberPIILayout.identityFields.contains(where: { $0.field == field && $0.identity == identity }) {
                    issue("\(fieldPath).identity", spec["identity"], "identity \(identity.rawValue) belongs on the PII field \(identity.rawValue) (its blind index is \(MemberPIILayout.blindIndexColumn(identity.rawValue)))")
                }
            }
            let kind = columnKind(spec, fieldPath, field: field)
            var column = ColumnSpec(field: field, from: from, kind: kind, required: required, pii: pii, identity: identity)
            column.constant = constant
            column.defaultValue = string(spec, "default", fieldPath, required: false)
            column.nullValues = nullValues(spec, fieldPath)
            columns.append(column)
        }
        for field in requiredFields where !columns.contains(where: { $0.field == field }) {
            issue("\(path).\(field)", nil, "is missing; this entity must map \(field)")
        }
        return columns
    }

    /// `null_values`: a list of texts (compared after trimming) that mean "missing".
    mutating func nullValues(_ spec: Node.Mapping, _ path: String) -> Set<String> {
        guard let node = spec["null_values"] else { return [] }
        guard let sequence = node.sequence, sequence.allSatisfy({ $0.scalar != nil }) else {
            issue("\(path).null_values", node, "must be a list of values that mean missing, such as [\"0001-01-01\", \"0\"]")
            return []
        }
        let values = sequence.compactMap(\.string).map { $0.trimmingWhitespace() }
        if values.contains("") { issue("\(path).null_values", node, "blank is always missing; list only other values") }
        return Set(values)
    }

    mutating func columnKind(_ spec: Node.Mapping, _ path: String, field: String) -> ColumnKind {
        let type = string(spec, "type", path, required: false) ?? (spec["codes"] != nil ? "code" : field == "joined_at" || field == "occurred_at" ? "timestamp" : "text")
        if type != "money" && type != "minor_units" && type != "volume" {
            for key in ["decimal_separator", "thousands_separator"] where spec[key] != nil {
                issue("\(path).\(key)", spec[key], "applies to type money only")
            }
        }
        switch type {
        case "text":
            return .text
        case "code":
            guard let codes = spec["codes"]?.mapping, !codes.isEmpty else {
                issue("\(path).codes", spec["codes"], "a code column needs a non-empty codes table (legacy value: target value)")
                return .text
            }
            var table: [String: String] = [:]
            for (key, value) in codes {
                guard let from = key.string, let scalar = value.scalar else {
                    issue("\(path).codes", key, "each code must map a single value to a single value (or to \"\" for none)")
                    continue
                }
                // `null` and `~` (plain) mean "none", like "".
                let isNull = scalar.style == .plain && ["null", "Null", "NULL", "~"].contains(scalar.string)
                table[from] = isNull ? "" : scalar.string
            }
            return .code(table)
        case "timestamp":
            guard let formatText = string(spec, "format", path, required: true) else { return .text }
            guard let format = TimestampFormat(formatText) else {
                issue("\(path).format", spec["format"], "not a timestamp format: use PHP date letters with a year (d/m/Y H:i), epoch, epoch_ms or iso8601")
                return .text
            }
            let zone = string(spec, "timezone", path, required: !format.isZoneFree) ?? "UTC"
            if TimeZone(identifier: zone) == nil {
                issue("\(path).timezone", spec["timezone"], "unknown time zone; use an IANA name such as Asia/Kolkata or UTC")
            }
            return .timestamp(format, zone: zone)
        case "money", "minor_units", "volume":
            var format = MoneyFormat(minorUnits: type == "minor_units")
            format.isVolume = type == "volume"
            if let separator = singleByte(spec, "decimal_separator", path) { format.decimalSeparator = separator }
            format.thousandsSeparator = singleByte(spec, "thousands_separator", path)
            if format.thousandsSeparator == format.decimalSeparator {
                issue("\(path).thousands_separator", spec["thousands_separator"], "must differ from the decimal separator")
            }
            return .money(format)
        default:
            issue("\(path).type", spec["type"], "must be one of: text, code, timestamp, money, minor_units, volume")
            return .text
        }
    }

    mutating func genealogyRules(
        _ node: Node?, _ path: String, columns: [ColumnSpec], columnsNode: Node? = nil, columnsPath: String = "entities.members.columns"
    ) -> GenealogyRules? {
        let keys = [
            "legs", "sponsor_key", "placement_key", "root", "orphan_policy", "duplicate_id_policy", "duplicate_person_policy",
            "duplicate_person_match", "duplicate_person_downline",
        ]
        guard let map = object(node, path, allowed: keys) else { return nil }
        var legs: [String] = []
        if let node = map["legs"] {
            if let sequence = node.sequence, sequence.allSatisfy({ $0.scalar != nil }) {
                legs = sequence.compactMap(\.string)
                if Set(legs).count != legs.count { issue("\(path).legs", node, "legs must be distinct") }
            } else {
                issue("\(path).legs", node, "must be a list of leg names in slot order, such as [left, right]")
            }
        }
        let hasPlacement = columns.contains { $0.field == "placement" }
        if hasPlacement && legs.isEmpty {
            issue("\(path).legs", map["legs"], "a mapping with a placement column must list its legs")
        }
        if !legs.isEmpty, let legColumn = columns.first(where: { $0.field == "placement_leg" }) {
            if case .code(let table) = legColumn.kind {
                let codeNodes = columnsNode?.mapping?["placement_leg"]?.mapping?["codes"]?.mapping
                for (code, leg) in table.sorted(by: { $0.key < $1.key }) where !leg.isEmpty && !legs.contains(leg) {
                    let codeNode = codeNodes?.first { $0.key.string == code }?.value
                    issue(
                        "\(columnsPath).placement_leg.codes.\(code)", codeNode ?? map["legs"],
                        "maps to leg '\(leg)', which genealogy.legs does not list (\(legs.joined(separator: ", "))); map a code meaning none to \"\""
                    )
                }
            }
        } else if !legs.isEmpty {
            issue("\(path).legs", map["legs"], "legs are listed but no placement_leg column is mapped")
        }
        let sponsorKey = choice(map, "sponsor_key", path, default: ReferenceKey.legacyID)
        let placementKey = choice(map, "placement_key", path, default: ReferenceKey.legacyID)
        if (sponsorKey == .username || placementKey == .username) && !columns.contains(where: { $0.field == "username" }) {
            issue(path, node, "references by username need a username column")
        }
        var root = RootRule.earliest
        if let text = string(map, "root", path, required: false), text != "earliest" {
            root = .legacyID(text)
        }
        var rules = GenealogyRules(
            legs: legs,
            sponsorKey: sponsorKey,
            placementKey: placementKey,
            root: root,
            orphanPolicy: choice(map, "orphan_policy", path, default: OrphanPolicy.quarantine),
            duplicateIDPolicy: choice(map, "duplicate_id_policy", path, default: DuplicateIDPolicy.quarantineAll),
            duplicatePersonPolicy: choice(map, "duplicate_person_policy", path, default: DuplicatePersonPolicy.flag)
        )
        rules.identityColumns = columns.filter { $0.identity != nil }.map(\.field)
        rules.duplicatePersonMatch = duplicatePersonMatch(map, path, identityColumns: rules.identityColumns.count)
        rules.duplicatePersonDownline = choice(map, "duplicate_person_downline", path, default: DuplicatePersonDownline.orphanPolicy)
        if map["duplicate_person_downline"] != nil && rules.duplicatePersonPolicy != .quarantine {
            issue("\(path).duplicate_person_downline", map["duplicate_person_downline"], "applies to duplicate_person_policy: quarantine only")
        }
        return rules
    }

    /// `duplicate_person_match`: `any` (default), `all`, or a number of identity columns.
    mutating func duplicatePersonMatch(_ map: Node.Mapping, _ path: String, identityColumns: Int) -> DuplicatePersonMatch {
        guard let text = string(map, "duplicate_person_match", path, required: false) else { return .any }
        switch text {
        case "any": return .any
        case "all": return .all
        default:
            guard let count = Int(text), count >= 1, count <= max(identityColumns, 1) else {
                issue(
                    "\(path).duplicate_person_match", map["duplicate_person_match"],
                    "must be any, all, or how many identity columns must match (1 to \(max(identityColumns, 1)))"
                )
                return .any
            }
            return .atLeast(count)
        }
    }
}

import Yams

/// The ledger entities of a mapping: `wallet_entries` with its `ledger` rules, and the
/// optional `wallet_balances`.
extension NodeReader {
    mutating func ledgerMapping(_ entities: Node.Mapping, memberColumns: [ColumnSpec]) -> LedgerMapping? {
        guard let entriesNode = entities["wallet_entries"] else {
            if entities["wallet_balances"] != nil {
                issue("entities.wallet_balances", entities["wallet_balances"], "needs a wallet_entries entity beside it")
            }
            return nil
        }
        let path = "entities.wallet_entries"
        guard let map = object(entriesNode, path, allowed: ["source", "columns", "ledger"]) else { return nil }
        let source = sourceSpec(map["source"], "\(path).source")
        let columns = ledgerColumns(
            map["columns"], "\(path).columns", fields: LedgerMapping.entryFields, optional: LedgerMapping.optionalEntryFields
        )
        let rules = ledgerRules(map["ledger"], "\(path).ledger", columns: columns, memberColumns: memberColumns)
        var balances: EntityMapping?
        if let balancesNode = entities["wallet_balances"] {
            let balancesPath = "entities.wallet_balances"
            if let balancesMap = object(balancesNode, balancesPath, allowed: ["source", "columns"]),
               let balancesSource = sourceSpec(balancesMap["source"], "\(balancesPath).source") {
                let balanceColumns = ledgerColumns(balancesMap["columns"], "\(balancesPath).columns", fields: LedgerMapping.balanceFields)
                balances = EntityMapping(source: balancesSource, columns: balanceColumns)
            }
        }
        guard let source, let rules else { return nil }
        return LedgerMapping(entries: EntityMapping(source: source, columns: columns), balances: balances, rules: rules)
    }

    /// Every ledger field mapped is required (`optional` fields need not be mapped); money fields
    /// must be typed money or minor_units.
    private mutating func ledgerColumns(_ node: Node?, _ path: String, fields: [String], optional: [String] = []) -> [ColumnSpec] {
        var columns = columnSpecs(node, path, known: fields + optional, required: fields, allowsPII: false)
        for index in columns.indices {
            columns[index].required = !LedgerMapping.blankAllowedFields.contains(columns[index].field)
            let field = columns[index].field
            let isMoney: Bool
            if case .money(let format) = columns[index].kind { isMoney = !format.isVolume } else { isMoney = false }
            if (field == "amount" || field == "balance") != isMoney {
                issue("\(path).\(field).type", node?.mapping?[field], isMoney ? "only amount and balance can be money" : "must be type money or minor_units")
            }
            if field == "occurred_at", case .timestamp = columns[index].kind {} else if field == "occurred_at" {
                issue("\(path).\(field).type", node?.mapping?[field], "must be type timestamp")
            }
        }
        return columns
    }

    private mutating func ledgerRules(_ node: Node?, _ path: String, columns: [ColumnSpec], memberColumns: [ColumnSpec]) -> LedgerRules? {
        guard let map = object(node, path, allowed: ["member_key", "amount_sign", "debit_kinds", "duplicate_txn_policy"]) else { return nil }
        let memberKey = choice(map, "member_key", path, default: ReferenceKey.legacyID)
        if memberKey == .username && !memberColumns.contains(where: { $0.field == "username" }) {
            issue("\(path).member_key", map["member_key"], "member_key username needs a username column in members")
        }
        var sign = AmountSign.signed
        switch string(map, "amount_sign", path, required: true) {
        case "signed":
            if map["debit_kinds"] != nil { issue("\(path).debit_kinds", map["debit_kinds"], "applies to amount_sign by_kind only") }
        case "by_kind":
            guard let list = map["debit_kinds"]?.sequence, list.allSatisfy({ $0.scalar != nil }), !list.isEmpty else {
                issue("\(path).debit_kinds", map["debit_kinds"], "amount_sign by_kind needs a list of the kinds that are debits")
                return nil
            }
            let kinds = Set(list.compactMap(\.string))
            if let kindColumn = columns.first(where: { $0.field == "kind" }), case .code(let table) = kindColumn.kind {
                let known = Set(table.values)
                for kind in kinds.sorted() where !known.contains(kind) {
                    issue("\(path).debit_kinds", map["debit_kinds"], "'\(kind)' is not a kind the kind column's codes map to")
                }
            }
            sign = .byKind(debitKinds: kinds)
        case "by_direction":
            if map["debit_kinds"] != nil { issue("\(path).debit_kinds", map["debit_kinds"], "applies to amount_sign by_kind only") }
            if let direction = columns.first(where: { $0.field == "direction" }) {
                if case .code(let table) = direction.kind, let odd = table.values.sorted().first(where: { !["credit", "debit"].contains($0) }) {
                    issue("\(path).amount_sign", map["amount_sign"], "the direction column's codes must map to credit or debit, not '\(odd)'")
                }
            } else {
                issue("\(path).amount_sign", map["amount_sign"], "amount_sign by_direction needs a direction column (credit or debit) in wallet_entries")
            }
            sign = .byDirection
        case nil:
            break
        case .some:
            issue("\(path).amount_sign", map["amount_sign"], "must be one of: signed, by_kind, by_direction")
        }
        if sign != .byDirection, let direction = map["amount_sign"], columns.contains(where: { $0.field == "direction" }) {
            issue("\(path).amount_sign", direction, "a direction column is mapped: use amount_sign: by_direction")
        }
        return LedgerRules(
            memberKey: memberKey, amountSign: sign,
            duplicateTxnPolicy: choice(map, "duplicate_txn_policy", path, default: DuplicateIDPolicy.quarantineAll)
        )
    }
}

import Foundation

/// The wallet entities of a draft mapping: entries and balances.
extension DraftBuilder {
    struct WalletColumns {
        var table: TableProfile
        var member: ReferenceProfile
        var money: ColumnProfile
        var currency: ColumnProfile
        var time: ColumnProfile?
    }

    /// The wallet entries (`needsTime`) or balances table: references a member, has a currency
    /// and an amount; names with `txn`, `wallet`, `ledger` or `balance` break ties.
    func walletTable(excluding used: Set<String>, members: TableProfile, needsTime: Bool) -> WalletColumns? {
        var best: (score: Int, columns: WalletColumns)?
        for table in profile.tables where !used.contains(table.name) {
            guard let member = references(from: table, into: members).first,
                let currency = table.columns.first(where: Self.isCurrency),
                let money = Self.moneyColumn(table, excluding: [member.fromColumn, currency.name])
            else { continue }
            let time = table.columns.first { $0.timestamp != nil && $0.personalData == nil }
            guard (time != nil) == needsTime else { continue }
            var score = 1
            for hint in needsTime
                ? ["txn", "transaction", "transactions", "wallet", "ledger", "entries"]
                : ["balance", "balances", "wallet"]
            where DraftGuesses.named(table.name, [hint]) { score += 2 }
            if best == nil || score > best?.score ?? 0 {
                best = (
                    score,
                    WalletColumns(table: table, member: member, money: money, currency: currency, time: time)
                )
            }
        }
        return best?.columns
    }

    mutating func writeEntries(_ wallet: WalletColumns, memberFields: MemberFields) {
        let table = wallet.table
        out.append("  wallet_entries:   # \(table.rows) rows: member, currency, amount and time")
        writeSource(table, indent: "    ")
        out.append("    columns:")
        let used = [
            wallet.member.fromColumn, wallet.currency.name, wallet.money.name, wallet.time?.name ?? "",
        ]
        let id = table.columns.filter { $0.keyCandidate && !used.contains($0.name) }.max {
            Self.idScore($0) < Self.idScore($1)
                || (Self.idScore($0) == Self.idScore($1) && $0.position > $1.position)
        }
        if let id {
            out.append("      legacy_txn_id: { \(Self.options(id, [])) }   # \(Self.keyEvidence(id))")
        }
        if let member = table.column(wallet.member.fromColumn) {
            out.append(
                "      member:        { \(Self.options(member, [])) }   # \(Self.referenceEvidence(wallet.member))\(Self.sentinelEvidence(member))"
            )
        }
        out.append(
            "      currency:      { from: \(Self.quote(wallet.currency.name)) }   # \(Self.codeEvidence(wallet.currency, kept: wallet.currency.codes ?? []))"
        )
        var kinds: [(String, String)] = []
        if let kind = codeColumn(
            table, hints: ["type", "kind", "txn_type", "code"], excluding: Set(used + [id?.name ?? ""]))
        {
            let codes = mainCodes(kind)
            kinds = codes.map {
                ($0.value, DraftGuesses.kinds[$0.value.lowercased()] ?? $0.value.lowercased())
            }
            out.append(
                "      kind:          { from: \(Self.quote(kind.name)), codes: \(Self.codeTable(kinds)) }   # \(Self.codeEvidence(kind, kept: codes))"
            )
        }
        writeAmount("amount", wallet.money)
        let zone = zoneGuess()
        if let time = wallet.time, let timestamp = time.timestamp {
            out.append(
                "      occurred_at:   { \(Self.options(time, ["type: timestamp", "format: \(Self.quote(timestamp.format))"] + zoneOption(timestamp, zone))) }   # \(Self.timestampEvidence(time, timestamp, zone))\(Self.sentinelEvidence(time))"
            )
        }
        out.append("    ledger:")
        out.append(
            "      member_key: \(wallet.member.toColumn == memberFields.legacyID ? "legacy_id" : "username")   # \(table.name).\(wallet.member.fromColumn) matches members' \(wallet.member.toColumn)"
        )
        let negatives = wallet.money.money?.negatives ?? (wallet.money.min?.hasPrefix("-") == true ? 1 : 0)
        let debits = DraftGuesses.debitKinds.filter { kind in kinds.contains { $0.1 == kind } }
        if negatives * 20 < wallet.money.nonBlank && !debits.isEmpty {
            out.append(
                "      amount_sign: by_kind   # \(negatives) negative amount(s): amounts look like magnitudes"
            )
            out.append("      debit_kinds: [\(debits.joined(separator: ", "))]")
        } else {
            out.append("      amount_sign: signed   # amounts carry their sign (\(negatives) negative)")
        }
        let repeats = id?.repeats ?? 0
        out.append(
            "      duplicate_txn_policy: quarantine_all   # \(repeats) repeated \(id?.name ?? "id") value(s); keep_first if they are the same transaction exported twice"
        )
    }

    mutating func writeBalances(_ wallet: WalletColumns, memberFields: MemberFields) {
        out.append("  wallet_balances:   # \(wallet.table.rows) rows: member, currency and balance")
        writeSource(wallet.table, indent: "    ")
        out.append("    columns:")
        out.append(
            "      member:   { from: \(Self.quote(wallet.member.fromColumn)) }   # \(Self.referenceEvidence(wallet.member))"
        )
        out.append("      currency: { from: \(Self.quote(wallet.currency.name)) }")
        writeAmount("balance", wallet.money)
    }

    /// `type: money` for decimals (with their float artefacts), `minor_units` for integers.
    private mutating func writeAmount(_ field: String, _ column: ColumnProfile) {
        let padded = (field + ":").padding(toLength: 14, withPad: " ", startingAt: 0)
        if column.inferredType == "integer" {
            out.append(
                "      \(padded) { from: \(Self.quote(column.name)), type: minor_units }   # integers, named like minor units"
            )
        } else {
            let money = column.money
            let evidence =
                money.map {
                    "\($0.artefacts2) float artefact(s) at 2 decimals (\(Self.percent($0.artefactShare2))) snapped within 1/10000 of a minor unit; \($0.subMinor2) below a cent"
                } ?? "decimal"
            out.append("      \(padded) { from: \(Self.quote(column.name)), type: money }   # \(evidence)")
        }
    }
}

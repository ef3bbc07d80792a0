/// The row rules of the ledger Cleanse on batches of extract lines, so they run on several
/// threads while the next batch is read (see ``BatchPool``); results are taken in order.
extension LedgerCleanser {
    /// What the rules made of a batch: accepted entries as sort records (transaction id key,
    /// cleansed row payload) packed in one buffer, quarantine rows, and the batch's figures.
    struct CheckedBatch: Sendable {
        var rows = 0
        var accepted: [UInt8] = []
        var records: [(key: Range<Int>, payload: Range<Int>)] = []
        var quarantine: [QuarantineRow] = []
        var reasons: [ReasonCode] = []
        var totals = LedgerTotals()
        var snapped = 0
        var unvalued = 0
    }

    /// Applies ``WalletRowRules`` to each line (COPY text, newline-terminated) of `lines`.
    static func check(_ lines: [UInt8], entity: EntityMapping, sign: AmountSign, directory: MemberDirectory) -> CheckedBatch {
        var out = CheckedBatch()
        let rules = WalletRowRules(entity: entity, sign: sign, directory: directory)
        BatchLines.forEachRow(lines) { raw in
            out.rows += 1
            let row = rules.apply(raw)
            if let currency = row.currency, let minor = row.amountMinor { out.totals.addSource(currency, minor) }
            if row.snapped { out.snapped += 1 }
            if let rejection = row.rejection {
                let header = ExtractRecordHeader(raw)
                out.quarantine.append(QuarantineRow(
                    entity: "wallet_entries", source: header.source, line: header.line, legacyID: row.legacyTxnID,
                    rejection: rejection, payload: payload(raw, entity)
                ))
                out.reasons.append(rejection.reason)
                if let currency = row.currency, let minor = row.amountMinor { out.totals.addQuarantined(currency, minor) } else { out.unvalued += 1 }
            } else if let txnID = row.legacyTxnID {
                let keyStart = out.accepted.count
                out.accepted.append(contentsOf: txnID.utf8)
                let payloadStart = out.accepted.count
                encodeCleansed(raw, txnID: txnID, row, into: &out.accepted)
                out.records.append((keyStart..<payloadStart, payloadStart..<out.accepted.count))
            }
        }
        return out
    }

    /// Appends the accepted row's line of ``LedgerStageLayout/cleansedEntries``: the bytes
    /// ``CleansedEntryRow/fields`` encodes to, written field by field (no row array, no number
    /// text).
    @inline(__always)
    static func encodeCleansed(_ raw: [String?], txnID: String, _ row: WalletRow, into out: inout [UInt8]) {
        // The source and line as ExtractRecordHeader reads them.
        CopyText.appendField(raw.first.flatMap { $0 } ?? "", to: &out)
        out.append(0x09)
        CopyText.appendField(raw.count > 1 ? (raw[1] ?? "0") : "0", to: &out)
        func text(_ value: String?) {
            out.append(0x09)
            CopyText.appendField(value, to: &out)
        }
        func number(_ value: Int64?) {
            out.append(0x09)
            if let value { CopyText.appendDecimal(value, to: &out) } else { out.append(contentsOf: CopyText.null) }
        }
        text(txnID)
        text(row.memberLegacyID)
        text(row.currency)
        text(row.kind)
        number(row.amountMinor)
        number(row.occurredAt)
        text(row.counterpartyLegacyID)
        out.append(0x0A)
    }

    /// The row's source values as JSON (ledger entities carry no PII).
    static func payload(_ raw: [String?], _ entity: EntityMapping) -> String {
        let offset = MemberStageLayout.extractBookkeeping.count
        let pairs = entity.columns.enumerated().map { ($1.field, raw[$0 + offset]) }
        return JSONText.object(ExtractRecordHeader(raw).payloadPairs(pairs))
    }
}

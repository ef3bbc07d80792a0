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

    /// Applies ``WalletRowRules`` to each line (COPY text, newline-terminated) of `lines`: the
    /// usual row on its bytes (``WalletRowRules/applyPlain(_:fields:)``), any other as strings.
    /// `plain: false` takes every row as strings (tests compare the two).
    static func check(
        _ lines: [UInt8], entity: EntityMapping, sign: AmountSign, directory: MemberDirectory, plain: Bool = true
    ) -> CheckedBatch {
        var out = CheckedBatch()
        let rules = WalletRowRules(entity: entity, sign: sign, directory: directory)
        var decoder = BatchLines.RowDecoder()
        BatchLines.forEachLine(lines) { line, fields in
            out.rows += 1
            if plain, fields.count > 1, FieldRules.isPlain(UnsafeBufferPointer(rebasing: line[fields[0]])),
               FieldRules.isPlain(UnsafeBufferPointer(rebasing: line[fields[1]])),
               let row = rules.applyPlain(line, fields: fields) {
                if let currency = row.currency, let minor = row.amountMinor { out.totals.addSource(currency, minor) }
                if row.snapped { out.snapped += 1 }
                let keyStart = out.accepted.count
                // The key is the id's text (unescaped), as the string path's `txnID.utf8`.
                switch row.legacyTxnID {
                case .bytes(let range): out.accepted.append(contentsOf: line[range])
                case .text(let text): out.accepted.append(contentsOf: text.utf8)
                case .none: break
                }
                let payloadStart = out.accepted.count
                encodeCleansed(line, fields: fields, row, into: &out.accepted)
                out.records.append((keyStart..<payloadStart, payloadStart..<out.accepted.count))
                return
            }
            let raw = decoder.decode(line, fields: fields)
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
            if let value { CopyText.appendDecimal(value, to: &out) } else { CopyText.appendNull(to: &out) }
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

    /// ``encodeCleansed(_:txnID:_:into:)`` of a row read by
    /// ``WalletRowRules/applyPlain(_:fields:)``: the same bytes, copied from the extract line
    /// where the rules left a field as it was (its source and line fields must be plain,
    /// ``FieldRules/isPlain(_:)``: they are copied too).
    @inline(__always)
    static func encodeCleansed(_ line: UnsafeBufferPointer<UInt8>, fields: [Range<Int>], _ row: PlainWalletRow, into out: inout [UInt8]) {
        out.append(contentsOf: line[fields[0]])
        out.append(0x09)
        out.append(contentsOf: line[fields[1]])
        func text(_ value: PlainWalletRow.Text) {
            out.append(0x09)
            appendText(value, of: line, to: &out)
        }
        func number(_ value: Int64?) {
            out.append(0x09)
            if let value { CopyText.appendDecimal(value, to: &out) } else { CopyText.appendNull(to: &out) }
        }
        text(row.legacyTxnID)
        text(row.member)
        out.append(0x09)
        CopyText.appendField(row.currency, to: &out)
        text(row.kind)
        number(row.amountMinor)
        number(row.occurredAt)
        text(row.counterparty)
        out.append(0x0A)
    }

    /// A plain row's text as a COPY field: the line's bytes (plain: they need no escape), an
    /// escaped text, or `\N`.
    @inline(__always)
    private static func appendText(_ value: PlainWalletRow.Text, of line: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        switch value {
        case .none: CopyText.appendNull(to: &out)
        case .bytes(let range): out.append(contentsOf: line[range])
        case .text(let text): CopyText.appendField(text, to: &out)
        }
    }

    /// The row's source values as JSON (ledger entities carry no PII).
    static func payload(_ raw: [String?], _ entity: EntityMapping) -> String {
        let offset = MemberStageLayout.extractBookkeeping.count
        let pairs = entity.columns.enumerated().map { ($1.field, raw[$0 + offset]) }
        return JSONText.object(ExtractRecordHeader(raw).payloadPairs(pairs))
    }
}

/// Turns records into stage-file rows: `extract/<entity>.tsv` (PII fields only marked `*` when
/// present, then the blind indexes) and `extract/member_pii.tsv` (wrapped data key,
/// ciphertexts, blind indexes, record digest). Runs on worker threads, a batch at a time.
///
/// Rows are encoded straight into the batch's buffers, and a batch's members are sealed into
/// one reused ``PIIEncryptor/SealedMember``, with one draw of random bytes for the batch.
struct RecordEncoder: Sendable {
    let encryptor: PIIEncryptor?
    /// Positions of the PII columns in the mapping and how they are sealed.
    let piiColumns: [Int]
    let plan: PIIEncryptor.Plan?
    /// Per mapped column, its offset among the PII columns (nil for any other column).
    let piiOffsets: [Int?]
    /// Per PII column, its field's index in `MemberPIILayout.fields`.
    let stagedFields: [Int]
    /// Per identity field the mapping has, in mapping order (their blind indexes end the row),
    /// its slot in `MemberPIILayout.identityFields`.
    let rowBlindSlots: [Int?]
    let legacyIDColumn: Int?
    let layout: [String]

    init(mapping: EntityMapping, encryptor: PIIEncryptor?) {
        self.encryptor = encryptor
        piiColumns = mapping.columns.indices.filter { mapping.columns[$0].pii }
        let piiSpecs = piiColumns.map { mapping.columns[$0] }
        plan = encryptor?.plan(for: piiSpecs)
        var offsets = [Int?](repeating: nil, count: mapping.columns.count)
        for (offset, position) in piiColumns.enumerated() { offsets[position] = offset }
        piiOffsets = offsets
        stagedFields = piiSpecs.map { MemberPIILayout.fields.firstIndex(of: $0.field) ?? 0 }
        let identityFields = piiSpecs.filter { $0.identity != nil }.map(\.field)
        rowBlindSlots = identityFields.map { field in
            MemberPIILayout.identityFields.firstIndex { $0.field == field }
        }
        legacyIDColumn = mapping.columns.firstIndex { $0.field == "legacy_id" }
        layout = MemberStageLayout.extractBookkeeping + mapping.columns.map(\.field)
            + (piiColumns.isEmpty ? [] : MemberPIILayout.extractBookkeeping(identityFields: identityFields))
    }

    var hasPII: Bool { !piiColumns.isEmpty }

    struct Encoded: Sendable {
        var rows: [UInt8] = []
        var pii: [UInt8] = []
        var count = 0
        var unreadable = 0
    }

    /// Encodes `batch`'s records: without PII, plain CSV records straight from their bytes
    /// (``ExtractBatch/appendPlainRows(to:header:other:)``), the same rows as ``encode(_:)``
    /// of its decoded records.
    func encode(batch: ExtractBatch) -> Result<Encoded, MigrationError> {
        guard !hasPII else { return encode(batch.records()) }
        var rows: [UInt8] = []
        rows.reserveCapacity(batch.count * 160)
        var unreadable = 0
        batch.appendPlainRows(to: &rows) { file, line, row in
            row.append(contentsOf: file.nameField)
            // No reason, no column: the record is readable.
            Self.appendBookkeeping(line: line, unreadable: nil, to: &row)
        } other: { record, row in
            appendRow(record, sealed: nil, into: &row)
            if record.unreadable != nil { unreadable += 1 }
        }
        return .success(Encoded(rows: rows, count: batch.count, unreadable: unreadable))
    }

    func encode(_ records: [Extractor.Record]) -> Result<Encoded, MigrationError> {
        var out = Encoded()
        out.rows.reserveCapacity(records.count * 160)
        do throws(MigrationError) {
            if let encryptor, let plan, hasPII {
                try encodeProtected(records, encryptor: encryptor, plan: plan, into: &out)
            } else {
                for record in records { appendRow(record, sealed: nil, into: &out.rows) }
            }
        } catch {
            return .failure(error)
        }
        out.count = records.count
        out.unreadable = records.count { $0.unreadable != nil }
        return .success(out)
    }

    private func encodeProtected(
        _ records: [Extractor.Record], encryptor: PIIEncryptor, plan: PIIEncryptor.Plan,
        into out: inout Encoded
    ) throws(MigrationError) {
        out.pii.reserveCapacity(records.count * 1_024)
        // Each member's data key and nonces come from its own slice of one draw for the batch.
        let perMember = plan.randomByteCount
        let random = try SecureRandom.bytes(records.count * perMember)
        var sealed = PIIEncryptor.SealedMember(plan: plan)
        var scratch = PIIEncryptor.Scratch()
        var raws: [String?] = []
        var staged = [Range<Int>?](repeating: nil, count: MemberPIILayout.staged.count)
        try MigrationError.typed {
            try random.withUnsafeBytes { random in
                for (number, record) in records.enumerated() {
                    let legacyID = legacyIDColumn.flatMap { record.values[$0] }?.trimmingWhitespace() ?? ""
                    raws.removeAll(keepingCapacity: true)
                    for position in piiColumns { raws.append(record.values[position]) }
                    let start = number * perMember
                    let mine = UnsafeRawBufferPointer(rebasing: random[start..<start + perMember])
                    try encryptor.seal(
                        raws, legacyID: legacyID, plan: plan, random: mine, into: &sealed, scratch: &scratch
                    )
                    appendRow(record, sealed: sealed, into: &out.rows)
                    appendPIIRow(sealed, staged: &staged, into: &out.pii)
                }
            }
        }
    }

    /// Appends one `extract/member_pii.tsv` row (``MemberPIILayout/staged``); `staged` is
    /// scratch space for where each column's bytes lie in `sealed`.
    private func appendPIIRow(
        _ sealed: PIIEncryptor.SealedMember, staged: inout [Range<Int>?], into pii: inout [UInt8]
    ) {
        for index in staged.indices { staged[index] = nil }
        staged[0] = sealed.wrappedKey
        for (offset, field) in stagedFields.enumerated() { staged[1 + field] = sealed.ciphertexts[offset] }
        let firstBlindIndex = 1 + MemberPIILayout.fields.count
        for (slot, range) in sealed.blindIndexes.enumerated() { staged[firstBlindIndex + slot] = range }
        staged[staged.count - 1] = sealed.recordDigest
        for (index, range) in staged.enumerated() {
            if index > 0 { pii.append(0x09) }
            if let range {
                CopyText.appendBytea(sealed.bytes[range], to: &pii)
            } else {
                CopyText.appendNull(to: &pii)
            }
        }
        pii.append(0x0A)
    }

    /// Appends the bookkeeping after a row's source field (``MemberStageLayout/extractBookkeeping``):
    /// its line, and why and in which columns it is unreadable (`\N` for a readable record).
    private static func appendBookkeeping(
        line: Int, unreadable: (reason: ReasonCode, column: String?)?, to row: inout [UInt8]
    ) {
        row.append(0x09)
        CopyText.appendDecimal(Int64(line), to: &row)
        row.append(0x09)
        CopyText.appendField(unreadable?.reason.rawValue, to: &row)
        row.append(0x09)
        CopyText.appendField(unreadable?.column, to: &row)
    }

    /// Appends one `extract/<entity>.tsv` row: bookkeeping, the mapped values (a PII column
    /// only `*` when it has a ciphertext), then the blind indexes when the mapping has PII.
    private func appendRow(
        _ record: Extractor.Record, sealed: PIIEncryptor.SealedMember?, into row: inout [UInt8]
    ) {
        CopyText.appendField(record.location.source, to: &row)
        Self.appendBookkeeping(line: record.location.line, unreadable: record.unreadable, to: &row)
        for (position, value) in record.values.enumerated() {
            row.append(0x09)
            if let sealed, let offset = piiOffsets[position] {
                CopyText.appendField(sealed.ciphertexts[offset] == nil ? nil : "*", to: &row)
            } else {
                CopyText.appendField(value, to: &row)
            }
        }
        if let sealed {
            for slot in rowBlindSlots {
                row.append(0x09)
                if let slot, let range = sealed.blindIndexes[slot] {
                    CopyText.appendBytea(sealed.bytes[range], to: &row)
                } else {
                    CopyText.appendNull(to: &row)
                }
            }
        }
        row.append(0x0A)
    }
}

/// Typed rows of the stage files that more than one stage reads or writes: each knows its
/// columns (``MemberStageLayout``, ``LedgerStageLayout``) and turns itself into and out of the
/// fields of a COPY text line, so no stage indexes a row by position.

/// The bookkeeping columns every extract file starts with: where the record came from, and why
/// Extract could not read it (nil when it could).
public struct ExtractRecordHeader: Equatable, Sendable {
    public var source: String
    public var line: String
    public var reason: String?
    public var column: String?

    /// Reads the first ``MemberStageLayout/extractBookkeeping`` fields of an extract row.
    public init(_ fields: [String?]) {
        source = fields.first.flatMap { $0 } ?? ""
        line = fields.count > 1 ? (fields[1] ?? "0") : "0"
        reason = fields.count > 2 ? fields[2] : nil
        column = fields.count > 3 ? fields[3] : nil
    }

    public var location: SourceLocation { SourceLocation(source: source, line: Int(line) ?? 0) }

    /// The extract-level quarantine reason, when the record could not be read.
    public var rejection: Rejection? {
        reason.map { Rejection(ReasonCode($0), column: column?.split(separator: ",").first.map(String.init), detail: "record could not be read") }
    }
}

/// One row for `mlm_migration.quarantine`, in the layout of every quarantine stage file
/// (``MemberStageLayout/quarantine``). `payload` holds the row's values as JSON, PII only as
/// ciphertexts.
public struct QuarantineRow: Equatable, Sendable {
    public var entity: String
    public var source: String
    public var line: String
    public var legacyID: String?
    public var reason: ReasonCode
    public var column: String?
    public var detail: String?
    public var payload: String?

    public init(entity: String, source: String, line: String, legacyID: String?, rejection: Rejection, payload: String?) {
        self.entity = entity
        self.source = source
        self.line = line
        self.legacyID = legacyID
        self.reason = rejection.reason
        self.column = rejection.column
        self.detail = rejection.detail
        self.payload = payload
    }

    public var fields: [String?] { [entity, source, line, legacyID, reason.rawValue, column, detail, payload] }
}

/// A row of `cleanse/members.tsv` (``MemberStageLayout/cleansed``).
public struct CleansedMemberRow: Equatable, Sendable {
    public var source: String
    public var line: String
    public var legacyID: String?
    public var username: String?
    public var status: String?
    public var joinedAtMicros: Int64?
    public var sponsorLegacyID: String?
    public var placementLegacyID: String?
    public var placementLeg: String?

    public init(
        source: String, line: String, legacyID: String?, username: String?, status: String?, joinedAtMicros: Int64?,
        sponsorLegacyID: String?, placementLegacyID: String?, placementLeg: String?
    ) {
        self.source = source
        self.line = line
        self.legacyID = legacyID
        self.username = username
        self.status = status
        self.joinedAtMicros = joinedAtMicros
        self.sponsorLegacyID = sponsorLegacyID
        self.placementLegacyID = placementLegacyID
        self.placementLeg = placementLeg
    }

    /// Reads a row the reader checked against ``MemberStageLayout/cleansed``.
    public init(_ fields: [String?]) {
        self.init(
            source: fields[0] ?? "", line: fields[1] ?? "0", legacyID: fields[2], username: fields[3], status: fields[4],
            joinedAtMicros: fields[5].flatMap { Int64($0) }, sponsorLegacyID: fields[6], placementLegacyID: fields[7],
            placementLeg: fields[8]
        )
    }

    public var fields: [String?] {
        [source, line, legacyID, username, status, joinedAtMicros.map { String($0) }, sponsorLegacyID, placementLegacyID, placementLeg]
    }
}

/// A row of `cleanse/wallet_entries.tsv` (``LedgerStageLayout/cleansedEntries``).
public struct CleansedEntryRow: Equatable, Sendable {
    public var source: String
    public var line: String
    public var legacyTxnID: String?
    public var memberLegacyID: String?
    public var currency: String?
    public var kind: String?
    public var amountMinor: Int64?
    public var occurredAtMicros: Int64?
    /// The other member of a transfer, by legacy id, when the mapping has a counterparty.
    public var counterpartyLegacyID: String?

    public init(
        source: String, line: String, legacyTxnID: String?, memberLegacyID: String?, currency: String?, kind: String?,
        amountMinor: Int64?, occurredAtMicros: Int64?, counterpartyLegacyID: String? = nil
    ) {
        self.source = source
        self.line = line
        self.legacyTxnID = legacyTxnID
        self.memberLegacyID = memberLegacyID
        self.currency = currency
        self.kind = kind
        self.amountMinor = amountMinor
        self.occurredAtMicros = occurredAtMicros
        self.counterpartyLegacyID = counterpartyLegacyID
    }

    /// Reads a row the reader checked against ``LedgerStageLayout/cleansedEntries``.
    public init(_ fields: [String?]) {
        self.init(
            source: fields[0] ?? "", line: fields[1] ?? "0", legacyTxnID: fields[2], memberLegacyID: fields[3],
            currency: fields[4], kind: fields[5], amountMinor: fields[6].flatMap { Int64($0) },
            occurredAtMicros: fields[7].flatMap { Int64($0) }, counterpartyLegacyID: fields.count > 8 ? fields[8] : nil
        )
    }

    public var fields: [String?] {
        [
            source, line, legacyTxnID, memberLegacyID, currency, kind, amountMinor.map { String($0) }, occurredAtMicros.map { String($0) },
            counterpartyLegacyID,
        ]
    }
}

/// A row of `cleanse/wallet_balances.tsv` (``LedgerStageLayout/cleansedBalances``).
public struct CleansedBalanceRow: Equatable, Sendable {
    public var source: String
    public var line: String
    public var memberLegacyID: String?
    public var currency: String?
    public var balanceMinor: Int64?

    public init(source: String, line: String, memberLegacyID: String?, currency: String?, balanceMinor: Int64?) {
        self.source = source
        self.line = line
        self.memberLegacyID = memberLegacyID
        self.currency = currency
        self.balanceMinor = balanceMinor
    }

    /// Reads a row the reader checked against ``LedgerStageLayout/cleansedBalances``.
    public init(_ fields: [String?]) {
        self.init(source: fields[0] ?? "", line: fields[1] ?? "0", memberLegacyID: fields[2], currency: fields[3], balanceMinor: fields[4].flatMap { Int64($0) })
    }

    public var fields: [String?] { [source, line, memberLegacyID, currency, balanceMinor.map { String($0) }] }
}

/// A row of `transform/id_map.tsv` (``MemberStageLayout/idMap``).
public struct IDMapRow: Equatable, Sendable {
    public var entity: String
    public var legacyID: String?
    public var newID: Int64?

    public init(_ fields: [String?]) {
        entity = fields[0] ?? ""
        legacyID = fields[1]
        newID = fields[2].flatMap { Int64($0) }
    }
}

extension StageFileWriter {
    public func append(_ row: QuarantineRow) throws(MigrationError) { try append(row.fields) }
}

/// A stage row read by column name, for a layout only one stage reads (the commission files):
/// a missing name reads as nil, so a renamed column shows in that stage's tests.
public struct NamedRow {
    private let fields: [String?]
    private let layout: [String]

    /// `layout` is the file's header, which ``StageFileReader`` checked against the expected layout.
    public init(_ fields: [String?], layout: [String]) {
        self.fields = fields
        self.layout = layout
    }

    public subscript(_ column: String) -> String? {
        guard let index = layout.firstIndex(of: column), index < fields.count else { return nil }
        return fields[index]
    }
}

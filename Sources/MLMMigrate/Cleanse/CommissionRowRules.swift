/// A commission row (order, carry-forward, rank, rank change, payout) after the row rules: its
/// typed values by field, and the first rejection.
public struct CommissionRow: Equatable, Sendable {
    public var header: ExtractRecordHeader
    public var rejection: Rejection?
    /// Trimmed text, code-mapped values and exact integers (volumes, minor units) as text.
    public var values: [String: String] = [:]
    /// Timestamps, UTC microseconds.
    public var times: [String: Int64] = [:]
    /// A volume or amount was a floating-point artefact snapped to the nearest unit.
    public var snapped = false
    /// The volume and amount fields read as exact integers (their `values` are those integers).
    public var parsed: Set<String> = []

    /// An exact volume or amount, when the field was read as one.
    public func integer(_ field: String) -> Int64? { parsed.contains(field) ? values[field].flatMap { Int64($0) } : nil }

    public mutating func reject(_ reason: ReasonCode, _ column: String, detail: String? = nil) {
        if rejection == nil { rejection = Rejection(reason, column: column, detail: detail) }
    }
}

/// Rules for one commission row, in this order (the first failure is the row's reason): the
/// extract reason, each column's field rules (trim, required, codes, timestamps), volumes
/// parsed exactly at the plan's `volume_scale` (``ParseMoney``, the same artefact rule as money),
/// an amount in its currency's minor units, and the member reference.
public struct CommissionRowRules {
    /// The reason codes for a member reference that resolves to no member, or to a quarantined one.
    public struct MemberReasons: Sendable {
        public var unknown: ReasonCode
        public var quarantined: ReasonCode
    }

    private let rules: [FieldRules]
    private let parsers: [String: (ParseMoney, minorUnits: Bool)]
    /// ``parsers`` in field order, the order a row's volumes and amount are read.
    private let orderedParsers: [(key: String, value: (ParseMoney, minorUnits: Bool))]
    private let volumeScale: Int
    private let defaultCurrency: String
    private let directory: MemberDirectory?
    private let memberReasons: MemberReasons?

    public init(entity: EntityMapping, volumeScale: Int, defaultCurrency: String, directory: MemberDirectory?, memberReasons: MemberReasons?) {
        rules = entity.columns.map(FieldRules.init)
        var parsers: [String: (ParseMoney, minorUnits: Bool)] = [:]
        for column in entity.columns {
            if case .money(let format) = column.kind {
                parsers[column.field] = (ParseMoney(decimalSeparator: format.decimalSeparator, thousandsSeparator: format.thousandsSeparator), format.minorUnits)
            }
        }
        self.parsers = parsers
        orderedParsers = parsers.sorted(by: { $0.key < $1.key })
        self.volumeScale = volumeScale
        self.defaultCurrency = defaultCurrency
        self.directory = directory
        self.memberReasons = memberReasons
    }

    public func apply(_ raw: [String?]) -> CommissionRow {
        var row = CommissionRow(header: ExtractRecordHeader(raw))
        if let rejection = row.header.rejection {
            row.rejection = rejection
            return row
        }
        let offset = MemberStageLayout.extractBookkeeping.count
        for (index, rule) in rules.enumerated() {
            let field = rule.column.field
            switch rule.apply(raw[index + offset]) {
            case .text(let value): if let value { row.values[field] = value }
            case .timestamp(let micros): if let micros { row.times[field] = micros }
            case .rejected(let reason):
                row.values[field] = TrimText.apply(raw[index + offset])
                row.reject(reason, field)
            }
        }
        if row.values["currency"] == nil && parsers["amount"] != nil { row.values["currency"] = defaultCurrency }
        if let currency = row.values["currency"] { row.values["currency"] = currency.uppercased() }
        for (field, parser) in orderedParsers {
            guard let text = row.values[field] else { continue }
            let isAmount = field == "amount"
            let exponent: Int
            if isAmount {
                guard let known = row.values["currency"].flatMap(CurrencyTable.exponent(of:)) else {
                    row.reject(.unknownCurrency, "currency")
                    continue
                }
                exponent = parser.minorUnits ? 0 : known
            } else {
                exponent = parser.minorUnits ? 0 : volumeScale
            }
            let value: Int64
            switch parser.0.parse(text, exponent: exponent) {
            case .exact(let parsed): value = parsed
            case .snapped(let parsed): value = parsed; row.snapped = true
            case .subMinor: row.reject(isAmount ? .subMinorAmount : .subUnitVolume, field); continue
            case .unparseable: row.reject(isAmount ? .unparseableAmount : .unparseableVolume, field); continue
            case .outOfRange: row.reject(isAmount ? .amountOutOfRange : .unparseableVolume, field); continue
            }
            if !isAmount && value < 0 { row.reject(.negativeVolume, field) }
            row.values[field] = String(value)
            row.parsed.insert(field)
        }
        if let directory, let reasons = memberReasons, let reference = row.values["member"] {
            switch directory.resolve(reference) {
            case .member(let legacyID): row.values["member"] = legacyID
            case .quarantined: row.reject(reasons.quarantined, "member")
            case .unknown: row.reject(reasons.unknown, "member")
            }
        }
        return row
    }
}

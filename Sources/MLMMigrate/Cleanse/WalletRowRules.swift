/// A wallet row (an entry or a legacy balance) after the row rules: typed values, the amount in
/// signed minor units when it could be valued, and the first rejection, if any.
public struct WalletRow: Equatable, Sendable {
    public var rejection: Rejection?
    public var legacyTxnID: String?
    public var memberLegacyID: String?
    public var currency: String?
    public var kind: String?
    /// `credit` or `debit`, when the mapping has a direction column.
    public var direction: String?
    /// The other member of a transfer (its legacy id, resolved like `member`), when mapped.
    public var counterpartyLegacyID: String?
    /// Signed minor units; nil when the amount cannot be valued (unparseable, unknown currency,
    /// sub-minor digits, unknown sign). A quarantined row with a value counts in the totals.
    public var amountMinor: Int64?
    public var occurredAt: Int64?
    /// The amount was a floating-point artefact snapped to the nearest minor unit.
    public var snapped = false
}

/// Rules for one wallet row, in this order (the first failure is the row's reason): the
/// extract reason, the field rules of each column (trim, required, codes, timestamps), the
/// currency (`ledger.unknown_currency`), the amount (``ParseMoney``), its sign, and the member
/// (`ledger.unknown_member`, `ledger.member_quarantined`). One instance per thread: it keeps
/// the lookups it has made.
public final class WalletRowRules {
    private let rules: [FieldRules]
    /// What each rule's column is to the row (its field name resolved once, not per row).
    private let roles: [Role]
    private let amountField: String
    private let money: ParseMoney
    private let minorUnits: Bool
    private let sign: AmountSign
    private let directory: MemberDirectory
    /// The currencies' exponents and the kinds' debit flags met so far: a few distinct values
    /// repeat on every row, and comparing short strings costs less than hashing them.
    private var exponents = LookupMemo<Int?>()
    private var debits = LookupMemo<Bool>()

    private enum Field: String, CaseIterable {
        case legacyTxnID = "legacy_txn_id", member, currency, kind, amount, balance, direction, counterparty
    }

    private enum Role {
        case legacyTxnID, member, currency, kind, direction, counterparty, amount, other
    }

    /// `entity` is the entries or balances mapping; balances are always signed.
    public init(entity: EntityMapping, sign: AmountSign, directory: MemberDirectory) {
        rules = entity.columns.map(FieldRules.init)
        let amountField = entity.column("balance") != nil ? "balance" : "amount"
        self.amountField = amountField
        roles = entity.columns.map { column in
            switch column.field {
            case Field.legacyTxnID.rawValue: .legacyTxnID
            case Field.member.rawValue: .member
            case Field.currency.rawValue: .currency
            case Field.kind.rawValue: .kind
            case Field.direction.rawValue: .direction
            case Field.counterparty.rawValue: .counterparty
            case amountField: .amount
            default: .other
            }
        }
        var format = MoneyFormat(minorUnits: false)
        if case .money(let declared) = entity.column(amountField)?.kind { format = declared }
        money = ParseMoney(decimalSeparator: format.decimalSeparator, thousandsSeparator: format.thousandsSeparator)
        minorUnits = format.minorUnits
        self.sign = sign
        self.directory = directory
    }

    /// Applies the rules to an extract row (bookkeeping columns first).
    public func apply(_ raw: [String?]) -> WalletRow {
        var row = WalletRow()
        // Only a row Extract could not read has a reason (the third bookkeeping field).
        if raw.count > 2, raw[2] != nil, let rejection = ExtractRecordHeader(raw).rejection {
            row.rejection = rejection
            return row
        }
        let offset = MemberStageLayout.extractBookkeeping.count
        var amountText: String?
        func reject(_ reason: ReasonCode, _ column: String) {
            if row.rejection == nil { row.rejection = Rejection(reason, column: column) }
        }
        for (index, rule) in rules.enumerated() {
            let role = roles[index]
            switch rule.apply(raw[index + offset]) {
            case .text(let value):
                switch role {
                case .legacyTxnID: row.legacyTxnID = value
                case .member: row.memberLegacyID = value
                case .currency: row.currency = value.map(Self.upperCased)
                case .kind: row.kind = value
                case .direction: row.direction = value
                case .counterparty: row.counterpartyLegacyID = value
                case .amount: amountText = value
                case .other: break
                }
            case .timestamp(let micros):
                row.occurredAt = micros
            case .rejected(let reason):
                if role == .legacyTxnID { row.legacyTxnID = TrimText.apply(raw[index + offset]) }
                if role == .currency { row.currency = TrimText.apply(raw[index + offset]).map(Self.upperCased) }
                if role == .amount { amountText = TrimText.apply(raw[index + offset]) }
                reject(reason, rule.column.field)
            }
        }
        let exponent = row.currency.flatMap { code in exponents.value(code) { CurrencyTable.exponent(of: $0) } }
        if row.currency != nil && exponent == nil { reject(.unknownCurrency, Field.currency.rawValue) }
        if let exponent, let amountText, let reason = value(amountText, exponent: exponent, into: &row) {
            reject(reason, amountField)
        }
        if let reference = row.memberLegacyID {
            switch directory.resolve(reference) {
            case .member(let legacyID): row.memberLegacyID = legacyID
            case .quarantined: reject(.memberQuarantined, Field.member.rawValue)
            case .unknown: reject(.unknownMember, Field.member.rawValue)
            }
        }
        if let reference = row.counterpartyLegacyID {
            switch directory.resolve(reference) {
            case .member(let legacyID): row.counterpartyLegacyID = legacyID
            case .quarantined: reject(.counterpartyQuarantined, Field.counterparty.rawValue)
            case .unknown: reject(.unknownCounterparty, Field.counterparty.rawValue)
            }
        }
        return row
    }

    /// Upper case, without allocating when the code already is (the usual case).
    private static func upperCased(_ code: String) -> String {
        code.utf8.contains(where: { $0 >= 0x61 && $0 <= 0x7A }) || code.utf8.contains(where: { $0 >= 0x80 }) ? code.uppercased() : code
    }

    /// Parses the amount and applies the sign rule; returns why the amount is rejected, if it is.
    private func value(_ text: String, exponent: Int, into row: inout WalletRow) -> ReasonCode? {
        let magnitude: Int64
        switch money.parse(text, exponent: minorUnits ? 0 : exponent) {
        case .exact(let minor): magnitude = minor
        case .snapped(let minor): magnitude = minor; row.snapped = true
        case .subMinor: return .subMinorAmount
        case .unparseable: return .unparseableAmount
        case .outOfRange: return .amountOutOfRange
        }
        guard amountField == Field.amount.rawValue else {
            row.amountMinor = magnitude
            return nil
        }
        switch sign {
        case .signed:
            row.amountMinor = magnitude
        case .byKind(let debitKinds):
            guard magnitude >= 0 else { return .unexpectedSign }
            if let kind = row.kind { row.amountMinor = debits.value(kind) { debitKinds.contains($0) } ? -magnitude : magnitude }
        case .byDirection:
            guard magnitude >= 0 else { return .unexpectedSign }
            switch row.direction {
            case "credit": row.amountMinor = magnitude
            case "debit": row.amountMinor = -magnitude
            default: return .unknownDirection
            }
        }
        return nil
    }
}

/// A lookup's answers for the first `capacity` distinct keys it is asked, searched in order: for
/// keys with a handful of values (currencies, kinds), where a linear search of short strings
/// beats hashing them. Any other key is computed every time.
struct LookupMemo<Value> {
    private var keys: [String] = []
    private var values: [Value] = []
    private let capacity = 16

    mutating func value(_ key: String, _ compute: (String) -> Value) -> Value {
        if let index = keys.firstIndex(of: key) { return values[index] }
        let value = compute(key)
        if keys.count < capacity {
            keys.append(key)
            values.append(value)
        }
        return value
    }
}

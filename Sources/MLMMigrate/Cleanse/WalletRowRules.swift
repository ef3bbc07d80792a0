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
    /// ``applyPlain(_:fields:)``'s currencies, kinds and directions as strings.
    private var plainCurrencies = ByteMemo<String>()
    private var plainKinds = ByteMemo<String>()
    private var plainDirections = ByteMemo<String>()

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
        if let exponent, let amountText {
            switch signed(money.parse(amountText, exponent: minorUnits ? 0 : exponent), kind: row.kind, direction: row.direction) {
            case .value(let minor, let snapped): row.amountMinor = minor; row.snapped = snapped
            case .rejected(let reason, let snapped): reject(reason, amountField); row.snapped = snapped
            }
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

    /// A parsed amount with the sign rule applied: signed minor units (nil when the kind is
    /// blank under `by_kind`), or why the amount is rejected; either way, whether the parse
    /// snapped a floating-point artefact (counted even when the sign rule then rejects it).
    private enum SignedAmount {
        case value(Int64?, snapped: Bool)
        case rejected(ReasonCode, snapped: Bool)
    }

    private func signed(_ parsed: ParseMoney.Outcome, kind: String?, direction: String?) -> SignedAmount {
        let magnitude: Int64
        var snapped = false
        switch parsed {
        case .exact(let minor): magnitude = minor
        case .snapped(let minor): magnitude = minor; snapped = true
        case .subMinor: return .rejected(.subMinorAmount, snapped: false)
        case .unparseable: return .rejected(.unparseableAmount, snapped: false)
        case .outOfRange: return .rejected(.amountOutOfRange, snapped: false)
        }
        guard amountField == Field.amount.rawValue else { return .value(magnitude, snapped: snapped) }
        switch sign {
        case .signed:
            return .value(magnitude, snapped: snapped)
        case .byKind(let debitKinds):
            guard magnitude >= 0 else { return .rejected(.unexpectedSign, snapped: snapped) }
            guard let kind else { return .value(nil, snapped: snapped) }
            return .value(debits.value(kind) { debitKinds.contains($0) } ? -magnitude : magnitude, snapped: snapped)
        case .byDirection:
            guard magnitude >= 0 else { return .rejected(.unexpectedSign, snapped: snapped) }
            switch direction {
            case "credit": return .value(magnitude, snapped: snapped)
            case "debit": return .value(-magnitude, snapped: snapped)
            default: return .rejected(.unknownDirection, snapped: snapped)
            }
        }
    }

    /// ``apply(_:)`` on an extract line's bytes (`fields`: its fields' ranges), for a row every
    /// rule accepts and whose fields ``FieldRules/applyPlain(_:)`` reads: the usual row, read
    /// with no `String` but the member reference. nil when the row needs `apply`: an extract
    /// reason, another field, or any rejection. Where it answers, it answers as `apply` does.
    public func applyPlain(_ line: UnsafeBufferPointer<UInt8>, fields: [Range<Int>]) -> PlainWalletRow? {
        let offset = MemberStageLayout.extractBookkeeping.count
        let reason = fields.count > 2 ? UnsafeBufferPointer(rebasing: line[fields[2]]) : UnsafeBufferPointer(start: nil, count: 0)
        guard fields.count == offset + rules.count, CopyText.isNull(reason) else { return nil }
        var row = PlainWalletRow()
        var currency = PlainWalletRow.Text.none, kind = PlainWalletRow.Text.none
        var direction = PlainWalletRow.Text.none, amount = PlainWalletRow.Text.none
        for (index, rule) in rules.enumerated() {
            let range = fields[index + offset]
            let text: PlainWalletRow.Text
            switch rule.applyPlain(UnsafeBufferPointer(rebasing: line[range])) {
            case nil: return nil
            case .timestamp(let micros): row.occurredAt = micros; continue
            case .same: text = .bytes(range)
            case .text(let value): text = value.map(PlainWalletRow.Text.text) ?? .none
            }
            switch roles[index] {
            case .legacyTxnID: row.legacyTxnID = text
            case .member: row.member = text
            case .currency: currency = text
            case .kind: row.kind = text; kind = text
            case .direction: direction = text
            case .counterparty: row.counterparty = text
            case .amount: amount = text
            case .other: break
            }
        }
        guard row.legacyTxnID != .none else { return nil }
        // Short codes that repeat on every row, turned into strings once.
        func string(_ text: PlainWalletRow.Text, _ memo: inout ByteMemo<String>) -> String? {
            switch text {
            case .none: nil
            case .text(let value): value
            case .bytes(let range): memo.value(UnsafeBufferPointer(rebasing: line[range])) { String(decoding: $0, as: UTF8.self) }
            }
        }
        row.currency = string(currency, &plainCurrencies).map(Self.upperCased)
        if let code = row.currency {
            guard let exponent = exponents.value(code, { CurrencyTable.exponent(of: $0) }) else { return nil }
            let scale = minorUnits ? 0 : exponent
            let parsed: ParseMoney.Outcome? = switch amount {
            case .none: nil
            case .bytes(let range): money.parse(trimmed: UnsafeBufferPointer(rebasing: line[range]), exponent: scale)
            case .text(let value): money.parse(value, exponent: scale)
            }
            if let parsed {
                let sign = signed(parsed, kind: string(kind, &plainKinds), direction: string(direction, &plainDirections))
                guard case .value(let minor, let snapped) = sign else { return nil }
                row.amountMinor = minor
                row.snapped = snapped
            }
        }
        func resolved(_ text: PlainWalletRow.Text) -> PlainWalletRow.Text? {
            let reference: String
            switch text {
            case .none: return PlainWalletRow.Text.none
            case .text(let value): reference = value
            case .bytes(let range): reference = String(decoding: UnsafeBufferPointer(rebasing: line[range]), as: UTF8.self)
            }
            switch directory.answer(reference) {
            case .itself: return text
            case .member(let legacyID): return .text(legacyID)
            case .quarantined, .unknown: return nil
            }
        }
        guard let member = resolved(row.member), let counterparty = resolved(row.counterparty) else { return nil }
        row.member = member
        row.counterparty = counterparty
        return row
    }
}

/// A wallet row every rule accepted, read from its extract line by
/// ``WalletRowRules/applyPlain(_:fields:)``: each text is the line's own bytes where the rules
/// left them as they were, else the text the rules made of them.
public struct PlainWalletRow: Equatable {
    public enum Text: Equatable {
        case none
        case bytes(Range<Int>)
        case text(String)
    }

    public var legacyTxnID = Text.none
    public var member = Text.none
    /// Upper case.
    public var currency: String?
    public var kind = Text.none
    public var counterparty = Text.none
    public var amountMinor: Int64?
    public var occurredAt: Int64?
    public var snapped = false
}

/// A lookup's answers for the first 16 distinct byte strings it is asked (currencies, kinds),
/// searched in order; any other key is computed every time.
struct ByteMemo<Value> {
    private var keys: [[UInt8]] = []
    private var values: [Value] = []
    private let capacity = 16

    mutating func value(_ key: UnsafeBufferPointer<UInt8>, _ compute: (UnsafeBufferPointer<UInt8>) -> Value) -> Value {
        for index in keys.indices where keys[index].count == key.count && keys[index].withUnsafeBufferPointer({ $0.elementsEqual(key) }) {
            return values[index]
        }
        let value = compute(key)
        if keys.count < capacity {
            keys.append(Array(key))
            values.append(value)
        }
        return value
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

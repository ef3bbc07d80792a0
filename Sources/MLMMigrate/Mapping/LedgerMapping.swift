/// The wallet ledger entities: the legacy transactions and, optionally, each wallet's legacy
/// closing balance, with the rules that turn them into signed minor units.
public struct LedgerMapping: Sendable, Equatable {
    /// `wallet_entries`: one row per legacy wallet transaction.
    public var entries: EntityMapping
    /// `wallet_balances`: one row per wallet (member, currency) with its legacy closing balance.
    public var balances: EntityMapping?
    public var rules: LedgerRules

    /// Fields a `wallet_entries` mapping must map (every one of them).
    public static let entryFields = ["legacy_txn_id", "member", "currency", "kind", "amount", "occurred_at"]
    /// Fields a `wallet_entries` mapping may map: `direction` (credit or debit, for
    /// `amount_sign: by_direction`) and `counterparty` (the other member of a transfer, by
    /// `member_key`, resolved to its member id).
    public static let optionalEntryFields = ["direction", "counterparty"]
    /// Mapped ledger fields that may be blank in a row (an entry that is not a transfer); every
    /// other mapped ledger field is required.
    public static let blankAllowedFields: Set<String> = ["counterparty"]
    /// Fields a `wallet_balances` mapping must map (every one of them).
    public static let balanceFields = ["member", "currency", "balance"]

    public init(entries: EntityMapping, balances: EntityMapping?, rules: LedgerRules) {
        self.entries = entries
        self.balances = balances
        self.rules = rules
    }
}

/// A non-genealogy entity: where its rows are and how its columns map.
public struct EntityMapping: Sendable, Equatable {
    public var source: SourceSpec
    public var columns: [ColumnSpec]

    public init(source: SourceSpec, columns: [ColumnSpec]) {
        self.source = source
        self.columns = columns
    }

    /// The column mapped to `field`, if any.
    public func column(_ field: String) -> ColumnSpec? { columns.first { $0.field == field } }
}

/// How the legacy system signs its amounts.
public enum AmountSign: Sendable, Equatable {
    /// The amount column is already signed: credits positive, debits negative.
    case signed
    /// The amount column holds magnitudes; entries of these kinds (after code mapping) are
    /// debits and are negated. A negative magnitude is quarantined (`ledger.unexpected_sign`).
    case byKind(debitKinds: Set<String>)
    /// The amount column holds magnitudes; the `direction` column says `credit` or `debit`
    /// (after its codes), and debits are negated. Another direction is quarantined
    /// (`ledger.unknown_direction`), a negative magnitude too (`ledger.unexpected_sign`).
    case byDirection
}

/// Ledger rules of a mapping.
public struct LedgerRules: Sendable, Equatable {
    /// What the `member` column of both ledger entities holds.
    public var memberKey: ReferenceKey
    public var amountSign: AmountSign
    /// What happens when rows share a legacy transaction id.
    public var duplicateTxnPolicy: DuplicateIDPolicy

    public init(memberKey: ReferenceKey, amountSign: AmountSign, duplicateTxnPolicy: DuplicateIDPolicy) {
        self.memberKey = memberKey
        self.amountSign = amountSign
        self.duplicateTxnPolicy = duplicateTxnPolicy
    }
}

/// How a money column is written in the export.
public struct MoneyFormat: Sendable, Equatable {
    /// true: the column holds integer minor units (cents); false: a decimal amount in major units.
    public var minorUnits: Bool
    public var decimalSeparator: UInt8
    /// Declared thousands separator, or nil to reject any.
    public var thousandsSeparator: UInt8?
    /// Declared `type: volume`: a volume read at the plan's volume_scale, not an amount of money.
    public var isVolume = false

    public init(minorUnits: Bool, decimalSeparator: UInt8 = UInt8(ascii: "."), thousandsSeparator: UInt8? = nil) {
        self.minorUnits = minorUnits
        self.decimalSeparator = decimalSeparator
        self.thousandsSeparator = thousandsSeparator
    }
}

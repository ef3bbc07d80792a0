/// One wallet entry as it is hashed and stored: see docs/ledger-hashing.md for its canonical
/// byte encoding. Amounts are signed minor units (credits positive, debits negative).
public struct LedgerEntry: Sendable, Equatable {
    public var memberID: Int64
    /// ISO 4217 code, upper case.
    public var currency: String
    /// 1, 2, 3... within the wallet (member, currency), in (occurred_at, legacy_txn_id) order.
    public var seq: Int64
    public var legacyTxnID: String
    /// The entry kind after code mapping (`credit`, `commission`, `withdrawal`...).
    public var kind: String
    public var amountMinor: Int64
    /// UTC microseconds since the Unix epoch.
    public var occurredAt: Int64
    public var balanceAfterMinor: Int64
    /// The other member of a transfer (`mlm.wallet_entries.counterparty_id`): a reference beside
    /// the entry, not part of its hash (encoding version 1), verified by the entries digest.
    public var counterpartyID: Int64?

    public init(
        memberID: Int64, currency: String, seq: Int64, legacyTxnID: String, kind: String, amountMinor: Int64, occurredAt: Int64,
        balanceAfterMinor: Int64, counterpartyID: Int64? = nil
    ) {
        self.memberID = memberID
        self.currency = currency
        self.seq = seq
        self.legacyTxnID = legacyTxnID
        self.kind = kind
        self.amountMinor = amountMinor
        self.occurredAt = occurredAt
        self.balanceAfterMinor = balanceAfterMinor
        self.counterpartyID = counterpartyID
    }
}

/// A wallet: one member's entries in one currency.
struct WalletKey: Hashable, Sendable {
    var memberID: Int64
    var currency: String
}

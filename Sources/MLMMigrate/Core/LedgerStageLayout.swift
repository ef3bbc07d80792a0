/// Column layouts of the ledger stage files, shared by the stage that writes a file and the
/// stage that reads it. Extract files use ``MemberStageLayout/extractBookkeeping`` and then the
/// mapping's fields; quarantine files use ``MemberStageLayout/quarantine``.
public enum LedgerStageLayout {
    /// `cleanse/wallet_entries.tsv`: accepted entries, typed, member resolved to its legacy id,
    /// amounts signed; in legacy transaction id order, except that when the export's entries
    /// came in that order but for a few late ones, the late ones kept follow the others (in
    /// that order among themselves): ``LedgerEntrySink``.
    public static let cleansedEntries = [
        "_source", "_line", "legacy_txn_id", "member_legacy_id", "currency", "kind", "amount_minor", "occurred_at_us",
        "counterparty_legacy_id",
    ]

    /// `cleanse/wallet_balances.tsv`: accepted legacy closing balances.
    public static let cleansedBalances = ["_source", "_line", "member_legacy_id", "currency", "balance_minor"]

    /// `transform/wallet_entries.tsv`: rows for `mlm.wallet_entries` in (member_id, currency, seq) order.
    public static let entries = [
        "member_id", "currency", "seq", "legacy_txn_id", "kind", "amount_minor", "occurred_at", "balance_after_minor", "entry_hash",
        "counterparty_id",
    ]

    /// `transform/wallets.tsv`: rows for `mlm.wallets` in (member_id, currency) order.
    public static let wallets = ["member_id", "currency", "balance_minor", "entry_count", "head_hash", "merkle_root", "legacy_balance_minor"]
}

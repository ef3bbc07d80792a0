/// Column layouts of the commission stage files (orders, carry-forwards, ranks, rank history,
/// payouts), shared by the stage that writes a file and the stage that reads it. Extract files
/// use ``MemberStageLayout/extractBookkeeping`` and then the mapping's fields; the quarantine
/// file uses ``MemberStageLayout/quarantine``. Volumes are integers at the plan's
/// `volume_scale`, amounts integer minor units, times UTC microseconds (cleanse) or timestamps
/// (transform).
public enum CommissionStageLayout {
    /// `cleanse/orders.tsv`: accepted orders, member resolved to its legacy id, in source order.
    public static let cleansedOrders = ["_source", "_line", "order_id", "member_legacy_id", "ordered_at_us", "status", "bv", "pv", "period"]
    /// `cleanse/carry_forward.tsv`: one row per member, leg and position (`opening`, `closing`).
    public static let cleansedCarry = ["_source", "_line", "member_legacy_id", "position", "leg", "volume"]
    /// `cleanse/ranks.tsv`: the rank list in source order (declared ranks: lowest first); `sort_order` ranks them.
    public static let cleansedRanks = ["_source", "_line", "rank", "name", "sort_order"]
    /// `cleanse/rank_history.tsv`: accepted rank changes, per member in time order.
    public static let cleansedRankHistory = ["_source", "_line", "member_legacy_id", "rank", "previous_rank", "achieved_at_us"]
    /// `cleanse/payouts.tsv`: accepted legacy payouts of the closed period.
    public static let cleansedPayouts = ["_source", "_line", "member_legacy_id", "bonus_type", "currency", "amount_minor"]

    /// `transform/periods.tsv`: rows for `mlm.periods`.
    public static let periods = ["period", "starts_at", "ends_at", "closed", "volume_scale", "currency"]
    /// `transform/orders.tsv`: rows for `mlm.orders`.
    public static let orders = ["order_id", "member_id", "period", "ordered_at", "status", "bv", "pv"]
    /// `transform/carry_forward.tsv`: rows for `mlm.carry_forward`.
    public static let carry = ["member_id", "period", "position", "leg", "volume"]
    /// `transform/ranks.tsv`: rows for `mlm.ranks`.
    public static let ranks = ["rank", "name", "sort_order"]
    /// `transform/rank_history.tsv`: rows for `mlm.rank_history`.
    public static let rankHistory = ["member_id", "achieved_at", "rank", "previous_rank"]
    /// `transform/payouts.tsv`: rows for `mlm.commission_payouts`.
    public static let payouts = ["member_id", "period", "bonus_type", "currency", "amount_minor"]
}

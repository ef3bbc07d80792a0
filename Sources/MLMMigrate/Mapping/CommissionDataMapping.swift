/// The commission state an export holds, each entity optional: the closed period's orders, the
/// opening and closing carry-forward volumes, the rank list and rank history, and what the
/// legacy system paid. Read from `entities:` and `commission_period:` (docs/commissions.md).
public struct CommissionDataMapping: Sendable, Equatable {
    public var period: PeriodSpec
    public var orders: EntityMapping?
    /// Carry-forward per member and leg at the start of the closed period.
    public var openingCarry: CarryMapping?
    /// Carry-forward per member and leg the legacy system computed at the period's close.
    public var closingCarry: CarryMapping?
    /// The rank list from the export (`entities.ranks`); else ``declaredRanks``.
    public var ranks: EntityMapping?
    /// The rank list declared in the mapping (`ranks:`), lowest first, when the export has none.
    public var declaredRanks: [DeclaredRank]
    public var rankHistory: EntityMapping?
    public var payouts: EntityMapping?
    /// What each entity's `member` column holds (`member_key:`), by entity name; legacy_id when not given.
    public var memberKeys: [String: ReferenceKey] = [:]

    /// The closed pay period the export's orders, carries and payouts belong to.
    public struct PeriodSpec: Sendable, Equatable {
        /// `2026-11` for a calendar month, the first day `2026-11-16` for a week, or any name for explicit bounds.
        public var id: String
        /// Explicit bounds (UTC microseconds, half-open); nil: drawn from the plan's calendar.
        public var startsAtMicros: Int64?
        public var endsAtMicros: Int64?

        public init(id: String, startsAtMicros: Int64?, endsAtMicros: Int64?) {
            self.id = id
            self.startsAtMicros = startsAtMicros
            self.endsAtMicros = endsAtMicros
        }
    }

    /// A rank declared in the mapping.
    public struct DeclaredRank: Sendable, Equatable {
        public var rank: String
        public var name: String
    }

    /// Fields each entity may map; the required ones first.
    public static let orderFields = ["order_id", "member", "ordered_at", "status", "bv", "pv"]
    public static let carryFields = ["member", "leg", "volume"]
    public static let rankFields = ["rank", "name", "sort_order"]
    public static let rankHistoryFields = ["member", "rank", "previous_rank", "achieved_at"]
    public static let payoutFields = ["member", "bonus_type", "amount", "currency"]

    /// Whether the mapping gives any commission entity.
    public var isEmpty: Bool {
        orders == nil && openingCarry == nil && closingCarry == nil && ranks == nil && declaredRanks.isEmpty
            && rankHistory == nil && payouts == nil
    }
}

/// A carry-forward entity: one row per member and leg (`leg` and `volume` columns), or one row
/// per member with a volume column per leg (`legs: {left: left_cf, right: right_cf}`).
public struct CarryMapping: Sendable, Equatable {
    public var entity: EntityMapping
    /// Wide form: the field holding each leg's volume, by leg code (fields `volume:<leg>`).
    public var legColumns: [(leg: String, field: String)]

    public static func == (lhs: CarryMapping, rhs: CarryMapping) -> Bool {
        lhs.entity == rhs.entity && lhs.legColumns.map(\.leg) == rhs.legColumns.map(\.leg)
            && lhs.legColumns.map(\.field) == rhs.legColumns.map(\.field)
    }
}

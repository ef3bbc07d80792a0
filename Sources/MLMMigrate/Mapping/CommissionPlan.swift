/// A legacy compensation plan, declared in the mapping's `commission_plan:` block and read by
/// `NodeReader.commissionPlan`; the ``CommissionEngine`` recomputes a closed pay period with it.
///
/// Money is held in integer minor units of `currency`, volume in integer units of
/// 10^-`volumeScale` BV; one whole BV is worth one whole currency unit. Every rule is declared in
/// the YAML or has the default docs/commissions.md names: the engine has no rule of its own.
public struct CommissionPlan: Sendable, Equatable {
    /// ISO 4217 code of the payouts ("USD").
    public var currency: String
    /// Decimal places of the currency's minor unit (0 JPY, 2 USD, 3 KWD).
    public var currencyExponent: Int
    /// Decimal places volumes (BV, PV) are stored with: a stored 12345 at scale 2 is 123.45 BV.
    public var volumeScale: Int
    public var period: Period
    public var binary: Binary?
    public var unilevel: Unilevel?
    public var rounding: Rounding
    /// Withheld from each member's gross amount per bonus, in this order (default: none).
    public var deductions: [Deduction]

    /// Which pay periods the plan has and which orders count in one.
    public struct Period: Sendable, Equatable {
        public var kind: PeriodKind
        /// IANA zone calendar periods are cut in (calendar kinds only).
        public var timeZone: String?
        /// First day of a calendar week (calendar_week only).
        public var weekStarts: Weekday?
        /// Order statuses that count; an order with any other status is ignored.
        public var countedStatuses: [String]
    }

    /// How a period's bounds are drawn.
    public enum PeriodKind: String, Sendable, CaseIterable {
        case calendarMonth = "calendar_month"
        case calendarWeek = "calendar_week"
        /// Bounds come from the data (the legacy system's own period table).
        case explicit
    }

    /// The first day of a calendar week.
    public enum Weekday: String, Sendable, CaseIterable {
        case monday
        case sunday
    }

    /// The binary (two-leg pairing) bonus.
    public struct Binary: Sendable, Equatable {
        /// The two leg codes exactly as the target's `placement_leg` holds them; the first listed
        /// counts as the stronger leg when both have the same leftover.
        public var legs: [String]
        public var bonus: BinaryPay
        /// Volume of one pair (scaled volume): required by a flat bonus; under a percent bonus
        /// only needed by `first_pair` and a cap per pairs, and it then only counts pairs.
        public var pairVolume: Int64?
        public var pairing: Pairing
        public var firstPair: FirstPair
        public var cap: Cap?
        /// What happens to paired volume a cap leaves unpaid (required with a cap).
        public var overCap: Disposition?
        /// Whether each leg's volume left after pairing is carried to the next period.
        public var carryForward: Bool
        /// Flat bonus with carry_forward only: the weaker leg's leftover when below one pair_volume.
        public var flatRemainder: Disposition?
        public var qualification: Qualification?
        /// What an unqualified member's leg volume does (required with a qualification).
        public var unqualified: Disposition?
    }

    /// How a binary pair pays.
    public enum BinaryPay: Sendable, Equatable {
        /// This percent of the paired volume (valued at one currency unit per BV).
        case percent(ExactDecimal)
        /// This many minor units per whole pair of `pairVolume`.
        case flat(perPairMinor: Int64)
    }

    /// The volume ratio between the legs of a pair.
    public enum Pairing: String, Sendable, CaseIterable {
        case oneToOne = "1:1"
    }

    /// The ratio the first pair of a period needs; the first listed leg is on the left of "2:1".
    public enum FirstPair: String, Sendable, CaseIterable {
        case twoToOne = "2:1"
        case oneToTwo = "1:2"
        /// The stronger leg gives the two (the first listed leg on a tie).
        case either
        case none
    }

    /// Keep for the next period, or drop.
    public enum Disposition: String, Sendable, CaseIterable {
        case carry
        case flush
    }

    /// A ceiling on one member's binary bonus in one period.
    public struct Cap: Sendable, Equatable {
        public var per: CapUnit
        /// Minor units (money), whole pairs (pairs) or scaled volume (volume); always positive.
        public var amount: Int64
    }

    /// What a cap counts.
    public enum CapUnit: String, Sendable, CaseIterable {
        case money
        case pairs
        case volume
    }

    /// Who earns a binary bonus; a member who is not qualified earns none.
    public struct Qualification: Sendable, Equatable {
        /// Own counted PV in the period (scaled) a member needs; also what makes a personally
        /// sponsored member active for `sponsoredActiveEachLeg`.
        public var personalPV: Int64
        /// Each leg must hold at least one active member the earner personally sponsored.
        public var sponsoredActiveEachLeg: Bool
    }

    /// The unilevel (sponsor-line) bonus on each order's BV.
    public struct Unilevel: Sendable, Equatable {
        /// Percent per level: level 1 is the buyer's sponsor.
        public var percents: [ExactDecimal]
        /// Own counted PV in the period (scaled) an upline needs to be active.
        public var activePV: Int64
        public var compression: Compression
    }

    /// What an inactive upline does to the levels above it.
    public enum Compression: String, Sendable, CaseIterable {
        /// It keeps its level and is paid nothing.
        case none
        /// Its amount goes to the next active upline above it; its level is used up.
        case rollUp = "roll_up"
        /// It is skipped and takes no level.
        case dynamic
    }

    /// How exact amounts become minor units.
    public struct Rounding: Sendable, Equatable {
        public var mode: RoundingMode
        public var at: RoundingPoint
    }

    /// The rounding rule, applied to the magnitude.
    public enum RoundingMode: String, Sendable, CaseIterable {
        case halfUp = "half_up"
        case halfEven = "half_even"
        /// Truncate toward zero.
        case down
    }

    /// Where rounding happens.
    public enum RoundingPoint: String, Sendable, CaseIterable {
        /// Each binary bonus and each order's bonus to one upline.
        case line
        /// Once per member and bonus, on the exact sum.
        case memberTotal = "member_total"
    }

    /// An amount the legacy system withheld from payouts (tax, admin fee).
    public struct Deduction: Sendable, Equatable {
        public var name: String
        /// Percent of the member's rounded gross amount of one bonus.
        public var percent: ExactDecimal
    }
}

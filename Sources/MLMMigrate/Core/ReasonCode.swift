/// A stable, lowercase, dotted reason why a source row was quarantined.
///
/// Reason codes are an interface: reports, runbooks and auditors cite them. Never rename one;
/// add a new code instead. Every code is listed in ``ReasonCode/all`` with its meaning.
public struct ReasonCode: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
    public static func < (lhs: ReasonCode, rhs: ReasonCode) -> Bool { lhs.rawValue < rhs.rawValue }

    // Extract: the record itself could not be read.
    public static let malformedRecord = ReasonCode("extract.malformed_record")
    public static let columnCount = ReasonCode("extract.column_count")
    public static let invalidEncoding = ReasonCode("extract.invalid_encoding")
    public static let nulByte = ReasonCode("extract.nul_byte")

    // Cleanse, field rules.
    public static let requiredMissing = ReasonCode("field.required_missing")
    public static let unparseableTimestamp = ReasonCode("field.unparseable_timestamp")
    public static let timestampOutOfRange = ReasonCode("field.timestamp_out_of_range")
    public static let unknownCode = ReasonCode("field.unknown_code")

    // Cleanse, genealogy graph rules.
    public static let duplicateID = ReasonCode("genealogy.duplicate_id")
    public static let duplicateUsername = ReasonCode("genealogy.duplicate_username")
    public static let duplicatePerson = ReasonCode("genealogy.duplicate_person")
    public static let selfSponsor = ReasonCode("genealogy.self_sponsor")
    public static let selfPlacement = ReasonCode("genealogy.self_placement")
    public static let orphanSponsor = ReasonCode("genealogy.orphan_sponsor")
    public static let orphanPlacement = ReasonCode("genealogy.orphan_placement")
    public static let sponsorQuarantined = ReasonCode("genealogy.sponsor_quarantined")
    public static let placementQuarantined = ReasonCode("genealogy.placement_quarantined")
    public static let extraRoot = ReasonCode("genealogy.extra_root")
    public static let sponsorCycle = ReasonCode("genealogy.sponsor_cycle")
    public static let placementCycle = ReasonCode("genealogy.placement_cycle")
    public static let crossTreeCycle = ReasonCode("genealogy.cross_tree_cycle")
    public static let placementWithoutParent = ReasonCode("genealogy.placement_missing")
    public static let legMissing = ReasonCode("genealogy.leg_missing")
    public static let legTaken = ReasonCode("genealogy.leg_taken")
    public static let placementOverfull = ReasonCode("genealogy.placement_overfull")

    // Cleanse, money rules (wallet ledgers).
    public static let unparseableAmount = ReasonCode("ledger.unparseable_amount")
    public static let subMinorAmount = ReasonCode("ledger.sub_minor_amount")
    public static let amountOutOfRange = ReasonCode("ledger.amount_out_of_range")
    public static let unknownCurrency = ReasonCode("ledger.unknown_currency")
    public static let unexpectedSign = ReasonCode("ledger.unexpected_sign")
    public static let unknownDirection = ReasonCode("ledger.unknown_direction")
    public static let unknownMember = ReasonCode("ledger.unknown_member")
    public static let unknownCounterparty = ReasonCode("ledger.unknown_counterparty")
    public static let counterpartyQuarantined = ReasonCode("ledger.counterparty_quarantined")
    public static let memberQuarantined = ReasonCode("ledger.member_quarantined")
    public static let duplicateTxnID = ReasonCode("ledger.duplicate_txn_id")
    public static let duplicateBalance = ReasonCode("ledger.duplicate_balance")

    // Cleanse, commission state (orders, carry-forwards, ranks, payouts).
    public static let orderUnknownMember = ReasonCode("order.unknown_member")
    public static let orderMemberQuarantined = ReasonCode("order.member_quarantined")
    public static let orderDuplicateID = ReasonCode("order.duplicate_id")
    public static let carryUnknownMember = ReasonCode("carry.unknown_member")
    public static let carryMemberQuarantined = ReasonCode("carry.member_quarantined")
    public static let carryUnknownLeg = ReasonCode("carry.unknown_leg")
    public static let carryDuplicate = ReasonCode("carry.duplicate")
    public static let rankUnknownRank = ReasonCode("rank.unknown_rank")
    public static let rankOutOfOrder = ReasonCode("rank.out_of_order")
    public static let rankUnknownMember = ReasonCode("rank.unknown_member")
    public static let rankMemberQuarantined = ReasonCode("rank.member_quarantined")
    public static let rankDuplicate = ReasonCode("rank.duplicate")
    public static let payoutUnknownMember = ReasonCode("payout.unknown_member")
    public static let payoutMemberQuarantined = ReasonCode("payout.member_quarantined")
    public static let payoutDuplicate = ReasonCode("payout.duplicate")
    public static let unparseableVolume = ReasonCode("commission.unparseable_volume")
    public static let subUnitVolume = ReasonCode("commission.sub_unit_volume")
    public static let negativeVolume = ReasonCode("commission.negative_volume")

    /// Every code with a one-line meaning, in the order the docs list them.
    public static let all: [(code: ReasonCode, meaning: String)] = [
        (malformedRecord, "The CSV record breaks RFC 4180: text after a closing quote, or a quote never closed on its line (a stray quote; the lines after it are read as their own records)."),
        (columnCount, "The record has a different number of fields than the header."),
        (invalidEncoding, "A field's bytes are not valid in the mapping's declared encoding (kept as hex in the payload's `_hex.<field>`, PII fields dropped)."),
        (nulByte, "A field holds a NUL byte, which PostgreSQL text cannot store (kept as hex in the payload's `_hex.<field>`, PII fields dropped)."),
        (requiredMissing, "A column the mapping marks `required` is blank after trimming."),
        (unparseableTimestamp, "A timestamp does not match the mapping's format."),
        (timestampOutOfRange, "A timestamp parses but lies outside 1900-01-01..2100-01-01 UTC."),
        (unknownCode, "A coded column holds a value the mapping's `codes` table does not list."),
        (duplicateID, "Two or more rows share a legacy member id."),
        (duplicateUsername, "Two or more rows share the username that references resolve by."),
        (duplicatePerson, "The same person (identity column, normalised) registered more than once; the earliest registration is kept."),
        (selfSponsor, "The member names itself as sponsor."),
        (selfPlacement, "The member names itself as placement parent."),
        (orphanSponsor, "The sponsor reference matches no member in the export."),
        (orphanPlacement, "The placement parent reference matches no member in the export."),
        (sponsorQuarantined, "The sponsor exists but was quarantined, and the orphan policy is `quarantine`."),
        (placementQuarantined, "The placement parent exists but was quarantined, and the orphan policy is `quarantine`."),
        (extraRoot, "A member without sponsor who is not the genealogy's root."),
        (sponsorCycle, "The member is on a sponsor cycle (every member of the cycle is quarantined)."),
        (placementCycle, "The member is on a placement cycle (every member of the cycle is quarantined)."),
        (crossTreeCycle, "Sponsor and placement links together form a cycle, so no load order exists."),
        (placementWithoutParent, "A non-root member has no placement parent and the mapping requires one."),
        (legMissing, "The member has a placement parent but no valid leg."),
        (legTaken, "Another member, registered earlier, holds the same leg under the same parent."),
        (placementOverfull, "The placement parent already has as many children as the plan has legs."),
        (unparseableAmount, "A money amount is not a number in the mapping's declared format."),
        (subMinorAmount, "A money amount has digits below the currency's minor unit beyond the floating-point artefact tolerance."),
        (amountOutOfRange, "A money amount does not fit a signed 64-bit count of minor units."),
        (unknownCurrency, "A currency code is not an ISO 4217 currency mlm-migrate knows."),
        (unexpectedSign, "A negative amount in a column the mapping declares as magnitudes (`amount_sign: by_kind` or `by_direction`)."),
        (unknownDirection, "Under `amount_sign: by_direction`, the direction column (after its codes) is neither `credit` nor `debit`."),
        (unknownMember, "The wallet row's member reference matches no member in the export."),
        (unknownCounterparty, "The entry's `counterparty` (the other member of a transfer) matches no member in the export."),
        (counterpartyQuarantined, "The entry's `counterparty` exists in the export but was quarantined, so it is not in the target."),
        (memberQuarantined, "The wallet row's member exists in the export but was quarantined, so the row has no member to attach to."),
        (duplicateTxnID, "Two or more entries share a legacy transaction id (`duplicate_txn_policy` says which are kept)."),
        (duplicateBalance, "Two or more legacy balance rows name the same wallet; none is used, as there is no way to tell which is right."),
        (orderUnknownMember, "The order's member reference matches no member in the export."),
        (orderMemberQuarantined, "The order's member exists in the export but was quarantined; its volume reaches no upline in the target."),
        (orderDuplicateID, "Two or more orders share an order id; none is used, as there is no way to tell which is right."),
        (carryUnknownMember, "The carry-forward's member reference matches no member in the export."),
        (carryMemberQuarantined, "The carry-forward's member exists in the export but was quarantined."),
        (carryUnknownLeg, "The carry-forward names a leg that is not one of the genealogy's legs."),
        (carryDuplicate, "Two or more carry-forward rows name the same member and leg; none is used."),
        (rankUnknownRank, "The rank (or previous rank) is not in the rank list (entities.ranks or the mapping's ranks:)."),
        (rankOutOfOrder, "The rank history row's previous rank is not the rank the member held just before it, in time order."),
        (rankUnknownMember, "The rank history row's member reference matches no member in the export."),
        (rankMemberQuarantined, "The rank history row's member exists in the export but was quarantined."),
        (rankDuplicate, "Two or more rank list rows share a rank code, or two history rows the same member, time and rank; none is used."),
        (payoutUnknownMember, "The payout's member reference matches no member in the export."),
        (payoutMemberQuarantined, "The payout's member exists in the export but was quarantined; the parallel run lists its amount apart."),
        (payoutDuplicate, "Two or more payout rows name the same member, bonus type and currency; none is used."),
        (unparseableVolume, "A volume (BV, PV, carry-forward) is not a number in the mapping's declared format."),
        (subUnitVolume, "A volume has digits below the plan's volume_scale beyond the floating-point artefact tolerance."),
        (negativeVolume, "A volume is negative."),
    ]
}

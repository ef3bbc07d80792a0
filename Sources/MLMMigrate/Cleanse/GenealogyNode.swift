/// Why a row is quarantined: a reason code, the column at fault if any, and a value-free detail.
public struct Rejection: Equatable, Sendable {
    public var reason: ReasonCode
    public var column: String?
    public var detail: String?

    public init(_ reason: ReasonCode, column: String? = nil, detail: String? = nil) {
        self.reason = reason
        self.column = column
        self.detail = detail
    }
}

/// One member as the genealogy rules see it: keys, references and registration time.
public struct GenealogyNode: Sendable {
    public var location: SourceLocation
    public var legacyID: String?
    public var username: String?
    public var joinedAt: Int64?
    public var sponsorRef: String?
    public var placementRef: String?
    /// The leg name after code mapping (`left`), or nil.
    public var leg: String?
    /// Protected identity tokens, one per identity column that has a value, each written
    /// `<field>=<blind index>` so a match names its column (never its value).
    public var identities: [String]
    /// Set when an earlier rule (extract, field rules) already rejected the row.
    public var rejection: Rejection?

    public init(
        location: SourceLocation, legacyID: String?, username: String? = nil, joinedAt: Int64? = nil,
        sponsorRef: String? = nil, placementRef: String? = nil, leg: String? = nil,
        identities: [String] = [], rejection: Rejection? = nil
    ) {
        self.location = location
        self.legacyID = legacyID
        self.username = username
        self.joinedAt = joinedAt
        self.sponsorRef = sponsorRef
        self.placementRef = placementRef
        self.leg = leg
        self.identities = identities
        self.rejection = rejection
    }
}

/// A member kept but changed by the orphan policy `attach_to_root`.
public struct Reattachment: Equatable, Sendable {
    public enum Tree: String, Sendable { case sponsor, placement }
    public var node: Int
    public var tree: Tree
    public var reason: ReasonCode
}

/// Two loaded registrations that look like the same person (`duplicate_person_policy: flag`):
/// node indexes, the identity columns that match (names only), and the share of the mapping's
/// identity columns that match, in percent.
public struct DuplicatePair: Equatable, Sendable {
    public var member: Int
    public var duplicateOf: Int
    public var columns: [String]
    public var scorePercent: Int

    public init(member: Int, duplicateOf: Int, columns: [String], scorePercent: Int) {
        self.member = member
        self.duplicateOf = duplicateOf
        self.columns = columns
        self.scorePercent = scorePercent
    }
}

/// The verdict on a whole genealogy, packed per node (four to twelve bytes a node).
public struct GenealogyOutcome: Sendable {
    /// Per node: 0 when accepted, else 1 + the place of its rejection in `rejectionList`.
    private let rejected: [UInt32]
    private let rejectionList: [Rejection]
    /// Per node: index of the sponsor, or -1 for the root (and for rejected nodes).
    public let sponsors: [Int32]
    /// Per node: index of the placement parent, or -1.
    public let placements: [Int32]
    /// Per node: the leg's place in `legs`, or -1.
    private let legSlots: [Int32]
    private let legs: [String]
    /// The root's index, when any member was accepted.
    public var root: Int?
    public var reattachments: [Reattachment]
    /// Pairs of loaded registrations that look like the same person (policy `flag`).
    public var duplicatePairs: [DuplicatePair] = []

    init(
        rejected: [UInt32], rejectionList: [Rejection], sponsors: [Int32], placements: [Int32], legSlots: [Int32],
        legs: [String], root: Int?, reattachments: [Reattachment], duplicatePairs: [DuplicatePair]
    ) {
        self.rejected = rejected
        self.rejectionList = rejectionList
        self.sponsors = sponsors
        self.placements = placements
        self.legSlots = legSlots
        self.legs = legs
        self.root = root
        self.reattachments = reattachments
        self.duplicatePairs = duplicatePairs
    }

    /// Why node `index` is quarantined; nil when it is accepted.
    public func rejection(_ index: Int) -> Rejection? {
        rejected[index] == 0 ? nil : rejectionList[Int(rejected[index]) - 1]
    }

    /// The leg name of node `index` under its placement parent, or nil.
    public func leg(_ index: Int) -> String? { legSlots[index] >= 0 ? legs[Int(legSlots[index])] : nil }

    /// Per node: nil when accepted, else why it is quarantined.
    public var rejections: [Rejection?] { rejected.indices.map(rejection) }
    /// Per node: index of the sponsor, or -1.
    public var sponsor: [Int] { sponsors.map { Int($0) } }
    /// Per node: index of the placement parent, or -1.
    public var placement: [Int] { placements.map { Int($0) } }
    /// Per node: the leg name under the placement parent, or nil.
    public var leg: [String?] { legSlots.indices.map(leg) }
}

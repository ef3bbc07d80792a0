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

/// The verdict on a whole genealogy.
public struct GenealogyOutcome: Sendable {
    /// Per node: nil when accepted, else why it is quarantined.
    public var rejections: [Rejection?]
    /// Per node: index of the sponsor, or -1 for the root (and for rejected nodes).
    public var sponsor: [Int]
    /// Per node: index of the placement parent, or -1.
    public var placement: [Int]
    /// Per node: the leg name under the placement parent, or nil.
    public var leg: [String?]
    /// The root's index, when any member was accepted.
    public var root: Int?
    public var reattachments: [Reattachment]
    /// Pairs of loaded registrations that look like the same person (policy `flag`).
    public var duplicatePairs: [DuplicatePair] = []
}

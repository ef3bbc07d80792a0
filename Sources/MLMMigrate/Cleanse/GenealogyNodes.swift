/// Every member as the genealogy rules see it (``GenealogyNode``), packed column by column for
/// millions of members: texts in ``PackedStrings``, codes (leg, status) numbered, the source
/// file once per run of rows, rejections of earlier rules in a side table (few rows have one).
public struct GenealogyNodes: Sendable {
    public private(set) var count = 0
    private var sources = SourceRuns()
    private var lines: [Int32] = []
    /// Lines that do not fit 31 bits (SQLite rowids), by node.
    private var bigLines: [Int: Int] = [:]
    var legacyIDs = PackedStrings()
    var usernames = PackedStrings()
    var sponsorRefs = PackedStrings()
    var placementRefs = PackedStrings()
    /// Registration time per node, `Int64.max` when unknown (so it sorts last).
    private(set) var joined: [Int64] = []
    private var joinedMissing = PackedBits()
    private(set) var legs = CodedTexts()
    private(set) var statuses = CodedTexts()
    private(set) var rejections: [Int: Rejection] = [:]
    /// Protected identity tokens (dropped by the validator once the duplicate rule ran).
    var identities = IdentityTokens()

    public init() {}

    public init(_ nodes: [GenealogyNode]) {
        for node in nodes {
            append(
                location: node.location, legacyID: node.legacyID, username: node.username, joinedAt: node.joinedAt,
                sponsorRef: node.sponsorRef, placementRef: node.placementRef, leg: node.leg, status: nil,
                rejection: node.rejection
            )
            for token in node.identities { identities.append(token: token) }
            identities.endMember()
        }
    }

    /// Adds a member; its identity tokens go to ``identities`` before, then `endMember()`.
    mutating func append(
        location: SourceLocation, legacyID: String?, username: String?, joinedAt: Int64?, sponsorRef: String?,
        placementRef: String?, leg: String?, status: String?, rejection: Rejection?
    ) {
        sources.append(location.source, row: count)
        if let line = Int32(exactly: location.line), line >= 0 {
            lines.append(line)
        } else {
            lines.append(-1)
            bigLines[count] = location.line
        }
        legacyIDs.append(legacyID)
        usernames.append(username)
        sponsorRefs.append(sponsorRef)
        placementRefs.append(placementRef)
        joined.append(joinedAt ?? .max)
        joinedMissing.append(joinedAt == nil)
        legs.append(leg)
        statuses.append(status)
        if let rejection { rejections[count] = rejection }
        count += 1
    }

    public func location(_ node: Int) -> SourceLocation {
        let line = lines[node] >= 0 ? Int(lines[node]) : bigLines[node] ?? 0
        return SourceLocation(source: sources.source(of: node), line: line)
    }

    public func legacyID(_ node: Int) -> String? { legacyIDs[node] }
    public func username(_ node: Int) -> String? { usernames[node] }
    public func joinedAt(_ node: Int) -> Int64? { joinedMissing[node] ? nil : joined[node] }
    public func status(_ node: Int) -> String? { statuses[node] }
    public func leg(_ node: Int) -> String? { legs[node] }
}

/// A text column with few distinct values (a code), kept as one number a row.
struct CodedTexts: Sendable {
    /// Per row: 0 for nil, else 1 + the value's place in ``values``.
    private var codes: [UInt32] = []
    private(set) var values: [String] = []
    private var numbers: [String: UInt32] = [:]

    mutating func append(_ value: String?) {
        guard let value else {
            codes.append(0)
            return
        }
        // A canonically equivalent spelling is another value: each row keeps its own bytes.
        if let number = numbers[value], values[Int(number) - 1].utf8.elementsEqual(value.utf8) {
            codes.append(number)
            return
        }
        values.append(value)
        let number = UInt32(values.count)
        if numbers[value] == nil { numbers[value] = number }
        codes.append(number)
    }

    /// The row's code: 0 for nil, else 1 + the place of its value in ``values``.
    func code(_ row: Int) -> Int { Int(codes[row]) }

    subscript(row: Int) -> String? { codes[row] == 0 ? nil : values[Int(codes[row]) - 1] }
}

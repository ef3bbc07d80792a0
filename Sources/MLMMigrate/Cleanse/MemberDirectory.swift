/// The members a wallet row may name: accepted members (from `cleanse/members.tsv`) and every
/// member the export held (from `extract/members.tsv`), so a reference resolves to an accepted
/// member's legacy id, or says why it cannot.
///
/// Memory grows with members, not with wallet rows.
public struct MemberDirectory: Sendable {
    public enum Resolution: Equatable, Sendable {
        case member(legacyID: String)
        case quarantined
        case unknown
    }

    private var accepted: [String: String] = [:]
    private var known: Set<String> = []

    /// Reads both member stage files; `key` says whether references are legacy ids or usernames.
    public init(key: ReferenceKey, members: MembersMapping, extractPath: String, cleansedPath: String) throws(MigrationError) {
        let cleansed = try StageFileReader(path: cleansedPath, expecting: MemberStageLayout.cleansed)
        while let fields = try cleansed.next() {
            let row = CleansedMemberRow(fields)
            if let legacyID = row.legacyID, let ref = key == .legacyID ? row.legacyID : row.username { accepted[ref] = legacyID }
        }
        let extracted = try StageFileReader(path: extractPath, expecting: MemberStageLayout.extract(members))
        let field = key == .legacyID ? "legacy_id" : "username"
        guard let index = members.columns.firstIndex(where: { $0.field == field }) else { return }
        let position = index + MemberStageLayout.extractBookkeeping.count
        while let row = try extracted.next() {
            if let ref = TrimText.apply(row[position]) { known.insert(ref) }
        }
    }

    /// Creates a directory from lists (for tests).
    public init(accepted: [String: String], known: Set<String>) {
        self.accepted = accepted
        self.known = known.union(accepted.keys)
    }

    public func resolve(_ reference: String) -> Resolution {
        if let legacyID = accepted[reference] { return .member(legacyID: legacyID) }
        return known.contains(reference) ? .quarantined : .unknown
    }
}

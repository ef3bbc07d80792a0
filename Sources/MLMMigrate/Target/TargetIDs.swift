import Crypto

/// The members a target already holds, by legacy id, as a delta run's Transform needs them:
/// read by Load before Transform (``Loader/readTargetIDs(_:)``), kept in the work directory as
/// `transform/target_ids.tsv`, and summarised in the manifest (``DeltaBasis``) so the delta load
/// can refuse a target that changed in between.
public struct TargetIDs: Sendable {
    /// `member_id` by legacy id.
    public var ids: [String: Int]
    /// The highest member id the target ever gave (new members get the next ones).
    public var highest: Int

    public init(ids: [String: Int], highest: Int) {
        self.ids = ids
        self.highest = highest
    }

    static let columns = ["legacy_id", "member_id"]

    /// What the load checks the target against: count, highest id and a SHA-256 of the pairs.
    public var basis: DeltaBasis {
        var hasher = SHA256()
        for (legacyID, id) in ids.sorted(by: { $0.value < $1.value }) {
            hasher.update(data: Array("\(legacyID)\t\(id)\n".utf8))
        }
        return DeltaBasis(members: ids.count, highest: highest, digest: Hex.encode(hasher.finalize()))
    }

    public func write(to path: String) throws(MigrationError) {
        let file = try StageFileWriter(path: path, columns: Self.columns)
        for (legacyID, id) in ids.sorted(by: { $0.value < $1.value }) { try file.append([legacyID, String(id)]) }
        try file.append([nil, String(highest)])
        try file.close()
    }

    /// Reads `write(to:)`'s file; the last row carries the highest id.
    public static func read(from path: String) throws(MigrationError) -> TargetIDs {
        let reader = try StageFileReader(path: path, expecting: columns)
        var result = TargetIDs(ids: [:], highest: 0)
        while let row = try reader.next() {
            guard let id = row[1].flatMap({ Int($0) }) else {
                throw MigrationError("workdir.corrupt", "\(path): line \(reader.lineNumber): member_id is not a number; run transform --delta again")
            }
            if let legacyID = row[0], !legacyID.isEmpty { result.ids[legacyID] = id } else { result.highest = id }
        }
        return result
    }
}

/// The target a delta run's Transform numbered its members against (``TargetIDs/basis``).
public struct DeltaBasis: Codable, Sendable, Equatable {
    public var members: Int
    public var highest: Int
    public var digest: String
}

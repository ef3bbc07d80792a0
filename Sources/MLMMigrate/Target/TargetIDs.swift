import Crypto

/// The members a target already holds, by legacy id, as a delta run's Transform needs them:
/// read from the target before Transform (``read(from:excludingRun:)``), kept in the work directory as
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

    /// The target's members by legacy id, for a delta run's Transform. A database without the
    /// schema yet holds none (everything is new); reading never changes the target.
    /// `excludingRun` leaves out the members that run inserted, to check a resumed delta run's basis.
    public static func read(from connection: PostgresConnection, excludingRun: Int? = nil) throws(MigrationError) -> TargetIDs {
        var result = TargetIDs(ids: [:], highest: 0)
        guard try connection.scalar("SELECT to_regclass('mlm_migration.id_map') IS NOT NULL") == "t" else { return result }
        let filter = excludingRun.map { " AND run_id <> \($0)" } ?? ""
        try connection.copyOut(
            "COPY (SELECT legacy_id, new_id FROM mlm_migration.id_map WHERE entity = 'member'\(filter)) TO STDOUT",
            what: "reading the target's members"
        ) { bytes throws(MigrationError) in
            let row = CopyText.decodeRow(copyLine: bytes)
            guard row.count == 2, let legacyID = row[0], let id = row[1].flatMap({ Int($0) }) else {
                throw MigrationError(.targetSQLFailed, "mlm_migration.id_map returned a malformed row")
            }
            result.ids[legacyID] = id
            result.highest = max(result.highest, id)
        }
        return result
    }

    /// Reads `write(to:)`'s file; the last row carries the highest id.
    public static func read(from path: String) throws(MigrationError) -> TargetIDs {
        let reader = try StageFileReader(path: path, expecting: columns)
        var result = TargetIDs(ids: [:], highest: 0)
        while let row = try reader.next() {
            guard let id = row[1].flatMap({ Int($0) }) else {
                throw MigrationError(.workdirCorrupt, "\(path): line \(reader.lineNumber): member_id is not a number; run transform --delta again")
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

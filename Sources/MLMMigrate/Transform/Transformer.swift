public import Logging
import Foundation

/// What Transform produced: rows ready for the target and their content digests.
public struct TransformSummary: Codable, Sendable, Equatable {
    public var entity: String
    public var members: Int
    public var quarantined: Int
    public var levels: Int
    /// SHA-256 of `transform/members.tsv` rows (see ``RowDigest``).
    public var membersDigest: String
    public var idMapDigest: String
    /// Members with a `mlm.member_pii` row (and a data key); nil when the mapping has no PII.
    public var piiMembers: Int?
    /// Rows of `transform/duplicate_candidates.tsv`; nil when Cleanse listed none (older work).
    public var duplicateCandidates: Int?
    /// Members per sponsor-tree level as loaded (``SponsorDepth``); nil in older work directories.
    public var sponsorLevels: [Int]?
}

/// Transform: gives each accepted member its new `member_id` (1, 2, 3... in load order, so the
/// same export always gets the same ids), resolves sponsor and placement legacy ids to new ids,
/// and writes `transform/members.tsv`, `transform/id_map.tsv` and `transform/quarantine.tsv`.
///
/// For a delta run it is given the target's ids (``TargetIDs``): members the target already has
/// keep their `member_id`, and new ones get the next ids after the target's highest, in load
/// order. The files are in `member_id` order either way.
public struct Transformer {
    public let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// `pii` (`extract/member_pii.tsv` and `cleanse/accepted_rows.tsv`) and `kekID` are given
    /// when the mapping has PII.
    public func run(
        cleansedPath: String, cleanseQuarantinePath: String, outputDirectory: String,
        pii: (extractPath: String, acceptedRowsPath: String)? = nil, kekID: String? = nil, targetIDs: TargetIDs? = nil,
        cleansedDuplicatesPath: String? = nil
    ) throws(MigrationError) -> TransformSummary {
        // Every member's text columns, packed: a few bytes beyond the text itself a member.
        var legacyIDs = PackedStrings()
        var usernames = PackedStrings()
        var statuses = PackedStrings()
        var joinedAt: [Int64?] = []
        var sponsorRefs = PackedStrings()
        var placementRefs = PackedStrings()
        var legs = PackedStrings()
        var position = PackedStringTable()
        let reader = try StageFileReader(path: cleansedPath, expecting: MemberStageLayout.cleansed)
        while let fields = try reader.next() {
            let row = CleansedMemberRow(fields)
            guard let legacyID = row.legacyID else {
                throw MigrationError(.workdirCorrupt, "\(cleansedPath): line \(reader.lineNumber): legacy_id is empty; run cleanse again")
            }
            legacyIDs.append(legacyID)
            position.insert(legacyID)
            usernames.append(row.username)
            statuses.append(row.status)
            joinedAt.append(row.joinedAtMicros)
            sponsorRefs.append(row.sponsorLegacyID)
            placementRefs.append(row.placementLegacyID)
            legs.append(row.placementLeg)
        }
        guard position.count == legacyIDs.count else {
            throw MigrationError(.workdirCorrupt, "\(cleansedPath): a legacy_id is listed twice; run cleanse again")
        }
        func resolve(_ ref: String?, _ index: Int, _ column: String) throws(MigrationError) -> Int {
            guard let ref else { return -1 }
            guard let parent = position.index(of: ref) else {
                throw MigrationError(.workdirCorrupt, "\(cleansedPath): line \(index + 2): \(column) names a member that is not in the file; run cleanse again")
            }
            return parent
        }
        var sponsor: [Int] = []
        var placement: [Int] = []
        sponsor.reserveCapacity(legacyIDs.count)
        placement.reserveCapacity(legacyIDs.count)
        for index in 0..<legacyIDs.count {
            sponsor.append(try resolve(sponsorRefs[index], index, "sponsor"))
            placement.append(try resolve(placementRefs[index], index, "placement"))
        }
        // The parents' legacy ids are resolved: freed before the load order's arrays are built.
        sponsorRefs = PackedStrings()
        placementRefs = PackedStrings()
        let (order, levels, stuck) = LoadOrder.compute(sponsor: sponsor, placement: placement, joinedAt: joinedAt)
        guard stuck.isEmpty else {
            throw MigrationError(.workdirCorrupt, "\(cleansedPath): \(stuck.count) members have cyclic links; run cleanse again")
        }
        var newID = [Int](repeating: 0, count: legacyIDs.count)
        var fileOrder = order
        if let targetIDs {
            var next = targetIDs.highest
            for index in order {
                if let legacyID = legacyIDs[index], let existing = targetIDs.ids[legacyID] {
                    newID[index] = existing
                } else {
                    next += 1
                    newID[index] = next
                }
            }
            fileOrder.sort { newID[$0] < newID[$1] }
        } else {
            for (rank, index) in order.enumerated() { newID[index] = rank + 1 }
        }

        let members = try StageFileWriter(path: StageFile.transformMembers.path(in: outputDirectory), columns: MemberStageLayout.members, digesting: true)
        let idMap = try StageFileWriter(path: StageFile.transformIDMap.path(in: outputDirectory), columns: MemberStageLayout.idMap, digesting: true)
        for index in fileOrder {
            let row: [String?] = [
                String(newID[index]), legacyIDs[index], usernames[index], statuses[index],
                joinedAt[index].map(UTCTimestamp.format(micros:)),
                sponsor[index] >= 0 ? String(newID[sponsor[index]]) : nil,
                placement[index] >= 0 ? String(newID[placement[index]]) : nil,
                legs[index],
            ]
            try members.append(row)
            try idMap.append(["member", legacyIDs[index], String(newID[index])])
        }
        try members.close()
        try idMap.close()

        var piiMembers: Int?
        if let pii, let kekID {
            piiMembers = try writePII(from: pii.extractPath, acceptedRows: pii.acceptedRowsPath, kekID: kekID, newID: newID, outputDirectory: outputDirectory)
        }
        let quarantined = try StageFileWriter.copy(from: cleanseQuarantinePath, to: StageFile.transformQuarantine.path(in: outputDirectory), columns: MemberStageLayout.quarantine)
        logger.info("transformed members", metadata: ["members": "\(order.count)", "levels": "\(levels)"])
        var summary = TransformSummary(
            entity: "members", members: order.count, quarantined: quarantined, levels: levels,
            membersDigest: members.rowsDigest() ?? "", idMapDigest: idMap.rowsDigest() ?? "", piiMembers: piiMembers
        )
        summary.sponsorLevels = SponsorDepth.histogram(parents: sponsor).levels
        summary.duplicateCandidates = try writeDuplicates(
            from: cleansedDuplicatesPath, newID: { legacyID in position.index(of: legacyID).map { newID[$0] } }, outputDirectory: outputDirectory
        )
        return summary
    }

    /// Writes `transform/duplicate_candidates.tsv`: the pairs Cleanse listed, by member id (an
    /// empty file when it listed none).
    private func writeDuplicates(from path: String?, newID: (String) -> Int?, outputDirectory: String) throws(MigrationError) -> Int {
        let writer = try StageFileWriter(path: StageFile.transformDuplicateCandidates.path(in: outputDirectory), columns: MemberStageLayout.duplicates)
        guard let path else {
            try writer.close()
            return 0
        }
        let reader = try StageFileReader(path: path, expecting: MemberStageLayout.cleansedDuplicates)
        var count = 0
        while let row = try reader.next() {
            guard row.count == 4, let member = row[0].flatMap(newID), let other = row[1].flatMap(newID) else {
                throw MigrationError(.workdirCorrupt, "\(path): line \(reader.lineNumber) names a member Transform did not load; run cleanse again")
            }
            try writer.append([String(member), String(other), row[2], row[3]])
            count += 1
        }
        try writer.close()
        return count
    }

    /// Writes `transform/member_pii.tsv` and `transform/data_keys.tsv` from Extract's PII file
    /// (`path`): the row `acceptedRows` names for cleansed member `i` belongs to `newID[i]`.
    /// They are in `member_id` order (an external sort, memory flat in members), so each batch's
    /// digest re-derives from the target with `ORDER BY member_id`. Each data key gets `key_id`
    /// = its member's `member_id`. Rows pass through as bytes: Transform never decodes, let
    /// alone decrypts, a ciphertext. Members without any PII value get no rows.
    ///
    /// The sort holds 20 bytes a member (its id, and where its row is in Extract's file), not the
    /// row: the rows are then read from Extract's file by position, in `member_id` order, so the
    /// ciphertexts are written once (not to scratch runs and back).
    private func writePII(from path: String, acceptedRows: String, kekID: String, newID: [Int], outputDirectory: String) throws(MigrationError) -> Int {
        let reader = try StageFileReader(path: path, expecting: MemberPIILayout.staged)
        let rows = try StageFileReader(path: acceptedRows, expecting: MemberStageLayout.acceptedRows)
        let sorter = ExternalSorter(directory: outputDirectory, name: "transform-member-pii")
        var index = 0
        while let wanted = try rows.next() {
            guard index < newID.count, let text = wanted.first ?? nil, let row = Int(text), row > reader.lineNumber - 1 else {
                throw MigrationError(.workdirCorrupt, "\(acceptedRows): line \(rows.lineNumber) has no extract_row after the previous line's, or one row more than cleanse/members.tsv; run cleanse again")
            }
            while reader.lineNumber - 1 < row - 1 {
                guard try reader.skip() else { break }
            }
            let offset = reader.nextRowOffset
            guard let line = try reader.nextRawLine(), reader.lineNumber - 1 == row, line.contains(0x09) else {
                throw MigrationError(.workdirCorrupt, "\(path) has no row \(row), which \(acceptedRows) line \(rows.lineNumber) names; run extract again")
            }
            let id = newID[index]
            index += 1
            if line.starts(with: CopyText.null + [0x09]) { continue }
            try withUnsafeBytes(of: UInt64(id).bigEndian) { key throws(MigrationError) in
                try withUnsafeBytes(of: (UInt64(offset).littleEndian, UInt32(line.count).littleEndian)) { place throws(MigrationError) in
                    try sorter.append(key: key, payload: UnsafeRawBufferPointer(rebasing: place[..<12]))
                }
            }
        }
        guard index == newID.count else {
            throw MigrationError(.workdirCorrupt, "\(acceptedRows) has fewer rows than cleanse/members.tsv; run cleanse again")
        }
        let source = try PositionalFileReader(path: path)
        let pii = try StageFileWriter(path: StageFile.transformMemberPII.path(in: outputDirectory), columns: MemberPIILayout.target)
        let keys = try StageFileWriter(path: StageFile.transformDataKeys.path(in: outputDirectory), columns: MemberPIILayout.dataKeys)
        var count = 0
        var out: [UInt8] = []
        try sorter.finish { key, place throws(MigrationError) in
            // Both files' rows start "id<TAB>id<TAB>" (member_id, then key_id = member_id).
            let id = String(UInt64(bigEndian: key.loadUnaligned(as: UInt64.self)))
            let prefix = Array("\(id)\t\(id)\t".utf8)
            let offset = Int(UInt64(littleEndian: place.loadUnaligned(as: UInt64.self)))
            let length = Int(UInt32(littleEndian: place.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            try source.read(at: offset, count: length) { line throws(MigrationError) in
                guard let tab = line.firstIndex(of: 0x09) else {
                    throw MigrationError(.workdirCorrupt, "\(path) changed while Transform read it; run extract again")
                }
                out.removeAll(keepingCapacity: true)
                out.append(contentsOf: prefix)
                out.append(contentsOf: line[(tab + 1)...])
                try pii.append(encodedFields: out)
                out.removeAll(keepingCapacity: true)
                out.append(contentsOf: prefix)
                out.append(contentsOf: kekID.utf8)
                out.append(0x09)
                out.append(contentsOf: line[..<tab])
                try keys.append(encodedFields: out)
            }
            count += 1
        }
        try pii.close()
        try keys.close()
        return count
    }
}

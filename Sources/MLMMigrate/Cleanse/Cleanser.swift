public import Logging

/// What Cleanse decided: how many members were accepted, quarantined (per reason) and
/// re-attached by the orphan policy (per reason).
public struct CleanseSummary: Codable, Sendable, Equatable {
    public var entity: String
    public var extracted: Int
    public var accepted: Int
    public var quarantined: Int
    public var quarantinedByReason: [String: Int]
    public var reattachedByReason: [String: Int]
    /// Pairs listed for review under `duplicate_person_policy: flag`.
    public var duplicateCandidates: Int?
    /// Extracted rows per sponsor-tree level as the export links them, before any rule
    /// (``SponsorDepth``); nil in work directories cleansed before it was counted.
    public var sourceSponsorLevels: [Int]?
    /// Extracted rows whose sponsor chain matches no member or runs in a cycle.
    public var sourceSponsorUnlinked: Int?
}

/// Cleanse: reads `extract/members.tsv`, normalises every field (trim, codes, timestamps to
/// UTC), validates the genealogy as a whole, and writes accepted members to
/// `cleanse/members.tsv` and every rejected row, with its reason, to `cleanse/quarantine.tsv`.
///
/// Memory: one packed node per member for the graph (``GenealogyNodes``: the rules need the
/// whole graph); the rows themselves are streamed twice from disk.
public struct Cleanser {
    public let mapping: MembersMapping
    public let logger: Logger

    public init(mapping: MembersMapping, logger: Logger) {
        self.mapping = mapping
        self.logger = logger
    }

    /// With PII, `extractPIIPath` (`extract/member_pii.tsv`) holds the ciphertexts row for row
    /// with `extractPath`: quarantined members' go into the quarantine payload, and accepted
    /// members' stay where they are (Transform reads them there, so the largest file of a run
    /// is written once). `acceptedRowsPath` (`cleanse/accepted_rows.tsv`) lists, row for row
    /// with `membersPath`, each accepted member's row number in `extractPath` (1 for its first
    /// row). `kekID` is the key the PII was encrypted under.
    public func run(
        extractPath: String, membersPath: String, quarantinePath: String, reattachedPath: String,
        acceptedRowsPath: String, extractPIIPath: String? = nil, kekID: String? = nil, duplicatesPath: String? = nil,
        progress: Bool? = nil
    ) throws(MigrationError) -> CleanseSummary {
        let columns = MemberStageLayout.extract(mapping)
        let rules = mapping.columns.map(FieldRules.init)
        let fieldIndex = Dictionary(uniqueKeysWithValues: mapping.columns.enumerated().map { ($1.field, $0 + MemberStageLayout.extractBookkeeping.count) })
        let pii = PIIColumns(mapping: mapping, layout: columns)

        // Pass 1: field rules, and one genealogy node per row.
        var nodes = GenealogyNodes()
        let reader = try StageFileReader(path: extractPath, expecting: columns)
        let line = ProgressLine("cleanse members", enabled: progress)
        while let raw = try reader.next() {
            var row = raw
            let header = ExtractRecordHeader(raw)
            var rejection = header.rejection
            var joinedAt: Int64?
            if rejection == nil {
                for (offset, rule) in rules.enumerated() {
                    let position = offset + MemberStageLayout.extractBookkeeping.count
                    switch rule.apply(raw[position]) {
                    case .text(let value): row[position] = value
                    case .timestamp(let micros): if rule.column.field == "joined_at" { joinedAt = micros }
                    case .rejected(let reason):
                        row[position] = TrimText.apply(raw[position])
                        if rejection == nil { rejection = Rejection(reason, column: rule.column.field) }
                    }
                }
            }
            func field(_ name: String) -> String? { fieldIndex[name].flatMap { row[$0] } }
            nodes.append(
                location: header.location, legacyID: field("legacy_id"), username: field("username"), joinedAt: joinedAt,
                sponsorRef: field("sponsor"), placementRef: field("placement"), leg: field("placement_leg"),
                status: field("status"), rejection: rejection
            )
            for column in pii.blindIndexes {
                if let value = raw[column.index] { nodes.identities.append(field: column.field, value: value) }
            }
            nodes.identities.endMember()
            line.update(nodes.count)
        }
        line.finish(nodes.count)

        let depth = SponsorDepth.histogram(parents: Self.exportSponsors(nodes, key: mapping.genealogy.sponsorKey))
        // The validator keeps the only copy of the tokens and references, freed when it goes.
        let outcome: GenealogyOutcome
        do {
            let validator = GenealogyValidator(packed: nodes, rules: mapping.genealogy)
            nodes.identities = IdentityTokens()
            nodes.sponsorRefs = PackedStrings()
            nodes.placementRefs = PackedStrings()
            outcome = try validator.validate()
        }

        // Pass 2: write accepted members and quarantined rows, in source order.
        let members = try StageFileWriter(path: membersPath, columns: MemberStageLayout.cleansed)
        let acceptedRows = try StageFileWriter(path: acceptedRowsPath, columns: MemberStageLayout.acceptedRows)
        let quarantine = try StageFileWriter(path: quarantinePath, columns: MemberStageLayout.quarantine)
        let second = try StageFileReader(path: extractPath, expecting: columns)
        var piiReader: StageFileReader?
        if !pii.isEmpty {
            guard let extractPIIPath else { throw MigrationError(.workdirCorrupt, "\(extractPath) has PII columns but no PII file was given; run extract again") }
            piiReader = try StageFileReader(path: extractPIIPath, expecting: MemberPIILayout.staged)
        }
        /// The next row's ciphertexts (`keep`), or nil after only checking that it is there.
        func nextPII(keep: Bool) throws(MigrationError) -> [UInt8]? {
            guard let piiReader else { return nil }
            let line = keep ? try piiReader.nextRawLine() : (try piiReader.skip() ? [] : nil)
            guard let line else {
                throw MigrationError(.workdirCorrupt, "\(piiReader.path) has fewer rows than \(extractPath); run extract again")
            }
            return line
        }
        var summary = CleanseSummary(entity: "members", extracted: nodes.count, accepted: 0, quarantined: 0, quarantinedByReason: [:], reattachedByReason: [:])
        summary.sourceSponsorLevels = depth.levels
        summary.sourceSponsorUnlinked = depth.unlinked
        var rowsRead = 0
        for index in 0..<nodes.count {
            let location = nodes.location(index)
            if let rejection = outcome.rejection(index) {
                guard let raw = try second.next() else { break }
                let encrypted = try nextPII(keep: true).map { $0.withUnsafeBufferPointer(CopyText.decodeRow) }
                rowsRead += 1
                try quarantine.append(QuarantineRow(
                    entity: "members", source: location.source, line: String(location.line),
                    legacyID: nodes.legacyID(index) ?? raw[fieldIndex["legacy_id"] ?? 0], rejection: rejection,
                    payload: payload(raw, encrypted: encrypted, kekID: kekID)
                ))
                summary.quarantined += 1
                summary.quarantinedByReason[rejection.reason.rawValue, default: 0] += 1
                continue
            }
            guard try second.skip() else { break }
            _ = try nextPII(keep: false)
            rowsRead += 1
            try acceptedRows.append([String(rowsRead)])
            try members.append(CleansedMemberRow(
                source: location.source, line: String(location.line), legacyID: nodes.legacyID(index),
                username: nodes.username(index), status: nodes.status(index), joinedAtMicros: nodes.joinedAt(index),
                sponsorLegacyID: outcome.sponsors[index] >= 0 ? nodes.legacyID(Int(outcome.sponsors[index])) : nil,
                placementLegacyID: outcome.placements[index] >= 0 ? nodes.legacyID(Int(outcome.placements[index])) : nil,
                placementLeg: outcome.leg(index)
            ).fields)
            summary.accepted += 1
        }
        guard rowsRead == nodes.count, try !second.skip() else {
            throw MigrationError(.workdirCorrupt, "\(extractPath) changed while Cleanse was reading it; run extract again")
        }
        if let piiReader, try piiReader.skip() {
            throw MigrationError(.workdirCorrupt, "\(piiReader.path) has more rows than \(extractPath); run extract again")
        }
        try members.close()
        try acceptedRows.close()
        try quarantine.close()

        let reattached = try StageFileWriter(path: reattachedPath, columns: ["source", "line", "legacy_id", "tree", "reason"])
        for move in outcome.reattachments {
            let location = nodes.location(move.node)
            try reattached.append([
                location.source, String(location.line), nodes.legacyID(move.node), move.tree.rawValue, move.reason.rawValue,
            ])
            summary.reattachedByReason[move.reason.rawValue, default: 0] += 1
        }
        try reattached.close()
        if let duplicatesPath {
            let duplicates = try StageFileWriter(path: duplicatesPath, columns: MemberStageLayout.cleansedDuplicates)
            for pair in outcome.duplicatePairs {
                try duplicates.append([
                    nodes.legacyID(pair.member), nodes.legacyID(pair.duplicateOf),
                    "{" + pair.columns.joined(separator: ",") + "}",
                    String(pair.scorePercent),
                ])
            }
            try duplicates.close()
            summary.duplicateCandidates = outcome.duplicatePairs.count
        }
        logger.info("cleansed members", metadata: ["accepted": "\(summary.accepted)", "quarantined": "\(summary.quarantined)", "reattached": "\(outcome.reattachments.count)"])
        return summary
    }

    /// Each row's sponsor as the export names it (the first row with that key), -1 for none,
    /// ``SponsorDepth/unresolved`` for a reference that matches no row.
    static func exportSponsors(_ nodes: GenealogyNodes, key: ReferenceKey) -> [Int] {
        let keys = key == .legacyID ? nodes.legacyIDs : nodes.usernames
        var rowOf = PackedTextIndex(capacity: nodes.count)
        for index in 0..<nodes.count where !keys.isNil(index) { _ = rowOf.insertIfAbsent(Int32(index), in: keys) }
        return (0..<nodes.count).map { index in
            guard let ref = nodes.sponsorRefs[index] else { return -1 }
            return rowOf.find(ref, in: keys).map { Int($0) } ?? SponsorDepth.unresolved
        }
    }

    /// The row's source values as JSON, so an operator can see what was rejected and replay it.
    /// PII values are their ciphertexts (bytea hex), with the member's wrapped data key in
    /// `_wrapped_key` and the KEK's id in `_kek_id`: readable only with the key.
    private func payload(_ raw: [String?], encrypted: [String?]?, kekID: String?) -> String {
        let offset = MemberStageLayout.extractBookkeeping.count
        var fields = mapping.columns.enumerated().map { position, column -> (String, String?) in
            guard column.pii else { return (column.field, raw[position + offset]) }
            let staged = MemberPIILayout.fields.firstIndex(of: column.field).map { $0 + 1 }
            return (column.field, staged.flatMap { encrypted?[$0] })
        }
        fields = ExtractRecordHeader(raw).payloadPairs(fields)
        if let key = encrypted?.first ?? nil {
            fields += [("_wrapped_key", key), ("_kek_id", kekID)]
        }
        return JSONText.object(fields)
    }
}

/// Where the blind indexes are in `extract/members.tsv` (its PII field columns only mark presence).
private struct PIIColumns {
    /// Where each identity field's blind index is in the extract row.
    var blindIndexes: [(field: String, index: Int)] = []
    var isEmpty = true

    init(mapping: MembersMapping, layout: [String]) {
        isEmpty = !mapping.columns.contains(where: \.pii)
        blindIndexes = MemberPIILayout.identityFields.compactMap { identity in
            layout.firstIndex(of: "_" + MemberPIILayout.blindIndexColumn(identity.field)).map { (identity.field, $0) }
        }
    }
}

import Crypto

/// The second half of the PII round trip: the export read again and compared with what the
/// target's values decrypted to, member by member, naming each column that differs.
extension RoundTrip {
    mutating func compareWithSource(_ source: Extractor, cleansedMembersPath: String) throws(MigrationError) {
        // Which source row each loaded (and sampled) member came from.
        var loadedFrom = SourceRowIndex()
        let cleansed = try StageFileReader(path: cleansedMembersPath, expecting: MemberStageLayout.cleansed)
        while let row = try cleansed.next() {
            guard let legacyID = row[2], sampled(legacyID), let line = row[1].flatMap({ Int($0) }) else { continue }
            try loadedFrom.add(SourceLocation(source: row[0] ?? "", line: line), legacyID)
        }
        loadedFrom.seal()
        var unmatched = [Bool](repeating: true, count: decrypted.count)
        // Members whose fold differs: where their findings go, and the source's digests.
        var unresolved: [(position: Int, legacyID: String, source: [SHA256Digest?])] = []
        let fields = MemberPIILayout.fields
        // Only the rows of loaded, sampled members are normalised (a seeded sample on large runs).
        try source.readNormalizedPII(wanted: { loadedFrom[$0] != nil }) { location, values throws(MigrationError) in
            guard let legacyID = loadedFrom[location], !erased.contains(legacyID), !undecryptable.contains(legacyID) else {
                return
            }
            guard let member = decrypted.index(of: legacyID) else {
                if !values.isEmpty { finding(legacyID, "member_pii", "the source has PII but the target has no row") }
                return
            }
            unmatched[member] = false
            let sourceDigests = fields.map { values[$0].map { SHA256.hash(data: Array($0.utf8)) } }
            if let stored = partial[legacyID] {
                compare(legacyID, stored: stored, source: sourceDigests)
            } else if RowDecrypter.fold(sourceDigests) != folded[member] {
                unresolved.append((findings.count, legacyID, sourceDigests))
            }
        }
        for legacyID in unmatched.indices.filter({ unmatched[$0] }).map(decrypted.string(at:)).sorted() {
            finding(legacyID, "member_pii", "no loaded source row for this member")
        }
        try nameDifferingColumns(unresolved)
    }

    /// The findings of one member's values, column by column.
    private mutating func compare(_ legacyID: String, stored: [SHA256Digest?], source: [SHA256Digest?]) {
        for (offset, field) in MemberPIILayout.fields.enumerated() where stored[offset] != source[offset]
            && !undecryptable.contains(legacyID + "\0" + field) {
            let problem = stored[offset] == nil && source[offset] != nil ? "missing in the target" : "differs from the normalised source value"
            finding(legacyID, field, problem)
        }
    }

    /// Decrypts the target's values of the members whose fold differed again, and puts their
    /// findings where the source comparison met them, so they are listed as a value by value
    /// comparison lists them.
    private mutating func nameDifferingColumns(
        _ unresolved: [(position: Int, legacyID: String, source: [SHA256Digest?])]
    ) throws(MigrationError) {
        guard !unresolved.isEmpty else { return }
        let decrypter = RowDecrypter(kek: reconciler.kek, indexes: indexes, recordDigest: recordDigest, threshold: .max)
        let fields = MemberPIILayout.fields
        var stored: [String: [SHA256Digest?]] = [:]
        var chunk = 0
        while chunk < unresolved.count {
            let ids = unresolved[chunk..<min(chunk + 1_000, unresolved.count)].map(\.legacyID)
            chunk += 1_000
            let rows = try reconciler.connection.query(
                Self.rows + " WHERE \(ReconcileScope(runID: runID).covers("p.member_id")) AND m.legacy_id = ANY($1::text[])",
                [Self.textArray(ids)], what: "reading again the PII of members that differ from the source"
            )
            for row in rows {
                let outcome = decrypter.decrypt(row: row, keepingDigests: true)
                if let legacyID = outcome.legacyID, let digests = outcome.digests { stored[legacyID] = digests }
            }
        }
        let listed = findings
        findings = []
        var next = 0
        for member in unresolved {
            findings += listed[next..<member.position]
            next = member.position
            let none = [SHA256Digest?](repeating: nil, count: fields.count)
            compare(member.legacyID, stored: stored[member.legacyID] ?? none, source: member.source)
        }
        findings += listed[next...]
    }

    /// `values` as a PostgreSQL text array literal, each element quoted.
    static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}

/// Source locations of the loaded members, packed and sorted (16 bytes a member plus its legacy
/// id), where a `[SourceLocation: String]` takes about 100.
struct SourceRowIndex {
    private var sources: [String: UInt64] = [:]
    private var legacyIDs = PackedStrings()
    /// Source index (top 24 bits) and line, then the row in `legacyIDs`.
    private var rows: [(key: UInt64, row: UInt32)] = []

    mutating func add(_ location: SourceLocation, _ legacyID: String) throws(MigrationError) {
        let source = sources[location.source] ?? UInt64(sources.count)
        sources[location.source] = source
        guard source < 1 << 24, location.line >= 0, location.line < 1 << 40, rows.count < Int(UInt32.max) else {
            throw MigrationError(.workdirCorrupt, "cleanse/members.tsv names more sources, lines or members than reconcile can hold")
        }
        rows.append((source << 40 | UInt64(location.line), UInt32(rows.count)))
        legacyIDs.append(legacyID)
    }

    /// Sorts by location; a location given twice keeps the last legacy id.
    mutating func seal() {
        rows.sort { ($0.key, $0.row) < ($1.key, $1.row) }
        var kept = 0
        for index in rows.indices where index + 1 == rows.count || rows[index + 1].key != rows[index].key {
            rows[kept] = rows[index]
            kept += 1
        }
        rows.removeLast(rows.count - kept)
    }

    subscript(location: SourceLocation) -> String? {
        guard let source = sources[location.source], location.line >= 0 else { return nil }
        let key = source << 40 | UInt64(location.line)
        var low = 0, high = rows.count
        while low < high {
            let middle = (low + high) / 2
            if rows[middle].key < key { low = middle + 1 } else { high = middle }
        }
        guard low < rows.count, rows[low].key == key else { return nil }
        return legacyIDs[Int(rows[low].row)]
    }
}

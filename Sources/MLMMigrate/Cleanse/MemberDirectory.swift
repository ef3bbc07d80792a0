import Foundation
/// The members a wallet row may name: accepted members (from `cleanse/members.tsv`) and every
/// member the export held (from `extract/members.tsv`), so a reference resolves to an accepted
/// member's legacy id, or says why it cannot.
///
/// Memory grows with members, not with wallet rows: each distinct reference once, packed
/// (``PackedStrings``), with a hash index and four bytes saying whether and as whom it was accepted.
public struct MemberDirectory: Sendable {
    public enum Resolution: Equatable, Sendable {
        case member(legacyID: String)
        case quarantined
        case unknown
    }

    private var references = PackedStrings()
    private var index = PackedTextIndex(capacity: 1 << 16)
    /// Per reference: 0 when no accepted member has it, -1 when the accepted member's legacy id
    /// is the reference itself (byte for byte), else 1 + the legacy id's place in `legacyIDs`.
    private var accepted: [Int32] = []
    private var legacyIDs = PackedStrings()

    /// Reads both member stage files; `key` says whether references are legacy ids or usernames.
    public init(key: ReferenceKey, members: MembersMapping, extractPath: String, cleansedPath: String) throws(MigrationError) {
        self = try Self.build(keys: [key], members: members, extractPath: extractPath, cleansedPath: cleansedPath)[0]
    }

    private init() {}

    /// One directory per key of `keys`, in their order, from one read of each member file: a
    /// Cleanse whose entities name members by legacy id and by username reads the files once.
    static func build(keys: [ReferenceKey], members: MembersMapping, extractPath: String, cleansedPath: String) throws(MigrationError) -> [MemberDirectory] {
        var directories = keys.map { _ in MemberDirectory() }
        let cleansed = try StageFileReader(path: cleansedPath, expecting: MemberStageLayout.cleansed)
        let (legacyIDColumn, usernameColumn) = (2, 3)
        try scan(cleansed, fields: [legacyIDColumn, usernameColumn]) { values in
            guard let legacyID = values[0] else { return }
            for (place, key) in keys.enumerated() {
                if let ref = key == .legacyID ? values[0] : values[1] { directories[place].accept(ref, as: legacyID) }
            }
        }
        let extracted = try StageFileReader(path: extractPath, expecting: MemberStageLayout.extract(members))
        // Each key's column in the extract file (a mapping may have no username), read in one scan.
        let columns = keys.map { key in
            members.columns.firstIndex { $0.field == (key == .legacyID ? "legacy_id" : "username") }
                .map { $0 + MemberStageLayout.extractBookkeeping.count }
        }
        let positions = Array(Set(columns.compactMap { $0 })).sorted()
        guard !positions.isEmpty else { return directories }
        try scan(extracted, fields: positions) { values in
            for (place, column) in columns.enumerated() {
                guard let column, let value = positions.firstIndex(of: column) else { continue }
                if let ref = TrimText.apply(values[value]) { _ = directories[place].entry(ref) }
            }
        }
        return directories
    }

    /// Hands `body` the decoded fields at `positions` (ascending) of each row of `reader`,
    /// decoding no other field: a member row's other fields (its blind indexes, long) cost
    /// nothing. The values are those ``StageFileReader/next()`` gives at those positions.
    static func scan(
        _ reader: StageFileReader, fields positions: [Int], _ body: ([String?]) -> Void
    ) throws(MigrationError) {
        var values = [String?](repeating: nil, count: positions.count)
        while try reader.nextLines(maxLines: 50_000, { chunk in
            let bytes = chunk.assumingMemoryBound(to: UInt8.self)
            var start = 0
            while start < bytes.count {
                var field = 0
                var fieldStart = start
                var wanted = 0
                var cursor = start
                while true {
                    let byte = bytes[cursor]
                    if byte == 0x09 || byte == 0x0A {
                        if field == positions[wanted] {
                            values[wanted] = CopyText.decodeRow(UnsafeBufferPointer(rebasing: bytes[fieldStart..<cursor]))[0]
                            wanted += 1
                        }
                        field += 1
                        fieldStart = cursor + 1
                        if byte == 0x0A || wanted == positions.count { break }
                    }
                    cursor += 1
                }
                while bytes[cursor] != 0x0A { cursor += 1 }
                start = cursor + 1
                body(values)
            }
        }) > 0 {}
    }

    /// Creates a directory from lists (for tests).
    public init(accepted: [String: String], known: Set<String>) {
        for (ref, legacyID) in accepted.sorted(by: { $0.key < $1.key }) { accept(ref, as: legacyID) }
        for ref in known.sorted() { _ = entry(ref) }
    }

    /// The entry of `ref`, added when new.
    private mutating func entry(_ ref: String) -> Int {
        if let found = index.find(ref, in: references) { return Int(found) }
        references.append(ref)
        accepted.append(0)
        _ = index.insertIfAbsent(Int32(references.count - 1), in: references)
        return references.count - 1
    }

    /// Records that `ref` names the accepted member `legacyID` (a later row wins, as in a dictionary).
    private mutating func accept(_ ref: String, as legacyID: String) {
        let entry = entry(ref)
        if references.withBytes(entry, { $0.elementsEqual(legacyID.utf8) }) {
            accepted[entry] = -1
        } else {
            legacyIDs.append(legacyID)
            accepted[entry] = Int32(legacyIDs.count)
        }
    }

    public func resolve(_ reference: String) -> Resolution {
        switch answer(reference) {
        case .itself: .member(legacyID: reference)
        case .member(let legacyID): .member(legacyID: legacyID)
        case .quarantined: .quarantined
        case .unknown: .unknown
        }
    }

    /// ``resolve(_:)``, saying when the legacy id is the reference itself, byte for byte, so
    /// nothing is built for the usual answer.
    enum Answer: Equatable {
        case itself
        case member(legacyID: String)
        case quarantined
        case unknown
    }

    func answer(_ reference: String) -> Answer {
        guard let found = index.find(reference, in: references) else { return .unknown }
        switch accepted[Int(found)] {
        case 0: return .quarantined
        case -1:
            // Found as an equal String: a canonically equivalent text may have other bytes.
            var bytes = reference
            if bytes.withUTF8({ mine in references.withBytes(Int(found)) { $0.elementsEqual(mine) } }) { return .itself }
            return .member(legacyID: references[Int(found)] ?? reference)
        case let place: return .member(legacyID: legacyIDs[Int(place) - 1] ?? reference)
        }
    }
}

/// The member directories of one Cleanse, one per reference key its entities use, built together
/// on first use (``MemberDirectory/build(keys:members:extractPath:cleansedPath:)``) and shared by
/// the ledger's and the commission's Cleanse, so the member files are read once for both. Safe
/// to ask from two threads (the commission's Cleanse runs beside the end of the ledger's).
public final class MemberDirectories: @unchecked Sendable {
    private let lock = NSLock()
    private let keys: [ReferenceKey]
    private let members: MembersMapping
    private let extractPath: String
    private let cleansedPath: String
    private var built: [ReferenceKey: MemberDirectory] = [:]

    /// `keys`: every key the Cleanse will ask for; one asked for beyond them is built on its own.
    public init(keys: Set<ReferenceKey>, members: MembersMapping, extractPath: String, cleansedPath: String) {
        self.keys = ReferenceKey.allCases.filter(keys.contains)
        self.members = members
        self.extractPath = extractPath
        self.cleansedPath = cleansedPath
    }

    public func directory(_ key: ReferenceKey) throws(MigrationError) -> MemberDirectory {
        lock.lock()
        defer { lock.unlock() }
        if let found = built[key] { return found }
        let wanted = built.isEmpty && keys.contains(key) ? keys : [key]
        let directories = try MemberDirectory.build(keys: wanted, members: members, extractPath: extractPath, cleansedPath: cleansedPath)
        for (key, directory) in zip(wanted, directories) { built[key] = directory }
        return directories[wanted.firstIndex(of: key) ?? 0]
    }
}

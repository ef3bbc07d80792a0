/// Every member's new id by legacy id, from `transform/id_map.tsv`, packed (``PackedStringTable``):
/// about 30 bytes a member where a `[String: Int64]` takes 60 or more.
public struct MemberIDTable: Sendable {
    private var legacyIDs: PackedStringTable
    private var ids: [Int64] = []

    public init(capacity: Int = 0, hash: @escaping PackedStringTable.HashFunction = PackedStringTable.fnv1a) {
        legacyIDs = PackedStringTable(capacity: capacity, hash: hash)
        ids.reserveCapacity(capacity)
    }

    /// Reads the id map at `path`; a legacy id listed twice keeps its last id.
    public init(idMapPath path: String) throws(MigrationError) {
        self.init()
        let reader = try StageFileReader(path: path, expecting: MemberStageLayout.idMap)
        while let fields = try reader.next() {
            let row = IDMapRow(fields)
            if let legacyID = row.legacyID, let id = row.newID { set(id, for: legacyID) }
        }
    }

    public var count: Int { ids.count }

    public mutating func set(_ id: Int64, for legacyID: String) {
        let (index, inserted) = legacyIDs.insert(legacyID)
        if inserted { ids.append(id) } else { ids[index] = id }
    }

    public subscript(legacyID: String) -> Int64? {
        legacyIDs.index(of: legacyID).map { ids[$0] }
    }

    /// The id of the legacy id in one COPY-text field as a stage file holds it (still escaped),
    /// as ``subscript(legacyID:)`` finds its text: ASCII without escapes is looked up as bytes,
    /// anything else decoded first. Nil for `\N` or an unknown id.
    public func id(ofField field: UnsafeBufferPointer<UInt8>) -> Int64? {
        if field.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "\\") }) {
            return legacyIDs.index(ofBytes: UnsafeRawBufferPointer(field)).map { ids[$0] }
        }
        return CopyText.text(field).flatMap { self[$0] }
    }

    /// The legacy id given `id` (a scan: for an error message, not a loop).
    public func legacyID(of id: Int64) -> String? {
        ids.firstIndex(of: id).map { legacyIDs.string(at: $0) }
    }
}

/// Column layouts of the members stage files, shared by the stage that writes a file and the
/// stage that reads it. Bookkeeping columns start with `_`; the rest are the mapping's fields.
public enum MemberStageLayout {
    /// Bookkeeping columns of `extract/members.tsv`: where the row came from, and the
    /// extract-level quarantine reason and column when the record could not be read.
    public static let extractBookkeeping = ["_source", "_line", "_reason", "_column"]

    /// `extract/members.tsv`: bookkeeping, each mapped field in mapping order (PII fields hold
    /// ciphertexts), then, when the mapping has PII, the wrapped data key and blind indexes.
    public static func extract(_ mapping: MembersMapping) -> [String] {
        let pii = mapping.columns.filter(\.pii)
        return extractBookkeeping + mapping.columns.map(\.field)
            + (pii.isEmpty ? [] : MemberPIILayout.extractBookkeeping(identityFields: pii.filter { $0.identity != nil }.map(\.field)))
    }

    /// `cleanse/members.tsv`: accepted members with typed, normalised fields and parents
    /// resolved to legacy ids (after the orphan policy), in source order.
    public static let cleansed = [
        "_source", "_line", "legacy_id", "username", "status", "joined_at_us",
        "sponsor_legacy_id", "placement_legacy_id", "placement_leg",
    ]

    /// `cleanse/accepted_rows.tsv`: row for row with `cleanse/members.tsv`, the member's row
    /// number in `extract/members.tsv` (and `extract/member_pii.tsv`), 1 for the first row.
    public static let acceptedRows = ["extract_row"]

    /// `cleanse/quarantine.tsv` and `transform/quarantine.tsv`: rows for `mlm_migration.quarantine`.
    public static let quarantine = ["entity", "source", "line", "legacy_id", "reason", "column_name", "detail", "payload"]

    /// `transform/members.tsv`: rows for `mlm.members`, in load order.
    public static let members = [
        "member_id", "legacy_id", "username", "status", "joined_at",
        "sponsor_id", "placement_id", "placement_leg",
    ]

    /// `transform/id_map.tsv`: rows for `mlm_migration.id_map`.
    public static let idMap = ["entity", "legacy_id", "new_id"]

    /// `cleanse/duplicate_candidates.tsv`: loaded registrations that look like the same person
    /// (`duplicate_person_policy: flag`), by legacy id; the matching identity columns by name.
    public static let cleansedDuplicates = ["legacy_id", "duplicate_of_legacy_id", "columns", "score_percent"]

    /// `transform/duplicate_candidates.tsv`: rows for `mlm_migration.duplicate_candidates`.
    public static let duplicates = ["member_id", "duplicate_of_member_id", "columns", "score_percent"]
}

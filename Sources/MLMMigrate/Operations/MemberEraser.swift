public import Logging

/// What `mlm-migrate erase` did for one member.
public struct ErasureSummary: Codable, Sendable, Equatable {
    public var legacyID: String
    /// The loaded member's id; nil when the legacy id is only in the quarantine.
    public var memberID: Int?
    /// Quarantined rows of this legacy id whose wrapped key was destroyed.
    public var quarantineRows: Int
    /// Nothing was left to destroy: an earlier erasure did it (no new log entry).
    public var alreadyErased: Bool

    public init(legacyID: String, memberID: Int?, quarantineRows: Int, alreadyErased: Bool) {
        self.legacyID = legacyID
        self.memberID = memberID
        self.quarantineRows = quarantineRows
        self.alreadyErased = alreadyErased
    }
}

/// Erases one member's personal data by crypto-shredding (`mlm-migrate erase`): destroys the
/// member's wrapped data key, so every ciphertext of theirs becomes undecryptable, and their
/// blind indexes, so they cannot be looked up either; destroys the keys kept in quarantined
/// rows of the same legacy id; and records it in `mlm_migration.erasures` (the erasure log),
/// all in one transaction. Needs no key: destroying a key needs none.
///
/// Copies made before the erasure (backups, `pg_dump` snapshots, WAL archives) still hold the
/// wrapped key until they expire: runbooks/keys.md says how to handle them.
public struct MemberEraser {
    public let connection: PostgresConnection
    public let logger: Logger

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    public func erase(legacyID: String, reason: String?) throws(MigrationError) -> ErasureSummary {
        guard try TargetSchema.holdsPII(connection) else {
            throw MigrationError(.eraseNoPII, "\(connection.endpoint) has no mlm.data_keys table; it holds no encrypted PII")
        }
        try RunRecords.lockTarget(connection)
        let summary = try connection.inTransaction { () throws(MigrationError) -> ErasureSummary in
            let member = try connection.query(
                "SELECT m.member_id, k.kek_id, k.wrapped_key IS NOT NULL FROM mlm.members m LEFT JOIN mlm.data_keys k USING (member_id) WHERE m.legacy_id = $1 FOR UPDATE OF m",
                [legacyID], what: "finding the member"
            ).first
            let quarantined = Int(try connection.scalar(
                "SELECT count(*) FROM mlm_migration.quarantine WHERE entity = 'members' AND legacy_id = $1", [legacyID]
            ) ?? "") ?? 0
            guard member != nil || quarantined > 0 else {
                throw MigrationError(.eraseUnknownMember, "no member or quarantined row has legacy id \(legacyID)")
            }
            let memberID = member?[0].flatMap { Int($0) }
            let liveKey = member?[2] == "t"
            let shredded = Int(try connection.scalar("""
                WITH shredded AS (
                    UPDATE mlm_migration.quarantine SET payload = payload - '_wrapped_key' - '_kek_id' || jsonb_build_object('_erased', true)
                    WHERE entity = 'members' AND legacy_id = $1 AND payload ? '_wrapped_key' RETURNING 1
                ) SELECT count(*) FROM shredded
                """, [legacyID], what: "destroying quarantined rows' keys") ?? "") ?? 0
            guard liveKey || shredded > 0 else {
                // Nothing left to destroy (the transaction changed nothing): no new log entry.
                return ErasureSummary(legacyID: legacyID, memberID: memberID, quarantineRows: 0, alreadyErased: true)
            }
            if let memberID, liveKey {
                _ = try connection.query("UPDATE mlm.data_keys SET wrapped_key = NULL, erased_at = now() WHERE member_id = $1::bigint", [String(memberID)], what: "destroying the data key")
                let indexes = (MemberPIILayout.blindIndexColumns + [PIIRecordDigest.column]).map { "\($0) = NULL" }.joined(separator: ", ")
                _ = try connection.query("UPDATE mlm.member_pii SET \(indexes) WHERE member_id = $1::bigint", [String(memberID)], what: "removing blind indexes")
                // A delta run's prior images of this member hold the older key and digests too.
                _ = try connection.query("""
                    UPDATE mlm_migration.prior_images SET image = CASE table_name
                        WHEN 'mlm.data_keys' THEN image || jsonb_build_object('wrapped_key', NULL, 'erased_at', now())
                        ELSE image || jsonb_build_object(\((MemberPIILayout.blindIndexColumns + [PIIRecordDigest.column]).map { "'\($0)', NULL" }.joined(separator: ", ")))
                    END
                    WHERE table_name IN ('mlm.data_keys', 'mlm.member_pii') AND row_key = $1
                    """, [String(memberID)], what: "destroying the keys in prior images")
            }
            _ = try connection.query(
                "INSERT INTO mlm_migration.erasures (legacy_id, member_id, kek_id, quarantine_rows, reason) VALUES ($1, $2::bigint, $3, $4::integer, $5)",
                [legacyID, memberID.map(String.init), member?[1], String(shredded), reason], what: "recording the erasure"
            )
            return ErasureSummary(legacyID: legacyID, memberID: memberID, quarantineRows: shredded, alreadyErased: false)
        }
        guard !summary.alreadyErased else { return summary }
        logger.notice("erased member", metadata: ["legacy_id": "\(legacyID)", "quarantine_rows": "\(summary.quarantineRows)"])
        // Remove the dead row versions that still hold the old key bytes from the live tables.
        // The erasure is committed either way; a failed vacuum only leaves them to autovacuum.
        do {
            try connection.execute("VACUUM mlm.data_keys, mlm.member_pii, mlm_migration.quarantine, mlm_migration.prior_images", what: "vacuuming the erased rows")
        } catch {
            logger.warning("erased, but could not vacuum; autovacuum will remove the old row versions", metadata: ["error": "\(error)"])
        }
        return summary
    }
}

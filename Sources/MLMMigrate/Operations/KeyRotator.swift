import Crypto
public import Logging

/// What one `keys rotate` invocation did, and whether the rotation is complete.
public struct KeyRotationSummary: Codable, Sendable, Equatable {
    public var rotationID: Int
    public var fromKEK: String
    public var toKEK: String
    /// Data keys and quarantined rows' keys re-wrapped by this invocation.
    public var dataKeys: Int
    public var quarantineKeys: Int
    /// Keys still wrapped by the old KEK (0 when finished).
    public var remaining: Int
    public var finished: Bool
}

/// Re-wraps every data key in the target from one KEK to another, without re-encrypting any
/// value (`mlm-migrate keys rotate`). Blind indexes are derived from the KEK, so each member's
/// are recomputed in the same transaction (its identity values are decrypted in memory only).
///
/// Resumable: each batch of keys commits in one transaction, moving its rows from the old KEK id
/// to the new one, with the progress in `mlm_migration.key_rotations`; running the same command
/// again carries on with the rows still under the old KEK. Quarantined rows' wrapped keys (in
/// their payload) are re-wrapped too, so they stay replayable with the new key.
public struct KeyRotator {
    public let connection: PostgresConnection
    public let from: KeyEncryptionKey
    public let to: KeyEncryptionKey
    public var batchSize = 10_000
    public let logger: Logger

    public init(connection: PostgresConnection, from: KeyEncryptionKey, to: KeyEncryptionKey, logger: Logger) {
        self.connection = connection
        self.from = from
        self.to = to
        self.logger = logger
    }

    /// Rotates until done, or until `maxBatches` batches have committed (to inspect, or to keep
    /// a maintenance window short).
    public func run(maxBatches: Int? = nil) throws(MigrationError) -> KeyRotationSummary {
        guard from.id != to.id else {
            throw MigrationError(.keysSameKEK, "the new key-encryption key is the old one (\(from.id)); generate a new key with `mlm-migrate keys generate`")
        }
        guard try TargetSchema.holdsPII(connection) else {
            throw MigrationError(.keysNoPII, "\(connection.endpoint) has no mlm.data_keys table; nothing to rotate")
        }
        try RunRecords.lockTarget(connection)
        let byKEK = try connection.query("SELECT kek_id, count(*) FROM mlm.data_keys GROUP BY kek_id ORDER BY kek_id")
        guard byKEK.contains(where: { $0[0] == from.id || $0[0] == to.id }) else {
            let held = byKEK.map { "\($0[0] ?? "?") (\($0[1] ?? "0"))" }.joined(separator: ", ")
            throw MigrationError(.keysNothingToRotate, "no data key in \(connection.endpoint) is under the current key given (\(from.id)); they are under: \(held.isEmpty ? "none" : held)")
        }
        let rotationID = try startOrResume()
        var summary = KeyRotationSummary(rotationID: rotationID, fromKEK: from.id, toKEK: to.id, dataKeys: 0, quarantineKeys: 0, remaining: 0, finished: false)
        var batches = 0
        while maxBatches.map({ batches < $0 }) ?? true {
            let moved = try rotateDataKeyBatch(rotationID)
            if moved == 0 { break }
            summary.dataKeys += moved
            batches += 1
            logger.info("re-wrapped data keys", metadata: ["rotation": "\(rotationID)", "keys": "\(summary.dataKeys)"])
        }
        while maxBatches.map({ batches < $0 }) ?? true {
            let moved = try rotateQuarantineBatch(rotationID)
            if moved == 0 { break }
            summary.quarantineKeys += moved
            batches += 1
        }
        summary.remaining = Int(try connection.scalar("""
            SELECT (SELECT count(*) FROM mlm.data_keys WHERE kek_id = $1)
                 + (SELECT count(*) FROM mlm_migration.quarantine WHERE payload ->> '_kek_id' = $1)
            """, [from.id]) ?? "") ?? -1
        if summary.remaining == 0 {
            _ = try connection.query("UPDATE mlm_migration.key_rotations SET finished_at = now() WHERE rotation_id = $1::bigint", [String(rotationID)])
            summary.finished = true
        }
        return summary
    }

    /// The unfinished rotation from → to, or a new one; refuses while a different rotation is unfinished.
    private func startOrResume() throws(MigrationError) -> Int {
        let open = try connection.query("SELECT rotation_id, from_kek_id, to_kek_id FROM mlm_migration.key_rotations WHERE finished_at IS NULL ORDER BY rotation_id")
        if let row = open.first {
            guard row[1] == from.id, row[2] == to.id, let id = row[0].flatMap({ Int($0) }) else {
                throw MigrationError(.keysRotationUnfinished, "rotation \(row[0] ?? "?") from \(row[1] ?? "?") to \(row[2] ?? "?") is unfinished; run it again with those keys to finish it first")
            }
            logger.notice("resuming key rotation", metadata: ["rotation": "\(id)"])
            return id
        }
        guard let text = try connection.scalar(
            "INSERT INTO mlm_migration.key_rotations (from_kek_id, to_kek_id) VALUES ($1, $2) RETURNING rotation_id", [from.id, to.id]
        ), let id = Int(text) else {
            throw MigrationError(.targetSQLFailed, "could not record the rotation in mlm_migration.key_rotations")
        }
        return id
    }

    /// Re-wraps one batch of data keys and recomputes their members' blind indexes and record
    /// digests (all derived from the KEK), in one transaction.
    private func rotateDataKeyBatch(_ rotationID: Int) throws(MigrationError) -> Int {
        let identity = MemberPIILayout.identityFields
        let fields = MemberPIILayout.fields
        return try connection.inTransaction { () throws(MigrationError) -> Int in
            let rows = try connection.query("""
                SELECT k.key_id, k.wrapped_key, m.legacy_id, p.member_id IS NOT NULL, \(fields.map { "p." + $0 }.joined(separator: ", "))
                FROM mlm.data_keys k JOIN mlm.members m USING (member_id) LEFT JOIN mlm.member_pii p ON p.key_id = k.key_id
                WHERE k.kek_id = $1 ORDER BY k.key_id LIMIT \(batchSize) FOR UPDATE OF k
                """, [from.id], what: "reading data keys to re-wrap")
            guard !rows.isEmpty else { return 0 }
            var ids: [String] = []
            var wrapped: [String?] = []
            // Per member: the blind indexes in `identity` order, then the record digest.
            var derived: [[String?]] = Array(repeating: [], count: identity.count + 1)
            let blindIndexes = identity.map { BlindIndex(kek: to, column: $0.field) }
            let recordDigest = PIIRecordDigest(kek: to)
            for row in rows {
                let keyID = row[0] ?? ""
                ids.append(keyID)
                guard let text = row[1] else {
                    // Erased: nothing to re-wrap, and its blind indexes and digest are already gone.
                    wrapped.append(nil)
                    for position in derived.indices { derived[position].append(nil) }
                    continue
                }
                guard let old = Hex.decodeBytea(text) else {
                    throw MigrationError(.keysUnwrapFailed, "mlm.data_keys key_id \(keyID): the wrapped key is not bytea hex")
                }
                let (dataKey, rewrapped) = try rewrap(old, "mlm.data_keys key_id \(keyID)")
                wrapped.append(rewrapped)
                let legacyID = row[2] ?? ""
                var values: [String: String] = [:]
                for (offset, field) in fields.enumerated() {
                    guard let value = row[4 + offset], let ciphertext = Hex.decodeBytea(value) else { continue }
                    values[field] = try FieldCipher.open(ciphertext, for: FieldCipher.Binding(table: MemberPIILayout.table, column: field, memberLegacyID: legacyID), with: dataKey)
                }
                for (position, field) in identity.enumerated() {
                    derived[position].append(values[field.field].flatMap { IdentityNormalizer.normalize($0, as: field.identity) }.map { Hex.bytea(blindIndexes[position].index($0)) })
                }
                derived[identity.count].append(row[3] == "t" ? Hex.bytea(recordDigest.digest(legacyID: legacyID, values: values)) : nil)
            }
            _ = try connection.query("""
                UPDATE mlm.data_keys k SET kek_id = $1, wrapped_key = u.w, rotated_at = now()
                FROM unnest($2::bigint[], $3::bytea[]) AS u(id, w) WHERE k.key_id = u.id
                """, [to.id, Self.array(ids), Self.array(wrapped)], what: "re-wrapping data keys")
            let columns = MemberPIILayout.blindIndexColumns + [PIIRecordDigest.column]
            let sets = columns.enumerated().map { "\($1) = u.b\($0)" }.joined(separator: ", ")
            let names = columns.indices.map { "b\($0)" }.joined(separator: ", ")
            let casts = columns.indices.map { "$\($0 + 2)::bytea[]" }.joined(separator: ", ")
            _ = try connection.query("""
                UPDATE mlm.member_pii p SET \(sets)
                FROM unnest($1::bigint[], \(casts)) AS u(id, \(names)) WHERE p.key_id = u.id
                """, [Self.array(ids)] + derived.map(Self.array), what: "recomputing blind indexes and record digests")
            _ = try connection.query("UPDATE mlm_migration.key_rotations SET data_keys = data_keys + $2::bigint WHERE rotation_id = $1::bigint", [String(rotationID), String(rows.count)])
            return rows.count
        }
    }

    /// Re-wraps the data keys kept in one batch of quarantined rows' payloads.
    private func rotateQuarantineBatch(_ rotationID: Int) throws(MigrationError) -> Int {
        try connection.inTransaction { () throws(MigrationError) -> Int in
            let rows = try connection.query("""
                SELECT quarantine_id, payload ->> '_wrapped_key' FROM mlm_migration.quarantine
                WHERE payload ->> '_kek_id' = $1 ORDER BY quarantine_id LIMIT \(batchSize) FOR UPDATE
                """, [from.id], what: "reading quarantined rows' keys")
            guard !rows.isEmpty else { return 0 }
            var ids: [String] = []
            var wrapped: [String?] = []
            for row in rows {
                let id = row[0] ?? ""
                ids.append(id)
                guard let old = row[1].flatMap(Hex.decodeBytea) else {
                    wrapped.append(nil)
                    continue
                }
                wrapped.append(try rewrap(old, "mlm_migration.quarantine row \(id)").wrapped)
            }
            _ = try connection.query("""
                UPDATE mlm_migration.quarantine q
                SET payload = CASE WHEN u.w IS NULL THEN q.payload - '_wrapped_key' ELSE q.payload || jsonb_build_object('_wrapped_key', u.w) END
                              || jsonb_build_object('_kek_id', $1::text)
                FROM unnest($2::bigint[], $3::text[]) AS u(id, w) WHERE q.quarantine_id = u.id
                """, [to.id, Self.array(ids), Self.array(wrapped)], what: "re-wrapping quarantined rows' keys")
            _ = try connection.query("UPDATE mlm_migration.key_rotations SET quarantine_keys = quarantine_keys + $2::bigint WHERE rotation_id = $1::bigint", [String(rotationID), String(rows.count)])
            return rows.count
        }
    }

    /// The data key unwrapped from the old KEK, and wrapped again (bytea hex) under the new one.
    private func rewrap(_ old: [UInt8], _ row: @autoclosure () -> String) throws(MigrationError) -> (key: SymmetricKey, wrapped: String) {
        let dataKey: SymmetricKey
        do throws(MigrationError) {
            dataKey = try FieldCipher.unwrap(old, with: from)
        } catch {
            throw MigrationError(.keysUnwrapFailed, "\(row()) does not unwrap under \(from.id): the row names \(from.id) but the key differs; nothing in this batch was changed")
        }
        return (dataKey, Hex.bytea(try FieldCipher.wrap(dataKey, with: to)))
    }

    /// A PostgreSQL array literal of text values (NULL for nil); bytea values are in `\x` form.
    static func array(_ values: [String?]) -> String {
        "{" + values.map { value in
            guard let value else { return "NULL" }
            return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }
}

import Crypto
public import Logging

/// The report's PII section.
public struct PIIFigures: Codable, Sendable, Equatable {
    /// Per PII field the mapping has: values stored encrypted, and members without one.
    public struct Column: Codable, Sendable, Equatable {
        public var field: String
        public var encrypted: Int
        public var empty: Int
    }

    /// One value that failed the round trip: which member and column, never the value.
    public struct Finding: Codable, Sendable, Equatable {
        public var legacyID: String
        public var column: String
        public var problem: String

        public init(legacyID: String, column: String, problem: String) {
            self.legacyID = legacyID
            self.column = column
            self.problem = problem
        }
    }

    /// One recorded erasure (`mlm-migrate erase`).
    public struct Erasure: Codable, Sendable, Equatable {
        public var legacyID: String
        public var erasedAt: String
        public var reason: String?
    }

    public var kekID: String
    public var members: Int
    /// Members of this run whose data key has been destroyed (`mlm-migrate erase`).
    public var erasedMembers: Int
    public var columns: [Column]
    /// Per identity field, members with a blind index.
    public var blindIndexes: [String: Int]
    /// Members whose values were decrypted and compared, and how many values that was.
    public var roundTripMembers: Int
    public var roundTripValues: Int
    /// "all", or the sampling rule when the run is larger than ``PIIReconciler/fullCheckLimit``.
    public var roundTripScope: String
    public var findings: [Finding]
    public var findingCount: Int
    public var erasures: [Erasure]
}

/// Reconciles members' PII: every stored value is a ciphertext, every data key is wrapped by the
/// KEK given, and, decrypting every value (a seeded sample of members on large runs), each one
/// equals the normalised value read again from the legacy export, and each blind index matches.
///
/// The plaintext exists only in this process's memory while it is compared; findings name the
/// member's legacy id and the column, never a value.
public struct PIIReconciler {
    public let connection: PostgresConnection
    public let kek: KeyEncryptionKey
    public let logger: Logger
    /// Runs with at most this many PII members are checked whole; larger ones by a sample of about this size.
    public var fullCheckLimit = 200_000

    static let listLimit = 50

    public init(connection: PostgresConnection, kek: KeyEncryptionKey, logger: Logger) {
        self.connection = connection
        self.kek = kek
        self.logger = logger
    }

    /// Stops, before any check is run or the run's verdict recorded, when the KEK given wraps
    /// none of the data keys in scope: a wrong key file, not a failed migration. (Keys under
    /// several KEKs, one of them this one, are an unfinished rotation: `pii.keys_under_kek`.)
    private func refuseAForeignKEK(_ scope: ReconcileScope) throws(MigrationError) {
        let keks = try connection.query(
            "SELECT kek_id FROM mlm.data_keys WHERE wrapped_key IS NOT NULL AND \(scope.covers("mlm.data_keys.member_id")) GROUP BY kek_id ORDER BY kek_id",
            what: "reading the data keys' KEKs"
        ).compactMap { $0.first ?? nil }
        guard !keks.isEmpty, !keks.contains(kek.id) else { return }
        throw MigrationError(.keysKEKWrong, """
            the KEK given (\(kek.id)) wraps none of this run's data keys (they are under \(keks.joined(separator: ", "))); \
            give the KEK they were encrypted or last rotated under (runbooks/keys.md); nothing was recorded
            """)
    }

    /// `source` re-reads the export (Extract's reader); `cleansedMembersPath` maps its rows to
    /// the legacy ids that were loaded; `expected` is what Transform wrote.
    public func run(runID: Int, fields: [String], source: Extractor, cleansedMembersPath: String, expected: Int) throws(MigrationError) -> ([Check], PIIFigures) {
        let scope = ReconcileScope(runID: runID)
        try refuseAForeignKEK(scope)
        var checks: [Check] = []
        let columns = MemberPIILayout.fields + MemberPIILayout.blindIndexColumns
        let counts = try connection.query(
            "SELECT count(*), " + columns.map { "count(\($0))" }.joined(separator: ", ")
                + ", (SELECT count(*) FROM mlm.data_keys WHERE \(scope.covers("mlm.data_keys.member_id")))"
                + " FROM mlm.member_pii WHERE \(scope.covers("mlm.member_pii.member_id"))",
            what: "counting PII values"
        ).first?.map { Int($0 ?? "") ?? 0 } ?? []
        let members = counts.first ?? 0
        checks.append(Check(name: "pii.rows_as_transformed", description: "mlm.member_pii rows = members with PII that Transform produced", expected: String(expected), actual: String(members)))
        checks.append(Check(name: "pii.data_keys_as_transformed", description: "mlm.data_keys rows = members with PII that Transform produced", expected: String(expected), actual: String(counts.last ?? 0)))
        var figures = PIIFigures(
            kekID: kek.id, members: members,
            erasedMembers: Int(try connection.scalar("SELECT count(*) FROM mlm.data_keys WHERE wrapped_key IS NULL AND \(scope.covers("mlm.data_keys.member_id"))") ?? "") ?? 0,
            columns: fields.compactMap { field in
                MemberPIILayout.fields.firstIndex(of: field).map { PIIFigures.Column(field: field, encrypted: counts[$0 + 1], empty: members - counts[$0 + 1]) }
            },
            blindIndexes: [:], roundTripMembers: 0, roundTripValues: 0, roundTripScope: "all", findings: [], findingCount: 0, erasures: []
        )
        for (offset, identity) in MemberPIILayout.identityFields.enumerated() where fields.contains(identity.field) {
            figures.blindIndexes[identity.field] = counts[MemberPIILayout.fields.count + offset + 1]
        }

        // Every stored value has the ciphertext layout (all rows, however large the run).
        let malformed = try connection.scalar(
            "SELECT count(*) FROM mlm.member_pii, LATERAL (VALUES " + MemberPIILayout.fields.map { "(\($0))" }.joined(separator: ", ") + ") v(c)"
                + " WHERE \(scope.covers("mlm.member_pii.member_id")) AND c IS NOT NULL AND (length(c) < 29 OR get_byte(c, 0) <> \(FieldCipher.version))",
            what: "checking the ciphertext layout"
        ) ?? "?"
        checks.append(Check(name: "pii.all_encrypted", description: "every PII value in the target is a version-1 AES-GCM ciphertext", expected: "0", actual: malformed))
        let otherKeys = try connection.scalar(
            "SELECT count(*) FROM mlm.data_keys WHERE wrapped_key IS NOT NULL AND kek_id <> $1 AND \(scope.covers("mlm.data_keys.member_id"))",
            [kek.id], what: "checking the data keys' KEK"
        ) ?? "?"
        checks.append(Check(name: "pii.keys_under_kek", description: "every data key is wrapped by the KEK given (\(kek.id)); others mean a rotation is unfinished", expected: "0", actual: otherKeys))

        var roundTrip = RoundTrip(reconciler: self, total: members)
        figures.roundTripScope = roundTrip.scope
        try roundTrip.readTarget(runID: runID)
        try roundTrip.compareWithSource(source, cleansedMembersPath: cleansedMembersPath)
        figures.roundTripMembers = roundTrip.membersChecked
        figures.roundTripValues = roundTrip.valuesChecked
        figures.findings = Array(roundTrip.findings.prefix(Self.listLimit))
        figures.findingCount = roundTrip.findings.count
        checks.append(Check(
            name: "pii.round_trip", description: "values that do not decrypt, or differ from the normalised source value (\(roundTrip.shortScope))",
            expected: "0", actual: String(roundTrip.findings.filter { !RoundTrip.derivedMismatches.contains($0.problem) }.count)
        ))
        checks.append(Check(
            name: "pii.blind_indexes", description: "blind indexes and record digests that differ from HMAC of the decrypted values (\(roundTrip.shortScope))",
            expected: "0", actual: String(roundTrip.findings.filter { RoundTrip.derivedMismatches.contains($0.problem) }.count)
        ))
        figures.erasures = try connection.query(
            "SELECT legacy_id, to_char(erased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), reason FROM mlm_migration.erasures ORDER BY erasure_id",
            what: "reading the erasure log"
        ).map { PIIFigures.Erasure(legacyID: $0[0] ?? "", erasedAt: $0[1] ?? "", reason: $0[2]) }
        logger.info("reconciled PII", metadata: ["members": "\(members)", "checked": "\(roundTrip.membersChecked)", "findings": "\(roundTrip.findings.count)"])
        return (checks, figures)
    }
}

/// The decrypting round trip: the target's values, decrypted and digested per member, then the
/// export read again and compared value by value.
struct RoundTrip {
    static let indexMismatch = "blind index differs"
    static let digestMismatch = "record digest differs"
    static let derivedMismatches: Set = [indexMismatch, digestMismatch]
    let reconciler: PIIReconciler
    /// A member is checked when the first 8 bytes of SHA-256("mlm-migrate pii sample v1" 0 legacy id) are below this.
    let threshold: UInt64
    let scope: String
    let indexes: [String: BlindIndex]
    let recordDigest: PIIRecordDigest
    /// The checked members (entry `i` is `folded[i]`'s member).
    var decrypted = PackedStringTable()
    /// Per checked member: its values folded into one hash (``RowDecrypter/fold(_:)``), 32 bytes
    /// where the SHA-256 of each value took ten times that; a member whose fold differs from the
    /// source's is decrypted again to name the columns (``compareWithSource``).
    var folded: [Hash32] = []
    /// Members with a value that did not decrypt: SHA-256 of each value (nil when empty or not
    /// decrypted), in `MemberPIILayout.fields` order, compared value by value.
    var partial: [String: [SHA256Digest?]] = [:]
    var runID = 0
    /// Members whose data key was erased: nothing to decrypt, by design.
    var erased = Set<String>()
    /// Members and values already reported as not decrypting; not compared again.
    var undecryptable = Set<String>()
    var findings: [PIIFigures.Finding] = []
    var membersChecked = 0
    var valuesChecked = 0

    init(reconciler: PIIReconciler, total: Int) {
        self.reconciler = reconciler
        if total <= reconciler.fullCheckLimit {
            threshold = .max
            scope = "all members but erased ones"
        } else {
            threshold = UInt64.max / UInt64(total) * UInt64(reconciler.fullCheckLimit)
            scope = "a seeded sample of about \(reconciler.fullCheckLimit) of \(total) members, erased ones excluded: SHA-256 prefix below \(String(threshold, radix: 16)), docs/pii-encryption.md"
        }
        indexes = Dictionary(uniqueKeysWithValues: MemberPIILayout.identityFields.map { ($0.field, BlindIndex(kek: reconciler.kek, column: $0.field)) })
        recordDigest = PIIRecordDigest(kek: reconciler.kek)
    }

    var shortScope: String { threshold == .max ? "all members but erased ones" : "a seeded sample of members" }

    func sampled(_ legacyID: String) -> Bool { Self.sampled(legacyID, below: threshold) }

    static func sampled(_ legacyID: String, below threshold: UInt64) -> Bool {
        guard threshold != .max else { return true }
        let digest = SHA256.hash(data: Array("mlm-migrate pii sample v1".utf8) + [0] + Array(legacyID.utf8))
        return digest.withUnsafeBytes { $0.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } } < threshold
    }

    mutating func finding(_ legacyID: String, _ column: String, _ problem: String) {
        findings.append(PIIFigures.Finding(legacyID: legacyID, column: column, problem: problem))
    }

    /// The sampling rule in SQL, so a sampled run reads only the sampled members' rows.
    var sampleFilter: String {
        guard threshold != .max else { return "" }
        let bound = String(threshold, radix: 16)
        return " AND substr(sha256('mlm-migrate pii sample v1'::bytea || '\\x00'::bytea || convert_to(m.legacy_id, 'UTF8')), 1, 8) < '\\x"
            + String(repeating: "0", count: 16 - bound.count) + bound + "'::bytea"
    }

    /// Reads the run's PII rows; batches of them are decrypted and digested on two threads
    /// (``RowDecrypter``) and taken back in order, so findings are listed as one thread lists them.
    mutating func readTarget(runID: Int) throws(MigrationError) {
        self.runID = runID
        let decrypter = RowDecrypter(kek: reconciler.kek, indexes: indexes, recordDigest: recordDigest, threshold: threshold)
        let pool = BatchPool<[RowDecrypter.Outcome]>(workers: 2)
        func take(_ outcomes: [RowDecrypter.Outcome]) {
            for outcome in outcomes { record(outcome) }
        }
        var batch: [UInt8] = []
        var lines: [Range<Int>] = []
        try reconciler.connection.copyOut("""
            COPY (\(Self.rows)
                  WHERE \(ReconcileScope(runID: runID).covers("p.member_id"))\(sampleFilter) ORDER BY p.member_id) TO STDOUT
            """, what: "reading mlm.member_pii") { bytes throws(MigrationError) in
            lines.append(batch.count..<batch.count + bytes.count)
            batch.append(contentsOf: bytes)
            if lines.count >= Self.batchRows {
                let (full, ranges) = (batch, lines)
                try pool.submit({ decrypter.decrypt(full, lines: ranges) }, deliver: take)
                batch.removeAll(keepingCapacity: true)
                lines.removeAll(keepingCapacity: true)
            }
        }
        if !lines.isEmpty {
            let (last, ranges) = (batch, lines)
            try pool.submit({ decrypter.decrypt(last, lines: ranges) }, deliver: take)
        }
        try pool.finish(deliver: take)
    }

    /// The PII rows as ``RowDecrypter`` reads them, with their member's legacy id and data key.
    static let rows = "SELECT m.legacy_id, k.wrapped_key, "
        + (MemberPIILayout.fields + MemberPIILayout.blindIndexColumns + [PIIRecordDigest.column]).map { "p." + $0 }.joined(separator: ", ")
        + " FROM mlm.member_pii p JOIN mlm.members m USING (member_id) JOIN mlm.data_keys k ON k.key_id = p.key_id"

    /// Rows per decryption batch.
    static let batchRows = 2_048

    /// Adds one row's outcome to the round trip's state.
    private mutating func record(_ outcome: RowDecrypter.Outcome) {
        guard let legacyID = outcome.legacyID else { return }
        if outcome.erased {
            erased.insert(legacyID)
            return
        }
        membersChecked += 1
        valuesChecked += outcome.values
        for (column, problem) in outcome.findings { finding(legacyID, column, problem) }
        for field in outcome.undecryptableFields { undecryptable.insert(field.map { legacyID + "\0" + $0 } ?? legacyID) }
        guard let fold = outcome.folded else { return }
        let (index, inserted) = decrypted.insert(legacyID)
        if inserted { folded.append(fold) } else { folded[index] = fold }
        if let digests = outcome.digests { partial[legacyID] = digests } else { partial[legacyID] = nil }
    }
}

/// The per-row work of ``RoundTrip/readTarget(runID:)``: unwraps the member's data key, decrypts
/// each value, and checks its blind index and the record digest. Pure, so it runs on any thread.
struct RowDecrypter: Sendable {
    let kek: KeyEncryptionKey
    let indexes: [String: BlindIndex]
    let recordDigest: PIIRecordDigest
    let threshold: UInt64

    /// What one row gave: nothing (`legacyID` nil: not a row of the layout, or not sampled),
    /// an erased member, or a checked one with its findings and value digests.
    /// `@unchecked Sendable`: `SHA256Digest` is an immutable value (swift-crypto 3 does not say so).
    struct Outcome: @unchecked Sendable {
        var legacyID: String?
        var erased = false
        var values = 0
        var findings: [(column: String, problem: String)] = []
        /// Fields that did not decrypt (nil: the whole member, its key did not unwrap).
        var undecryptableFields: [String?] = []
        /// The member's values folded (``fold(_:)``); nil when its key did not unwrap.
        var folded: Hash32?
        /// The SHA-256 of each value, kept only when a value did not decrypt (or when asked for).
        var digests: [SHA256Digest?]?
    }

    /// One hash of a member's values: SHA-256 over, per field in `MemberPIILayout.fields` order,
    /// a 0 byte for none, else a 1 byte and the SHA-256 of the value. Equal exactly when every
    /// value's SHA-256 is (what the value by value comparison compares).
    static func fold(_ digests: [SHA256Digest?]) -> Hash32 {
        var hasher = SHA256()
        for digest in digests {
            if let digest {
                hasher.update(data: [1])
                hasher.update(data: Array(digest))
            } else {
                hasher.update(data: [0])
            }
        }
        return Hash32(Array(hasher.finalize()))
    }

    func decrypt(_ bytes: [UInt8], lines: [Range<Int>]) -> [Outcome] {
        bytes.withUnsafeBytes { all in
            let cipher = AESGCMContext()
            return lines.map {
                decrypt(row: CopyText.decodeRow(copyLine: UnsafeRawBufferPointer(rebasing: all[$0])), cipher: cipher)
            }
        }
    }

    /// `cipher`: a context to reuse between rows (one made when nil).
    func decrypt(row: [String?], keepingDigests: Bool = false, cipher: AESGCMContext? = nil) -> Outcome {
        let fields = MemberPIILayout.fields
        var outcome = Outcome()
        guard row.count == 3 + fields.count + MemberPIILayout.identityFields.count, let legacyID = row[0] else { return outcome }
        guard RoundTrip.sampled(legacyID, below: threshold) else { return outcome }
        outcome.legacyID = legacyID
        guard let wrappedText = row[1] else {
            outcome.erased = true
            return outcome
        }
        guard let wrapped = Hex.decodeBytea(wrappedText), let dataKey = try? FieldCipher.unwrap(wrapped, with: kek),
              let cipher = cipher ?? AESGCMContext(), dataKey.withUnsafeBytes({ cipher.setKey($0, sealing: false) })
        else {
            outcome.findings.append(("wrapped_key", "data key does not unwrap under \(kek.id)"))
            outcome.undecryptableFields.append(nil)
            return outcome
        }
        var digests: [SHA256Digest?] = []
        var values: [String: String] = [:]
        var complete = true
        for (offset, field) in fields.enumerated() {
            guard let text = row[2 + offset] else {
                digests.append(nil)
                continue
            }
            outcome.values += 1
            let binding = FieldCipher.Binding(table: MemberPIILayout.table, column: field, memberLegacyID: legacyID)
            guard let ciphertext = Hex.decodeBytea(text), let plain = FieldCipher.open(ciphertext, for: binding, keyedIn: cipher) else {
                outcome.findings.append((field, "does not decrypt for this member and column"))
                outcome.undecryptableFields.append(field)
                digests.append(nil)
                complete = false
                continue
            }
            values[field] = plain
            digests.append(SHA256.hash(data: Array(plain.utf8)))
            if let position = MemberPIILayout.identityFields.firstIndex(where: { $0.field == field }), let index = indexes[field] {
                let expected = IdentityNormalizer.normalize(plain, as: MemberPIILayout.identityFields[position].identity).map { Hex.bytea(index.index($0)) }
                if row[2 + fields.count + position] != expected {
                    outcome.findings.append((MemberPIILayout.blindIndexColumn(field), RoundTrip.indexMismatch))
                }
            }
        }
        if complete, row[row.count - 1] != Hex.bytea(recordDigest.digest(legacyID: legacyID, values: values)) {
            outcome.findings.append((PIIRecordDigest.column, RoundTrip.digestMismatch))
        }
        outcome.folded = Self.fold(digests)
        if keepingDigests || !outcome.undecryptableFields.isEmpty { outcome.digests = digests }
        return outcome
    }
}

public import Logging

/// The figures Reconcile compares the target against: what the earlier stages counted.
public struct StageCounts: Codable, Sendable, Equatable {
    public var extract: ExtractSummary
    public var cleanse: CleanseSummary
    public var transform: TransformSummary

    public init(extract: ExtractSummary, cleanse: CleanseSummary, transform: TransformSummary) {
        self.extract = extract
        self.cleanse = cleanse
        self.transform = transform
    }
}

/// Reconcile: re-reads the target with SQL and proves, for one run, that counts balance
/// (`extracted = loaded + quarantined`), that no member is orphaned or on a cycle in either
/// tree, that placement legs are consistent, and that the rows in PostgreSQL are byte for byte
/// the rows Transform produced (SHA-256 of a `COPY TO` read-back).
public struct Reconciler {
    public let connection: PostgresConnection
    public let logger: Logger

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// The run this work directory loaded: the newest run whose mapping digest matches.
    public func latestRun(mappingDigest: String) throws(MigrationError) -> Int {
        guard let text = try connection.scalar(
            "SELECT max(run_id) FROM mlm_migration.runs WHERE mapping_digest = $1 AND status IN ('loaded', 'reconciled', 'failed')",
            [mappingDigest], what: "finding the run"
        ), let runID = Int(text) else {
            throw MigrationError(.reconcileNoRun, "the target holds no loaded run for this mapping; run load first")
        }
        return runID
    }

    /// `settled`: reads the check of the genealogy's foreign keys now, or once the load ends.
    public func run(runID: Int, counts: StageCounts, legs: [String], settled: LoadSettledChecks = LoadSettledChecks()) throws(MigrationError) -> [Check] {
        let run = String(runID)
        var checks: [Check] = []
        let scope = ReconcileScope(runID: runID)
        let loaded = Int(try connection.scalar("SELECT count(*) FROM mlm.members WHERE \(scope.covers("mlm.members.member_id"))") ?? "0") ?? 0
        let quarantined = try count("SELECT count(*) FROM mlm_migration.quarantine WHERE run_id = $1::bigint AND entity = 'members'", run)
        checks.append(Check(
            name: "members.counts_balance", description: "extracted = loaded + quarantined (members in the target this export gives, and this run's quarantine)",
            expected: String(counts.extract.rows), actual: String(loaded + quarantined)
        ))
        checks.append(Check(
            name: "members.loaded_as_transformed", description: "members in the target = members Transform produced",
            expected: String(counts.transform.members), actual: String(loaded)
        ))
        checks.append(Check(
            name: "members.quarantined_as_cleansed", description: "quarantine rows in the target = rows Cleanse rejected",
            expected: String(counts.cleanse.quarantined), actual: String(quarantined)
        ))
        let written = try count("SELECT count(*) FROM mlm.members WHERE run_id = $1::bigint", run)
        let batchRows = try connection.query("""
            SELECT coalesce(sum((rows_by_table ->> 'mlm.members')::bigint), 0),
                   coalesce(sum((rows_by_table ->> 'mlm_migration.quarantine')::bigint) FILTER (WHERE entity = 'members'), 0)
            FROM mlm_migration.batches WHERE run_id = $1::bigint
            """, [run]).first
        checks.append(Check(
            name: "batches.manifest_matches", description: "member and quarantine rows recorded in batch manifests = rows this run wrote",
            expected: "\(written)/\(quarantined)", actual: "\(batchRows?[0] ?? "0")/\(batchRows?[1] ?? "0")"
        ))

        // One scan of the table: roots, links that do not point to an earlier member (a cycle
        // or a forward reference), and placement leg rules.
        let legList = "{" + legs.map { "\"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"" }.joined(separator: ",") + "}"
        let shape = try connection.query("""
            SELECT count(*) FILTER (WHERE sponsor_id IS NULL),
                   count(*) FILTER (WHERE sponsor_id >= member_id),
                   count(*) FILTER (WHERE placement_id IS NULL AND sponsor_id IS NOT NULL AND cardinality($1::text[]) > 0),
                   count(*) FILTER (WHERE placement_id >= member_id),
                   count(*) FILTER (WHERE placement_id IS NOT NULL AND NOT placement_leg = ANY($1::text[]))
            FROM mlm.members WHERE \(scope.covers("mlm.members.member_id"))
            """, [legList], what: "checking the genealogy's shape").first ?? []
        var figures = shape.map { $0 ?? "0" }
        // A delta run may link a member to a later one (a new sponsor): then count the members
        // that no root reaches instead, the members on or under a cycle.
        for (index, column) in [(1, "sponsor_id"), (3, "placement_id")] where index < figures.count && figures[index] != "0" {
            figures[index] = try connection.scalar("""
                WITH RECURSIVE reached AS (
                    SELECT member_id FROM mlm.members WHERE \(column) IS NULL
                    UNION SELECT m.member_id FROM mlm.members m JOIN reached r ON m.\(column) = r.member_id
                ) SELECT (SELECT count(*) FROM mlm.members) - (SELECT count(*) FROM reached)
                """, what: "looking for cycles") ?? "?"
        }
        func figure(_ index: Int) -> String { index < figures.count ? figures[index] : "?" }
        checks.append(Check(name: "genealogy.single_root", description: "exactly one member has no sponsor", expected: loaded > 0 ? "1" : "0", actual: figure(0)))
        checks.append(Check(name: "genealogy.no_sponsor_cycles", description: "members on or under a sponsor cycle (0 when every sponsor was loaded before its downline)", expected: "0", actual: figure(1)))
        checks.append(Check(name: "genealogy.placed", description: "every member but the root has a placement parent (plans with legs)", expected: "0", actual: figure(2)))
        checks.append(Check(name: "genealogy.no_placement_cycles", description: "members on or under a placement cycle (0 when every placement parent was loaded before its downline)", expected: "0", actual: figure(3)))
        checks.append(Check(name: "genealogy.valid_legs", description: "every placement leg is one of the plan's legs", expected: "0", actual: figure(4)))

        let orphans = try connection.query("""
            SELECT (SELECT count(*) FROM mlm.members m WHERE m.sponsor_id IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM mlm.members p WHERE p.member_id = m.sponsor_id)),
                   (SELECT count(*) FROM mlm.members m WHERE m.placement_id IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM mlm.members p WHERE p.member_id = m.placement_id)),
                   (SELECT count(*) FROM (SELECT placement_id, placement_leg FROM mlm.members WHERE placement_id IS NOT NULL
                      GROUP BY 1, 2 HAVING count(*) > 1) clash)
            """, what: "checking for orphans").first ?? []
        checks.append(Check(name: "genealogy.orphan_sponsors", description: "members whose sponsor_id matches no member", expected: "0", actual: orphans.first.flatMap { $0 } ?? "?"))
        checks.append(Check(name: "genealogy.orphan_placements", description: "members whose placement_id matches no member", expected: "0", actual: orphans.count > 1 ? (orphans[1] ?? "?") : "?"))
        checks.append(Check(name: "genealogy.leg_clashes", description: "placement parents with two members on one leg", expected: "0", actual: orphans.count > 2 ? (orphans[2] ?? "?") : "?"))

        checks.append(try settled.check(
            name: "genealogy.foreign_keys_enforced", description: "both genealogy foreign keys exist and are validated", expected: "2", on: connection
        ) { connection throws(MigrationError) in try TargetSchema.enforcedForeignKeys(of: [TargetTables.members], on: connection) })

        let digests = try contentDigests(runID: runID)
        checks.append(Check(name: "content.members_digest", description: "SHA-256 of mlm.members read back = SHA-256 of the rows Transform produced", expected: counts.transform.membersDigest, actual: digests.members))
        checks.append(Check(name: "content.id_map_digest", description: "SHA-256 of mlm_migration.id_map read back = SHA-256 of the crosswalk Transform produced", expected: counts.transform.idMapDigest, actual: digests.idMap))
        let failed = checks.filter { !$0.passed && !settled.isOpen($0.name) }.map(\.name)
        logger.info("reconciled", metadata: ["run_id": "\(runID)", "checks": "\(checks.count)", "failed": "\(failed)"])
        return checks
    }

    /// SHA-256 of the members and the member id map read back, over the run's scope
    /// (``ReconcileScope``), in the form Transform hashed them (docs/report.md).
    public func contentDigests(runID: Int) throws(MigrationError) -> (members: String, idMap: String) {
        let scope = ReconcileScope(runID: runID)
        let members = try readBackDigest("""
            COPY (SELECT member_id, legacy_id, username, status, joined_at, sponsor_id, placement_id, placement_leg
                  FROM mlm.members WHERE \(scope.covers("mlm.members.member_id")) ORDER BY member_id) TO STDOUT
            """)
        let idMap = try readBackDigest("""
            COPY (SELECT entity, legacy_id, new_id FROM mlm_migration.id_map WHERE entity = 'member' AND \(scope.covers("mlm_migration.id_map.new_id")) ORDER BY new_id) TO STDOUT
            """)
        return (members, idMap)
    }

    private func count(_ sql: String, _ run: String) throws(MigrationError) -> Int {
        Int(try connection.scalar(sql, [run]) ?? "0") ?? 0
    }

    private func readBackDigest(_ sql: String) throws(MigrationError) -> String {
        var digest = RowDigest()
        try connection.copyOut(sql, what: "reading rows back") { digest.add(copyText: $0) }
        return digest.finalize()
    }
}

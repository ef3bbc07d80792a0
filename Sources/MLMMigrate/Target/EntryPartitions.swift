/// The layout of `mlm.wallet_entries` in a target: one table (the default), or hash-partitioned
/// by `member_id` into N tables `mlm.wallet_entries_p0`... (`--entry-partitions N`), so a load
/// can send one `COPY` stream per partition at once (Loader+Partitions.swift).
///
/// `member_id` keeps each wallet's whole hash chain (and its primary key, which must include
/// the partition key) in one partition. The catalog is the record of the layout: every later
/// command (a resume, a delta, rollback, snapshot, verify-ledger, reconcile) reads it from there.
public enum EntryPartitions {
    static let table = TargetTables.walletEntries
    /// The partition counts `--entry-partitions` accepts.
    public static let allowed = 2...64

    /// Partition `remainder`'s table (a constant of this module, safe to insert into SQL).
    public static func partitionName(_ remainder: Int) -> String { "\(table.name)_p\(remainder)" }

    /// The target's partition count, nil for one plain table; `target.layout_mismatch` when the
    /// table is partitioned in a way this tool did not make.
    public static func current(on connection: PostgresConnection) throws(MigrationError) -> Int? {
        let kind = try connection.scalar("SELECT relkind FROM pg_class WHERE oid = to_regclass($1)", [table.name])
        guard kind == "p" else { return nil }
        let bounds = try connection.query("""
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass
            """, [table.name], what: "reading the partitions of \(table.name)")
        let count = bounds.count
        let expected = Set((0..<count).map {
            "\(table.bareName)_p\($0)|FOR VALUES WITH (modulus \(count), remainder \($0))"
        })
        guard count > 0, Set(bounds.map { "\($0[0] ?? "")|\($0[1] ?? "")" }) == expected else {
            throw MigrationError(
                .targetLayoutMismatch,
                "\(table.name) in \(connection.endpoint) is partitioned, but not as mlm-migrate partitions it "
                    + "(by hash of member_id into \(table.name)_p0...); load into a target whose layout mlm-migrate made"
            )
        }
        return count
    }

    /// Gives the target `requested` partitions (nil: keeps its layout) and returns the layout
    /// the load uses. Only a `wallet_entries` without rows is converted; one holding entries
    /// keeps its layout, and asking for another stops with `target.layout_mismatch`.
    public static func settle(
        requested: Int?, on connection: PostgresConnection
    ) throws(MigrationError) -> Int? {
        let existing = try current(on: connection)
        guard let requested, requested != existing else { return existing }
        guard allowed.contains(requested) else {
            throw MigrationError(
                .targetLayoutMismatch, "--entry-partitions must be between \(allowed.lowerBound) and \(allowed.upperBound)"
            )
        }
        try connection.inTransaction { () throws(MigrationError) in
            try connection.execute("LOCK TABLE \(table.name) IN ACCESS EXCLUSIVE MODE")
            if try connection.scalar("SELECT EXISTS (SELECT 1 FROM \(table.name))") == "t" {
                let layout = existing.map { "\($0) partitions" } ?? "one table, not partitioned"
                throw MigrationError(
                    .targetLayoutMismatch,
                    "\(table.name) in \(connection.endpoint) already holds entries as \(layout); --entry-partitions "
                        + "\(requested) applies only to a target without entries: leave the option out (the target "
                        + "keeps its layout) or load into an empty target"
                )
            }
            try connection.execute(
                conversion(partitions: requested), what: "partitioning \(table.name) into \(requested)"
            )
        }
        return requested
    }

    /// Statements (run in the caller's transaction) that replace the empty `wallet_entries`
    /// with a partitioned copy of its definition (columns, defaults, checks and primary key by
    /// `LIKE`; foreign keys from the registry), then create the partitions.
    static func conversion(partitions: Int) -> String {
        let staging = "\(table.bareName)_layout"
        let keys = table.bulkLoadForeignKeys.map { "ADD CONSTRAINT \($0.name) \($0.definition)" }
        let parts = (0..<partitions).map { remainder in
            "CREATE TABLE \(partitionName(remainder)) PARTITION OF \(table.name) "
                + "FOR VALUES WITH (MODULUS \(partitions), REMAINDER \(remainder));"
        }
        return """
            CREATE TABLE mlm.\(staging) (LIKE \(table.name) INCLUDING ALL) PARTITION BY HASH (member_id);
            DROP TABLE \(table.name);
            ALTER TABLE mlm.\(staging) RENAME TO \(table.bareName);
            ALTER INDEX mlm.\(staging)_pkey RENAME TO \(table.bareName)_pkey;
            ALTER TABLE \(table.name) \(keys.joined(separator: ", "));
            \(parts.joined(separator: "\n"))
            """
    }
}

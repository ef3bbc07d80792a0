/// A digest of every table a load writes (the ``TargetTables`` registry), to prove two states
/// of a target equal: a killed and resumed load against an uninterrupted one, a rolled-back
/// delta against the state before it, a restore against its snapshot.
///
/// Each table's digest is its row count and two sums of 60-bit slices of each row's MD5 over
/// its stage columns and `batch_no` (not `run_id`, which a reload of the same rows changes):
/// independent of row order, streamed by PostgreSQL without building one huge string.
public enum TableDigests {
    /// Digest per table name; a table the target lacks is left out.
    public static func read(_ connection: PostgresConnection) throws(MigrationError) -> [String: String] {
        var digests: [String: String] = [:]
        for table in TargetTables.all {
            guard try connection.scalar("SELECT to_regclass($1) IS NOT NULL", [table.name]) == "t" else { continue }
            let columns = (table.columns + (table.columns.contains("batch_no") ? [] : ["batch_no"])).joined(separator: ", ")
            let digest = try connection.scalar(
                """
                SELECT count(*) || ':' || coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::bigint), 0)
                    || ':' || coalesce(sum(('x' || substr(h, 16, 15))::bit(60)::bigint), 0)
                FROM (SELECT md5(t::text) AS h FROM (SELECT \(columns) FROM \(table.name)) t) rows
                """,
                what: "digesting \(table.name)"
            )
            digests[table.name] = digest ?? ""
        }
        return digests
    }

    /// The tables whose digests differ between `expected` and `actual`, sorted.
    public static func differing(_ expected: [String: String], _ actual: [String: String]) -> [String] {
        Set(expected.keys).union(actual.keys).filter { expected[$0] != actual[$0] }.sorted()
    }
}

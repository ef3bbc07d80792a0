// The SQL of delta runs (Loader+Delta.swift): the tables as a delta compares them, the rows
// each kind of change still has to write, and the statements that write a batch of them.

/// A target table as a delta run compares it: the staged copy of Transform's file and the key.
struct DeltaTable {
    let target: String
    let columns: [String]
    let key: [String]
    /// The column whose value is the member's id, to fetch a companion's rows for a batch of members.
    let link: String
    let path: String

    init(_ table: TargetTable, _ directory: String) {
        let file = TargetTables.loadSteps.flatMap(\.files).first { $0.table == table }?.file
        self.target = table.name
        self.columns = table.columns
        self.key = table.key
        self.link = table.memberColumn
        self.path = file?.path(in: directory) ?? ""
    }

    var stage: String { "mlm_migration.delta_" + (target.split(separator: ".").last.map(String.init) ?? target) }
    var compared: [String] { columns.filter { !key.contains($0) } }
    var list: String { columns.joined(separator: ", ") }
    var keyList: String { key.joined(separator: ", ") }

    /// An SQL condition: rows `a` and `b` have the same key.
    func sameKey(_ a: String, _ b: String) -> String { key.map { "\(a).\($0) = \(b).\($0)" }.joined(separator: " AND ") }
}

/// The rows one kind of delta change still has to write: a query ending in its WHERE clause,
/// and its key (qualified in the query, and as the query names it). Batches take the next rows
/// in key order after the previous batch's last (keyset pagination), so each batch reads only
/// its own stretch of the tables.
struct DeltaSelection {
    let sql: String
    let key: [String]
    let names: [String]

    /// The next `limit` rows after the key `after` (SQL literals; nil: from the start).
    func batch(after: [String]?, limit: Int) -> String {
        let keys = key.joined(separator: ", ")
        let start = after.map { " AND ROW(\(keys)) > ROW(\($0.joined(separator: ", ")))" } ?? ""
        return "\(sql)\(start) ORDER BY \(keys) LIMIT \(limit)"
    }
}

extension Loader {
    // MARK: Statements. Each `write` is the body of a WITH over `todo` (the batch's rows) and ends
    // in a SELECT of (table, rows, SHA-256 of the rows' text, sorted) per table written.

    /// Staged rows whose key the target lacks.
    static func newRows(_ table: DeltaTable) -> DeltaSelection {
        DeltaSelection(
            sql: "SELECT s.* FROM \(table.stage) s WHERE NOT EXISTS (SELECT 1 FROM \(table.target) t WHERE \(table.sameKey("t", "s")))",
            key: table.key.map { "s." + $0 }, names: table.key
        )
    }

    /// Staged rows whose target row exists and `condition` (over `s` and `t`) holds.
    static func changedRows(_ table: DeltaTable, when condition: String) -> DeltaSelection {
        DeltaSelection(
            sql: "SELECT s.* FROM \(table.stage) s JOIN \(table.target) t USING (\(table.keyList)) WHERE (\(condition))",
            key: table.key.map { "s." + $0 }, names: table.key
        )
    }

    /// The compared columns (or `only` these) of `t` and `s` differ.
    static func differs(_ table: DeltaTable, only: [String]? = nil) -> String {
        let columns = only ?? table.compared
        return "ROW(\(columns.map { "t." + $0 }.joined(separator: ", "))) IS DISTINCT FROM ROW(\(columns.map { "s." + $0 }.joined(separator: ", ")))"
    }

    /// One (table, rows, SHA-256) triple per part, in the order given: the row texts are the rows'
    /// record text (`x::text`), sorted bytewise (`COLLATE "C"`, whatever the database's locale)
    /// and joined by newlines.
    static func summary(_ parts: [(cte: String, table: String)]) -> String {
        "SELECT " + parts.map { part in
            "'\(part.table)', (SELECT count(*) FROM \(part.cte)), (SELECT encode(sha256(convert_to(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text COLLATE \"C\"), ''), 'UTF8')), 'hex') FROM \(part.cte) x)"
        }.joined(separator: ", ")
    }

    /// Inserts the batch's rows and their companions' (linked by member id).
    static func insert(_ table: DeltaTable, with companions: [DeltaTable]) -> (String) -> String {
        { todo in
            var parts = [(cte: "w0", table: table.target)]
            var sql = "w0 AS (INSERT INTO \(table.target) (\(table.list)) SELECT \(table.list) FROM \(todo) RETURNING *)"
            for (offset, companion) in companions.enumerated() {
                let cte = "w\(offset + 1)"
                sql += ", \(cte) AS (INSERT INTO \(companion.target) (\(companion.list)) SELECT \(companion.columns.map { "c." + $0 }.joined(separator: ", ")) FROM \(companion.stage) c JOIN \(todo) ON c.\(companion.link) = \(todo).\(table.link) RETURNING *)"
                parts.append((cte, companion.target))
            }
            return sql + " " + summary(parts)
        }
    }

    /// Keeps each target row's prior image, then updates it (and its companions) to the staged row.
    static func update(_ table: DeltaTable, with companions: [DeltaTable]) -> (String) -> String {
        { todo in
            var parts: [(cte: String, table: String)] = []
            var ctes: [String] = []
            for (offset, each) in ([table] + companions).enumerated() {
                let join = "\(each.stage) s JOIN \(todo) ON s.\(each.link) = \(todo).\(table.link)"
                ctes.append("""
                    p\(offset) AS (INSERT INTO mlm_migration.prior_images (run_id, batch_no, table_name, row_key, image)
                        SELECT current_setting('mlm_migration.run_id')::bigint, current_setting('mlm_migration.batch_no')::integer, '\(each.target)', \(each.key.map { "t.\($0)::text" }.joined(separator: " || '/' || ")), to_jsonb(t)
                        FROM \(each.target) t JOIN \(join) ON \(each.sameKey("t", "s")) ON CONFLICT DO NOTHING RETURNING 1)
                    """)
                ctes.append("""
                    u\(offset) AS (UPDATE \(each.target) t SET \(each.compared.map { "\($0) = s.\($0)" }.joined(separator: ", ")), run_id = DEFAULT, batch_no = DEFAULT
                        FROM \(join) WHERE \(each.sameKey("t", "s")) RETURNING t.*)
                    """)
                parts.append(("u\(offset)", each.target))
            }
            return ctes.joined(separator: ", ") + " " + summary(parts)
        }
    }

    /// Wallets that are new or differ, in scope and without a conflict; with the entry count the target has.
    static func changedWallets(_ wallets: DeltaTable, runID: Int) -> DeltaSelection {
        DeltaSelection(sql: """
            SELECT s.member_id, s.currency, t.member_id IS NOT NULL AS existing, coalesce(t.entry_count, 0) AS had
            FROM \(wallets.stage) s LEFT JOIN mlm.wallets t USING (member_id, currency)
            WHERE (t.member_id IS NULL OR \(differs(wallets)))
              AND NOT EXISTS (SELECT 1 FROM mlm_migration.ledger_conflicts c WHERE c.run_id = \(runID) AND c.member_id = s.member_id AND c.currency = s.currency)
            """, key: ["s.member_id", "s.currency"], names: ["member_id", "currency"])
    }

    /// For the batch's wallets: inserts the new ones, keeps the prior image of and updates the
    /// others, and appends every entry after the target's last.
    static func writeWallets(_ wallets: DeltaTable, _ entries: DeltaTable) -> (String) -> String {
        { todo in
            let sets = wallets.compared.map { "\($0) = s.\($0)" }.joined(separator: ", ")
            return """
                prior AS (INSERT INTO mlm_migration.prior_images (run_id, batch_no, table_name, row_key, image)
                    SELECT current_setting('mlm_migration.run_id')::bigint, current_setting('mlm_migration.batch_no')::integer, 'mlm.wallets', t.member_id || '/' || t.currency, to_jsonb(t)
                    FROM mlm.wallets t JOIN \(todo) USING (member_id, currency) ON CONFLICT DO NOTHING RETURNING 1),
                updated AS (UPDATE mlm.wallets t SET \(sets), run_id = DEFAULT, batch_no = DEFAULT
                    FROM \(wallets.stage) s JOIN \(todo) USING (member_id, currency)
                    WHERE \(todo).existing AND t.member_id = s.member_id AND t.currency = s.currency RETURNING t.*),
                inserted AS (INSERT INTO mlm.wallets (\(wallets.list)) SELECT \(wallets.columns.map { "s." + $0 }.joined(separator: ", "))
                    FROM \(wallets.stage) s JOIN \(todo) USING (member_id, currency) WHERE NOT \(todo).existing RETURNING *),
                appended AS (INSERT INTO mlm.wallet_entries (\(entries.list)) SELECT \(entries.columns.map { "e." + $0 }.joined(separator: ", "))
                    FROM \(entries.stage) e JOIN \(todo) USING (member_id, currency) WHERE e.seq > \(todo).had RETURNING *),
                wallet_rows AS (SELECT * FROM updated UNION ALL SELECT * FROM inserted)
                \(summary([("wallet_rows", "mlm.wallets"), ("appended", "mlm.wallet_entries")]))
                """
        }
    }

    /// Members gone from the export whose status is not yet `quotedStatus` (a literal quoted for
    /// the connection that runs the statement: ``PostgresConnection/literal(_:)``).
    static func goneMembers(runID: Int, quotedStatus: String) -> DeltaSelection {
        DeltaSelection(sql: """
            SELECT m.member_id FROM mlm.members m JOIN mlm_migration.kept_members k ON k.member_id = m.member_id
            WHERE k.run_id = \(runID) AND k.reason = 'gone_from_source' AND m.status IS DISTINCT FROM \(quotedStatus)
            """, key: ["m.member_id"], names: ["member_id"])
    }

    /// Keeps the batch's members' prior images and sets their status (`gone_members: mark`) to
    /// `quotedStatus`, a literal quoted for the connection.
    static func mark(quotedStatus: String) -> (String) -> String {
        { todo in
            """
            prior AS (INSERT INTO mlm_migration.prior_images (run_id, batch_no, table_name, row_key, image)
                SELECT current_setting('mlm_migration.run_id')::bigint, current_setting('mlm_migration.batch_no')::integer, 'mlm.members', t.member_id::text, to_jsonb(t)
                FROM mlm.members t JOIN \(todo) USING (member_id) ON CONFLICT DO NOTHING RETURNING 1),
            marked AS (UPDATE mlm.members t SET status = \(quotedStatus), run_id = DEFAULT, batch_no = DEFAULT FROM \(todo) WHERE t.member_id = \(todo).member_id RETURNING t.*)
            \(summary([("marked", "mlm.members")]))
            """
        }
    }

    /// Target members holding a placement slot (parent and leg) the export gives to another member.
    static func slotsTaken(_ members: DeltaTable) -> DeltaSelection {
        DeltaSelection(sql: """
            SELECT t.member_id FROM mlm.members t
            WHERE t.placement_id IS NOT NULL AND EXISTS (SELECT 1 FROM \(members.stage) s
                WHERE s.placement_id = t.placement_id AND s.placement_leg = t.placement_leg AND s.member_id <> t.member_id)
            """, key: ["t.member_id"], names: ["member_id"])
    }

    /// Keeps the batch's members' prior images and frees their placement slots; the members'
    /// updates then place the ones the export still has. Those are recorded in the manifest as
    /// `mlm.members placement slots`, so `mlm.members` counts each row the run wrote once.
    static func freeSlots(_ members: DeltaTable) -> (String) -> String {
        { todo in
            """
            prior AS (INSERT INTO mlm_migration.prior_images (run_id, batch_no, table_name, row_key, image)
                SELECT current_setting('mlm_migration.run_id')::bigint, current_setting('mlm_migration.batch_no')::integer, 'mlm.members', t.member_id::text, to_jsonb(t)
                FROM mlm.members t JOIN \(todo) USING (member_id) ON CONFLICT DO NOTHING RETURNING 1),
            freed AS (UPDATE mlm.members t SET placement_id = NULL, placement_leg = NULL, run_id = DEFAULT, batch_no = DEFAULT
                FROM \(todo) WHERE t.member_id = \(todo).member_id RETURNING t.*),
            kept AS (SELECT * FROM freed f WHERE NOT EXISTS (SELECT 1 FROM \(members.stage) s WHERE s.member_id = f.member_id)),
            moving AS (SELECT * FROM freed f WHERE EXISTS (SELECT 1 FROM \(members.stage) s WHERE s.member_id = f.member_id))
            \(summary([("kept", "mlm.members"), ("moving", "mlm.members placement slots")]))
            """
        }
    }
}

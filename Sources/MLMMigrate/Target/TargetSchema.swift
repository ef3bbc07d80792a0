/// The target schema as numbered migrations, applied in order and recorded in
/// `mlm_migration.schema_versions`, so any later mlm-migrate can bring an older target up to
/// date. Never edit a released migration: add the next one.
///
/// `run_id` and `batch_no` columns default to the session settings `mlm_migration.run_id` and
/// `mlm_migration.batch_no`, which the loader sets per batch transaction (`SET LOCAL`).
public enum TargetSchema {
    public struct Migration: Sendable {
        public var version: Int
        public var description: String
        public var sql: String
    }

    public static let migrations: [Migration] = [
        Migration(version: 1, description: "genealogy: members, id map, runs, batches, quarantine", sql: """
            CREATE TABLE mlm_migration.runs (
                run_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                started_at      timestamptz NOT NULL DEFAULT now(),
                finished_at     timestamptz,
                status          text NOT NULL CHECK (status IN ('loading', 'loaded', 'reconciled', 'failed')),
                tool_version    text NOT NULL,
                vendor          text NOT NULL,
                mapping_digest  text NOT NULL,
                source          text NOT NULL,
                counts          jsonb NOT NULL DEFAULT '{}',
                report          jsonb
            );
            CREATE TABLE mlm_migration.batches (
                run_id          bigint NOT NULL REFERENCES mlm_migration.runs,
                batch_no        integer NOT NULL,
                entity          text NOT NULL,
                kind            text NOT NULL CHECK (kind IN ('rows', 'quarantine')),
                row_count       bigint NOT NULL,
                content_sha256  text NOT NULL,
                committed_at    timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (run_id, batch_no)
            );
            CREATE TABLE mlm.members (
                member_id       bigint PRIMARY KEY,
                legacy_id       text NOT NULL UNIQUE,
                username        text,
                status          text,
                joined_at       timestamptz,
                sponsor_id      bigint CONSTRAINT members_sponsor_id_fkey REFERENCES mlm.members,
                placement_id    bigint CONSTRAINT members_placement_id_fkey REFERENCES mlm.members,
                placement_leg   text,
                run_id          bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no        integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer,
                CHECK (sponsor_id <> member_id),
                CHECK (placement_id <> member_id),
                CHECK ((placement_id IS NULL) = (placement_leg IS NULL))
            );
            CREATE INDEX members_sponsor_idx ON mlm.members (sponsor_id);
            CREATE UNIQUE INDEX members_placement_leg_key ON mlm.members (placement_id, placement_leg);
            CREATE TABLE mlm_migration.id_map (
                entity          text NOT NULL,
                legacy_id       text NOT NULL,
                new_id          bigint NOT NULL,
                run_id          bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no        integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer,
                PRIMARY KEY (entity, legacy_id),
                UNIQUE (entity, new_id)
            );
            CREATE TABLE mlm_migration.quarantine (
                quarantine_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                run_id          bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no        integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer,
                entity          text NOT NULL,
                source          text NOT NULL,
                line            bigint NOT NULL,
                legacy_id       text,
                reason          text NOT NULL,
                column_name     text,
                detail          text,
                payload         jsonb
            );
            CREATE INDEX quarantine_run_idx ON mlm_migration.quarantine (run_id, entity, reason);
            """),
        Migration(version: 2, description: "wallet ledgers: wallets, hash-chained wallet entries, run ledger digest", sql: """
            ALTER TABLE mlm_migration.runs ADD COLUMN ledger_digest text;
            CREATE TABLE mlm.wallets (
                member_id            bigint NOT NULL CONSTRAINT wallets_member_id_fkey REFERENCES mlm.members,
                currency             text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
                balance_minor        bigint NOT NULL,
                entry_count          bigint NOT NULL CHECK (entry_count >= 0),
                head_hash            bytea NOT NULL CHECK (length(head_hash) = 32),
                merkle_root          bytea NOT NULL CHECK (length(merkle_root) = 32),
                legacy_balance_minor bigint,
                run_id               bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no             integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer,
                PRIMARY KEY (member_id, currency)
            );
            CREATE TABLE mlm.wallet_entries (
                member_id            bigint NOT NULL,
                currency             text NOT NULL,
                seq                  bigint NOT NULL CHECK (seq >= 1),
                legacy_txn_id        text NOT NULL,
                kind                 text NOT NULL,
                amount_minor         bigint NOT NULL,
                occurred_at          timestamptz NOT NULL,
                balance_after_minor  bigint NOT NULL,
                entry_hash           bytea NOT NULL CHECK (length(entry_hash) = 32),
                run_id               bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no             integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer,
                PRIMARY KEY (member_id, currency, seq),
                CONSTRAINT wallet_entries_wallet_fkey FOREIGN KEY (member_id, currency) REFERENCES mlm.wallets
            );
            """),
        Migration(version: 3, description: "PII: encrypted member_pii, wrapped data_keys, key rotations, erasure log", sql: """
            CREATE TABLE mlm.data_keys (
                key_id          bigint PRIMARY KEY,
                member_id       bigint NOT NULL UNIQUE CONSTRAINT data_keys_member_id_fkey REFERENCES mlm.members,
                kek_id          text NOT NULL,
                wrapped_key     bytea CHECK (length(wrapped_key) = 40),
                rotated_at      timestamptz,
                erased_at       timestamptz,
                run_id          bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no        integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer,
                CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
            );
            CREATE INDEX data_keys_kek_idx ON mlm.data_keys (kek_id);
            CREATE TABLE mlm.member_pii (
                member_id        bigint PRIMARY KEY CONSTRAINT member_pii_member_id_fkey REFERENCES mlm.members,
                key_id           bigint NOT NULL CONSTRAINT member_pii_key_id_fkey REFERENCES mlm.data_keys,
                full_name        bytea,
                first_name       bytea,
                last_name        bytea,
                email            bytea,
                phone            bytea,
                date_of_birth    bytea,
                address          bytea,
                tax_id           bytea,
                bank_account     bytea,
                kyc_document_ref bytea,
                kyc_status       bytea,
                email_bidx       bytea CHECK (length(email_bidx) = 32),
                phone_bidx       bytea CHECK (length(phone_bidx) = 32),
                run_id           bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no         integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer
            );
            CREATE INDEX member_pii_email_bidx_idx ON mlm.member_pii (email_bidx);
            CREATE INDEX member_pii_phone_bidx_idx ON mlm.member_pii (phone_bidx);
            CREATE TABLE mlm_migration.key_rotations (
                rotation_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                from_kek_id     text NOT NULL,
                to_kek_id       text NOT NULL,
                started_at      timestamptz NOT NULL DEFAULT now(),
                finished_at     timestamptz,
                data_keys       bigint NOT NULL DEFAULT 0,
                quarantine_keys bigint NOT NULL DEFAULT 0,
                CHECK (from_kek_id <> to_kek_id)
            );
            CREATE TABLE mlm_migration.erasures (
                erasure_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                legacy_id       text NOT NULL,
                member_id       bigint,
                kek_id          text,
                quarantine_rows integer NOT NULL,
                reason          text,
                erased_by       text NOT NULL DEFAULT current_user,
                erased_at       timestamptz NOT NULL DEFAULT now()
            );
            """),
        Migration(version: 4, description: "resumable and reversible runs: work directory of a run, rolled-back status", sql: """
            ALTER TABLE mlm_migration.runs ADD COLUMN work_id text;
            ALTER TABLE mlm_migration.runs DROP CONSTRAINT runs_status_check,
                ADD CONSTRAINT runs_status_check CHECK (status IN ('loading', 'loaded', 'reconciled', 'failed', 'rolled_back'));
            CREATE TABLE mlm_migration.rollbacks (
                rollback_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                run_id          bigint NOT NULL REFERENCES mlm_migration.runs,
                to_batch        integer NOT NULL,
                rows_removed    jsonb NOT NULL,
                rolled_back_by  text NOT NULL DEFAULT current_user,
                rolled_back_at  timestamptz NOT NULL DEFAULT now()
            );
            """),
        Migration(version: 5, description: "delta runs: PII record digests, prior images, kept members, ledger conflicts", sql: """
            ALTER TABLE mlm.member_pii ADD COLUMN pii_digest bytea CHECK (length(pii_digest) = 32);
            ALTER TABLE mlm_migration.runs ADD COLUMN delta boolean NOT NULL DEFAULT false;
            ALTER TABLE mlm_migration.batches DROP CONSTRAINT batches_kind_check,
                ADD CONSTRAINT batches_kind_check CHECK (kind IN ('rows', 'quarantine', 'updates')),
                ADD COLUMN rows_by_table jsonb;
            CREATE TABLE mlm_migration.prior_images (
                run_id          bigint NOT NULL REFERENCES mlm_migration.runs,
                batch_no        integer NOT NULL,
                table_name      text NOT NULL,
                row_key         text NOT NULL,
                image           jsonb NOT NULL,
                PRIMARY KEY (run_id, table_name, row_key)
            );
            CREATE TABLE mlm_migration.kept_members (
                run_id          bigint NOT NULL REFERENCES mlm_migration.runs,
                member_id       bigint NOT NULL,
                legacy_id       text NOT NULL,
                reason          text NOT NULL CHECK (reason IN ('gone_from_source', 'quarantined_in_source')),
                PRIMARY KEY (run_id, member_id)
            );
            CREATE TABLE mlm_migration.ledger_conflicts (
                run_id          bigint NOT NULL REFERENCES mlm_migration.runs,
                member_id       bigint NOT NULL,
                currency        text NOT NULL,
                seq             bigint,
                legacy_txn_id   text,
                problem         text NOT NULL,
                PRIMARY KEY (run_id, member_id, currency)
            );
            """),
        Migration(version: 6, description: "commission state: periods, orders, carry-forwards, ranks, rank history, legacy payouts, parallel runs", sql: """
            CREATE TABLE mlm.periods (
                period          text PRIMARY KEY,
                starts_at       timestamptz NOT NULL,
                ends_at         timestamptz NOT NULL CHECK (ends_at > starts_at),
                closed          boolean NOT NULL,
                volume_scale    smallint NOT NULL CHECK (volume_scale BETWEEN 0 AND 6),
                currency        text NOT NULL,
                run_id          bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no        integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer
            );
            CREATE TABLE mlm.orders (
                order_id        text PRIMARY KEY,
                member_id       bigint NOT NULL CONSTRAINT orders_member_id_fkey REFERENCES mlm.members,
                period          text REFERENCES mlm.periods,
                ordered_at      timestamptz NOT NULL,
                status          text NOT NULL,
                bv              bigint NOT NULL CHECK (bv >= 0),
                pv              bigint NOT NULL CHECK (pv >= 0),
                run_id          bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no        integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer
            );
            CREATE INDEX orders_period_member_idx ON mlm.orders (period, member_id);
            CREATE TABLE mlm.carry_forward (
                member_id       bigint NOT NULL CONSTRAINT carry_forward_member_id_fkey REFERENCES mlm.members,
                period          text NOT NULL REFERENCES mlm.periods,
                position        text NOT NULL CHECK (position IN ('opening', 'closing')),
                leg             text NOT NULL,
                volume          bigint NOT NULL CHECK (volume >= 0),
                run_id          bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no        integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer,
                PRIMARY KEY (member_id, period, position, leg)
            );
            CREATE TABLE mlm.ranks (
                rank            text PRIMARY KEY,
                name            text NOT NULL,
                sort_order      integer NOT NULL UNIQUE,
                run_id          bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no        integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer
            );
            CREATE TABLE mlm.rank_history (
                member_id       bigint NOT NULL CONSTRAINT rank_history_member_id_fkey REFERENCES mlm.members,
                achieved_at     timestamptz NOT NULL,
                rank            text NOT NULL REFERENCES mlm.ranks,
                previous_rank   text REFERENCES mlm.ranks,
                run_id          bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no        integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer,
                PRIMARY KEY (member_id, achieved_at, rank)
            );
            CREATE TABLE mlm.commission_payouts (
                member_id       bigint NOT NULL CONSTRAINT commission_payouts_member_id_fkey REFERENCES mlm.members,
                period          text NOT NULL REFERENCES mlm.periods,
                bonus_type      text NOT NULL,
                currency        text NOT NULL,
                amount_minor    bigint NOT NULL,
                run_id          bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no        integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer,
                PRIMARY KEY (member_id, period, bonus_type, currency)
            );
            -- The rank a member is paid as in a period: the last rank achieved before the period ends.
            CREATE VIEW mlm.paid_as_rank AS
                SELECT p.period, h.member_id, h.rank
                FROM mlm.periods p
                JOIN LATERAL (
                    SELECT DISTINCT ON (member_id) member_id, rank FROM mlm.rank_history
                    WHERE achieved_at < p.ends_at ORDER BY member_id, achieved_at DESC, rank
                ) h ON true;
            -- Each ranked member's current rank (the latest achieved) and highest rank (by sort_order).
            CREATE VIEW mlm.member_ranks AS
                SELECT member_id,
                       (array_agg(h.rank ORDER BY h.achieved_at DESC, h.rank))[1] AS current_rank,
                       (array_agg(h.rank ORDER BY r.sort_order DESC))[1] AS highest_rank
                FROM mlm.rank_history h JOIN mlm.ranks r USING (rank) GROUP BY member_id;
            CREATE TABLE mlm_migration.parallel_runs (
                parallel_run_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                run_id          bigint NOT NULL REFERENCES mlm_migration.runs,
                period          text NOT NULL REFERENCES mlm.periods,
                started_at      timestamptz NOT NULL DEFAULT now(),
                verdict         text CHECK (verdict IN ('match', 'mismatch')),
                totals          jsonb
            );
            CREATE TABLE mlm_migration.parallel_run (
                parallel_run_id bigint NOT NULL REFERENCES mlm_migration.parallel_runs,
                run_id          bigint NOT NULL REFERENCES mlm_migration.runs,
                period          text NOT NULL,
                member_id       bigint NOT NULL,
                bonus_type      text NOT NULL,
                legacy_minor    bigint,
                recomputed_minor bigint,
                difference_minor bigint NOT NULL,
                classification  text NOT NULL CHECK (classification IN ('legacy_figure', 'migration')),
                explanation     jsonb NOT NULL,
                PRIMARY KEY (parallel_run_id, member_id, bonus_type)
            );
            """),
        Migration(version: 7, description: "duplicate persons flagged for review: both registrations loaded", sql: """
            CREATE TABLE mlm_migration.duplicate_candidates (
                member_id       bigint NOT NULL CONSTRAINT duplicate_candidates_member_id_fkey REFERENCES mlm.members,
                duplicate_of_member_id bigint NOT NULL
                                CONSTRAINT duplicate_candidates_duplicate_of_fkey REFERENCES mlm.members,
                columns         text[] NOT NULL,
                score_percent   integer NOT NULL CHECK (score_percent BETWEEN 0 AND 100),
                run_id          bigint NOT NULL DEFAULT current_setting('mlm_migration.run_id')::bigint,
                batch_no        integer NOT NULL DEFAULT current_setting('mlm_migration.batch_no')::integer,
                PRIMARY KEY (member_id, duplicate_of_member_id)
            );
            """),
        Migration(version: 8, description: "watching a run: its planned batches and rows, batch size, resumes", sql: """
            ALTER TABLE mlm_migration.runs
                ADD COLUMN planned_batches integer,
                ADD COLUMN planned_rows    bigint,
                ADD COLUMN batch_size      integer,
                ADD COLUMN resumes         integer NOT NULL DEFAULT 0;
            """),
        Migration(version: 9, description: "every reconciliation of a run recorded apart; finished_at keeps the first", sql: """
            CREATE TABLE mlm_migration.reconciliations (
                reconciliation_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                run_id          bigint NOT NULL REFERENCES mlm_migration.runs ON DELETE CASCADE,
                reconciled_at   timestamptz NOT NULL DEFAULT now(),
                passed          boolean NOT NULL,
                report_sha256   text NOT NULL
            );
            INSERT INTO mlm_migration.reconciliations (run_id, reconciled_at, passed, report_sha256)
                SELECT run_id, finished_at, status = 'reconciled', encode(sha256(convert_to(report::text, 'UTF8')), 'hex')
                FROM mlm_migration.runs WHERE report IS NOT NULL AND finished_at IS NOT NULL;
            """),
        Migration(version: 10, description: "wallet entries name the other member of a transfer", sql: """
            ALTER TABLE mlm.wallet_entries ADD COLUMN counterparty_id bigint
                CONSTRAINT wallet_entries_counterparty_fkey REFERENCES mlm.members;
            """),
        Migration(version: 11, description: "exceptions register: every decision on an exception, history kept", sql: """
            CREATE TABLE mlm_migration.signoffs (
                signoff_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                exception_id    text NOT NULL CHECK (exception_id ~ '^EX-[0-9a-f]{16}$'),
                run_id          bigint NOT NULL REFERENCES mlm_migration.runs ON DELETE CASCADE,
                content_sha256  text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
                decision        text NOT NULL CHECK (decision IN ('accepted', 'fix_in_source', 'fix_in_target')),
                comment         text NOT NULL CHECK (comment <> ''),
                decided_by      text NOT NULL CHECK (decided_by <> ''),
                decided_at      timestamptz NOT NULL DEFAULT now(),
                file_sha256     text NOT NULL
            );
            CREATE INDEX signoffs_exception_idx ON mlm_migration.signoffs (exception_id, signoff_id);
            """),
    ]

    /// Foreign keys that a bulk load into an empty target drops and adds back after the last
    /// batch (declared with their tables in ``TargetTables``): PostgreSQL then validates each with
    /// one scan instead of a trigger call per row (the advice of "Populating a Database" in its
    /// manual, and what pgloader does).
    static var bulkLoadForeignKeys: [(table: String, name: String, definition: String)] {
        TargetTables.bulkLoadForeignKeys.map { ($0.table, $0.key.name, $0.key.definition) }
    }

    /// Drops the bulk-load foreign keys (no-op when absent).
    public static func dropBulkLoadForeignKeys(on connection: PostgresConnection) throws(MigrationError) {
        for table in Set(bulkLoadForeignKeys.map(\.table)).sorted() {
            let drops = bulkLoadForeignKeys.filter { $0.table == table }.map { "DROP CONSTRAINT IF EXISTS \($0.name)" }.joined(separator: ", ")
            try connection.execute("ALTER TABLE \(table) \(drops)", what: "dropping foreign keys for the bulk load")
        }
    }

    /// Adds back (and so validates) every bulk-load foreign key that is missing (of `only`, when
    /// given: key names).
    public static func restoreBulkLoadForeignKeys(on connection: PostgresConnection, only: Set<String>? = nil) throws(MigrationError) {
        let present = Set(try connection.query(
            "SELECT conname FROM pg_constraint WHERE connamespace IN ('mlm'::regnamespace, 'mlm_migration'::regnamespace) AND contype = 'f'"
        ).compactMap { $0[0] })
        let wanted = bulkLoadForeignKeys.filter { key in only.map { $0.contains(key.name) } ?? true }
        for table in Set(wanted.map(\.table)).sorted() {
            let adds = wanted.filter { $0.table == table && !present.contains($0.name) }.map { "ADD CONSTRAINT \($0.name) \($0.definition)" }
            guard !adds.isEmpty else { continue }
            try connection.execute("ALTER TABLE \(table) \(adds.joined(separator: ", "))", what: "adding back the foreign keys of \(table)")
        }
    }

    /// How many of `tables`' bulk-load foreign keys are in the target and validated: reconcile's
    /// `*.foreign_keys_enforced` checks.
    public static func enforcedForeignKeys(of tables: [TargetTable], on connection: PostgresConnection) throws(MigrationError) -> String {
        let names = tables.flatMap { $0.bulkLoadForeignKeys.map(\.name) }
        return try connection.scalar("""
            SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated AND conparentid = 0
               AND connamespace IN ('mlm'::regnamespace, 'mlm_migration'::regnamespace) AND conname = ANY($1::text[])
            """, ["{\(names.joined(separator: ","))}"], what: "checking the foreign keys") ?? "0"
    }

    /// Whether the target has the PII tables (schema migration 3), so keys can be rotated or destroyed.
    public static func holdsPII(_ connection: PostgresConnection) throws(MigrationError) -> Bool {
        try connection.scalar("SELECT to_regclass('mlm.data_keys') IS NOT NULL") == "t"
    }

    public static var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    /// Creates the schemas and applies every migration the target lacks, in one transaction,
    /// under an advisory lock so two runs cannot migrate at once. Re-running is a no-op.
    public static func apply(on connection: PostgresConnection) throws(MigrationError) -> [Int] {
        try connection.execute("""
            BEGIN;
            SELECT pg_advisory_xact_lock(hashtext('mlm_migration.schema'));
            CREATE SCHEMA IF NOT EXISTS mlm;
            CREATE SCHEMA IF NOT EXISTS mlm_migration;
            CREATE TABLE IF NOT EXISTS mlm_migration.schema_versions (
                version integer PRIMARY KEY,
                description text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """, what: "preparing the target schema")
        do throws(MigrationError) {
            let applied = Set(try connection.query("SELECT version FROM mlm_migration.schema_versions").compactMap { $0[0].flatMap { Int($0) } })
            if let newest = applied.max(), newest > latestVersion {
                throw MigrationError(.targetSchemaNewer, "the target's schema is version \(newest), newer than this mlm-migrate knows (\(latestVersion)); upgrade mlm-migrate")
            }
            var added: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                try connection.execute(migration.sql, what: "schema migration \(migration.version)")
                _ = try connection.query("INSERT INTO mlm_migration.schema_versions (version, description) VALUES ($1::integer, $2)", [String(migration.version), migration.description])
                added.append(migration.version)
            }
            try connection.execute("COMMIT")
            return added
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}

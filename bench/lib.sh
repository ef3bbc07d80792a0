# Shared by the benchmarks: a release build and a disposable PostgreSQL on a private socket.
# Sets: bin (release binaries), base (scratch directory, removed at exit), conn (libpq string
# without dbname). Needs: swift, PostgreSQL server binaries (scripts/setup.sh installs them).
# MLM_BIN_DIR=DIR uses the binaries there instead of a release build (the tests' tiny runs).
if [ -n "${MLM_BIN_DIR:-}" ]; then
  bin="$MLM_BIN_DIR"
else
  bash scripts/setup.sh
  swift build -c release >/dev/null
  bin="$(swift build -c release --show-bin-path)"
fi
base="$(mktemp -d /tmp/mlm-bench-XXXXXX)"
chmod 755 "$base"
pgbin="$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")")"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_pg() { as_pg "$pgbin/pg_ctl" -D "$base/pg/data" -m fast stop >/dev/null 2>&1 || true; }
trap 'stop_pg; rm -rf "$base"' EXIT
port=$(( 20000 + RANDOM % 20000 ))
mkdir -p "$base/pg"
[ "$(id -u)" -eq 0 ] && chown postgres "$base/pg"
as_pg "$pgbin/initdb" -D "$base/pg/data" -A trust -U postgres -E UTF8 --no-locale >/dev/null
as_pg "$pgbin/pg_ctl" -D "$base/pg/data" -o "-p $port -k $base/pg -c listen_addresses=''" -l "$base/pg/log" -w start >/dev/null
conn="host=$base/pg port=$port user=postgres"
# Vendor 1's mapping with max_quarantine_ratio 1: the generator always adds its seeded defect
# rows, which a run with few (or no) wallet entries would otherwise fail on as a share; the
# benchmarks time the pipeline, the tests check the share.
mapping="$base/vendor1-binaryplan.yaml"
{ cat mappings/vendor1-binaryplan.yaml; printf '\nmax_quarantine_ratio: 1\n'; } > "$mapping"
# Seconds elapsed since a `date +%s.%N` reading.
since() { awk "BEGIN{print $(date +%s.%N) - $1}"; }

# Every stage file the loader copies and its table, in its load order (TargetTables.loadSteps;
# TargetTablesTests checks this list against it, so a new table cannot be left out of the raw load).
raw_tables=(members:mlm.members id_map:mlm_migration.id_map quarantine:mlm_migration.quarantine
  duplicate_candidates:mlm_migration.duplicate_candidates data_keys:mlm.data_keys member_pii:mlm.member_pii
  wallets:mlm.wallets wallet_entries:mlm.wallet_entries ledger_quarantine:mlm_migration.quarantine
  periods:mlm.periods ranks:mlm.ranks orders:mlm.orders carry_forward:mlm.carry_forward
  rank_history:mlm.rank_history payouts:mlm.commission_payouts commission_quarantine:mlm_migration.quarantine)

# The psql arguments that \copy every row mlm-migrate loaded from work directory $1 (each of
# raw_tables' files there) into its table, and how many rows that is: sets raw_copies (an array)
# and raw_rows.
raw_copy_args() {
  local work=$1 name file
  raw_copies=()
  raw_rows=0
  for name in "${raw_tables[@]}"; do
    file="$work/transform/${name%%:*}.tsv"
    [ -f "$file" ] || continue
    raw_rows=$(( raw_rows + $(wc -l < "$file") - 1 ))
    # The stage file as it is: PostgreSQL 15 skips a text-format file's header line itself.
    raw_copies+=(-c "\\copy ${name#*:} ($(head -1 "$file" | tr '\t' ',')) from '$file' with (header true)")
  done
}

# The best raw load of a work directory's rows, in seconds on stdout: database $1 gets database
# $2's DDL, every foreign key of the mlm schemas is dropped, the rows mlm-migrate loaded
# (raw_copy_args) are copied with psql \copy, and the keys are added back, validated in one
# scan each: the loader's technique.
raw_best() {
  local db=$1 from=$2 work=$3
  pg_dump -s "$conn dbname=$from" | psql -q "$conn dbname=$db" >/dev/null
  local keys="FROM pg_constraint WHERE contype = 'f' AND conparentid = 0 AND connamespace IN ('mlm'::regnamespace, 'mlm_migration'::regnamespace)"
  psql -qAt "$conn dbname=$db" -c "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I;', conrelid::regclass, conname) $keys" > "$base/fk-drop.sql"
  psql -qAt "$conn dbname=$db" -c "SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s;', conrelid::regclass, conname, pg_get_constraintdef(oid)) $keys" > "$base/fk-add.sql"
  raw_copy_args "$work"
  local start
  start=$(date +%s.%N)
  PGOPTIONS="-c mlm_migration.run_id=1 -c mlm_migration.batch_no=1" psql -q -v ON_ERROR_STOP=1 "$conn dbname=$db" \
    -f "$base/fk-drop.sql" "${raw_copies[@]}" -f "$base/fk-add.sql" >/dev/null || return 1
  since "$start"
}

# The same rows as raw_best into database $1 (database $2's DDL) with every key and foreign key
# in place, so PostgreSQL checks each row's references as it comes: seconds on stdout. The
# baseline the benchmarks used before raw_best; slower, so it flatters a ratio.
raw_keyed() {
  local db=$1 from=$2 work=$3
  pg_dump -s "$conn dbname=$from" | psql -q "$conn dbname=$db" >/dev/null
  raw_copy_args "$work"
  local start
  start=$(date +%s.%N)
  PGOPTIONS="-c mlm_migration.run_id=1 -c mlm_migration.batch_no=1" psql -q -v ON_ERROR_STOP=1 "$conn dbname=$db" \
    "${raw_copies[@]}" >/dev/null || return 1
  since "$start"
}

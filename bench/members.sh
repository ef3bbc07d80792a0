#!/usr/bin/env bash
# Members pipeline vs. the speed of light, in one run on one PostgreSQL:
#   1. generate N vendor-1 members (CSV, cp1252, quoted fields, the usual defects);
#   2. time `mlm-migrate run` (extract, cleanse, transform, load, reconcile) into database A;
#   3. time a raw `psql \copy` of exactly the rows mlm-migrate loaded (transform/members.tsv,
#      and the encrypted PII: data_keys.tsv, member_pii.tsv) into database B, whose tables were
#      created from the same DDL (same keys, FKs, indexes);
#   4. print both times, the ratio, and mlm-migrate's peak memory.
# Usage: bench/members.sh [N]   (default 1000000). Needs: swift, PostgreSQL server binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
source bench/lib.sh
psql "$conn dbname=postgres" -qc "CREATE DATABASE pipeline" -c "CREATE DATABASE raw" -c "CREATE DATABASE rawfk"

echo "generating $N members..." >&2
"$bin/mlm-samples" --members "$N" --wallet-entries 0 --vendor vendor1 --out "$base/samples"
size=$(du -h "$base/samples/vendor1-binaryplan/members.csv" | cut -f1)

"$bin/mlm-migrate" keys generate --out "$base/bench.kek" >/dev/null

echo "running mlm-migrate (PII encrypted)..." >&2
start=$(date +%s.%N)
run_start=$start
/usr/bin/time -f "%M" -o "$base/rss" "$bin/mlm-migrate" run --source "$base/samples/vendor1-binaryplan" \
  --mapping "$mapping" --target "$conn dbname=pipeline" --work-dir "$base/work" --kek-file "$base/bench.kek" --no-progress --log-level info >"$base/run.out" 2>"$base/run.log"
pipeline=$(since "$start")
rows=$(($(wc -l < "$base/work/transform/members.tsv") - 1))

# Same DDL for the raw target, taken from what mlm-migrate created.
pg_dump -s "$conn dbname=pipeline" | psql -q "$conn dbname=raw" >/dev/null
for table in members data_keys member_pii; do tail -n +2 "$base/work/transform/$table.tsv" > "$base/$table.copy"; done
pii_columns=$(head -1 "$base/work/transform/member_pii.tsv" | tr '\t' ',')
key_columns=$(head -1 "$base/work/transform/data_keys.tsv" | tr '\t' ',')
copy_pii=(-c "\\copy mlm.data_keys ($key_columns) from '$base/data_keys.copy'" -c "\\copy mlm.member_pii ($pii_columns) from '$base/member_pii.copy'")
echo "running raw psql \\copy..." >&2
start=$(date +%s.%N)
PGOPTIONS="-c mlm_migration.run_id=1 -c mlm_migration.batch_no=1" psql -q "$conn dbname=raw" -c \
  "\\copy mlm.members (member_id, legacy_id, username, status, joined_at, sponsor_id, placement_id, placement_leg) from '$base/members.copy'" \
  "${copy_pii[@]}"
raw=$(since "$start")

# The same by hand with the bulk-load technique mlm-migrate uses: foreign keys dropped, rows
# copied, foreign keys added back (validated in one scan each).
pg_dump -s "$conn dbname=pipeline" | psql -q "$conn dbname=rawfk" >/dev/null
start=$(date +%s.%N)
PGOPTIONS="-c mlm_migration.run_id=1 -c mlm_migration.batch_no=1" psql -q "$conn dbname=rawfk" \
  -c "ALTER TABLE mlm.members DROP CONSTRAINT members_sponsor_id_fkey, DROP CONSTRAINT members_placement_id_fkey" \
  -c "ALTER TABLE mlm.data_keys DROP CONSTRAINT data_keys_member_id_fkey" \
  -c "ALTER TABLE mlm.member_pii DROP CONSTRAINT member_pii_member_id_fkey, DROP CONSTRAINT member_pii_key_id_fkey" \
  -c "\\copy mlm.members (member_id, legacy_id, username, status, joined_at, sponsor_id, placement_id, placement_leg) from '$base/members.copy'" \
  "${copy_pii[@]}" \
  -c "ALTER TABLE mlm.members ADD CONSTRAINT members_sponsor_id_fkey FOREIGN KEY (sponsor_id) REFERENCES mlm.members, ADD CONSTRAINT members_placement_id_fkey FOREIGN KEY (placement_id) REFERENCES mlm.members" \
  -c "ALTER TABLE mlm.data_keys ADD CONSTRAINT data_keys_member_id_fkey FOREIGN KEY (member_id) REFERENCES mlm.members" \
  -c "ALTER TABLE mlm.member_pii ADD CONSTRAINT member_pii_member_id_fkey FOREIGN KEY (member_id) REFERENCES mlm.members, ADD CONSTRAINT member_pii_key_id_fkey FOREIGN KEY (key_id) REFERENCES mlm.data_keys"
rawfk=$(since "$start")

printf 'members generated: %s (CSV %s), loaded: %s\n' "$N" "$size" "$rows"
grep -E '^(members|checks):' "$base/run.out"
# When each stage ended, from the log (second resolution), after the start time.
echo "  $(date -d "@${run_start%.*}" +%T) run started"
grep -E "extracted rows|cleansed members|transformed members|load finished|reconciled PII" "$base/run.log" \
  | sed -E 's/^[0-9-]+T([0-9:]+)[^ ]* [a-z]+ [^ ]+ (.*) \[MLMMigrate\] (.*)$/  \1 \3/' | uniq
printf 'mlm-migrate run:   %6.2f s  (peak RSS %d MiB)\n' "$pipeline" "$(( $(cat "$base/rss") / 1024 ))"
printf 'raw psql \\copy:    %6.2f s  (into the same table, foreign keys in place)\n' "$raw"
printf 'raw, FKs re-added: %6.2f s  (same table; FKs dropped, rows copied, FKs added back)\n' "$rawfk"
printf 'ratio:             %6.2f x  (mlm-migrate run / raw psql \\copy)\n' "$(awk "BEGIN{print $pipeline / $raw}")"
printf 'ratio, FKs re-added:%5.2f x\n' "$(awk "BEGIN{print $pipeline / $rawfk}")"

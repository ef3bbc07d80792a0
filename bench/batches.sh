#!/usr/bin/env bash
# Cost of committing in batches: the same `mlm-migrate run` of N vendor-1 members (PII
# encrypted) with --batch-size 10000 and as one batch per table, on one PostgreSQL, in one
# run of this script. Prints both times, the load stage's share, the overhead ratio, and both
# against the best raw load of the same rows (bench/lib.sh raw_best).
# Usage: bench/batches.sh [N] [BATCH]   (defaults 1000000 and 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
BATCH="${2:-10000}"
source bench/lib.sh
psql "$conn dbname=postgres" -qc "CREATE DATABASE batched" -c "CREATE DATABASE single" -c "CREATE DATABASE rawbest"
echo "generating $N members..." >&2
"$bin/mlm-samples" --members "$N" --wallet-entries 0 --vendor vendor1 --out "$base/samples"
"$bin/mlm-migrate" keys generate --out "$base/bench.kek" >/dev/null

# Seconds between two log lines' timestamps (second resolution).
stage() { local from to; from=$(grep -m1 "$2" "$1" | cut -c12-19); to=$(grep -m1 "$3" "$1" | cut -c12-19); echo $(( $(date -d "$to" +%s) - $(date -d "$from" +%s) )); }
run() {
  local db=$1 size=$2 start
  echo "running mlm-migrate --batch-size $size..." >&2
  start=$(date +%s.%N)
  "$bin/mlm-migrate" run --source "$base/samples/vendor1-binaryplan" --mapping "$mapping" \
    --target "$conn dbname=$db" --work-dir "$base/work-$db" --kek-file "$base/bench.kek" --batch-size "$size" \
    --no-progress --log-level info >"$base/$db.out" 2>"$base/$db.log"
  since "$start" > "$base/$db.time"
}
run batched "$BATCH"
run single $(( 4 * N ))
batched=$(cat "$base/batched.time"); single=$(cat "$base/single.time")
printf 'members: %s; checks: %s / %s\n' "$N" "$(grep '^checks' "$base/batched.out")" "$(grep '^checks' "$base/single.out")"
printf -- '--batch-size %-8s %7.2f s  (%s batches; load stage %s s)\n' "$BATCH" "$batched" \
  "$(psql -tAc 'SELECT count(*) FROM mlm_migration.batches' "$conn dbname=batched")" "$(stage "$base/batched.log" 'transformed members' 'load finished')"
printf -- 'one batch per table    %7.2f s  (%s batches; load stage %s s)\n' "$single" \
  "$(psql -tAc 'SELECT count(*) FROM mlm_migration.batches' "$conn dbname=single")" "$(stage "$base/single.log" 'transformed members' 'load finished')"
printf 'overhead ratio:        %7.2f x  (batched / one batch)\n' "$(awk "BEGIN{print $batched / $single}")"
best=$(raw_best rawbest batched "$base/work-batched")
printf 'best raw load:         %7.2f s  (same rows; FKs dropped, rows copied, FKs added back)\n' "$best"
printf 'ratio, best:           %7.2f x / %.2f x  (batched / best raw, one batch / best raw)\n' \
  "$(awk "BEGIN{print $batched / $best}")" "$(awk "BEGIN{print $single / $best}")"

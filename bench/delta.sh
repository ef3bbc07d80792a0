#!/usr/bin/env bash
# A delta run vs. the speed of light, in one run on one PostgreSQL:
#   1. generate N vendor-1 members with N wallet entries, and the later export of the same
#      system (`mlm-samples --later`: 5 % new members, status and PII changes, gone members,
#      later deposits);
#   2. load the first export into database A with `mlm-migrate run` (not timed);
#   3. time `mlm-migrate run --delta` of the later export into A;
#   4. time `mlm-migrate run` of the later export into the empty database B (a full reload);
#   5. time a raw `psql \copy` of the rows of the later export (members, id map, data keys,
#      PII, wallets, entries, as Transform made them) into database C with the same DDL, and
#      the best raw load of them (bench/lib.sh raw_best: foreign keys dropped and re-added);
#   6. print the times, the ratios against both, and the delta's counts.
# Usage: bench/delta.sh [N]   (default 1000000). Needs: swift, PostgreSQL server binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
source bench/lib.sh
psql "$conn dbname=postgres" -qc "CREATE DATABASE delta" -c "CREATE DATABASE reload" -c "CREATE DATABASE raw" -c "CREATE DATABASE rawbest"

echo "generating $N members, both exports..." >&2
"$bin/mlm-samples" --members "$N" --wallet-entries "$N" --vendor vendor1 --out "$base/first"
"$bin/mlm-samples" --members "$N" --wallet-entries "$N" --vendor vendor1 --out "$base/later" --later
"$bin/mlm-migrate" keys generate --out "$base/bench.kek" >/dev/null
common=(--mapping "$mapping" --kek-file "$base/bench.kek" --no-progress --log-level info)

echo "loading the first export..." >&2
"$bin/mlm-migrate" run --source "$base/first/vendor1-binaryplan" --target "$conn dbname=delta" --work-dir "$base/work-first" "${common[@]}" >/dev/null 2>&1

echo "running mlm-migrate run --delta..." >&2
start=$(date +%s.%N)
delta_start=$start
/usr/bin/time -f "%M" -o "$base/rss" "$bin/mlm-migrate" run --delta --source "$base/later/vendor1-binaryplan" --target "$conn dbname=delta" \
  --work-dir "$base/work-delta" --batch-size 10000 "${common[@]}" >"$base/delta.out" 2>"$base/delta.log"
delta=$(since "$start")

echo "running mlm-migrate run of the later export into an empty database..." >&2
start=$(date +%s.%N)
"$bin/mlm-migrate" run --source "$base/later/vendor1-binaryplan" --target "$conn dbname=reload" --work-dir "$base/work-reload" "${common[@]}" >"$base/reload.out" 2>&1
reload=$(since "$start")

echo "running raw psql \\copy of the later rows (foreign keys in place), then the best raw load..." >&2
raw=$(raw_keyed raw reload "$base/work-reload")
best=$(raw_best rawbest reload "$base/work-reload")

printf 'members: %s in the first export; the later one:\n' "$N"
grep -E '^(members|delta|checks)' "$base/delta.out"
echo "  $(date -d "@${delta_start%.*}" +%T) delta run started (each stage's end, from its log:)"
grep -E "extracted rows|cleansed members|transformed members|delta load finished|reconciled PII" "$base/delta.log" \
  | sed -E 's/^[0-9-]+T([0-9:]+)[^ ]* [a-z]+ [^ ]+ (.*) \[MLMMigrate\] (.*)$/  \1 \3/' | uniq
printf 'mlm-migrate run --delta:          %7.2f s  (peak RSS %d MiB)\n' "$delta" "$(( $(cat "$base/rss") / 1024 ))"
printf 'mlm-migrate run, full reload:     %7.2f s  (the later export into an empty database)\n' "$reload"
printf 'raw psql \\copy of the later rows: %7.2f s  (same DDL, keys and foreign keys in place)\n' "$raw"
printf 'best raw load of the later rows:  %7.2f s  (same rows; FKs dropped, rows copied, FKs added back)\n' "$best"
printf 'ratio, delta / raw:               %7.2f x\n' "$(awk "BEGIN{print $delta / $raw}")"
printf 'ratio, full reload / raw:         %7.2f x\n' "$(awk "BEGIN{print $reload / $raw}")"
printf 'ratio, best: delta / best raw:    %7.2f x\n' "$(awk "BEGIN{print $delta / $best}")"
printf 'ratio, best: reload / best raw:   %7.2f x  (the figure to watch)\n' "$(awk "BEGIN{print $reload / $best}")"

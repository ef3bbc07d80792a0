#!/usr/bin/env bash
# The parallel run at scale, in one run on one PostgreSQL:
#   1. generate N vendor-1 members with their closed period (orders, carries, payouts; no wallet
#      entries) and migrate them with `mlm-migrate run`;
#   2. time `mlm-migrate parallel-run` of that period (read the genealogy, the period's orders and
#      carries and the legacy payouts from the target, recompute, compare, store the differences);
#   3. time the speed of light for its reading: a raw `psql \copy ... TO` of exactly the rows it
#      reads (members, the period's orders, carries, payouts) into /dev/null;
#   4. print members per second, peak memory, and the ratio.
# Usage: bench/parallel-run.sh [N]   (default 1000000). Needs: swift, PostgreSQL server binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
PERIOD=2026-11
source bench/lib.sh
psql "$conn dbname=postgres" -qc "CREATE DATABASE pipeline"

echo "generating $N members with their closed period..." >&2
"$bin/mlm-samples" --members "$N" --wallet-entries 0 --vendor vendor1 --out "$base/samples" >/dev/null
"$bin/mlm-migrate" keys generate --out "$base/bench.kek" >/dev/null
echo "migrating them..." >&2
"$bin/mlm-migrate" run --source "$base/samples/vendor1-binaryplan" --mapping "$mapping" \
  --target "$conn dbname=pipeline" --work-dir "$base/work" --kek-file "$base/bench.kek" --no-progress >"$base/run.out" 2>"$base/run.log"
orders=$(psql -At "$conn dbname=pipeline" -c "SELECT count(*) FROM mlm.orders WHERE period = '$PERIOD'")

echo "running the parallel run..." >&2
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$base/rss" "$bin/mlm-migrate" parallel-run --period "$PERIOD" --target "$conn dbname=pipeline" \
  --work-dir "$base/work" --no-progress >"$base/parallel.out" 2>"$base/parallel.log" || [ $? -eq 1 ]
parallel=$(since "$start")

start=$(date +%s.%N)
psql -q "$conn dbname=pipeline" \
  -c "\\copy (SELECT member_id, legacy_id, sponsor_id, placement_id, placement_leg FROM mlm.members ORDER BY member_id) to '/dev/null'" \
  -c "\\copy (SELECT order_id, member_id, extract(epoch FROM ordered_at)::bigint, status, bv, pv FROM mlm.orders WHERE period = '$PERIOD' ORDER BY order_id) to '/dev/null'" \
  -c "\\copy (SELECT member_id, leg, volume, position FROM mlm.carry_forward WHERE period = '$PERIOD') to '/dev/null'" \
  -c "\\copy (SELECT member_id, bonus_type, currency, amount_minor FROM mlm.commission_payouts WHERE period = '$PERIOD' ORDER BY 1, 2, 3) to '/dev/null'"
raw=$(since "$start")

printf 'members: %s, orders in %s: %s\n' "$N" "$PERIOD" "$orders"
grep -E '^(binary|unilevel):|PARALLEL|parallel run:' "$base/parallel.out" || true
printf 'mlm-migrate parallel-run: %6.2f s  (%s members/s, peak RSS %d MiB)\n' "$parallel" \
  "$(awk "BEGIN{printf \"%d\", $N / $parallel}")" "$(( $(tail -n 1 "$base/rss") / 1024 ))"
printf 'raw psql \\copy of the rows it reads: %6.2f s\n' "$raw"
printf 'ratio: %6.2f x  (parallel-run / raw read of the same rows)\n' "$(awk "BEGIN{print $parallel / $raw}")"

#!/usr/bin/env bash
# Ledger pipeline vs. the speed of light, in one run on one PostgreSQL:
#   1. generate vendor 1 with M members and N wallet entries (CSV float text, Asia/Kolkata times);
#   2. time `mlm-migrate run` (all stages for members and ledger, reconcile with hash re-verification);
#   3. time a raw `psql \copy` of exactly the rows mlm-migrate loaded (members, wallets, entries)
#      into a second database with the same DDL (keys, FKs, checks);
#   4. print both times, the ratio, the stage times and mlm-migrate's peak memory.
# Usage: bench/ledger.sh [N] [M]   (default 10000000 entries, 100000 members).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000000}"
M="${2:-100000}"
source bench/lib.sh
psql "$conn dbname=postgres" -qc "CREATE DATABASE pipeline" -c "CREATE DATABASE raw" -c "CREATE DATABASE rawbest"

echo "generating $M members and $N wallet entries..." >&2
"$bin/mlm-samples" --members "$M" --wallet-entries "$N" --vendor vendor1 --out "$base/samples"
size=$(du -h "$base/samples/vendor1-binaryplan/wallet_transactions.csv" | cut -f1)

"$bin/mlm-migrate" keys generate --out "$base/bench.kek" >/dev/null
echo "running mlm-migrate..." >&2
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$base/rss" "$bin/mlm-migrate" run --source "$base/samples/vendor1-binaryplan" \
  --mapping "$mapping" --target "$conn dbname=pipeline" --work-dir "$base/work" \
  --kek-file "$base/bench.kek" --no-progress --log-level info >"$base/run.out" 2>"$base/run.log"
pipeline=$(since "$start")

pg_dump -s "$conn dbname=pipeline" | psql -q "$conn dbname=raw" >/dev/null
for table in members wallets wallet_entries; do tail -n +2 "$base/work/transform/$table.tsv" > "$base/$table.copy"; done
echo "running raw psql \\copy..." >&2
start=$(date +%s.%N)
PGOPTIONS="-c mlm_migration.run_id=1 -c mlm_migration.batch_no=1" psql -q "$conn dbname=raw" \
  -c "\\copy mlm.members (member_id, legacy_id, username, status, joined_at, sponsor_id, placement_id, placement_leg) from '$base/members.copy'" \
  -c "\\copy mlm.wallets (member_id, currency, balance_minor, entry_count, head_hash, merkle_root, legacy_balance_minor) from '$base/wallets.copy'" \
  -c "\\copy mlm.wallet_entries (member_id, currency, seq, legacy_txn_id, kind, amount_minor, occurred_at, balance_after_minor, entry_hash, counterparty_id) from '$base/wallet_entries.copy'"
raw=$(since "$start")
echo "running the best raw load (foreign keys dropped and re-added)..." >&2
best=$(raw_best rawbest pipeline "$base/work")

printf 'wallet entries generated: %s (CSV %s), members: %s\n' "$N" "$size" "$M"
grep -E '^(members|wallet_entries|wallet_balances|checks):' "$base/run.out"
# Stage times from the log's timestamps (one line per finished stage).
awk '/extracted rows|cleansed members|cleansed wallet entries|transformed members|transformed wallet entries|load finished|reconciled ledger/ {print "  " $1 "  " $0}' "$base/run.log" | cut -c1-160 | sed 's/\[MLMMigrate\].*//' || true
printf 'mlm-migrate run:   %7.2f s  (peak RSS %d MiB)\n' "$pipeline" "$(( $(cat "$base/rss") / 1024 ))"
printf 'raw psql \\copy:    %7.2f s  (same rows, same DDL with keys and foreign keys in place)\n' "$raw"
printf 'ratio:             %7.2f x  (mlm-migrate run / raw psql \\copy)\n' "$(awk "BEGIN{print $pipeline / $raw}")"
printf 'best raw load:     %7.2f s  (every row mlm-migrate loaded, PII included; FKs dropped, rows copied, FKs added back)\n' "$best"
printf 'ratio, best:       %7.2f x  (mlm-migrate run / best raw load: the figure to watch)\n' "$(awk "BEGIN{print $pipeline / $best}")"

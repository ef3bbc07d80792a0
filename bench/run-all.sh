#!/usr/bin/env bash
# The scale figures in one command, one table per size: vendor 1 with N members and about 10
# wallet entries each (PII encrypted under a fresh key), the whole `mlm-migrate run` (peak RSS
# by /usr/bin/time -v, the work directory's disk peak sampled with du, each stage's seconds
# from its log), against the best raw load of the same rows (bench/lib.sh raw_best), a raw
# load with the foreign keys in place (raw_keyed), and pgloader loading the export's members
# CSV into the same members table when it is installed (Debian package `pgloader`).
# Usage: bench/run-all.sh [--sizes 100000,1000000] [--with-5m] [--entry-partitions N]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=100000,1000000
partitions=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    --with-5m) sizes="$sizes,5000000"; shift ;;
    --entry-partitions) partitions=(--entry-partitions "$2"); shift 2 ;;
    *) echo "usage: bench/run-all.sh [--sizes N,M...] [--with-5m] [--entry-partitions N]" >&2; exit 2 ;;
  esac
done
source bench/lib.sh
"$bin/mlm-migrate" keys generate --out "$base/bench.kek" >/dev/null

# Seconds from the run's start to the last log line of each stage (the JSON log's times, UTC
# with milliseconds), the last stage ending with the process.
stage_seconds() {
  local log=$1 start=$2 end=$3
  awk -v start="$start" -v end="$end" '
    function secs(line,  t, p) {
      match(line, /"time":"[0-9-]+T[0-9:.]+/); t = substr(line, RSTART + 19, RLENGTH - 19)
      split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3]
    }
    /"message":"extracted rows/ { e = secs($0) } /"message":"cleansed / { c = secs($0) }
    /"message":"transformed / { t = secs($0) } /"message":"load finished/ { l = secs($0) }
    END {
      s = start - int(start / 86400) * 86400; f = end - int(end / 86400) * 86400
      printf "extract %.1f, cleanse %.1f, transform %.1f, load %.1f, reconcile %.1f", e - s, c - e, t - c, l - t, f - l
    }' "$log"
}

# pgloader loading members.csv as it is into mlm.members (same DDL): ids, username and status,
# no cleansing, genealogy or PII; rows it rejects go to its reject file. Seconds on stdout.
pgloader_members() {
  local db=$1 from=$2 csv=$3 start
  pg_dump -s "$conn dbname=$from" | psql -q "$conn dbname=$db" >/dev/null
  # pgloader does not take dotted settings: the run and batch columns' defaults come from the database.
  psql -q "$conn dbname=$db" -c "ALTER DATABASE $db SET mlm_migration.run_id = '1'" -c "ALTER DATABASE $db SET mlm_migration.batch_no = '1'"
  cat > "$base/members.load" <<LOAD
LOAD CSV FROM '$csv' WITH ENCODING windows-1252
  HAVING FIELDS (user_id, username, sponsor, placement_parent, leg, joined, status, full_name, email, phone,
                 notes, dob, address, tax_id, bank_iban, kyc_doc, kyc_status)
  INTO postgresql://postgres@unix:$base/pg:$port/$db
  TARGET TABLE mlm.members
  TARGET COLUMNS (member_id text using (identity user_id), legacy_id text using (identity user_id), username, status)
  WITH skip header = 1, fields optionally enclosed by '"', fields terminated by ','
  SET work_mem to '64MB';
LOAD
  start=$(date +%s.%N)
  (cd "$base" && pgloader --quiet --root-dir "$base/pgloader" "$base/members.load" >"$base/pgloader-$db.out" 2>&1) || return 1
  since "$start"
}

for N in ${sizes//,/ }; do
  entries=$(( 10 * N ))
  echo "size $N: generating $N members and $entries wallet entries..." >&2
  "$bin/mlm-samples" --members "$N" --wallet-entries "$entries" --vendor vendor1 --out "$base/s$N" >/dev/null
  psql "$conn dbname=postgres" -qc "CREATE DATABASE p$N" -c "CREATE DATABASE b$N" -c "CREATE DATABASE k$N" -c "CREATE DATABASE g$N"
  work="$base/work-$N"
  echo "size $N: running mlm-migrate run..." >&2
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$base/time-$N" "$bin/mlm-migrate" run --source "$base/s$N/vendor1-binaryplan" --mapping "$mapping" \
    --target "$conn dbname=p$N" --work-dir "$work" --kek-file "$base/bench.kek" --no-progress --log-level info --log-format json \
    "${partitions[@]}" >"$base/run-$N.out" 2>"$base/run-$N.log" &
  pid=$!
  disk=0
  while kill -0 "$pid" 2>/dev/null; do
    used=$(du -sk "$work" 2>/dev/null | cut -f1 || echo 0)
    [ "${used:-0}" -gt "$disk" ] && disk=$used
    sleep 0.5
  done
  wait "$pid" || { echo "mlm-migrate run failed at size $N:" >&2; tail -5 "$base/run-$N.log" >&2; exit 1; }
  end=$(date +%s.%N)
  # A run shorter than one sampling interval still has a figure: what it left on disk.
  used=$(du -sk "$work" | cut -f1)
  [ "$used" -gt "$disk" ] && disk=$used
  pipeline=$(awk "BEGIN{print $end - $start}")
  rss=$(awk -F': ' '/Maximum resident set size/ {print int($2 / 1024)}' "$base/time-$N")
  echo "size $N: best raw load, raw load with foreign keys in place..." >&2
  best=$(raw_best "b$N" "p$N" "$work")
  keyed=$(raw_keyed "k$N" "p$N" "$work")
  raw_copy_args "$work"
  rows=$raw_rows
  stages=$(stage_seconds "$base/run-$N.log" "$start" "$end")
  printf '\n## %s members, %s wallet entries generated\n\n' "$N" "$entries"
  grep -E '^(members|wallet_entries|checks):' "$base/run-$N.out" | sed 's/^/    /'
  printf '\n| figure | value |\n|---|---:|\n'
  printf '| mlm-migrate run (every stage, PII encrypted) | %.2f s |\n' "$pipeline"
  printf '| best raw load (FKs dropped, psql \\copy, FKs re-added) | %.2f s |\n' "$best"
  printf '| raw load, foreign keys in place | %.2f s |\n' "$keyed"
  printf '| ratio, run / best raw | %.2f x |\n' "$(awk "BEGIN{print $pipeline / $best}")"
  printf '| ratio, run / raw with FKs | %.2f x |\n' "$(awk "BEGIN{print $pipeline / $keyed}")"
  printf '| rows loaded (every table: members to commission state, quarantine included) | %d |\n' "$rows"
  printf '| rows per second, run | %.0f |\n' "$(awk "BEGIN{print $rows / $pipeline}")"
  printf '| rows per second, best raw | %.0f |\n' "$(awk "BEGIN{print $rows / $best}")"
  printf '| peak RSS | %d MiB |\n' "$rss"
  printf '| work directory, disk peak | %.1f MiB |\n' "$(awk "BEGIN{print $disk / 1024}")"
  printf '| stage seconds | %s |\n' "$stages"
  if command -v pgloader >/dev/null; then
    csv="$base/s$N/vendor1-binaryplan/members.csv"
    if loader=$(pgloader_members "g$N" "p$N" "$csv"); then
      loaded=$(psql -tAc 'SELECT count(*) FROM mlm.members' "$conn dbname=g$N")
      printf '| pgloader, members.csv into mlm.members (no cleansing, PII or genealogy) | %.2f s, %d rows, %.0f rows/s |\n' \
        "$loader" "$loaded" "$(awk "BEGIN{print $loaded / $loader}")"
    else
      printf '| pgloader, members.csv into mlm.members | failed: %s |\n' "$(tail -1 "$base/pgloader-g$N.out" | cut -c1-80)"
    fi
  else
    printf '| pgloader | not installed (apt-get install pgloader) |\n'
  fi
done

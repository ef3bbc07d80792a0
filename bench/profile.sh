#!/usr/bin/env bash
# Profile vs. one extract of the same export:
#   1. generate a vendor-1 export of N members and M wallet entries (CSV, cp1252, the defects);
#   2. time `mlm-migrate extract` of it (decode, encrypt PII, write stage files);
#   3. time `mlm-migrate profile` of it (two streaming passes, no stage files);
#   4. print both times, the ratio, and each one's peak memory (GNU time's maximum RSS).
# Usage: bench/profile.sh [N] [M]   (default 1000000 10000000). Needs: swift, /usr/bin/time.
# MLM_BIN_DIR=DIR uses the binaries there instead of a release build (the tests' tiny run).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
M="${2:-10000000}"
if [ -n "${MLM_BIN_DIR:-}" ]; then
  bin="$MLM_BIN_DIR"
else
  swift build -c release >/dev/null
  bin="$(swift build -c release --show-bin-path)"
fi
base="$(mktemp -d /tmp/mlm-bench-profile-XXXXXX)"
trap 'rm -rf "$base"' EXIT
since() { awk "BEGIN{print $(date +%s.%N) - $1}"; }

echo "generating $N members and $M wallet entries..." >&2
"$bin/mlm-samples" --members "$N" --wallet-entries "$M" --vendor vendor1 --out "$base/samples" >/dev/null
export_dir="$base/samples/vendor1-binaryplan"
size=$(du -sh "$export_dir" | cut -f1)
"$bin/mlm-migrate" keys generate --out "$base/bench.kek" >/dev/null

echo "running mlm-migrate extract..." >&2
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$base/extract.rss" "$bin/mlm-migrate" extract --source "$export_dir" \
  --mapping mappings/vendor1-binaryplan.yaml --work-dir "$base/work" --kek-file "$base/bench.kek" --no-progress >"$base/extract.out"
extract=$(since "$start")

echo "running mlm-migrate profile..." >&2
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$base/profile.rss" "$bin/mlm-migrate" profile --source "$export_dir" \
  --out "$base/profile" --draft-mapping "$base/profile/draft.yaml" >"$base/profile.out"
profile=$(since "$start")
"$bin/mlm-migrate" validate-mapping "$base/profile/draft.yaml" >/dev/null

rows=$(grep -o 'profiled [0-9]* table(s), [0-9]* rows' "$base/profile.out")
echo "export: $N members, $M wallet entries ($size); $rows"
printf 'extract: %.1f s, peak RSS %d MB\n' "$extract" "$(( $(cat "$base/extract.rss") / 1024 ))"
printf 'profile: %.1f s, peak RSS %d MB\n' "$profile" "$(( $(cat "$base/profile.rss") / 1024 ))"
awk -v p="$profile" -v e="$extract" 'BEGIN{printf "profile / extract: %.2f\n", p / e}'

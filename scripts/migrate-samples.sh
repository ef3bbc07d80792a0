#!/usr/bin/env bash
# Migrates both bundled samples, each into its own disposable local PostgreSQL (or into
# --target / the PG* environment when given), then applies each one's later export
# (samples/later) over it as a delta run, and prints where each report is. After each it runs the
# parallel run of the pay period that export closed (the later export closes the next one).
# The samples' PII is encrypted under a DEMO key-encryption key, mlm-keys/demo.kek (mode 0600,
# git-ignored), made on first use, unless MLM_MIGRATE_KEK or --kek-file gives one.
# Usage: scripts/migrate-samples.sh [extra mlm-migrate run options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -n "${MLM_BIN_DIR:-}" ]; then
  bin="$MLM_BIN_DIR/mlm-migrate"   # the test build's binary (DocRecipeTests), instead of a release build
else
  swift build -c release --product mlm-migrate >/dev/null
  bin="$(swift build -c release --show-bin-path)/mlm-migrate"
fi
key=()
if [ -z "${MLM_MIGRATE_KEK:-}" ] && [[ " $* " != *" --kek-file "* ]]; then
  if [ ! -f mlm-keys/demo.kek ]; then
    mkdir -p -m 700 mlm-keys
    "$bin" keys generate --out mlm-keys/demo.kek >/dev/null
    echo "created a demo key-encryption key, mlm-keys/demo.kek (mode 0600), for the synthetic samples only (runbooks/keys.md)"
  fi
  key=(--kek-file mlm-keys/demo.kek)
fi
# parallel-run takes --target (when given) but none of run's other options.
target=()
args=("$@")
for i in "${!args[@]}"; do
  if [ "${args[$i]}" = "--target" ]; then target=(--target "${args[$((i + 1))]}"); fi
done
status=0
for vendor in vendor1-binaryplan vendor2-mlmsoft; do
  echo "== $vendor"
  "$bin" run --source "samples/$vendor" --mapping "mappings/$vendor.yaml" --work-dir "mlm-work/$vendor" "${key[@]}" "$@" || status=$?
  # The samples' legacy payouts carry deliberately wrong figures (samples/expected/$vendor-parallel-run.tsv):
  # the parallel run must flag exactly those, so its exit code 1 is the expected outcome here.
  case $vendor in vendor1-binaryplan) period=2026-11 next=2026-12 ;; *) period=2026-11-16 next=2026-11-23 ;; esac
  echo "== $vendor: parallel run of the closed period $period (expected to flag the seeded legacy mistakes)"
  "$bin" parallel-run --period "$period" --work-dir "mlm-work/$vendor" "${target[@]}" | tail -n 3 || true
  echo "== $vendor: the later export (samples/later/$vendor) applied as a delta"
  "$bin" run --delta --source "samples/later/$vendor" --mapping "mappings/$vendor.yaml" --commission-period "$next" \
    --work-dir "mlm-work/$vendor" "${key[@]}" "$@" || status=$?
  echo "== $vendor: parallel run of the next period $next, which the later export closed (expected to flag its seeded mistakes)"
  "$bin" parallel-run --period "$next" --work-dir "mlm-work/$vendor" "${target[@]}" | tail -n 3 || true
done
exit $status

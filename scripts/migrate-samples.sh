#!/usr/bin/env bash
# Migrates both bundled samples, each into its own disposable local PostgreSQL (or into
# --target / the PG* environment when given), and prints where each report is.
# Usage: scripts/migrate-samples.sh [extra mlm-migrate run options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product mlm-migrate >/dev/null
bin="$(swift build -c release --show-bin-path)/mlm-migrate"
status=0
for vendor in vendor1-binaryplan vendor2-mlmsoft; do
  echo "== $vendor"
  "$bin" run --source "samples/$vendor" --mapping "mappings/$vendor.yaml" --work-dir "mlm-work/$vendor" "$@" || status=$?
done
exit $status

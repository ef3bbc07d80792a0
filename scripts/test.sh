#!/usr/bin/env bash
# The whole test suite: unit, integration (a real PostgreSQL the tests start themselves, or
# MLM_TEST_PG) and end-to-end runs of the built mlm-migrate on samples/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
swift test --skip-build --disable-xctest "$@"

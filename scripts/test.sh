#!/usr/bin/env bash
# The whole test suite: the unit tests (MLMMigrateTests, no database), then the integration and
# end-to-end tests (MLMMigrateIntegrationTests: a real PostgreSQL the tests start themselves, or
# MLM_TEST_PG, and runs of the built mlm-migrate on samples/). Extra arguments go to the second.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
swift test --disable-xctest --filter MLMMigrateTests
swift test --skip-build --disable-xctest --filter MLMMigrateIntegrationTests "$@"

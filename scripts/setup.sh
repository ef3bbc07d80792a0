#!/usr/bin/env bash
# Installs what mlm-migrate needs on a fresh Debian machine, when it is missing:
# the PostgreSQL server (for the embedded default and the tests), libpq and sqlite3 headers,
# libcrypto headers (libssl-dev), pkg-config, python3 with `cryptography` (the tests run the auditors' docs/verify-ledger.py and
# docs/verify-evidence.py) and chromium (the tests
# render report.html with scripts/report-screenshots.sh; about 20 s to install here). Safe to run
# again: it installs nothing that is already there.
set -euo pipefail

need=()
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
pkg-config --exists libpq 2>/dev/null || need+=(libpq-dev)
pkg-config --exists sqlite3 2>/dev/null || need+=(libsqlite3-dev)
pkg-config --exists libcrypto 2>/dev/null || need+=(libssl-dev)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql postgresql-client)
fi
id postgres >/dev/null 2>&1 || need+=(postgresql)

if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root (or sudo) to install ${need[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! python3 -c 'import cryptography' >/dev/null 2>&1; then
  echo "setup: installing the python3 package cryptography (docs/verify-evidence.py)" >&2
  python3 -m pip install -q cryptography >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-cryptography >/dev/null; }
fi

command -v swift >/dev/null 2>&1 || { echo "setup: swift is not on PATH (Swift 6.1 or newer is needed)" >&2; exit 1; }

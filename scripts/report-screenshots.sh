#!/usr/bin/env bash
# Renders a report.html with headless Chromium at desktop (1280 px) and phone (390 px) widths
# and saves OUT_DIR/report-desktop.png and OUT_DIR/report-phone.png (the top of the page: the
# verdict, the facts and the charts). Installs Debian's `chromium` (scripts/setup.sh) when missing.
#   bash scripts/report-screenshots.sh REPORT_HTML OUT_DIR
set -euo pipefail

if [ "$#" -ne 2 ]; then
  echo "usage: scripts/report-screenshots.sh REPORT_HTML OUT_DIR" >&2
  exit 2
fi
html="$1"
out="$2"
if [ ! -f "$html" ]; then
  echo "report-screenshots: no such file: $html" >&2
  exit 2
fi

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  bash "$(dirname "$0")/setup.sh"   # installs chromium with the project's other needs
  browser="$(command -v chromium)"
fi

mkdir -p "$out"
page="file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

# name width height: the phone's page is longer, its charts stacked in one column.
for shot in "desktop 1280 1700" "phone 390 3000"; do
  set -- $shot
  target="$out/report-$1.png"
  rm -f "$target"
  # --no-sandbox: Chromium refuses to run as root otherwise. Nothing is fetched: the page is
  # self-contained, and background networking is off.
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --mute-audio \
    --no-first-run --no-default-browser-check --disable-extensions --disable-background-networking \
    --force-device-scale-factor=1 --user-data-dir="$profile" \
    --window-size="$2,$3" --screenshot="$target" "$page" >/dev/null 2>&1 || true
  if [ ! -s "$target" ]; then
    echo "report-screenshots: chromium wrote no $target" >&2
    exit 1
  fi
  echo "$target"
done

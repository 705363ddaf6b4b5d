#!/usr/bin/env bash
# The desk's inbox of DESK_N cases (10,000) in headless Chromium (tests/browser/bench-inbox.mjs):
#   desk_inbox_ms     navigation to the last row in the DOM: the page started, the session
#                     opened, the inbox JSON fetched and rendered (one innerHTML of escaped rows)
#   static_inbox_ms   the same final HTML served as a static file by the same server, same run
#   desk_inbox_ratio  desk / static (goal: at most 1.5)
# Medians of DESK_ROUNDS alternating rounds. Prints "# skipped: ..." without chromium.
set -eu
cd "$(dirname "$0")/.."
: "${BUILD:=build}" "${DESK_N:=10000}" "${DESK_ROUNDS:=5}"
. tests/browser/setup.sh
if ! browser_setup; then echo "# desk inbox benchmark skipped: $BROWSER_WHY"; exit 0; fi
web=$BUILD/web
[ -f "$web/desk.js" ] || bash web/build.sh "$PWD/$web" >/dev/null
node tests/browser/bench-inbox.mjs "$web" "$DESK_N" "$DESK_ROUNDS"

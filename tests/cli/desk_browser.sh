#!/usr/bin/env bash
# The desk in headless Chromium (docs/desk.md, tests/browser/): the page against the
# contract's stand-in (page.mjs), then real desks over real nodes (desk.mjs). Screenshots
# (Arabic, Russian, English) are kept in $BUILD/test-artefacts/desk/.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/browser/setup.sh"
if ! browser_setup; then
	skip page "$BROWSER_WHY"
	skip desk "$BROWSER_WHY"
	exit 0
fi
web=$ROOT/$BUILD/web
if [ ! -f "$web/desk.js" ]; then
	web=$T_DIR/web
	bash "$ROOT/web/build.sh" "$web" >/dev/null 2>"$T_DIR/web.err" || { fail web_build "$(tail -n 3 "$T_DIR/web.err")"; exit 0; }
fi
art=$ROOT/$BUILD/test-artefacts/desk
mkdir -p "$art"
T_FILE=$T_FILE timeout 600 node "$ROOT/tests/browser/page.mjs" "$web" "$art/page" || true
if "$PARLEY" desk --help >/dev/null 2>&1; then
	T_FILE=$T_FILE ROOT=$ROOT TMPDIR=$T_DIR timeout 900 node "$ROOT/tests/browser/desk.mjs" "$art/desk" || true
else
	skip desk "this parley has no desk command yet"
fi

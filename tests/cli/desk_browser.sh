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
# run_js NAME CMD... — a node test program; its PASS/FAIL/SKIP lines pass through, and a
# program that dies without saying FAIL (a crash, the timeout) is a FAIL too.
run_js() {
	local name=$1 rc; shift
	"$@" >"$T_DIR/$name.out"
	rc=$?
	cat "$T_DIR/$name.out"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$T_DIR/$name.out"; then fail "$name" "exited with status $rc"; fi
}
export T_FILE
run_js page timeout 600 node "$ROOT/tests/browser/page.mjs" "$web" "$art/page"
if ! "$PARLEY" desk --help >/dev/null 2>&1; then
	skip desk "this parley has no desk command yet"
	exit 0
fi

# Real desks: two nodes and a witness on loopback, a desk for us.doj and one for ru.gp.
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR K=$T_DIR/ch/keys
make_channel "$D/ch" || { fail setup "make_channel"; exit 0; }
"$PARLEY" node init "$D/us" --charter "$D/ch/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$D/ch/charter" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$D/ch/charter" --key "$K/witness.key" 2>/dev/null ||
	{ fail setup "node init"; exit 0; }
start_node "$D/us" us && start_node "$D/ru" ru && start_witness "$D/w" || { fail setup "nodes"; exit 0; }
# start_desk NAME KEY NODE — sets DESK_URL to the desk's start URL
start_desk() {
	local name=$1 line i
	"$PARLEY" desk --key "$2" --node "$3" --dir "$D/$name" >"$D/$name.out" 2>"$D/$name.err" &
	NODE_PIDS+=($!)
	for i in $(seq 100); do
		line=$(grep -m1 '^desk: ' "$D/$name.out" 2>/dev/null) && break
		sleep 0.1
	done
	case $line in "desk: http://127.0.0.1:"*/start#*) DESK_URL=${line#desk: } ;; *) return 1 ;; esac
}
start_desk doj "$K/us.doj.key" "$(url_of us)" || { fail setup "desk us.doj: $(cat "$D/doj.err")"; exit 0; }
DOJ=$DESK_URL
start_desk gp "$K/ru.gp.key" "$(url_of ru)" || { fail setup "desk ru.gp: $(cat "$D/gp.err")"; exit 0; }
GP=$DESK_URL
export DOJ_URL=$DOJ GP_URL=$GP CHARTER=$D/ch/charter PARLEY WORK=$D
run_js desk timeout 900 node "$ROOT/tests/browser/desk.mjs" "$art/desk"

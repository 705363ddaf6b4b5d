#!/usr/bin/env bash
# The desk's session ends (docs/desk.md "The session's life"): after --session-idle seconds
# without an API request, and --session-max seconds after it opened however busy. Then the
# session's cookie answers 401 with a JSON error saying so, on the API, and the page (/) says
# it too; the desk prints a new start link on stdout (also when nobody asks: desk_tick),
# which opens a new session once; the old link stays spent. A request refused for its missing
# CSRF token does not keep the session alive. The flags' values are checked.
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
K=$D/ch/keys
US=$(url_of us)
cleanup() { cleanup_nodes; rm -rf "$T_DIR"; }
trap cleanup EXIT

if ! command -v jq >/dev/null; then
	skip desk_session "jq is not installed"
	exit 0
fi

# --- the flags ---
for bad in 0 -1 1x '' 2592001 99999999999999999999; do
	expect "flag-idle-'$bad'" 2 "--session-idle '$bad' must be a number of seconds" \
		"$PARLEY" desk --key /nonexistent --node http://127.0.0.1:1 --session-idle "$bad"
done
expect flag-max-bad 2 "--session-max 'x' must be a number of seconds" \
	"$PARLEY" desk --key /nonexistent --node http://127.0.0.1:1 --session-max x
expect flag-help 0 "" "$PARLEY" desk --help
grep -q -- "--session-idle" "$T_OUT" && grep -q -- "--session-max" "$T_OUT" && pass flag-help-text ||
	fail flag-help-text "$(cat "$T_OUT")"

make_channel "$D/ch" || { fail setup "make_channel"; exit 1; }
"$PARLEY" node init "$D/us" --charter "$D/ch/charter" --key "$K/us-node.key" 2>/dev/null ||
	{ fail setup "init"; exit 1; }
start_node "$D/us" us || { fail setup "node"; exit 1; }

# start_desk NAME [args] — us.doj's desk; NAME_URL, NAME_SECRET from its first start link
start_desk() {
	local name=$1 line i; shift
	"$PARLEY" desk --key "$K/us.doj.key" --node "$US" "$@" >"$D/$name.out" 2>"$D/$name.err" &
	NODE_PIDS+=($!)
	for i in $(seq 100); do
		line=$(grep -m1 '^desk: ' "$D/$name.out" 2>/dev/null) && break
		sleep 0.1
	done
	case $line in "desk: http://127.0.0.1:"*/start#*) ;; *) return 1 ;; esac
	line=${line#desk: }
	eval "${name}_URL=${line%%/start#*}"
	eval "${name}_SECRET=${line#*/start#}"
}
# links NAME — how many start links the desk printed
links() { grep -c '^desk: http' "$D/$1.out"; }
# last_secret NAME — the secret of the last start link printed
last_secret() { grep '^desk: http' "$D/$1.out" | tail -1 | sed 's/.*\/start#//'; }
# req NAME METHOD PATH [curl args] — status on stdout, body in $D/body (cookie jar $D/NAME.jar)
req() {
	local name=$1 method=$2 path=$3 url; shift 3
	eval "url=\$${name}_URL"
	curl -s -o "$D/body" -D "$D/headers" -w '%{http_code}' -b "$D/$name.jar" -c "$D/$name.jar" -X "$method" "$@" "$url$path"
}
# open_session NAME SECRET — POST /api/start; sets CODE (the status) and, when it opened, NAME_CSRF
open_session() {
	local name=$1
	printf '{"secret":"%s"}' "$2" >"$D/secret.json"
	CODE=$(req "$name" POST /api/start -H 'Content-Type: application/json' --data-binary @"$D/secret.json")
	[ "$CODE" = 200 ] && eval "${name}_CSRF=$(jq -r '.csrf' "$D/body")"
	return 0
}
api() { local name=$1 csrf; eval "csrf=\$${name}_CSRF"; req "$1" "$2" "$3" -H "X-Parley-CSRF: $csrf"; }
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "status $3, expected $2: $(head -c 300 "$D/body")"; fi; }
jcheck() { local name=$1; shift; if jq -e "$@" "$D/body" >/dev/null 2>&1; then pass "$name"; else fail "$name" "$(head -c 400 "$D/body")"; fi; }

# --- idle: 3 s without a request ---
start_desk IDLE --session-idle 3 || { fail setup "desk: $(cat "$D/IDLE.err")"; exit 1; }
open_session IDLE "$IDLE_SECRET"; check idle-start 200 "$CODE"
check idle-used 200 "$(api IDLE GET /api/session)"
sleep 2
check idle-used-again 200 "$(api IDLE GET /api/session)" # within 3 s of the last: the idle time starts again
sleep 2
check idle-still-open 200 "$(api IDLE GET /api/session)" # 4 s after opening, 2 s after the last request
# the cookie without the token is refused (403) and does not count as use
for _ in 1 2 3 4; do req IDLE GET /api/inbox >/dev/null; sleep 1; done
check idle-ended-401 401 "$(api IDLE GET /api/session)"
jcheck idle-ended-json '.session == "ended" and .reason == "idle" and (.error | test("session ended")) and (.error | test("new start link"))'
grep -qi '^Content-Type: application/json' "$D/headers" && grep -qi '^Content-Security-Policy:' "$D/headers" &&
	pass idle-ended-headers || fail idle-ended-headers "$(cat "$D/headers")"
check idle-ended-post-401 401 "$(req IDLE POST /api/send -H "X-Parley-CSRF: $IDLE_CSRF" -H 'Content-Type: application/json' --data '{}')"
check idle-ended-page-401 401 "$(req IDLE GET /)"
grep -q 'src="/desk.js"' "$D/body" && pass idle-ended-page-is-the-app || fail idle-ended-page-is-the-app "$(head -c 300 "$D/body")"
check idle-ended-other-path-401 401 "$(req IDLE GET /inbox)"
grep -q "session has ended" "$D/body" && grep -q "new start link" "$D/body" && pass idle-ended-page-says-so ||
	fail idle-ended-page-says-so "$(head -c 300 "$D/body")"
# a cookie the desk never gave is still "no session" (403), not "ended"
check idle-other-cookie-403 403 "$(curl -s -o "$D/body" -w '%{http_code}' -H "X-Parley-CSRF: $IDLE_CSRF" \
	-b "parley_desk_${IDLE_URL##*:}=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$IDLE_URL/api/session")"
# the desk printed a new link, and said why on stderr
[ "$(links IDLE)" = 2 ] && pass idle-new-link-printed || fail idle-new-link-printed "$(cat "$D/IDLE.out")"
grep -q "session ended (no request for --session-idle)" "$D/IDLE.err" && pass idle-stderr-says-why ||
	fail idle-stderr-says-why "$(cat "$D/IDLE.err")"
NEW=$(last_secret IDLE)
[ "$NEW" != "$IDLE_SECRET" ] && [ ${#NEW} = 43 ] && pass idle-new-secret || fail idle-new-secret "$NEW"
open_session IDLE "$IDLE_SECRET"; check idle-old-link-spent 403 "$CODE"
open_session IDLE "$NEW"; check idle-new-link-opens 200 "$CODE"
check idle-new-session-works 200 "$(api IDLE GET /api/session)"
open_session IDLE "$NEW"; check idle-new-link-once 403 "$CODE"

# --- ended with nobody asking: the desk's tick prints the new link on its own ---
n0=$(links IDLE)
check tick-session 200 "$(api IDLE GET /api/session)"
sleep 1.5
[ "$(links IDLE)" = "$n0" ] && pass tick-not-before-idle || fail tick-not-before-idle "$(cat "$D/IDLE.out")"
for _ in $(seq 50); do [ "$(links IDLE)" -gt "$n0" ] && break; sleep 0.1; done
[ "$(links IDLE)" -gt "$n0" ] && pass tick-prints-new-link || fail tick-prints-new-link "$(cat "$D/IDLE.out")"
check tick-ended-401 401 "$(api IDLE GET /api/session)"

# --- max: 4 s after opening, however busy ---
start_desk MAX --session-idle 100 --session-max 4 || { fail setup "desk: $(cat "$D/MAX.err")"; exit 1; }
open_session MAX "$MAX_SECRET"; check max-start 200 "$CODE"
ok=1
for _ in 1 2 3; do [ "$(api MAX GET /api/session)" = 200 ] || ok=0; sleep 1; done
[ $ok = 1 ] && pass max-busy-open || fail max-busy-open "$(head -c 300 "$D/body")"
sleep 1.5
check max-ended-401 401 "$(api MAX GET /api/session)"
jcheck max-ended-json '.session == "ended" and .reason == "max" and (.error | test("--session-max"))'
grep -q "session ended (it reached --session-max)" "$D/MAX.err" && pass max-stderr-says-why ||
	fail max-stderr-says-why "$(cat "$D/MAX.err")"

# --- in the browser: the page says the session ended and where the new link is ---
. "$ROOT/tests/browser/setup.sh"
if browser_setup; then
	T_FILE=desk_session.sh PARLEY=$PARLEY KEY=$K/us.doj.key NODE=$US timeout 300 node "$ROOT/tests/browser/desk-session.mjs" >"$D/browser.out" 2>"$D/browser.err"
	rc=$?
	cat "$D/browser.out"
	[ $rc -eq 0 ] || grep -q '^FAIL ' "$D/browser.out" || fail browser "exited with status $rc: $(tail -c 300 "$D/browser.err")"
else
	skip browser "$BROWSER_WHY"
fi

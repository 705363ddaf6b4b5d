#!/usr/bin/env bash
# The desk on an aid-crossing channel (docs/desk.md "Aid-crossing", docs/profile-aid-crossing.md),
# driven with curl, the path the page takes: un.ocha's desk sends a consignment as a notice
# (profile and type filled in from the charter), un.unmm's an inspection referring to it,
# sy.mofa's sees it in its inbox with the shipment as its title and acknowledges it; the
# sealed envelopes carry the aid lines derived from the bodies; refusals come back in words
# and send nothing.
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
. "$ROOT/tests/aid_fixture.sh"
D=$T_DIR A=$ROOT/tests/data/aid-crossing/valid K=$T_DIR/ch/keys
UN=$(url_of us) SY=$(url_of ru)
cleanup() { cleanup_nodes; rm -rf "$T_DIR"; }
trap cleanup EXIT
make_aid_channel "$D/ch" || { fail setup "make_aid_channel"; exit 1; }
"$PARLEY" node init "$D/un" --charter "$D/ch/charter" --key "$K/un-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/sy" --charter "$D/ch/charter" --key "$K/sy-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$D/ch/charter" --key "$K/witness.key" 2>/dev/null ||
	{ fail setup "init"; exit 1; }
start_node "$D/un" us && start_node "$D/sy" ru && start_witness "$D/w" || { fail setup "nodes"; exit 1; }

# start_desk NAME KEY NODE — runs `parley desk`, opens its session: NAME_URL, NAME_CSRF, cookie jar $D/NAME.jar
start_desk() {
	local name=$1 key=$2 node=$3 line i url
	"$PARLEY" desk --key "$key" --node "$node" >"$D/$name.out" 2>"$D/$name.err" &
	NODE_PIDS+=($!)
	for i in $(seq 100); do
		line=$(grep -m1 '^desk: ' "$D/$name.out" 2>/dev/null) && break
		sleep 0.1
	done
	case $line in "desk: http://127.0.0.1:"*/start#*) ;; *) return 1 ;; esac
	line=${line#desk: }
	url=${line%%/start#*}
	printf '{"secret":"%s"}' "${line#*/start#}" >"$D/$name.secret"
	curl -s -o "$D/body" -c "$D/$name.jar" -H 'Content-Type: application/json' --data-binary @"$D/$name.secret" "$url/api/start" &&
		eval "${name}_URL=$url ${name}_CSRF=$(jq -r .csrf "$D/body")"
}
# api DESK METHOD PATH [JSON-FILE] — status on stdout, body in $D/body
api() {
	local desk=$1 method=$2 path=$3 url csrf
	eval "url=\$${desk}_URL csrf=\$${desk}_CSRF"
	curl -s -o "$D/body" -w '%{http_code}' -b "$D/$desk.jar" -X "$method" -H "X-Parley-CSRF: $csrf" \
		${4:+-H 'Content-Type: application/json' --data-binary @"$4"} "$url$path"
}
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "status $3, expected $2: $(head -c 300 "$D/body")"; fi; }
jcheck() { # jcheck NAME [jq args...] FILTER
	local name=$1; shift
	if jq -e "$@" "$D/body" >/dev/null 2>&1; then pass "$name"; else fail "$name" "$(head -c 400 "$D/body")"; fi
}
# until NAME DESK PATH FILTER — polls (~20 s) until the desk's JSON at PATH passes FILTER
until_json() {
	local name=$1 desk=$2 path=$3 f=$4 i
	for i in $(seq 100); do
		api "$desk" GET "$path" >/dev/null
		jq -e "$f" "$D/body" >/dev/null 2>&1 && { pass "$name"; return 0; }
		sleep 0.2
	done
	fail "$name" "$(head -c 400 "$D/body")"
	return 1
}

start_desk OCHA "$K/un.ocha.key" "$UN" && start_desk UNMM "$K/un.unmm.key" "$UN" && start_desk MOFA "$K/sy.mofa.key" "$SY" ||
	{ fail setup "desks: $(cat "$D"/*.err)"; exit 1; }
check session 200 "$(api OCHA GET /api/session)"
jcheck session-profiles '.profiles == ["aid-crossing"] and .agency == "un.ocha"'
check schema-consignment 200 "$(api OCHA GET /api/schema/aid-crossing/consignment)"
jcheck schema-consignment-json '.properties.trucks.type == "array"'
check template-consignment 200 "$(api OCHA GET '/api/template/consignment?profile=aid-crossing')"
jcheck template-consignment-json '.type == "consignment" and .profile == "aid-crossing"'

# --- refusals, in words, nothing sent ---
size0=$(log_size "$UN")
aid_body "$A/consignment-wfp.json" $((3 * 86400)) | jq 'del(.profile, .type, .trucks)' >"$D/c-bad.json"
jq -n --slurpfile b "$D/c-bad.json" '{kind: "notice", to: ["sy.mofa", "un.unmm"], body: $b[0]}' >"$D/req.json"
check consignment-without-trucks 422 "$(api OCHA POST /api/send "$D/req.json")"
jcheck consignment-without-trucks-says '.error | test("trucks")'
jq -n --slurpfile b "$A/ack.json" '{kind: "request", to: ["sy.mofa"], body: $b[0]}' >"$D/req.json"
check request-refused 422 "$(api OCHA POST /api/send "$D/req.json")"
jcheck request-refused-says '.error | test("request")'
[ "$(log_size "$UN")" = "$size0" ] && pass refused-nothing-sent || fail refused-nothing-sent

# --- the consignment: a notice; profile and type filled in by the desk ---
aid_body "$A/consignment-wfp.json" $((3 * 86400)) | jq 'del(.profile, .type)' >"$D/c.json"
jq -n --slurpfile b "$D/c.json" '{kind: "notice", to: ["sy.mofa", "un.unmm"], body: $b[0]}' >"$D/req.json"
check send-consignment 200 "$(api OCHA POST /api/send "$D/req.json")"
jcheck send-consignment-answer '(.case | test("^un.ocha/[0-9]{4}-0001$")) and .party == "un"'
CASE=$(jq -r .case "$D/body") REF=$(jq -r '.party + "/" + (.index | tostring)' "$D/body")
trucks=$(jq '.trucks | length' "$D/c.json")
"$PARLEY" show "$CASE" --key "$K/un.ocha.key" --node "$UN" --json >"$D/body" 2>/dev/null
jcheck consignment-aid-line --argjson n "$trucks" \
	'.envelopes[0].kind == "notice" and .envelopes[0].aid.type == "consignment" and .envelopes[0].aid.trucks == $n and .envelopes[0].aid.notice_on_time == true'

# --- the inspection: un.unmm's update, its type named; without one it is refused in words ---
until_json unmm-sees-consignment UNMM /api/inbox "[.items[] | select(.case == \"$CASE\")] | length > 0"
jq 'del(.profile, .type)' "$A/inspection-partial.json" >"$D/i.json"
jq -n --slurpfile b "$D/i.json" --arg c "$CASE" --arg r "$REF" '{kind: "update", case: $c, ref: $r, body: $b[0]}' >"$D/req.json"
check update-without-type 422 "$(api UNMM POST /api/send "$D/req.json")"
jcheck update-without-type-says '.error | test("inspection")'
jq -n --slurpfile b "$A/inspection-partial.json" --arg c "$CASE" --arg r "$REF" \
	'{kind: "update", to: ["un.ocha", "sy.mofa"], case: $c, ref: $r, body: $b[0]}' >"$D/req.json"
check send-inspection 200 "$(api UNMM POST /api/send "$D/req.json")"
"$PARLEY" show "$CASE" --key "$K/un.unmm.key" --node "$UN" --json >"$D/body" 2>/dev/null
jcheck inspection-aid-line '[.envelopes[] | select(.aid.type == "inspection" and .aid.result == "partial" and .aid.trucks == 13)] | length == 1'

# --- sy.mofa: the consignment in its inbox, titled by its shipment, then its ack ---
until_json mofa-inbox-title MOFA /api/inbox \
	"[.items[] | select(.case == \"$CASE\" and .kind == \"notice\" and (.title | test(\"^BAH-2021-0001 · \")))] | length == 1"
until_json mofa-case-inspection MOFA "/api/case/$CASE" '[.envelopes[] | select(.body.type == "inspection")] | length == 1'
jq -n --slurpfile b "$A/ack.json" --arg c "$CASE" --arg r "$REF" '{kind: "ack", case: $c, ref: $r, body: $b[0]}' >"$D/req.json"
check send-ack 200 "$(api MOFA POST /api/send "$D/req.json")"
jcheck send-ack-answer '.party == "sy"'
until_json ocha-case-acked OCHA "/api/case/$CASE" \
	'[.envelopes[] | select(.kind == "ack" and .from == "sy.mofa" and .body.type == "ack")] | length == 1'
# an urgent consignment: the envelope's priority follows the body's emergency_reason
aid_body "$A/consignment-emergency.json" $((30 * 3600)) | jq 'del(.profile, .type)' >"$D/ce.json"
jq -n --slurpfile b "$D/ce.json" '{kind: "notice", to: ["sy.mofa", "un.unmm"], body: $b[0]}' >"$D/req.json"
check send-emergency 200 "$(api OCHA POST /api/send "$D/req.json")"
C2=$(jq -r .case "$D/body")
"$PARLEY" show "$C2" --key "$K/un.ocha.key" --node "$UN" --json >"$D/body" 2>/dev/null
jcheck emergency-urgent '.envelopes[0].urgent == true'

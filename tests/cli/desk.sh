#!/usr/bin/env bash
# The desk (docs/desk.md) against two live nodes and a witness on loopback, driven with
# curl: the start secret, the session, CSRF and Origin, the headers, strict requests,
# and a case from us.doj's desk to ru.gp's and back, with its receipt verified.
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
V=$ROOT/tests/data/cyber-mla/valid
STIX=$ROOT/tests/data/stix/valid/ransomware-notice.json
US=$(url_of us) RU=$(url_of ru)
K=$D/ch/keys
cleanup() { cleanup_nodes; rm -rf "$T_DIR"; }
trap cleanup EXIT

make_channel "$D/ch" || { fail setup "make_channel"; exit 1; }
"$PARLEY" node init "$D/us" --charter "$D/ch/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$D/ch/charter" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$D/ch/charter" --key "$K/witness.key" 2>/dev/null ||
	{ fail setup "init"; exit 1; }
start_node "$D/us" us && start_node "$D/ru" ru && start_witness "$D/w" || { fail setup "nodes"; exit 1; }

# start_desk NAME KEY NODE [args] — runs `parley desk`; sets NAME_URL (http://127.0.0.1:PORT) and NAME_SECRET
start_desk() {
	local name=$1 key=$2 node=$3 line i; shift 3
	"$PARLEY" desk --key "$key" --node "$node" "$@" >"$D/$name.out" 2>"$D/$name.err" &
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
# req DESK METHOD PATH [curl args] — status on stdout, body in $D/body, headers in $D/headers (cookie jar $D/DESK.jar)
req() {
	local desk=$1 method=$2 path=$3 url; shift 3
	eval "url=\$${desk}_URL"
	curl -s -o "$D/body" -D "$D/headers" -w '%{http_code}' -b "$D/$desk.jar" -c "$D/$desk.jar" -X "$method" "$@" "$url$path"
}
# api DESK METHOD PATH [JSON-FILE] — with the session's CSRF token and JSON content type
api() {
	local desk=$1 method=$2 path=$3 csrf
	eval "csrf=\${${desk}_CSRF:-}"
	if [ -n "${4:-}" ]; then
		req "$desk" "$method" "$path" -H "X-Parley-CSRF: $csrf" -H 'Content-Type: application/json' --data-binary @"$4"
	else
		req "$desk" "$method" "$path" -H "X-Parley-CSRF: $csrf"
	fi
}
# check NAME WANT GOT — compare a status
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "status $3, expected $2: $(head -c 300 "$D/body")"; fi; }
jcheck() { # jcheck NAME [jq args...] FILTER
	local name=$1; shift
	if jq -e "$@" "$D/body" >/dev/null 2>&1; then pass "$name"; else fail "$name" "$(head -c 400 "$D/body")"; fi
}

# converge NAME DESK PATH DESK-FILTER CLI-FILTER CMD... — the desk's JSON at PATH and CMD's output agree
# (after the filters), within ~15 s: delivery and cosignatures move on between two reads, then settle
converge() {
	local name=$1 desk=$2 path=$3 fd=$4 fc=$5 i; shift 5
	for i in $(seq 30); do
		api "$desk" GET "$path" >/dev/null
		"$@" >"$D/cli.json" 2>/dev/null
		if diff <(jq -S "$fd" "$D/body") <(jq -S "$fc" "$D/cli.json") >"$D/diff" 2>&1; then
			pass "$name"
			return 0
		fi
		sleep 0.5
	done
	fail "$name" "$(head -c 600 "$D/diff")"
}

# --- the listen address ---
expect listen-remote-refused 2 "not a loopback address" "$PARLEY" desk --key "$K/us.doj.key" --node "$US" --listen 0.0.0.0:0
expect listen-remote-v6-refused 2 "not a loopback address" "$PARLEY" desk --key "$K/us.doj.key" --node "$US" --listen '[::]:0'
expect desk-help 0 "" "$PARLEY" desk --help
grep -q -- "--allow-remote" "$T_OUT" && pass desk-help-text || fail desk-help-text "$(cat "$T_OUT")"
expect desk-needs-key 2 "--key KEYFILE and --node URL are required" "$PARLEY" desk --node "$US"

start_desk DOJ "$K/us.doj.key" "$US" --dir "$D/doj" || { fail setup "desk us.doj: $(cat "$D/DOJ.err")"; exit 1; }
start_desk GP "$K/ru.gp.key" "$RU" || { fail setup "desk ru.gp: $(cat "$D/GP.err")"; exit 1; }
GP_PID=${NODE_PIDS[-1]}
pass desk-prints-start-link
[ ${#DOJ_SECRET} -eq 43 ] && pass secret-43-chars || fail secret-43-chars "'$DOJ_SECRET'"

# --- nothing without the session ---
check start-page-public 200 "$(req DOJ GET /start)"
grep -qi '^Content-Security-Policy: default-src .none.; script-src .self.;.*frame-ancestors .none.' "$D/headers" &&
	pass csp-header || fail csp-header "$(cat "$D/headers")"
grep -qi '^X-Content-Type-Options: nosniff' "$D/headers" && grep -qi '^Referrer-Policy: no-referrer' "$D/headers" &&
	grep -qi '^Cross-Origin-Opener-Policy: same-origin' "$D/headers" && pass security-headers || fail security-headers "$(cat "$D/headers")"
check no-session-root 403 "$(req DOJ GET /)"
grep -q "parley desk" "$D/body" && pass no-session-page-says-so || fail no-session-page-says-so "$(head -c 300 "$D/body")"
for p in /api/session /api/inbox /api/case/us.doj/2026-0001 /api/receipt/us.doj/2026-0001 /api/evidence/us/0 /api/template/ack; do
	check "no-session-$p" 403 "$(req DOJ GET "$p")"
done
jcheck no-session-json-error '.error | test("session")'
grep -qi '^Content-Security-Policy:' "$D/headers" && pass csp-on-refusal || fail csp-on-refusal "$(cat "$D/headers")"
echo '{"kind":"notice","to":["ru.gp"],"body":{}}' >"$D/notice.json"
check no-session-send 403 "$(req DOJ POST /api/send -H 'Content-Type: application/json' --data-binary @"$D/notice.json")"
check wrong-host 403 "$(req DOJ GET /start -H "Host: evil.example:${DOJ_URL##*:}")"

# --- the start secret ---
echo '{"secret":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}' >"$D/wrong.json"
check wrong-secret 403 "$(req DOJ POST /api/start -H 'Content-Type: application/json' --data-binary @"$D/wrong.json")"
check wrong-secret-no-session 403 "$(req DOJ GET /api/session)"
printf '{"secret":"%s"}' "$DOJ_SECRET" >"$D/secret.json"
check start-other-origin 403 "$(req DOJ POST /api/start -H 'Content-Type: application/json' -H 'Origin: http://evil.example' --data-binary @"$D/secret.json")"
check start 200 "$(req DOJ POST /api/start -H 'Content-Type: application/json' -H "Origin: $DOJ_URL" --data-binary @"$D/secret.json")"
DOJ_CSRF=$(jq -r .csrf "$D/body")
[ ${#DOJ_CSRF} -eq 43 ] && pass csrf-token || fail csrf-token "$(cat "$D/body")"
grep -qi "^Set-Cookie: parley_desk_${DOJ_URL##*:}=[A-Za-z0-9_-]\{43\}; HttpOnly; SameSite=Strict; Path=/" "$D/headers" &&
	pass session-cookie || fail session-cookie "$(cat "$D/headers")"
grep -qi '^Cache-Control: no-store' "$D/headers" && pass api-no-store || fail api-no-store "$(cat "$D/headers")"
mv "$D/DOJ.jar" "$D/DOJ.keep"
check secret-spent 403 "$(req DOJ POST /api/start -H 'Content-Type: application/json' --data-binary @"$D/secret.json")"
jcheck secret-spent-says '.error | test("used already")'
check spent-no-session 403 "$(req DOJ GET /api/session)"
mv "$D/DOJ.keep" "$D/DOJ.jar"
check session 200 "$(api DOJ GET /api/session)"
jcheck session-json '.agency == "us.doj" and .party == "us" and (.agencies | index("ru.gp") != null) and .profiles == ["cyber-mla"] and (.now | test("^[0-9-]+T[0-9:]+Z$"))'
jcheck session-gives-csrf-back --arg t "$DOJ_CSRF" '.csrf == $t'
check root-with-session 200 "$(req DOJ GET /)"

printf '{"secret":"%s"}' "$GP_SECRET" >"$D/gpsecret.json"
check start-gp 200 "$(req GP POST /api/start -H 'Content-Type: application/json' --data-binary @"$D/gpsecret.json")"
GP_CSRF=$(jq -r .csrf "$D/body")
[ "$GP_CSRF" != "$DOJ_CSRF" ] && pass csrf-per-desk || fail csrf-per-desk
check gp-cookie-not-doj 403 "$(curl -s -o "$D/body" -w '%{http_code}' -b "$D/GP.jar" "$DOJ_URL/api/session")"
gp_cookie=$(awk '$6 ~ /^parley_desk_/ {print $7}' "$D/GP.jar")
check gp-cookie-value-not-doj 403 "$(curl -s -o "$D/body" -w '%{http_code}' -H "Cookie: parley_desk_${DOJ_URL##*:}=$gp_cookie" "$DOJ_URL/api/session")"

# --- CSRF, Origin, strict requests: refused, and nothing sent ---
size0=$(log_size "$US")
jq -n --slurpfile b "$V/mla-request-prosecutor.json" --slurpfile e "$STIX" \
	'{kind: "request", to: ["ru.gp"], body: ($b[0] | del(.evidence)), evidence: $e[0]}' >"$D/request.json"
check send-no-csrf 403 "$(req DOJ POST /api/send -H 'Content-Type: application/json' --data-binary @"$D/request.json")"
check send-wrong-csrf 403 "$(req DOJ POST /api/send -H "X-Parley-CSRF: $GP_CSRF" -H 'Content-Type: application/json' --data-binary @"$D/request.json")"
check send-wrong-origin 403 "$(req DOJ POST /api/send -H "X-Parley-CSRF: $DOJ_CSRF" -H 'Origin: http://127.0.0.1:1' -H 'Content-Type: application/json' --data-binary @"$D/request.json")"
check send-wrong-type 415 "$(req DOJ POST /api/send -H "X-Parley-CSRF: $DOJ_CSRF" -H 'Content-Type: text/plain' --data-binary @"$D/request.json")"
check send-type-prefix 415 "$(req DOJ POST /api/send -H "X-Parley-CSRF: $DOJ_CSRF" -H 'Content-Type: application/jsonp' --data-binary @"$D/request.json")"
printf '{"kind":"request",' >"$D/bad.json"
check send-malformed 400 "$(api DOJ POST /api/send "$D/bad.json")"
jcheck send-malformed-error '.error | test("not JSON")'
printf '{"kind":"request","kind":"notice"}' >"$D/dup.json"
check send-duplicate-key 400 "$(api DOJ POST /api/send "$D/dup.json")"
printf '{"kind":"request","to":["ru.gp"],"bcc":["x"]}' >"$D/unknown.json"
check send-unknown-member 400 "$(api DOJ POST /api/send "$D/unknown.json")"
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$D/big.json"
check send-oversized 413 "$(api DOJ POST /api/send "$D/big.json")"
jcheck send-oversized-json '.error | test("larger")'
jq -n --slurpfile b "$V/ack.json" '{kind: "ack", case: "us.doj/2026-0001", body: $b[0]}' >"$D/noref.json"
check response-without-ref 422 "$(api DOJ POST /api/send "$D/noref.json")"
jcheck response-without-ref-says '.error | test("ref")'
jq -n '{kind: "notice", to: ["ru.gp"], body: {title: "no summary"}}' >"$D/invalid.json"
check send-invalid-body 422 "$(api DOJ POST /api/send "$D/invalid.json")"
[ "$(log_size "$US")" = "$size0" ] && pass refused-nothing-sent || fail refused-nothing-sent "log grew from $size0 to $(log_size "$US")"

# --- a case: us.doj requests with evidence; ru.gp sees it, acknowledges and answers through its desk ---
check send-request 200 "$(api DOJ POST /api/send "$D/request.json")"
jcheck send-request-answer '(.case | test("^us.doj/[0-9]{4}-0001$")) and .party == "us" and .index == 0'
CASE=$(jq -r .case "$D/body")
[ "$(log_size "$US")" != "$size0" ] && pass request-appended || fail request-appended
wait_for "$PARLEY" inbox --key "$K/ru.gp.key" --node "$RU" --json &&
	for i in $(seq 100); do
		"$PARLEY" inbox --key "$K/ru.gp.key" --node "$RU" --json 2>/dev/null | jq -e --arg c "$CASE" '[.items[] | select(.case == $c)] | length > 0' >/dev/null && break
		sleep 0.2
	done
check gp-inbox 200 "$(api GP GET /api/inbox)"
jq -e --arg c "$CASE" '.items[0].case == $c and .items[0].kind == "request" and .items[0].from == "us.doj"' "$D/body" >/dev/null &&
	pass gp-inbox-request-first || fail gp-inbox-request-first "$(head -c 400 "$D/body")"
converge inbox-matches-cli GP /api/inbox 'del(.as_of)' 'del(.as_of)' "$PARLEY" inbox --key "$K/ru.gp.key" --node "$RU" --json
check gp-inbox-open 200 "$(api GP GET '/api/inbox?open=1')"
jcheck gp-inbox-open-json '[.items[] | select(.urgency == "none")] | length == 0'
check gp-inbox-bad-query 400 "$(api GP GET '/api/inbox?open=yes')"

check gp-case 200 "$(api GP GET "/api/case/$CASE")"
jcheck case-body-decrypted '.envelopes[0].body.type == "mla-request" and .envelopes[0].pos == "us/0" and (.envelopes[0].sealed_body.sha256 | length == 64)'
jcheck case-evidence-in-body '.envelopes[0].body.evidence.type == "bundle"'
converge case-matches-cli GP "/api/case/$CASE" \
	'del(.as_of) | .envelopes |= map(del(.pos, .body_error) | if .sealed_body then .body = .sealed_body | del(.sealed_body) else . end)' \
	'del(.as_of)' "$PARLEY" show "$CASE" --key "$K/ru.gp.key" --node "$RU" --json
check case-percent-encoded 200 "$(api GP GET "/api/case/${CASE%%/*}%2F${CASE#*/}")"
jcheck case-percent-encoded-same --arg c "$CASE" '.case == $c'
check case-bad-id 400 "$(api GP GET "/api/case/nosuch")"
check gp-case-missing 404 "$(api GP GET "/api/case/us.doj/1999-0001")"

check evidence 200 "$(api GP GET /api/evidence/us/0)"
jcheck evidence-bundle '.type == "bundle" and (.objects | length) == 22'
grep -qi '^Content-Disposition: attachment; filename="evidence-us-0.json"' "$D/headers" && pass evidence-download || fail evidence-download "$(cat "$D/headers")"

# The TAXII 2.1 feed (docs/taxii.md): its own credential, not the session; the evidence ru.gp received, each object once
TX_LINE=$(grep -m1 '^taxii: ' "$D/GP.out")
TX_SECRET_FILE=${TX_LINE##* credential in }
TX_ROOT=$GP_URL/taxii2/evidence
TX_COLL=${TX_LINE#* collection }; TX_COLL=${TX_COLL%%,*}
case $TX_LINE in "taxii: $GP_URL/taxii2/ collection "*", credential in "*/taxii.secret) pass taxii-line ;; *) fail taxii-line "$TX_LINE" ;; esac
[ "$(stat -c %a "$TX_SECRET_FILE" 2>/dev/null)" = 600 ] && pass taxii-secret-0600 || fail taxii-secret-0600 "$TX_SECRET_FILE"
tx() { # tx PATH [curl args] — status; body in $D/body, headers in $D/headers
	local path=$1; shift
	curl -s -o "$D/body" -D "$D/headers" -w '%{http_code}' "$@" "$GP_URL$path"
}
TX_AUTH="Authorization: Bearer $(cat "$TX_SECRET_FILE")"
TX_ACCEPT='Accept: application/taxii+json;version=2.1'
check taxii-no-credentials 401 "$(tx /taxii2/ -H "$TX_ACCEPT")"
grep -qi '^WWW-Authenticate: ' "$D/headers" && pass taxii-www-authenticate || fail taxii-www-authenticate "$(cat "$D/headers")"
check taxii-session-is-not-a-credential 401 "$(tx /taxii2/ -H "$TX_ACCEPT" -b "$D/GP.jar")"
check taxii-wrong-credentials 401 "$(tx /taxii2/ -H "$TX_ACCEPT" -H "Authorization: Bearer x$(cat "$TX_SECRET_FILE")")"
check taxii-wrong-media-type 406 "$(tx /taxii2/ -H 'Accept: application/json' -H "$TX_AUTH")"
check taxii-discovery 200 "$(tx /taxii2/ -H "$TX_ACCEPT" -H "$TX_AUTH")"
grep -qi '^Content-Type: application/taxii+json;version=2.1' "$D/headers" && pass taxii-media-type || fail taxii-media-type "$(cat "$D/headers")"
grep -qi '^Content-Security-Policy: ' "$D/headers" && pass taxii-headers || fail taxii-headers "$(cat "$D/headers")"
check taxii-basic 200 "$(tx /taxii2/evidence/collections/ -H "$TX_ACCEPT" -u "opencti:$(cat "$TX_SECRET_FILE")")"
jcheck taxii-collection --arg c "$TX_COLL" '.collections | length == 1 and .[0].id == $c and .[0].can_read and (.[0].can_write | not)'
# a client that follows `next` with limit 5, from the first page to the end
: >"$D/taxii.ids"; q="limit=5"; pages=0
while [ $pages -lt 50 ]; do
	st=$(tx "/taxii2/evidence/collections/$TX_COLL/objects/?$q" -H "$TX_ACCEPT" -H "$TX_AUTH")
	[ "$st" = 200 ] || { fail taxii-walk "status $st: $(head -c 300 "$D/body")"; break; }
	jq -r '.objects[].id' "$D/body" >>"$D/taxii.ids"; pages=$((pages + 1))
	[ "$(jq -r '.more' "$D/body")" = true ] || break
	q="limit=5&next=$(jq -r '.next' "$D/body")"
done
[ "$(wc -l <"$D/taxii.ids")" -ge 20 ] && [ "$(sort "$D/taxii.ids" | uniq -d | wc -l)" = 0 ] && [ $pages -ge 4 ] &&
	pass taxii-walk-each-once || fail taxii-walk-each-once "$(wc -l <"$D/taxii.ids") ids in $pages pages, $(sort "$D/taxii.ids" | uniq -d | head -3)"
jq -r '.objects[] | select(.type != "identity" and .type != "marking-definition") | .id' "$D/body" >/dev/null
check taxii-match-type 200 "$(tx "/taxii2/evidence/collections/$TX_COLL/objects/?match%5Btype%5D=indicator" -H "$TX_ACCEPT" -H "$TX_AUTH")"
jcheck taxii-match-type-only '(.objects | length) > 0 and all(.objects[]; .type == "indicator")'
check taxii-us-doj-has-none 401 "$(tx /taxii2/ -H "$TX_ACCEPT" -H "Authorization: Bearer $(cat "$D/doj/taxii.secret")")"

check evidence-no-party 404 "$(api GP GET /api/evidence/xx/0)"
check evidence-bad-index 400 "$(api GP GET /api/evidence/us/01)"
check template 200 "$(api GP GET /api/template/ack)"
jcheck template-ack '.type == "ack" and .profile == "cyber-mla"'
check template-request 200 "$(api GP GET /api/template/request)"
jcheck template-request-type '.type == "mla-request"'
check template-missing 404 "$(api GP GET /api/template/nosuch)"
check schema 200 "$(api GP GET /api/schema/cyber-mla/answer)"
jcheck schema-json 'has("$schema") or has("$id") or has("type") or has("allOf")'
check schema-missing 404 "$(api GP GET /api/schema/cyber-mla/nosuch)"

jq -n --arg c "$CASE" --slurpfile b "$V/ack.json" '{kind: "ack", case: $c, body: $b[0]}' >"$D/ack-noref.json"
check ack-without-ref 422 "$(api GP POST /api/send "$D/ack-noref.json")"
jq -n --arg c "$CASE" --slurpfile b "$V/ack.json" '{kind: "ack", case: $c, ref: "us/0", body: $b[0]}' >"$D/ack.json"
check ack 200 "$(api GP POST /api/send "$D/ack.json")"
jcheck ack-appended '.party == "ru" and (.index | type) == "number"'
jq -n --arg c "$CASE" --slurpfile b "$V/answer-partial.json" '{kind: "answer", case: $c, ref: "us/0", body: $b[0]}' >"$D/answer.json"
check answer 200 "$(api GP POST /api/send "$D/answer.json")"
jq -n --arg c "$CASE" --slurpfile b "$V/answer-partial.json" '{kind: "answer", case: $c, ref: "us/99", body: $b[0]}' >"$D/answer-badref.json"
check answer-bad-ref 404 "$(api GP POST /api/send "$D/answer-badref.json")"

# us.doj's receipt: a tar archive whose proofs `parley proof verify` accepts
for i in $(seq 100); do
	api DOJ GET "/api/case/$CASE" >/dev/null
	jq -e '([.envelopes[] | select(.kind == "answer")] | length == 1) and ([.envelopes[0].cosigned[]? | select(.role == "party")] | length > 0)' "$D/body" >/dev/null && break
	sleep 0.2
done
check receipt 200 "$(api DOJ GET "/api/receipt/$CASE")"
grep -qi '^Content-Type: application/x-tar' "$D/headers" && pass receipt-tar-type || fail receipt-tar-type "$(cat "$D/headers")"
mkdir -p "$D/rx" && tar -xf "$D/body" -C "$D/rx" 2>"$D/tar.err" && pass receipt-untar || fail receipt-untar "$(cat "$D/tar.err")"
RX=$(ls -d "$D"/rx/receipt-* 2>/dev/null | head -n1)
n=0 bad=0
while read -r line; do
	case $line in "parley proof verify "*) ;; *) continue ;; esac
	n=$((n + 1))
	(cd "$RX" && eval "\"\$PARLEY\"${line#parley}") >/dev/null 2>&1 || bad=$((bad + 1))
done <"$RX/README"
if [ $n -ge 1 ] && [ $bad -eq 0 ]; then pass receipt-proofs-verify; else fail receipt-proofs-verify "$bad of $n failed"; fi
if [ -f "$RX/0.tlog-proof" ] && "$PARLEY" proof verify "$RX/0.tlog-proof" "$RX/0.envelope" --charter "$D/ch/charter" >/dev/null 2>"$D/pv.err"; then
	pass receipt-verify-charter
else fail receipt-verify-charter "$(ls "$RX"; cat "$D/pv.err")"; fi

# a statement: proposed in us.doj's desk, co-signed in ru.gp's (imported), published by us.doj's
jq -n --arg c "$CASE" --slurpfile b "$V/statement-consultation-round.json" '{case: $c, to: ["ru.gp"], body: $b[0]}' >"$D/st.json"
check statement-propose 200 "$(api DOJ POST /api/statement/propose "$D/st.json")"
jcheck statement-proposed '.missing == ["ru.gp"] and (.statement | test("^[0-9a-f]{16}$")) and (.envelope | test("statement"))'
jq '{statement}' "$D/body" >"$D/st-id.json"
jq '{envelope, body_age}' "$D/body" >"$D/st-export.json"
[ -f "$D/doj/statements/$(jq -r .statement "$D/st-id.json")/envelope" ] && pass statement-kept-in-dir || fail statement-kept-in-dir
check statement-publish-unsigned 422 "$(api DOJ POST /api/statement/publish "$D/st-id.json")"
jcheck statement-publish-unsigned-says '.error | test("lacks the signature of ru.gp")'
check statement-cosign-gp 200 "$(api GP POST /api/statement/cosign "$D/st-export.json")"
jcheck statement-cosigned '.missing == []'
jq '{envelope, body_age}' "$D/body" >"$D/st-signed.json"
check statement-cosign-twice 422 "$(api GP POST /api/statement/cosign "$D/st-signed.json")"
echo '{"statement":"0123456789abcdef"}' >"$D/st-none.json"
check statement-unknown 404 "$(api DOJ POST /api/statement/publish "$D/st-none.json")"
echo '{"statement":"../../etc"}' >"$D/st-bad.json"
check statement-bad-id 422 "$(api DOJ POST /api/statement/publish "$D/st-bad.json")"
check statement-publish 200 "$(api DOJ POST /api/statement/publish "$D/st-signed.json")"
jcheck statement-published '.party == "us" and (.index | type) == "number"'

# the period report: the logs fetched into the desk's --dir, the same JSON as `parley report --json`
FROM=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ) TO=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
check report 200 "$(api DOJ GET "/api/report?from=$FROM&to=$TO")"
cp "$D/body" "$D/desk-report.json"
[ -d "$D/doj/logs/us" ] && [ -d "$D/doj/logs/ru" ] && [ -f "$D/doj/charter" ] && pass report-fetched-logs || fail report-fetched-logs "$(ls -R "$D/doj" | head)"
cli_report() { "$PARLEY" fetch --charter "$D/ch/charter" --out "$D/audit" >/dev/null 2>&1 &&
	"$PARLEY" report "$D/audit" --from "$FROM" --to "$TO" --json; }
converge report-matches-cli DOJ "/api/report?from=$FROM&to=$TO" . . cli_report
jq -e '[.. | objects | select(.kind? == "request")] | length >= 1' "$D/desk-report.json" >/dev/null &&
	pass report-has-request || fail report-has-request "$(head -c 400 "$D/desk-report.json")"
check report-bad-time 400 "$(api DOJ GET "/api/report?from=yesterday&to=$TO")"
check report-reversed 400 "$(api DOJ GET "/api/report?from=$TO&to=$FROM")"
check report-bundle 200 "$(api DOJ GET "/api/report/bundle?from=$FROM&to=$TO")"
mkdir -p "$D/bx" && tar -xf "$D/body" -C "$D/bx" 2>"$D/tar.err" && pass report-bundle-untar || fail report-bundle-untar "$(cat "$D/tar.err")"
BX=$(ls -d "$D"/bx/report-* 2>/dev/null | head -n1)
[ -f "$BX/report.json" ] && [ -f "$BX/charter" ] && pass report-bundle-layout || fail report-bundle-layout "$(ls -R "$D/bx" | head)"
# the period ends tomorrow, so no log can be closed yet: `report verify` checks what it can and says provisional
"$PARLEY" report verify "$BX" --charter "$D/ch/charter" >"$T_OUT" 2>"$T_ERR"
rc=$?
if [ $rc -eq 0 ] || { [ $rc -eq 1 ] && [ -s "$T_ERR" ] && ! grep -v "provisional, not verified" "$T_ERR" | grep -q .; }; then
	pass report-bundle-verifies
else fail report-bundle-verifies "exit $rc: $(head -c 400 "$T_ERR")"; fi
check mandate-not-enabled 404 "$(api DOJ GET /api/mandate)"
jcheck mandate-not-enabled-says '.error | test("aid-crossing")'

# a submission the node refuses: the node's status and reason, passed through (through a proxy that
# changes one character of the envelope's signature on its way to the real node; python3's stdlib)
if command -v python3 >/dev/null; then
	PROXY=http://127.0.0.1:$((PORT_BASE + 4))
	python3 "$ROOT/tests/tools/tamper_proxy.py" $((PORT_BASE + 4)) "$US" 2>"$D/proxy.err" &
	NODE_PIDS+=($!)
	wait_for curl -sf "$PROXY/checkpoint"
	start_desk TAMPER "$K/us.doj.key" "$PROXY" || fail setup "desk through the proxy: $(cat "$D/TAMPER.err")"
	printf '{"secret":"%s"}' "$TAMPER_SECRET" >"$D/tsecret.json"
	req TAMPER POST /api/start -H 'Content-Type: application/json' --data-binary @"$D/tsecret.json" >/dev/null
	TAMPER_CSRF=$(jq -r .csrf "$D/body")
	size0=$(log_size "$US")
	jq -n --slurpfile b "$V/notice-minimal.json" '{kind: "notice", to: ["ru.gp"], body: $b[0]}' >"$D/notice-ok.json"
	check node-refusal-status 403 "$(api TAMPER POST /api/send "$D/notice-ok.json")"
	jcheck node-refusal-reason '.error | test("the node refused it \\(HTTP 403\\): .*signature")'
	[ "$(log_size "$US")" = "$size0" ] && pass node-refusal-nothing-appended || fail node-refusal-nothing-appended
else
	skip node-refusal "python3 is not installed"
fi

# the secret of a stopped desk opens nothing in a new one
kill "$GP_PID" 2>/dev/null
wait "$GP_PID" 2>/dev/null
rc=$?
[ $rc -eq 0 ] && pass desk-stops-on-sigterm || fail desk-stops-on-sigterm "exit $rc: $(tail -n 3 "$D/GP.err")"
start_desk GP2 "$K/ru.gp.key" "$RU" || { fail setup "desk ru.gp again"; exit 1; }
GP2_URL=$GP2_URL
check old-secret-new-desk 403 "$(req GP2 POST /api/start -H 'Content-Type: application/json' --data-binary @"$D/gpsecret.json")"

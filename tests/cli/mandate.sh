# The mandate report (docs/reports.md "The mandate report") over real logs: an aid-crossing
# channel of the UN (un.ocha sends, un.unmm monitors) and the receiving authority (sy.mofa),
# two nodes and a witness on loopback; four consignments sealed with `parley envelope seal`
# and submitted — one on time and acknowledged, one late (cross-by within the advance notice),
# one urgent on time, its inspection rejected, one never acknowledged — with a partial
# inspection and a crossing; then `parley report --mandate` in every rendering, the JSON
# against its schema, a bundle verified and refused when tampered, and bad input refused.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR K=$T_DIR/keys A=$ROOT/tests/data/aid-crossing/valid
. "$ROOT/tests/aid_fixture.sh"
UN=$(url_of us) SY=$(url_of ru)
now_s=$(date -u +%s)
at() { date -u -d "@$(($now_s + $1))" +%Y-%m-%dT%H:%M:%SZ; }
TERM0=$(date -u -d "@$(($now_s - 10 * 86400))" +%Y-%m-%dT00:00:00Z)
TERM1=$(date -u -d "@$(($now_s + 5 * 86400))" +%Y-%m-%dT00:00:00Z) # ends within a reporting period: warned
make_aid_channel "$D" "$TERM0" "$TERM1" 7d || { fail setup "charter"; exit 1; }
C=$D/charter
"$PARLEY" node init "$D/un" --charter "$C" --key "$K/un-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/sy" --charter "$C" --key "$K/sy-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$C" --key "$K/witness.key" 2>/dev/null || { fail setup init; exit 1; }
trap 'cleanup_nodes; [ -n "${KEEP:-}" ] || rm -rf "$T_DIR"' EXIT
start_node "$D/un" us && start_node "$D/sy" ru && start_witness "$D/w" || { fail setup "nodes did not start"; exit 1; }

# body FILE CROSS-BY-OFFSET-S OUT — the example consignment with its planned times moved
body() {
	jq --arg l "$(at $(($2 - 3600)))" --arg c "$(at "$2")" '.planned_loading = $l | .planned_crossing = $c' "$1" >"$3"
}
# send KEY URL KIND TO CASE BODY [REF] [--urgent] — seals, submits (retrying while the ref is not mirrored yet),
# and sets IDX to the entry index
n=0
send() {
	local key=$1 url=$2 kind=$3 to=$4 case=$5 b=$6 ref=${7:-} urg=${8:-}
	n=$((n + 1))
	"$PARLEY" envelope seal --key "$key" --charter "$C" --kind "$kind" --to $to --case "$case" ${ref:+--ref "$ref"} \
		--body "$b" --time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" $urg --out "$D/e$n" >/dev/null 2>"$D/e$n.err" ||
		{ fail "seal-$n" "$(cat "$D/e$n.err")"; return 1; }
	frame "$D/e$n/envelope" "$D/e$n/body.age" >"$D/e$n.req"
	local code i
	for i in $(seq 100); do
		code=$(curl -s -o "$T_DIR/resp" -D "$T_DIR/hdr" -w '%{http_code}' -H "Content-Type: application/x-parley-submit" \
			--data-binary @"$D/e$n.req" "$url/submit")
		[ "$code" = 409 ] || break
		sleep 0.2
	done
	[ "$code" = 200 ] || { fail "submit-$n" "$code $(cat "$T_DIR/resp")"; return 1; }
	IDX=$(sed -n 's/^X-Parley-Index: \([0-9]*\).*/\1/ip' "$T_DIR/hdr")
}
ref_of() { "$PARLEY" envelope ref "$D/e$1/envelope" --origin un.parley.example/log --index "$2"; }

body "$A/consignment-wfp.json" $((3 * 86400)) "$D/c1.json"   # on time (3 days before crossing, 48 h needed)
body "$A/consignment-wfp.json" 3600 "$D/c2.json"              # late: crossing within the hour
body "$A/consignment-emergency.json" $((30 * 3600)) "$D/c3.json" # urgent, on time (24 h needed)
body "$A/consignment-wfp.json" $((4 * 86400)) "$D/c4.json"    # on time, never acknowledged
send "$K/un.ocha.key" "$UN" notice "sy.mofa un.unmm" un.ocha/BAH-1 "$D/c1.json" && i1=$IDX r1=$(ref_of $n "$IDX") || exit 1
send "$K/un.ocha.key" "$UN" notice "sy.mofa un.unmm" un.ocha/BAH-2 "$D/c2.json" && i2=$IDX r2=$(ref_of $n "$IDX") || exit 1
send "$K/un.ocha.key" "$UN" notice "sy.mofa un.unmm" un.ocha/BAH-3 "$D/c3.json" "" --urgent && i3=$IDX r3=$(ref_of $n "$IDX") || exit 1
send "$K/un.ocha.key" "$UN" notice "sy.mofa un.unmm" un.ocha/BAH-4 "$D/c4.json" || exit 1
send "$K/un.unmm.key" "$UN" update "un.ocha sy.mofa" un.ocha/BAH-1 "$A/inspection-partial.json" "$r1" &&
	send "$K/un.unmm.key" "$UN" update "un.ocha sy.mofa" un.ocha/BAH-3 "$A/inspection-rejected.json" "$r3" &&
	send "$K/un.ocha.key" "$UN" update "sy.mofa" un.ocha/BAH-1 "$A/crossing.json" "$r1" &&
	send "$K/sy.mofa.key" "$SY" ack un.ocha un.ocha/BAH-1 "$A/ack.json" "$r1" &&
	send "$K/sy.mofa.key" "$SY" ack un.ocha un.ocha/BAH-2 "$A/ack.json" "$r2" &&
	send "$K/sy.mofa.key" "$SY" ack un.ocha un.ocha/BAH-3 "$A/ack.json" "$r3" || exit 1
# every envelope delivered both ways (each node cosigned the other's log at its size)
hexof() { printf '%s' "$1" | sha256sum | cut -c1-64; }
delivered() {
	local a b
	a=$(log_size "$UN") b=$(log_size "$SY")
	[ "$a" -ge 7 ] && [ "$b" -ge 3 ] &&
		[ "$(curl -s "$SY/checkpoints/$(hexof un.parley.example/log)" | sed -n 2p)" = "$a" ] &&
		[ "$(curl -s "$UN/checkpoints/$(hexof sy.parley.example/log)" | sed -n 2p)" = "$b" ]
}
wait_for delivered || fail setup-delivered "the logs were not cosigned by the peers"
sleep 2
# the receiving authority's inbox: the consignments' ack clocks (advance notice), the term's warnings on stderr
expect inbox 0 "warning: the channel's term ends at $TERM1" "$PARLEY" inbox --key "$K/sy.mofa.key" --node "$SY"
grep -q "advance notice before crossing by .*; notice LATE" "$T_OUT" && pass inbox-advance-notice ||
	fail inbox-advance-notice "$(head -c 600 "$T_OUT")"
expect inbox-due 0 "is due in 1 d 0 h" "$PARLEY" inbox --key "$K/sy.mofa.key" --node "$SY" \
	--at "$(date -u -d "@$(($(date -u -d "$TERM1" +%s) - 86400))" +%Y-%m-%dT%H:%M:%SZ)"
grep -q "warning: the channel's term ends at $TERM1" "$D/un.log" && pass node-logs-term-warning ||
	fail node-logs-term-warning "$(grep -i warn "$D/un.log" | head -3)"
# the desk's mandate report (docs/desk.md): the logs fetched into its --dir, the same JSON as
# `parley fetch` then `report --mandate --json`; the whole term, and its first reporting period
"$PARLEY" desk --key "$K/un.ocha.key" --node "$UN" --dir "$D/desk" >"$D/desk.out" 2>"$D/desk.err" &
DESK_PID=$!
NODE_PIDS+=($DESK_PID)
wait_for grep -q '^desk: ' "$D/desk.out"
DESK=$(sed -n 's|^desk: \(http://[^/]*\)/start#.*|\1|p' "$D/desk.out") SECRET=$(sed -n 's|^desk: .*/start#||p' "$D/desk.out")
CSRF=$(curl -s -c "$D/jar" -H 'Content-Type: application/json' --data "{\"secret\":\"$SECRET\"}" "$DESK/api/start" | jq -r .csrf)
[ ${#CSRF} -eq 43 ] && pass desk-session || fail desk-session "$(cat "$D/desk.err")"
code=$(curl -s -o "$D/desk-m.json" -w '%{http_code}' -b "$D/jar" -H "X-Parley-CSRF: $CSRF" "$DESK/api/mandate")
"$PARLEY" fetch --charter "$D/charter" --out "$D/mf" >/dev/null 2>&1
"$PARLEY" report "$D/mf" --mandate --json >"$D/cli-m.json" 2>/dev/null
[ "$code" = 200 ] && cmp -s <(jq -S . "$D/desk-m.json") <(jq -S . "$D/cli-m.json") && pass desk-mandate ||
	fail desk-mandate "HTTP $code: $(diff <(jq -S . "$D/desk-m.json") <(jq -S . "$D/cli-m.json") | head -c 400)"
P1=$(date -u -d "@$(($(date -u -d "$TERM0" +%s) + 7 * 86400))" +%Y-%m-%dT%H:%M:%SZ)
code=$(curl -s -o "$D/desk-m1.json" -w '%{http_code}' -b "$D/jar" -H "X-Parley-CSRF: $CSRF" "$DESK/api/mandate?period=1")
"$PARLEY" report "$D/mf" --mandate --from "$TERM0" --to "$P1" --json >"$D/cli-m1.json" 2>/dev/null
[ "$code" = 200 ] && cmp -s <(jq -S . "$D/desk-m1.json") <(jq -S . "$D/cli-m1.json") && pass desk-mandate-period ||
	fail desk-mandate-period "HTTP $code: $(diff <(jq -S . "$D/desk-m1.json") <(jq -S . "$D/cli-m1.json") | head -c 400)"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$D/jar" -H "X-Parley-CSRF: $CSRF" "$DESK/api/mandate?period=0")
[ "$code" = 400 ] && pass desk-mandate-bad-period || fail desk-mandate-bad-period "HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$D/jar" -H "X-Parley-CSRF: $CSRF" "$DESK/api/mandate?period=99")
[ "$code" = 404 ] && pass desk-mandate-no-such-period || fail desk-mandate-no-such-period "HTTP $code"

kill "$DESK_PID" "$NODE_PID_us" "$NODE_PID_ru" "$NODE_PID_witness"; wait 2>/dev/null

# A period ending a minute from now is closed by a cosignature at or after to + 15 min:
# made with the witness's key (as tests/cli/bundle.sh does) on each log the un node holds.
TO=$(at 60)
LATE=$(($(date -u -d "$TO" +%s) + 20 * 60))
for f in "$D/un/log/checkpoint" "$D/un/peers/sy/checkpoint"; do
	"$PARLEY" note cosign "$f" --key "$K/witness.key" --time "$LATE" >"$f.new" && mv "$f.new" "$f" ||
		fail setup-late-cosign "$f"
done

M=("$PARLEY" report "$D/un" --mandate --to "$TO")
expect json 0 "" "${M[@]}" --json
cp "$T_OUT" "$D/m.json"
q() { jq -r "$1" "$D/m.json"; }
[ "$(q .report)" = "parley mandate report v1" ] && pass json-name || fail json-name "$(q .report)"
[ "$(q .period.from)" = "$TERM0" ] && pass default-from-is-term-start || fail default-from-is-term-start "$(q .period.from)"
got="$(q .total.consignments) $(q .total.trucks.notified) $(q .total.trucks.confirmed) $(q .total.trucks.crossed)"
[ "$got" = "4 $((14 * 3 + $(jq ".trucks | length" "$A/consignment-emergency.json"))) 13 14" ] && pass totals-trucks || fail totals-trucks "consignments notified confirmed crossed: $got"
got="$(q .total.sectors.food) $(q .total.sectors.wash) $(q .total.sectors.health) $(q .total.beneficiaries)"
exp_health=$((3 * 3 + $(jq '[.trucks[] | select(.sector == "health")] | length' "$A/consignment-emergency.json")))
exp_ben=$((28000 * 3 + $(jq .beneficiaries "$A/consignment-emergency.json")))
[ "$got" = "30 3 $exp_health $exp_ben" ] && pass totals-sectors || fail totals-sectors "food wash health beneficiaries: $got"
got="$(q .total.notices.on_time) $(q .total.notices.late)"
[ "$got" = "3 1" ] && pass notices-on-time-late || fail notices-on-time-late "$got"
got="$(q .total.inspections.confirmed) $(q .total.inspections.partial) $(q .total.inspections.rejected) $(q .total.inspections.none)"
[ "$got" = "0 1 1 2" ] && pass inspections || fail inspections "$got"
# acks: BAH-1 and BAH-3 on time; BAH-2 acknowledged after its (already passed) deadline: late; BAH-4 due in 2 days: pending
got="$(q .total.acknowledgements.on_time) $(q .total.acknowledgements.late) $(q .total.acknowledgements.missing) $(q .total.acknowledgements.pending)"
[ "$got" = "2 1 0 1" ] && pass acknowledgements || fail acknowledgements "on_time late missing pending: $got"
[ "$(q '[.consignments[] | .notice] | join(" ")')" = "on-time late on-time on-time" ] && pass consignment-list ||
	fail consignment-list "$(q '[.consignments[] | .notice] | join(" ")')"
[ "$(q '.consignments[2].urgent') $(q '.consignments[2].inspection.result')" = "true rejected" ] && pass urgent-rejected ||
	fail urgent-rejected "$(q '.consignments[2]')"
[ "$(q '.crossings | join(" ")')" = "bab-al-hawa" ] && pass crossings || fail crossings "$(q .crossings)"
[ "$(q '[.logs[].complete] | join(" ")')" = "true true" ] && pass logs-closed || fail logs-closed "$(q .logs)"
# months cut by the 7-day reporting periods: every month slot lies in its period
bad=$(q '[.reporting_periods[] as $p | $p.months[] | select(.from < $p.from or .to > $p.to)] | length')
[ "$bad" = 0 ] && pass months-within-periods || fail months-within-periods "$bad"
sum=$(q '[.reporting_periods[].total.consignments] | add')
[ "$sum" = 4 ] && pass periods-sum-to-total || fail periods-sum-to-total "$sum"
expect json-again 0 "" "${M[@]}" --json
cmp -s "$T_OUT" "$D/m.json" && pass json-deterministic || fail json-deterministic

# the figures are public: the same report from the envelopes' lines, no key needed (one checked by hand)
lines=$(for e in "$D"/e[1-4]/envelope; do sed -n 's/^aid: consignment .* trucks=\([0-9]*\) .*/\1/p' "$e"; done | paste -sd+)
[ "$((lines))" = "$(q .total.trucks.notified)" ] && pass figures-from-aid-lines || fail figures-from-aid-lines "$lines"

# --- the schema, with ajv ---
if ! ajv_setup; then
	skip mandate-schema "$AJV_WHY"
else
	node "$AJV" --schemas "$ROOT/docs/schemas/report" --entry https://parley.invalid/schemas/report/mandate.json \
		"$D/m.json" >"$D/ajv.txt" 2>"$D/ajv.err"
	grep -q '^valid ' "$D/ajv.txt" && pass mandate-schema || fail mandate-schema "$(cat "$D/ajv.txt" "$D/ajv.err" | head -c 600)"
	jq '.total.trucks.crossed = "14"' "$D/m.json" >"$D/wrong.json"
	node "$AJV" --schemas "$ROOT/docs/schemas/report" --entry https://parley.invalid/schemas/report/mandate.json \
		"$D/wrong.json" >"$D/ajv2.txt" 2>&1
	grep -q '^invalid ' "$D/ajv2.txt" && pass mandate-schema-refuses || fail mandate-schema-refuses "$(head -c 300 "$D/ajv2.txt")"
fi

# --- text, CSV, HTML ---
has() { if grep -qF -- "$2" "$T_OUT"; then pass "$1"; else fail "$1" "stdout lacks '$2': $(head -c 800 "$T_OUT")"; fi; }
expect text 0 "" "${M[@]}"
has text-title "implementation report (mandate)"
has text-late "late notice: un/$i2 case un.ocha/BAH-2"
has text-rejected "inspection rejected: un/$i3 case un.ocha/BAH-3"
has text-proof "un's log seen at size"
expect csv 0 "" "${M[@]}" --csv
has csv-header "reporting_period,month,crossing,consignments,trucks_notified"
n_rows=$(($(wc -l <"$T_OUT") - 1))
[ "$n_rows" -ge 1 ] && pass csv-rows || fail csv-rows "$n_rows"
expect html-ar 0 "" "${M[@]}" --html "$D/m.html" --lang ar
grep -q 'dir="rtl"' "$D/m.html" && grep -q 'lang="ar"' "$D/m.html" && grep -q "الشاحنات" "$D/m.html" && pass html-rtl || fail html-rtl
grep -qiE 'https?://|<script|<link' "$D/m.html" && fail html-offline "$(grep -oiE 'https?://[^"]*|<script|<link' "$D/m.html" | head -1)" || pass html-offline
grep -q '<svg' "$D/m.html" && pass html-chart || fail html-chart
if python3 -c 'import sys, html.parser
class P(html.parser.HTMLParser):
    def __init__(s): super().__init__(); s.stack=[]
    def handle_starttag(s, t, a):
        if t != "meta": s.stack.append(t)
    def handle_endtag(s, t):
        if not s.stack or s.stack.pop() != t: sys.exit("bad nesting at </%s>" % t)
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); p.close()
sys.exit("unclosed: %s" % p.stack if p.stack else 0)' "$D/m.html"; then pass html-parses; else fail html-parses "see above"; fi
expect html-ru 0 "" "${M[@]}" --html "$D/m-ru.html" --lang ru
grep -q "Грузовики" "$D/m-ru.html" && pass html-ru || fail html-ru

# --- a bundle, verified; tampered, refused ---
expect bundle 0 "" "${M[@]}" --json --bundle "$D/b"
cmp -s "$D/b/report.json" "$D/m.json" && pass bundle-report-json || fail bundle-report-json
expect verify 0 "" "$PARLEY" report verify "$D/b" --charter "$C"
has verify-says "mandate report verified: channel"
cp -r "$D/b" "$D/b2"
jq '.total.trucks.crossed = 15' "$D/b/report.json" | jq --indent 2 . >"$D/b2/report.json"
expect verify-edited 1 "total.trucks.crossed: bundle says 15, recomputed 14" "$PARLEY" report verify "$D/b2" --charter "$C"
rm -rf "$D/b2"; cp -r "$D/b" "$D/b2"
sed -i "s/\"to\": \"$TO\"/\"to\": \"$(at 7200)\"/" "$D/b2/report.json"
expect verify-other-period 1 "" "$PARLEY" report verify "$D/b2" --charter "$C"

# --- bad input refused, nothing written ---
expect usage-kind 2 "--mandate takes no --party" "${M[@]}" --kind notice
expect usage-before-term 2 "the period starts before the term" "${M[@]}" --from 2020-01-01
expect usage-after-term 2 "the period ends after the term" "$PARLEY" report "$D/un" --mandate --to 2099-01-01
expect usage-bundle-exists 2 "not empty" "${M[@]}" --bundle "$D/b"
make_channel "$D/cy" >/dev/null 2>&1
mkdir -p "$D/cyf/logs" && cp "$D/cy/charter" "$D/cyf/charter"
expect usage-not-aid 2 "does not enable the aid-crossing profile" "$PARLEY" report "$D/cyf" --mandate --from 2021-08-01 --to 2021-09-01

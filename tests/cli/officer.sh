#!/usr/bin/env bash
# The officers' commands against two live nodes and a witness on loopback (on free
# ports the fixture picks): a whole case, the refusals, and `parley demo --exit`.
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
D=$T_DIR
V=$ROOT/tests/data/cyber-mla/valid
STIX=$ROOT/tests/data/stix/valid/ransomware-notice.json
US=http://127.0.0.1:$((PORT_BASE + 1)) RU=http://127.0.0.1:$((PORT_BASE + 2))
K=$D/ch/keys
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T_DIR"
}
trap cleanup EXIT

make_channel "$D/ch" || { fail setup "make_channel"; exit 1; }
"$PARLEY" node init "$D/us" --charter "$D/ch/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$D/ch/charter" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$D/ch/charter" --key "$K/witness.key" 2>/dev/null ||
	{ fail setup "init"; exit 1; }
"$PARLEY" node --dir "$D/us" --poll 1 2>"$D/us.log" & PIDS+=($!)
"$PARLEY" node --dir "$D/ru" --poll 1 2>"$D/ru.log" & PIDS+=($!)
"$PARLEY" witness --dir "$D/w" 2>"$D/w.log" & PIDS+=($!)
for port in $((PORT_BASE + 1)) $((PORT_BASE + 2)) $((PORT_BASE + 3)); do
	for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

# run NAME CODE STDERR-SUBSTRING CMD... with the output kept in $T_OUT / $T_ERR
has() { # has NAME SUBSTRING — the last command's stdout contains SUBSTRING
	if grep -qF -- "$2" "$T_OUT"; then pass "$1"; else fail "$1" "stdout lacks '$2': $(head -c 600 "$T_OUT")"; fi
}

# --- the lifecycle ---
expect send-notice-flags 0 "" "$PARLEY" send notice --key "$K/us.fbi.key" --node $US --to ru.fsb ru.gp \
	--title "Ransomware through a managed-service provider" --summary "ExampleLocker pushed to client networks." \
	--first-observed 2024-03-09T22:10:00Z --detected 2024-03-11T06:40:00Z --sector technology --sector healthcare \
	--org-type managed-service-provider --severity critical --impact "About 1,500 networks encrypted." \
	--evidence "$STIX" --handling "TLP:AMBER H2" --wait 15
has notice-delivered "deemed delivered"
CASE=$(sed -n 's/^sent notice from us.fbi in case \([^,]*\),.*/\1/p' "$T_OUT")
case $CASE in us.fbi/20[0-9][0-9]-0001) pass case-id-generated ;; *) fail case-id-generated "got '$CASE'" ;; esac

expect send-request 0 "" "$PARLEY" send request --key "$K/us.doj.key" --node $US --case "$CASE" --to ru.gp ru.fsb \
	--body "$V/mla-request-prosecutor.json" --wait 15
has request-delivered "deemed delivered"

expect inbox 0 "" "$PARLEY" inbox --key "$K/ru.gp.key" --node $RU
has inbox-request "request   from us.doj"
has inbox-ack-due "ru: ack due"

expect ack 0 "" "$PARLEY" ack "$CASE" --key "$K/ru.gp.key" --node $RU --officer "Ivan Petrov" --position "Duty officer" --wait 15
has ack-refers "ack from ru.gp to us/1 request from us.doj"
expect ack-twice 2 "nothing to acknowledge in case $CASE" "$PARLEY" ack "$CASE" --key "$K/ru.gp.key" --node $RU

expect answer 0 "" "$PARLEY" answer "$CASE" --key "$K/ru.gp.key" --node $RU --body "$V/answer-partial.json" --wait 15
expect show-requester 0 "" "$PARLEY" show "$CASE" --key "$K/us.doj.key" --node $US
has show-ack-met "ru: ack met"
has show-answer-met "answer met"
has show-answer-partial "body: answer | completeness: partial"
has show-still-owed "still owed: 2 items"
has show-receipt "cosigned by ru (party)"
expect show-notice-opened 0 "" "$PARLEY" show "$CASE" --key "$K/ru.fsb.key" --node $RU
has notice-body-decrypted "title: Ransomware through a managed-service provider"
has notice-evidence "evidence: STIX bundle of 22 objects"

expect update-ambiguous 2 "has 3 envelopes this could refer to: us/1 (request of" "$PARLEY" send update --key "$K/us.doj.key" --node $US --case "$CASE" --summary "Please detail item 2."
grep -q "ru/3 (answer of" "$T_ERR" && grep -q "say which with --ref PARTY/INDEX" "$T_ERR" && pass update-ambiguous-lists || fail update-ambiguous-lists "$(cat "$T_ERR")"
expect update 0 "" "$PARLEY" send update --key "$K/us.doj.key" --node $US --case "$CASE" --ref ru/3 --summary "Please detail item 2." --wait 15
has update-refers "about ru/3 answer from ru.gp"

# statement: every named agency must sign before it can be published
ST=$D/statement
expect statement-propose 0 "" "$PARLEY" statement propose --key "$K/us.doj.key" --node $US --case "$CASE" --to ru.gp ru.fsb \
	--body "$V/statement-consultation-round.json" --out "$ST"
expect statement-unsigned 2 "still lacks the signature of ru.gp, ru.fsb" "$PARLEY" statement publish "$ST" --key "$K/us.doj.key" --node $US
expect statement-cosign-gp 0 "" "$PARLEY" statement cosign "$ST" --key "$K/ru.gp.key"
expect statement-half-signed 2 "still lacks the signature of ru.fsb" "$PARLEY" statement publish "$ST" --key "$K/us.doj.key" --node $US
expect statement-cosign-twice 2 "already signed" "$PARLEY" statement cosign "$ST" --key "$K/ru.gp.key"
expect statement-cosign-outsider 2 "not named by this statement" "$PARLEY" statement cosign "$ST" --key "$K/us.fbi.key"
expect statement-cosign-fsb 0 "" "$PARLEY" statement cosign "$ST" --key "$K/ru.fsb.key"
expect statement-publish 0 "" "$PARLEY" statement publish "$ST" --key "$K/us.doj.key" --node $US --wait 15
has statement-published "statement published: signed by every agency it names"

# a second request nobody acknowledges: due now, overdue a day later
expect preservation 0 "" "$PARLEY" send preservation --key "$K/us.doj.key" --node $US --case "$CASE" --to ru.fsb \
	--body "$V/preservation-request.json" --wait 15
expect inbox-now 0 "" "$PARLEY" inbox --key "$K/ru.fsb.key" --node $RU
has preservation-ack-due "ru: ack due"
expect show-later 0 "" "$PARLEY" show "$CASE" --key "$K/ru.fsb.key" --node $RU --at +25h
has preservation-overdue "ack OVERDUE since"
LATER=$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)
expect inbox-at-time 0 "" "$PARLEY" inbox --key "$K/ru.fsb.key" --node $RU --at "$LATER"
has inbox-overdue "ack OVERDUE since"
# the inbox by what is due: the overdue preservation request first, though it is the newest
sed -n 3p "$T_OUT" | grep -q "request   from us.doj" && sed -n 4,5p "$T_OUT" | grep -q "ack OVERDUE since" &&
	pass inbox-overdue-first || fail inbox-overdue-first "$(head -n 6 "$T_OUT")"
has inbox-counts "for ru: 1 overdue, 0 due, 0 waiting for delivery, "
expect inbox-overdue-json 0 "" "$PARLEY" inbox --key "$K/ru.fsb.key" --node $RU --at "$LATER" --overdue --json
jq -e '(.items | length == 1) and .items[0].urgency == "overdue" and .items[0].kind == "request" and (.items[0].due | test("Z$")) and .counts.overdue == 1' \
	"$T_OUT" >/dev/null && pass inbox-overdue-filter || fail inbox-overdue-filter "$(head -c 400 "$T_OUT")"
expect inbox-json 0 "" "$PARLEY" inbox --key "$K/ru.fsb.key" --node $RU --json
jq -e '.items[0].urgency == "due" and ([.items[].urgency] | index("none") != null) and .counts.due == 1' "$T_OUT" >/dev/null &&
	pass inbox-json-due-first || fail inbox-json-due-first "$(head -c 400 "$T_OUT")"
expect inbox-open 0 "" "$PARLEY" inbox --key "$K/ru.fsb.key" --node $RU --open --json
jq -e '[.items[] | select(.urgency == "none")] | length == 0' "$T_OUT" >/dev/null && pass inbox-open-filter || fail inbox-open-filter
expect inbox-open-and-overdue 2 "give one" "$PARLEY" inbox --key "$K/ru.fsb.key" --node $RU --open --overdue
expect show-json 0 "" "$PARLEY" show "$CASE" --key "$K/ru.fsb.key" --node $RU --json
jq -e --arg c "$CASE" '.case == $c and (.envelopes | length >= 3) and (.as_of | test("^[0-9-]+T[0-9:]+Z$"))' "$T_OUT" >/dev/null &&
	pass show-json-case || fail show-json-case "$(head -c 300 "$T_OUT")"

# receipts, checked with the proof verifier exactly as the README says
expect receipt 0 "" "$PARLEY" receipt "$CASE" --key "$K/us.doj.key" --node $US --out "$D/receipts"
has receipt-count "receipts verified and written"
n=0 bad=0
while read -r line; do
	case $line in "parley proof verify "*) ;; *) continue ;; esac
	n=$((n + 1))
	(cd "$D/receipts" && eval "\"\$PARLEY\"${line#parley}") >/dev/null 2>&1 || bad=$((bad + 1))
done <"$D/receipts/README"
if [ $n -ge 6 ] && [ $bad -eq 0 ]; then pass receipts-verify; else fail receipts-verify "$bad of $n failed"; fi
# --json: what was written and verified, one item per envelope of our log, files that exist
expect receipt-json 0 "" "$PARLEY" receipt "$CASE" --key "$K/us.doj.key" --node $US --out "$D/receipts-json" --json
jq -e --arg c "$CASE" '.case == $c and .party == "us" and .verified >= 6 and .outstanding == 0 and
	([.envelopes[] | select(.receipt_due) | .verified] | all) and
	([.envelopes[].receipts[] | select(.verified) | .cosigned_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")] | all) and
	.verified == ([.envelopes[].receipts[] | select(.verified)] | length) and
	([.envelopes[] | select(.entry == "us/1") | .recipient_parties == ["ru"] and .envelope == "1.envelope" and .index == 1 and .receipts[0].proof == "1.tlog-proof" and .receipts[0].cosigner_vkey == "ru-cosigner.vkey"] | all)' \
	"$T_OUT" >/dev/null && pass receipt-json-shape || fail receipt-json-shape "$(head -c 600 "$T_OUT")"
missing=0
for f in $(jq -r '.envelopes[] | (.envelope // empty), (.receipts[] | .proof // empty, .cosigner_vkey // empty)' "$T_OUT") README us-node.vkey; do
	[ -s "$D/receipts-json/$f" ] || missing=$((missing + 1))
done
[ $missing = 0 ] && pass receipt-json-files-exist || fail receipt-json-files-exist "$missing files named but absent"
[ "$(jq '.verified' "$T_OUT")" = "$(grep -c '^parley proof verify ' "$D/receipts-json/README")" ] &&
	pass receipt-json-readme-agrees || fail receipt-json-readme-agrees
cp "$D/receipts/1.envelope" "$D/other.envelope" && printf 'x' >>"$D/other.envelope"
expect receipt-wrong-entry 1 "" "$PARLEY" proof verify "$D/receipts/1.tlog-proof" "$D/other.envelope" \
	--vkey "$D/receipts/us-node.vkey" --witness "$D/receipts/ru-cosigner.vkey"

expect close 0 "" "$PARLEY" close "$CASE" --key "$K/us.doj.key" --node $US --outcome partially-completed \
	--reason "Logs received; the image was not needed any more." --wait 15
expect show-closed 0 "" "$PARLEY" show "$CASE" --key "$K/us.doj.key" --node $US
has case-closed ", closed "

# --- refusals ---
"$PARLEY" keygen --name us.cia --out "$D/cia.key" >/dev/null
expect key-not-in-charter 2 "key 'us.cia' is not the key of an agency" "$PARLEY" inbox --key "$D/cia.key" --node $US
expect wrong-party-node 2 "is not the node of party us" "$PARLEY" inbox --key "$K/us.doj.key" --node $RU
expect no-such-case 2 "no case us.fbi/1999-0001" "$PARLEY" show us.fbi/1999-0001 --key "$K/us.doj.key" --node $US
expect ack-no-such-case 2 "no case us.fbi/1999-0001" "$PARLEY" ack us.fbi/1999-0001 --key "$K/ru.gp.key" --node $RU
expect notice-only 0 "" "$PARLEY" send notice --key "$K/us.fbi.key" --node $US --to ru.gp --body "$V/notice-minimal.json" --wait 15
CASE2=$(sed -n 's/^sent notice from us.fbi in case \([^,]*\),.*/\1/p' "$T_OUT")
expect ack-nothing 2 "nothing to acknowledge in case $CASE2: no request addressed to ru.gp" \
	"$PARLEY" ack "$CASE2" --key "$K/ru.gp.key" --node $RU
expect answer-needs-body 2 "needs a body" "$PARLEY" answer "$CASE" --key "$K/ru.gp.key" --node $RU
expect flag-wrong-type 2 "--grounds does not apply to a notice body" "$PARLEY" send notice --key "$K/us.fbi.key" --node $US \
	--to ru.gp --grounds x
expect body-invalid 2 "body: \$.incident" "$PARLEY" send notice --key "$K/us.fbi.key" --node $US --to ru.gp --title T --summary S
expect not-an-agency 2 "'ru.kgb' is not an agency" "$PARLEY" send notice --key "$K/us.fbi.key" --node $US --to ru.kgb \
	--body "$V/notice-minimal.json"
expect node-down 2 "127.0.0.1:18409" "$PARLEY" inbox --key "$K/us.doj.key" --node http://127.0.0.1:18409

# --- the demo ---
"$PARLEY" demo --dir "$D/demo" --exit >"$T_OUT" 2>"$T_ERR" </dev/null
rc=$?
if [ $rc -eq 0 ] && [ "$(tail -n 1 "$T_OUT")" = "demo ok" ]; then pass demo; else fail demo "exit $rc: $(tail -n 3 "$T_OUT") $(tail -n 3 "$T_ERR")"; fi
[ -f "$D/demo/charter" ] && [ -f "$D/demo/keys/us.fbi.key" ] && [ -d "$D/demo/us/log" ] && [ -d "$D/demo/ru/log" ] &&
	[ -d "$D/demo/witness" ] && pass demo-layout || fail demo-layout "$(ls "$D/demo")"
if pgrep -f "parley node --dir $D/demo" >/dev/null; then fail demo-stopped "a service is still running"; else pass demo-stopped; fi
expect demo-dir-not-empty 2 "is not empty" "$PARLEY" demo --dir "$D/demo" --exit
# The story's question on the demo's logs (issue 14): none in the month of the phone call, the
# demo's two requests to ru today (provisional: no witness has seen the logs after the period yet)
expect demo-report-story-period 0 "" "$PARLEY" report "$D/demo/us" --to-party ru --kind request --from 2021-06-09 --to 2021-07-09 &&
	{ grep -q "^matching envelopes: none$" "$T_OUT" && grep -q "^  us's log seen at size 1 by 2 witnesses" "$T_OUT" &&
		pass demo-report-none-with-proof || fail demo-report-none-with-proof "$(cat "$T_OUT")"; }
expect demo-report-today 0 "" "$PARLEY" report "$D/demo/us" --to-party ru --kind request \
	--from "$(date -u -d '-1 day' +%F)" --to "$(date -u -d '+1 day' +%F)" &&
	{ grep -q "^matching envelopes: 2 (provisional)$" "$T_OUT" && [ "$(grep -c '^  us/[0-9]* .* request ' "$T_OUT")" = 2 ] &&
		pass demo-report-two-requests || fail demo-report-two-requests "$(cat "$T_OUT")"; }

#!/usr/bin/env bash
# The desk's TAXII 2.1 feed filled from live nodes (src/desk/taxii_fill.c), through
# the hidden `parley taxii-get`: two nodes and a witness on loopback; us.fbi sends a
# notice with a STIX bundle to ru.fsb and ru.gp, us.doj a request with evidence to
# ru.gp (two objects in common with the notice's bundle), us.fbi a notice with
# another bundle to ru.fsb only. ru.gp's collection then holds exactly the objects of
# the first two bundles, each (id, version) once, in log order; a client following
# `next` page by page (each page from a fresh fill, as after a desk restart) sees
# each once; ru.fsb's holds its own; us.doj's (no evidence received) none; 401 and
# 406 as the spec says; the journal. Then what a hostile counterpart can send: an
# envelope dated ahead (its objects dated by the desk's clock), other content under a
# held (id, version) (counted), a body sealed to another agency (refused, not retried).
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
D=$T_DIR
V=$ROOT/tests/data/cyber-mla/valid
STIX=$ROOT/tests/data/stix/valid/ransomware-notice.json
STIX2=$ROOT/tests/data/stix/valid/wallet-indicator-tlp1.json
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

if ! command -v jq >/dev/null; then
	skip taxii "jq is not installed"
	exit 0
fi
make_channel "$D/ch" || { fail setup "make_channel"; exit 1; }
"$PARLEY" node init "$D/us" --charter "$D/ch/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$D/ch/charter" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$D/ch/charter" --key "$K/witness.key" 2>/dev/null ||
	{ fail setup "init"; exit 1; }
# us lets its agencies date envelopes up to a day ahead (--max-skew): a counterpart's node decides what it
# logs, and the last part of this test plays one that dates its envelope ahead of ru's clock
"$PARLEY" node --dir "$D/us" --poll 1 --max-skew 86400 2>"$D/us.log" & PIDS+=($!)
"$PARLEY" node --dir "$D/ru" --poll 1 2>"$D/ru.log" & PIDS+=($!)
"$PARLEY" witness --dir "$D/w" 2>"$D/w.log" & PIDS+=($!)
for port in $((PORT_BASE + 1)) $((PORT_BASE + 2)) $((PORT_BASE + 3)); do
	for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

# body — the JSON body of the last taxii-get answer (after the blank line)
body() { sed '1,/^$/d' "$T_OUT"; }
tget() { "$PARLEY" taxii-get "$@"; }

expect send-notice 0 "" "$PARLEY" send notice --key "$K/us.fbi.key" --node $US --to ru.fsb ru.gp \
	--title "Ransomware through a managed-service provider" --summary "ExampleLocker pushed to client networks." \
	--first-observed 2024-03-09T22:10:00Z --detected 2024-03-11T06:40:00Z --sector technology \
	--org-type managed-service-provider --severity critical --impact "About 1,500 networks encrypted." \
	--evidence "$STIX" --wait 15
CASE=$(sed -n 's/^sent notice from us.fbi in case \([^,]*\),.*/\1/p' "$T_OUT")
expect send-request 0 "" "$PARLEY" send request --key "$K/us.doj.key" --node $US --case "$CASE" --to ru.gp \
	--body "$V/mla-request-prosecutor.json" --wait 15
expect send-notice-fsb-only 0 "" "$PARLEY" send notice --key "$K/us.fbi.key" --node $US --to ru.fsb \
	--title "Wallet" --summary "A wallet." --first-observed 2024-03-09T22:10:00Z --detected 2024-03-11T06:40:00Z \
	--sector technology --org-type managed-service-provider --severity low --impact "None yet." \
	--evidence "$STIX2" --wait 15

# What ru.gp should hold: the notice's objects, then the request's, each (id, version) once,
# an object without modified/created once per id.
jq -s -c '[.[0].objects[], .[1].evidence.objects[]] | map([.id, (.modified // .created // "")])
	| reduce .[] as $o ([]; if any(.[]; . == $o) then . else . + [$o] end) | map(.[0])' \
	"$STIX" "$V/mla-request-prosecutor.json" >"$D/want-gp"
jq -s -c '[.[0].objects[], .[1].objects[]] | map([.id, (.modified // .created // "")])
	| reduce .[] as $o ([]; if any(.[]; . == $o) then . else . + [$o] end) | map(.[0])' \
	"$STIX" "$STIX2" >"$D/want-fsb"

ROOTP=/taxii2/evidence/
expect discovery 0 "taxii: 2 envelopes read, 2 bundles" tget --key "$K/ru.gp.key" --node $RU /taxii2/
[ "$(body | jq -r '.api_roots[0]')" = "$ROOTP" ] && pass discovery-root || fail discovery-root "$(body)"
grep -q "^Content-Type: application/taxii+json;version=2.1$" "$T_OUT" && pass media-type || fail media-type "$(head -3 "$T_OUT")"

expect collections 0 "" tget --key "$K/ru.gp.key" --node $RU ${ROOTP}collections/
CID=$(body | jq -r '.collections[0].id')
[ "$(body | jq -c '[(.collections | length), .collections[0].can_read, .collections[0].can_write]')" = '[1,true,false]' ] &&
	pass collection-read-only || fail collection-read-only "$(body)"
OBJ=${ROOTP}collections/$CID/objects/

# one page with everything: the objects in log order, each once
expect objects 0 "" tget --key "$K/ru.gp.key" --node $RU "$OBJ?limit=1000&match%5Bversion%5D=all"
body | jq -c '[.objects[].id]' >"$D/got-gp"
if cmp -s "$D/want-gp" "$D/got-gp"; then pass objects-exactly; else fail objects-exactly "want $(cat "$D/want-gp") got $(cat "$D/got-gp")"; fi
n_want=$(jq length "$D/want-gp")
n_both=$( (jq -c '.objects[]' "$STIX"; jq -c '.evidence.objects[]' "$V/mla-request-prosecutor.json") | wc -l)
[ "$n_want" -lt "$n_both" ] && pass shared-objects-once || fail shared-objects-once "$n_want of $n_both"

# a client following next, limit 2, every page from a new fill (as after a restart)
next= ids=() pages=0 ok=1
while :; do
	q="limit=2&match%5Bversion%5D=all${next:+&next=$next}"
	tget --key "$K/ru.gp.key" --node $RU "$OBJ?$q" >"$T_OUT" 2>"$T_ERR" || { ok=0; break; }
	while read -r id; do ids+=("$id"); done < <(body | jq -r '.objects[]?.id')
	pages=$((pages + 1))
	[ "$(body | jq -r .more)" = true ] || break
	next=$(body | jq -r .next)
	[ $pages -lt 100 ] || { ok=0; break; }
done
got=$(printf '%s\n' "${ids[@]}" | jq -R . | jq -s -c .)
[ $ok = 1 ] && [ "$got" = "$(cat "$D/want-gp")" ] && [ $pages = $(((n_want + 1) / 2)) ] &&
	pass walk-next || fail walk-next "pages $pages, got $got"

expect manifest 0 "" tget --key "$K/ru.gp.key" --node $RU "${ROOTP}collections/$CID/manifest/?limit=1000&match%5Bversion%5D=all"
body | jq -e '[.objects[].date_added] | . as $d | all(range(1; length); $d[. - 1] < $d[.])' >/dev/null &&
	pass date-added-increasing || fail date-added-increasing "$(body | head -c 400)"

# ru.fsb: both notices' bundles, not the request's evidence; its own collection
expect fsb 0 "taxii: 2 envelopes read, 2 bundles" tget --key "$K/ru.fsb.key" --node $RU ${ROOTP}collections/
[ "$(body | jq -r '.collections[0].id')" != "$CID" ] && pass collection-per-agency || fail collection-per-agency "$CID"
FOBJ=${ROOTP}collections/$(body | jq -r '.collections[0].id')/objects/
expect fsb-objects 0 "" tget --key "$K/ru.fsb.key" --node $RU "$FOBJ?limit=1000&match%5Bversion%5D=all"
body | jq -c '[.objects[].id]' >"$D/got-fsb"
cmp -s "$D/want-fsb" "$D/got-fsb" && pass fsb-own-evidence || fail fsb-own-evidence "want $(cat "$D/want-fsb") got $(cat "$D/got-fsb")"
expect fsb-other-collection 1 "" tget --key "$K/ru.fsb.key" --node $RU "$OBJ"
grep -q '^HTTP 404$' "$T_OUT" && pass fsb-not-gp || fail fsb-not-gp "$(head -c 300 "$T_OUT")"

# us.doj received no evidence: an empty collection
expect doj 0 "taxii: 0 envelopes read" tget --key "$K/us.doj.key" --node $US ${ROOTP}collections/
DOBJ=${ROOTP}collections/$(body | jq -r '.collections[0].id')/objects/
expect doj-empty 0 "" tget --key "$K/us.doj.key" --node $US "$DOBJ"
[ "$(body)" = '{"objects":[],"more":false}' ] && pass doj-nothing || fail doj-nothing "$(body)"

# credentials and media type
expect no-credentials 1 "" tget --key "$K/ru.gp.key" --node $RU --auth "" "$OBJ"
grep -q '^HTTP 401$' "$T_OUT" && grep -q '^WWW-Authenticate: Basic realm=' "$T_OUT" && ! grep -q '"objects"' "$T_OUT" &&
	pass 401-www-authenticate || fail 401-www-authenticate "$(head -c 300 "$T_OUT")"
expect wrong-credentials 1 "" tget --key "$K/ru.gp.key" --node $RU --auth "Basic $(printf 'x:wrong' | base64)" "$OBJ"
grep -q '^HTTP 401$' "$T_OUT" && pass 401-wrong || fail 401-wrong "$(head -c 300 "$T_OUT")"
expect basic-credentials 0 "" tget --key "$K/ru.gp.key" --node $RU --auth "Basic $(printf 'opencti:taxii-get' | base64)" "$OBJ"
expect wrong-accept 1 "" tget --key "$K/ru.gp.key" --node $RU --accept application/json "$OBJ"
grep -q '^HTTP 406$' "$T_OUT" && [ "$(body | jq -r .http_status)" = 406 ] && pass 406 || fail 406 "$(head -c 300 "$T_OUT")"
expect unknown-collection 1 "" tget --key "$K/ru.gp.key" --node $RU ${ROOTP}collections/00000000-0000-8000-8000-000000000000/objects/
grep -q '^HTTP 404$' "$T_OUT" && pass 404 || fail 404 "$(head -c 300 "$T_OUT")"
expect usage 2 "usage: parley taxii-get" tget --key "$K/ru.gp.key"

# --- the journal: dates kept across fills (desk restarts) ---
J=$D/taxii.journal
MAN="${ROOTP}collections/$CID/manifest/?limit=1000&match%5Bversion%5D=all"
expect journal-create 0 "2 bundles" tget --key "$K/ru.gp.key" --node $RU --journal "$J" "$MAN"
body >"$D/man1"
[ "$(sed -n 1p "$J")" = "parley taxii journal 1 $CID" ] && [ "$(wc -l <"$J")" = 3 ] &&
	pass journal-lines || fail journal-lines "$(cat "$J")"
expect journal-replay 0 "2 placed by the journal" tget --key "$K/ru.gp.key" --node $RU --journal "$J" "$MAN"
cmp -s "$D/man1" <(body) && pass journal-same-dates || fail journal-same-dates "$(body | head -c 300)"
[ "$(wc -l <"$J")" = 3 ] && pass journal-not-grown || fail journal-not-grown "$(cat "$J")"
# the journal, not the inbox, decides: the request's envelope placed first (as if it had come
# first), the notice's after it; the objects both bundles hold now come with the request
REQ=$(sed -n 3p "$J" | cut -d' ' -f1) NOTICE=$(sed -n 2p "$J" | cut -d' ' -f1)
printf 'parley taxii journal 1 %s\n%s 1767225600000000\n%s 1767225660000000\n' "$CID" "$REQ" "$NOTICE" >"$D/j2"
expect journal-order 0 "2 placed by the journal" tget --key "$K/ru.gp.key" --node $RU --journal "$D/j2" "$MAN"
first_req=$(jq -r '.evidence.objects[0].id' "$V/mla-request-prosecutor.json")
[ "$(body | jq -r '.objects[0].id + " " + .objects[0].date_added')" = "$first_req 2026-01-01T00:00:00.000Z" ] &&
	[ "$(body | jq -r '[.objects[] | select(.date_added >= "2026-01-01T00:01:00.000Z")] | .[0].date_added')" = 2026-01-01T00:01:00.000Z ] &&
	pass journal-decides || fail journal-decides "$(body | head -c 400)"
printf 'parley taxii journal 1 %s\n%s 5\nnonsense\n' "$CID" "$REQ" >"$D/j3"
expect journal-malformed 2 "j3: line 3: not 'PARTY/INDEX DATE'" tget --key "$K/ru.gp.key" --node $RU --journal "$D/j3" "$MAN"
expect journal-other-collection 2 "not a TAXII journal of collection" tget --key "$K/ru.fsb.key" --node $RU --journal "$J" /taxii2/

# --- a counterpart dating its envelope ahead of the desk's clock ---
# date_added is when the desk added an object: never the sender's future. An envelope dated
# ahead (a day here; a hostile node may log 9999-12-31T23:59:59Z) must not carry the
# collection's dates with it (at 9999 they run out and every later envelope is refused).
frame() { printf 'parley-submit v1 %d %d\n' "$(stat -c %s "$1")" "$(stat -c %s "$2")"; cat "$1" "$2"; }
wait_for() { local i; for i in $(seq 200); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
# a new version of the wallet indicator: objects ru.gp does not hold yet
jq '.objects |= map(if .type == "indicator" then .modified = "2024-06-01T00:00:00.000Z" else . end)' "$STIX2" >"$D/fut.stix"
FUT=$(date -u -d '+23 hours' +%Y-%m-%dT%H:%M:%SZ)
"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/ch/charter" --kind notice --to ru.gp \
	--case "us.fbi/FUTURE-$RANDOM" --body "$V/notice-minimal.json" --evidence "$D/fut.stix" --time "$FUT" \
	--out "$D/fut" >"$D/fut.log" 2>&1 && frame "$D/fut/envelope" "$D/fut/body.age" >"$D/fut.req" ||
	fail future-seal "$(cat "$D/fut.log")"
code=$(curl -s -o "$D/fut.resp" -w '%{http_code}' -H "Content-Type: application/x-parley-submit" \
	--data-binary @"$D/fut.req" "$US/submit")
[ "$code" = 200 ] || fail future-submit "$code $(cat "$D/fut.resp")"
in_inbox() { curl -sf "$RU/inbox/ru.gp" | jq -e --arg t "$FUT" '[.items[] | select(.time == $t)] | length == 1'; }
wait_for in_inbox || fail future-mirrored "$(curl -s "$RU/inbox/ru.gp" | head -c 300)"
before=$(date -u +%s)
expect future-fill 0 "3 bundles" tget --key "$K/ru.gp.key" --node $RU "$MAN"
after=$(date -u +%s)
last=$(body | jq -r '.objects[-1].date_added')
last_s=$(date -u -d "$last" +%s 2>/dev/null || echo 0)
[ "$last_s" -ge $((before - 5)) ] && [ "$last_s" -le $((after + 5)) ] &&
	pass future-envelope-dated-now || fail future-envelope-dated-now "last date_added $last, the desk's clock $(date -u -d @"$after" +%FT%TZ), the envelope $FUT"

# --- another sender's object under an (id, version) the collection holds, with other content ---
# The first one stays served (there is no telling which is true), but the disagreement is not
# dropped in silence: the fill counts it (the bundles above already disagree on the identity
# and marking objects they share: those are counted too).
conflicts() { sed -n 's/.* \([0-9]*\) conflicting.*/\1/p' "$T_ERR"; }
expect conflicts-before 0 "" tget --key "$K/ru.gp.key" --node $RU "$OBJ"
n0=$(conflicts)
IND=indicator--fb384b09-49ac-4879-815f-1e0f5c359d14
jq --arg id $IND '.objects |= map(if .id == $id then .description = "forged under a held version" else . end)' \
	"$STIX" >"$D/forged.stix"
expect send-forged 0 "" "$PARLEY" send notice --key "$K/us.doj.key" --node $US --to ru.gp \
	--body "$V/notice-minimal.json" --evidence "$D/forged.stix" --wait 15
expect conflicts-after 0 "" tget --key "$K/ru.gp.key" --node $RU "$OBJ$IND/?match%5Bversion%5D=2024-03-11T08:15:00.000Z"
n1=$(conflicts)
[ -n "$n0" ] && [ "$n1" = $((n0 + 1)) ] && pass conflict-counted || fail conflict-counted "$n0 then $n1: $(cat "$T_ERR")"
[ "$(body | jq -c '[(.objects | length), (.objects[0].description // "none")]')" = '[1,"none"]' ] &&
	pass conflict-first-kept || fail conflict-first-kept "$(body | head -c 300)"

# --- a body that can never be opened: counted refused, not failed (failed ones are fetched again at every refresh) ---
# us.fbi's envelope to ru.gp whose body is sealed to ru.fsb only (re-signed with openssl: parley would not
# write it; the node logs it, as it cannot read bodies). Before: "1 failed", and the desk fetched and tried
# the body (up to 64 MiB) at each refresh for as long as it ran.
"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/ch/charter" --kind notice --to ru.fsb \
	--case "us.fbi/SEALED-$RANDOM" --body "$V/notice-minimal.json" --time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--out "$D/wrong" >"$D/wrong.log" 2>&1 || fail wrong-seal "$(cat "$D/wrong.log")"
sed -n '1,/^$/p' "$D/wrong/envelope" | sed '$d' | sed 's/^to: ru.fsb$/to: ru.gp/' >"$D/wrong.txt"
sign_text "$K/us.fbi.key" "$D/wrong.txt" >"$D/wrong/envelope.gp" && frame "$D/wrong/envelope.gp" "$D/wrong/body.age" >"$D/wrong.req"
code=$(curl -s -o "$D/wrong.resp" -w '%{http_code}' -H "Content-Type: application/x-parley-submit" \
	--data-binary @"$D/wrong.req" "$US/submit")
[ "$code" = 200 ] && pass wrong-body-logged || fail wrong-body-logged "$code $(cat "$D/wrong.resp")"
gp_inbox_has() { curl -sf "$RU/inbox/ru.gp" | jq -e '[.items[] | select(.case | startswith("us.fbi/SEALED-"))] | length == 1'; }
wait_for gp_inbox_has || fail wrong-body-mirrored "$(curl -s "$RU/inbox/ru.gp" | head -c 300)"
expect wrong-body-refused 0 " 1 refused, 0 failed" tget --key "$K/ru.gp.key" --node $RU "$OBJ"

# --- one sender floods: its excess is dropped, another sender's evidence still appears ---
# The store is shared by the channel's parties, each at most its share (docs/taxii.md "Filters and
# limits"). With the store lowered to 24 objects (a share of 12 for us and for ru), us's envelopes above
# (bundles of 22, 4, 4, 22 objects) go past us's share: the two of 22 are dropped; ru.fsb's notice to
# ru.gp (a new version of an indicator) still goes in. Without the share, us's first bundles fill the
# store and ru.fsb's never goes in (before the share: the fill failed, "would hold more than 24 objects";
# with a share as large as the store: dropped).
jq '.objects |= map(if .type == "indicator" then .modified = "2025-01-01T00:00:00.000Z" else . end)' "$STIX2" >"$D/fsb.stix"
expect send-fsb-to-gp 0 "" "$PARLEY" send notice --key "$K/ru.fsb.key" --node $RU --to ru.gp \
	--body "$V/notice-minimal.json" --evidence "$D/fsb.stix" --wait 15
FSB_IND=$(jq -r '.objects[] | select(.type == "indicator") | .id' "$D/fsb.stix")
expect flood-share 0 "over their sender's share" tget --key "$K/ru.gp.key" --node $RU --max-objects 24 \
	"$OBJ$FSB_IND/?match%5Bversion%5D=2025-01-01T00:00:00.000Z"
[ "$(body | jq '.objects | length')" = 1 ] && pass flood-other-sender-served ||
	fail flood-other-sender-served "$(body | head -c 200); $(head -c 300 "$T_ERR")"
dropped=$(sed -n 's/.* \([0-9]*\) over their sender.s share.*/\1/p' "$T_ERR")
[ "$dropped" = 2 ] && grep -q "dropped: us holds" "$T_ERR" && pass flood-excess-dropped ||
	fail flood-excess-dropped "$(cat "$T_ERR")"
expect flood-usage 2 "--max-objects '0'" tget --key "$K/ru.gp.key" --node $RU --max-objects 0 /taxii2/

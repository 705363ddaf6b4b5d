# The neutral witness and amendments (docs/amendments.md, "Rotating a node key"; docs/node.md,
# "The neutral witness"). A node forwards the amendment it adopts to the charter's witness,
# which was down (failure logged, retried with backoff) and gets it once up. A fresh witness
# refuses bad postings of POST /amendment (not one 400, unsigned or partly signed 422, too large
# 413, nothing stored), then adopts a rotation of us's node key (effective an hour ago): from then
# a checkpoint signed by the retired key is refused (403) and one by the new key cosigned, also
# after a restart, which loads DIR/amendments/ (a bad file there stops it, named).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D/ch" || { fail setup "could not build the test channel"; exit 1; }
K=$D/ch/keys C=$D/ch/charter
US=$(url_of us) W=$(url_of witness)
"$PARLEY" node init "$D/us" --charter "$C" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$C" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$C" --key "$K/witness.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w2" --charter "$C" --key "$K/witness.key" 2>/dev/null || { fail setup init; exit 1; }

replace() { awk -v p="$1" -v r="$2" 'index($0, p) == 1 && !done { print r; done = 1; next } { print }' "$3" >"$3.new" && mv "$3.new" "$3"; }
post() { curl -s -o "$T_DIR/resp" -w '%{http_code}' --data-binary @"$1" "$2/amendment"; }
stop_witness() { kill "$NODE_PID_witness" 2>/dev/null; wait "$NODE_PID_witness" 2>/dev/null; }
# until CMD succeeds, at most $1 seconds
wait_secs() { local n=$1 i; shift; for i in $(seq $((n * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

# --- a node forwards what it adopts to the witness, retrying until it is up ---
start_node "$D/us" us && start_node "$D/ru" ru || { fail setup "nodes did not start"; exit 1; }
"$PARLEY" charter amend "$C" --effective "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" --out "$D/ack" 2>/dev/null
replace "ack: " "ack: 12h" "$D/ack"
"$PARLEY" charter sign "$D/ack" --key "$K/us-node.key" --charter "$C" 2>/dev/null
"$PARLEY" charter sign "$D/ack" --key "$K/ru-node.key" --charter "$C" 2>/dev/null
code=$(post "$D/ack" "$US")
[ "$code" = 200 ] || fail setup "the node did not adopt the amendment: $code $(cat "$T_DIR/resp")"
wait_secs 10 grep -q "event=amendment_forward_failed target=un.witness " "$D/us.log" && pass forward-failure-logged ||
	fail forward-failure-logged "$(tail -n 3 "$D/us.log")"
[ "$(grep -c 'event=amendment_forward_failed target=un.witness ' "$D/us.log")" = 1 ] && pass forward-failure-logged-once ||
	fail forward-failure-logged-once "$(grep -c amendment_forward_failed "$D/us.log") lines"
start_witness "$D/w" || { fail setup "the witness did not start"; exit 1; }
wait_secs 40 cmp -s "$D/w/amendments/0001" "$D/ack" && pass forwarded-to-witness || fail forwarded-to-witness "$(ls "$D/w/amendments" 2>&1)"
wait_secs 5 grep -q "event=amendment_forward_recovered target=un.witness " "$D/us.log" && pass forward-recovered-logged ||
	fail forward-recovered-logged "$(grep amendment_forward "$D/us.log" | tail -n 2)"
grep -q "event=amendment_adopted number=1 " "$D/w.log" && pass witness-logs-adoption || fail witness-logs-adoption "$(tail -n 2 "$D/w.log")"
stop_witness
kill "$NODE_PID_us" "$NODE_PID_ru" 2>/dev/null
wait "$NODE_PID_us" "$NODE_PID_ru" 2>/dev/null

# --- a fresh witness: refusals, then a rotation of us's node key ---
start_witness "$D/w2" || { fail setup "the second witness did not start"; exit 1; }
ORIGIN=us.parley.example/log
"$PARLEY" keygen --name "$ORIGIN" --out "$K/us-node.new.key" >/dev/null
"$PARLEY" charter amend "$C" --effective "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" --reason "us node key rotated" \
	--out "$D/rot" 2>/dev/null
replace "party: us " "party: us $US $("$PARLEY" key vkey "$K/us-node.new.key")" "$D/rot"
"$PARLEY" charter sign "$D/rot" --key "$K/ru-node.key" --charter "$C" 2>/dev/null
cp "$D/rot" "$D/rot.partly"
grep -v '^— ' "$D/rot.partly" | sed '/^$/d' >"$D/rot.unsigned"
"$PARLEY" charter sign "$D/rot" --key "$K/us-node.key" --charter "$C" 2>/dev/null
"$PARLEY" charter sign "$D/rot" --key "$K/us-node.new.key" --charter "$C" 2>/dev/null

# the log's size-0 checkpoint, signed by the old key and by the new one, as add-checkpoint requests
printf '%s\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n' "$ORIGIN" >"$D/cp.txt"
for k in old new; do
	key=$K/us-node.key
	[ $k = new ] && key=$K/us-node.new.key
	{ printf 'old 0\n\n'; "$PARLEY" note sign "$D/cp.txt" --key "$key"; } >"$D/req.$k"
done
add() { curl -s -o "$T_DIR/resp" -w '%{http_code}' --data-binary @"$D/req.$1" "$W/add-checkpoint"; }

code=$(add new)
[ "$code" = 403 ] && pass new-key-before-amendment-403 || fail new-key-before-amendment-403 "$code $(cat "$T_DIR/resp")"
code=$(add old)
[ "$code" = 200 ] && pass old-key-before-amendment-200 || fail old-key-before-amendment-200 "$code $(cat "$T_DIR/resp")"

code=$(post "$D/rot.unsigned" "$W")
[ "$code" = 422 ] && grep -q "not signed by us (its node key)" "$T_DIR/resp" && pass unsigned-422 || fail unsigned-422 "$code $(cat "$T_DIR/resp")"
code=$(post "$D/rot.partly" "$W")
[ "$code" = 422 ] && grep -q "not signed by us" "$T_DIR/resp" && ! grep -q "ru (its node key)" "$T_DIR/resp" &&
	pass partly-signed-422 || fail partly-signed-422 "$code $(cat "$T_DIR/resp")"
printf 'parley charter v1\n' >"$D/notone"
code=$(post "$D/notone" "$W")
[ "$code" = 400 ] && pass not-an-amendment-400 || fail not-an-amendment-400 "$code $(cat "$T_DIR/resp")"
{ cat "$D/rot"; head -c 70000 /dev/zero | tr '\0' 'x'; } >"$D/big"
code=$(post "$D/big" "$W")
[ "$code" = 413 ] && pass too-large-413 || fail too-large-413 "$code $(head -c 200 "$T_DIR/resp")"
[ -z "$(ls -A "$D/w2/amendments" 2>/dev/null)" ] && pass refused-store-nothing || fail refused-store-nothing "$(ls -A "$D/w2/amendments")"

code=$(post "$D/rot" "$W")
[ "$code" = 200 ] && grep -q "amendment 1 in force from" "$T_DIR/resp" && pass rotation-adopted-200 ||
	fail rotation-adopted-200 "$code $(cat "$T_DIR/resp")"
cmp -s "$D/w2/amendments/0001" "$D/rot" && pass rotation-saved || fail rotation-saved
code=$(post "$D/rot" "$W")
[ "$code" = 200 ] && grep -q "already in force" "$T_DIR/resp" && pass again-200 || fail again-200 "$code $(cat "$T_DIR/resp")"
# another amendment 1, complete: two histories
code=$(post "$D/ack" "$W")
[ "$code" = 409 ] && grep -q "two amendments number 1" "$T_DIR/resp" && pass other-amendment-1-409 ||
	fail other-amendment-1-409 "$code $(cat "$T_DIR/resp")"
[ "$(ls -A "$D/w2/amendments")" = 0001 ] && cmp -s "$D/w2/amendments/0001" "$D/rot" && pass conflict-stores-nothing ||
	fail conflict-stores-nothing "$(ls -A "$D/w2/amendments")"

# the old key was retired an hour ago (more than 900 s): refused; the new key: cosigned
code=$(add old)
[ "$code" = 403 ] && grep -q "retired" "$T_DIR/resp" && pass retired-key-403 || fail retired-key-403 "$code $(cat "$T_DIR/resp")"
code=$(add new)
[ "$code" = 200 ] && pass new-key-200 || fail new-key-200 "$code $(cat "$T_DIR/resp")"

# a restart loads DIR/amendments/
stop_witness
start_witness "$D/w2" || fail restart "$(tail -n 3 "$D/w2.log")"
grep -q "event=start .*amendments=1" "$D/w2.log" && pass restart-loads-amendments || fail restart-loads-amendments "$(grep event=start "$D/w2.log")"
code=$(add old)
[ "$code" = 403 ] && pass retired-key-403-after-restart || fail retired-key-403-after-restart "$code $(cat "$T_DIR/resp")"
code=$(add new)
[ "$code" = 200 ] && pass new-key-200-after-restart || fail new-key-200-after-restart "$code $(cat "$T_DIR/resp")"
stop_witness
printf 'parley amendment v1\nnot one\n' >"$D/w2/amendments/0002"
expect bad-amendment-file-stops-start 2 "w2/amendments: amendment 2 given: amendment line 2: 'channel' is missing" \
	"$PARLEY" witness --dir "$D/w2"

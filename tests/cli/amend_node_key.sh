# Rotating a node key in running nodes (docs/amendments.md, "Rotating a node key"): the us
# node's key rotated by amendment 1. Posted before the keeper holds the new key it is refused
# (422, nothing saved); with DIR/node.key.next in place it is adopted. Around the effective
# time both keys sign the published checkpoint; after it the new key alone signs; ru mirrors
# and cosigns across the rotation and judges envelopes sent after it; a restart with the old
# node.key and the new node.key.next, and one after the operator moved the new key over
# node.key, both work; an auditor's fetch and report over the period verify.
# Every node runs with --max-skew 3: the hand-over window is the node's --max-skew.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D/ch" || { fail setup "could not build the test channel"; exit 1; }
K=$D/ch/keys C=$D/ch/charter V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us) RU=$(url_of ru)
SKEW=3
"$PARLEY" node init "$D/us" --charter "$C" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$C" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$C" --key "$K/witness.key" 2>/dev/null || { fail setup init; exit 1; }
start_node "$D/us" us --max-skew $SKEW && start_node "$D/ru" ru --max-skew $SKEW && start_witness "$D/w" ||
	{ fail setup "nodes did not start"; exit 1; }
FROM=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)

post() { curl -s -o "$T_DIR/resp" -w '%{http_code}' --data-binary @"$1" "$2/amendment"; }
send_notice() { "$PARLEY" send notice --key "$K/us.fbi.key" --node "$US" --to ru.fsb --body "$V/notice-minimal.json" --wait 15; }
# log_lines URL — the checkpoint's signature lines by the us log's name
OLD_V=$("$PARLEY" key vkey "$K/us-node.key")
LOG=${OLD_V%%+*}
log_lines() { curl -s "$1/checkpoint" | grep -c "^— $LOG "; }
# key_id VKEY — its key ID (8 hex digits); line_ids URL — the key IDs of the log's lines on the checkpoint
key_id() { echo "$1" | cut -d+ -f2; }
line_ids() { curl -s "$1/checkpoint" | sed -n "s|^— $LOG ||p" | while read -r b; do echo "$b" | base64 -d | head -c 4 | od -An -tx1 | tr -d ' \n'; echo; done | sort; }

expect before-rotation 0 "" send_notice
case_before=$(sed -n 's/^sent notice from us.fbi in case \([^,]*\),.*/\1/p' "$T_OUT")

# amendment 1: us's node key rotated (same name), signed by both parties and by the new key
"$PARLEY" keygen --name "$LOG" --out "$K/us-node.new.key" >/dev/null
NEW_V=$("$PARLEY" key vkey "$K/us-node.new.key")
"$PARLEY" charter amend "$C" --effective "$(date -u -d '+10 seconds' +%Y-%m-%dT%H:%M:%SZ)" --out "$D/a1" 2>/dev/null
sed -i "s|^party: us \([^ ]*\) .*|party: us \1 $NEW_V|" "$D/a1"
for k in us-node us-node.new ru-node; do "$PARLEY" charter sign "$D/a1" --key "$K/$k.key" --charter "$C" 2>/dev/null; done
expect amendment-complete 0 "" "$PARLEY" charter verify "$D/a1" --charter "$C"
t_eff=$(sed -n 's/^effective: //p' "$D/a1")

# refused while the keeper does not hold the new key: nothing saved, nothing recorded
size0=$(log_size "$US")
code=$(post "$D/a1" "$US")
[ "$code" = 422 ] && grep -q "node.key.next" "$T_DIR/resp" && pass without-new-key-422 ||
	fail without-new-key-422 "$code $(cat "$T_DIR/resp")"
[ -z "$(ls -A "$D/us/amendments" 2>/dev/null)" ] && [ "$(log_size "$US")" = "$size0" ] && pass refused-changes-nothing ||
	fail refused-changes-nothing "$(ls "$D/us/amendments") size $(log_size "$US")"

# with the new key beside the old one: adopted, recorded, and ru adopts it from the us log
install -m 600 "$K/us-node.new.key" "$D/us/node.key.next"
code=$(post "$D/a1" "$US")
[ "$code" = 200 ] && pass adopted-200 || fail adopted-200 "$code $(cat "$T_DIR/resp")"
wait_for test -f "$D/ru/amendments/0001" && cmp -s "$D/ru/amendments/0001" "$D/a1" && pass peer-adopts ||
	fail peer-adopts "$(tail -n 3 "$D/ru.log")"

# inside the hand-over window (from t_eff - 3 s): both keys sign the published checkpoint
both="$(printf '%s\n%s' "$(key_id "$OLD_V")" "$(key_id "$NEW_V")" | sort)"
both_sign() { test "$(line_ids "$US")" = "$both"; }
wait_for both_sign && pass handover-both-keys-sign || fail handover-both-keys-sign "$(line_ids "$US"; curl -s "$US/checkpoint")"
grep -q "event=node_key_handover" "$D/us.log" && pass handover-logged || fail handover-logged

# after the window: new envelopes, checkpoints by the new key alone, mirrored and cosigned by ru
end=$(($(date -u -d "$t_eff" +%s) + SKEW + 1))
while [ "$(date -u +%s)" -lt "$end" ]; do sleep 0.5; done
expect after-rotation 0 "" send_notice
case_after=$(sed -n 's/^sent notice from us.fbi in case \([^,]*\),.*/\1/p' "$T_OUT")
[ "$(line_ids "$US")" = "$(key_id "$NEW_V")" ] && pass new-key-alone-after || fail new-key-alone-after "$(line_ids "$US")"
one_notice() { curl -sf "$1" | jq -e '[.envelopes[] | select(.kind == "notice")] | length == 1' >/dev/null; }
wait_for one_notice "$RU/case/$case_after" && pass peer-mirrors-after || fail peer-mirrors-after "$(tail -n 5 "$D/ru.log")"
same_size() { [ "$(log_size "$US")" = "$(curl -s "$RU/peers/us/checkpoint" 2>/dev/null | sed -n 2p)" ]; }
cosigned_by_ru() { curl -s "$US/checkpoint" | grep -q "^— ru\."; }
wait_for cosigned_by_ru && pass peer-cosigns-after || fail peer-cosigns-after "$(curl -s "$US/checkpoint")"
! grep -q "level=error" "$D/us.log" "$D/ru.log" && pass no-errors-logged || fail no-errors-logged "$(grep -h level=error "$D/us.log" "$D/ru.log" | head -3)"

# restarts: with node.key (old) and node.key.next (new); then with the new key moved over node.key
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
start_node "$D/us" us --max-skew $SKEW && pass restart-old-and-next || fail restart-old-and-next "$(tail -n 3 "$D/us.log")"
expect after-restart 0 "" send_notice
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
mv "$D/us/node.key.next" "$D/us/node.key"
start_node "$D/us" us --max-skew $SKEW && pass restart-new-as-node-key || fail restart-new-as-node-key "$(tail -n 3 "$D/us.log")"
expect after-move 0 "" send_notice
[ "$(line_ids "$US")" = "$(key_id "$NEW_V")" ] && pass still-new-key || fail still-new-key "$(line_ids "$US")"
kill "$NODE_PID_ru"; wait "$NODE_PID_ru" 2>/dev/null
start_node "$D/ru" ru --max-skew $SKEW && pass peer-restarts || fail peer-restarts "$(tail -n 3 "$D/ru.log")"
expect after-peer-restart 0 "" send_notice
case_last=$(sed -n 's/^sent notice from us.fbi in case \([^,]*\),.*/\1/p' "$T_OUT")
wait_for one_notice "$RU/case/$case_last" && pass peer-mirrors-after-restart || fail peer-mirrors-after-restart

# a second rotation while ru is down: back up, ru cannot read us's new checkpoints, so it asks us
# for the amendment it missed (GET /amendment/2), adopts it, and mirrors and cosigns again
kill "$NODE_PID_ru"; wait "$NODE_PID_ru" 2>/dev/null
"$PARLEY" keygen --name "$LOG" --out "$K/us-node.3.key" >/dev/null
THIRD_V=$("$PARLEY" key vkey "$K/us-node.3.key")
"$PARLEY" charter amend "$C" "$D/a1" --effective "$(date -u -d '+8 seconds' +%Y-%m-%dT%H:%M:%SZ)" --out "$D/a2" 2>/dev/null
sed -i "s|^party: us \([^ ]*\) .*|party: us \1 $THIRD_V|" "$D/a2"
for k in us-node.new us-node.3 ru-node; do "$PARLEY" charter sign "$D/a2" --key "$K/$k.key" --charter "$C" "$D/a1" 2>/dev/null; done
install -m 600 "$K/us-node.3.key" "$D/us/node.key.next"
code=$(post "$D/a2" "$US")
[ "$code" = 200 ] && pass second-adopted-200 || fail second-adopted-200 "$code $(cat "$T_DIR/resp")"
t2=$(sed -n 's/^effective: //p' "$D/a2")
end=$(($(date -u -d "$t2" +%s) + SKEW + 1))
while [ "$(date -u +%s)" -lt "$end" ]; do sleep 0.5; done
start_node "$D/ru" ru --max-skew $SKEW || fail ru-restart-after-second "$(tail -n 3 "$D/ru.log")"
wait_for test -f "$D/ru/amendments/0002" && cmp -s "$D/ru/amendments/0002" "$D/a2" && pass peer-catches-up-amendment ||
	fail peer-catches-up-amendment "$(grep -h "level=warn\|level=error" "$D/ru.log" | tail -n 3)"
expect after-second 0 "" send_notice
[ "$(line_ids "$US")" = "$(key_id "$THIRD_V")" ] && pass third-key-alone || fail third-key-alone "$(line_ids "$US")"
# the neutral witness learnt both rotations from us (amendments forwarded) and cosigns the third key's checkpoints
cosigned_by_witness() { curl -s "$US/checkpoint" | grep -q "^— un\.witness "; }
wait_for cosigned_by_witness && [ -f "$D/w/amendments/0002" ] && pass witness-cosigns-third-key ||
	fail witness-cosigns-third-key "$(ls "$D/w/amendments" 2>&1; tail -n 3 "$D/w.log")"

# an auditor: the logs fetched and reported on across the rotation (stored checkpoints under the history)
sleep 2
expect fetch 0 "" "$PARLEY" fetch --charter "$C" --out "$D/f"
expect report 0 "" "$PARLEY" report "$D/f" --from "$FROM" --to "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" --kind notice --json
jq -e '[.pairs[] | select(.from == "us" and .to == "ru" and .kind == "notice")][0].sent == 6' "$T_OUT" >/dev/null &&
	pass report-counts-across || fail report-counts-across "$(jq -c '.pairs' "$T_OUT" 2>&1 | head -c 300)"
[ -n "$case_before" ] && pass case-before-named || fail case-before-named

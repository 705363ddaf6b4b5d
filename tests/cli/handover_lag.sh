# Hostile review of node-key rotation (docs/amendments.md, "Hostile review"): the hand-over
# re-sign when the keeper's history lags the node's. The keeper holds the new key
# (DIR/node.key.next at start), but its RELOAD fails (a file in DIR/amendments it cannot
# read), so it does not know the amendment the node adopted from ru's log and signs with
# the old key alone. The node used to ask it again every second, publish the same note and
# log "signed again with the node keys in force now" each time; now it logs once at error
# level naming the key the keeper did not sign with, publishes nothing, and waits a minute.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D/ch" || { fail setup "could not build the test channel"; exit 1; }
K=$D/ch/keys C=$D/ch/charter
US=$(url_of us) RU=$(url_of ru)
SKEW=3
"$PARLEY" node init "$D/us" --charter "$C" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$C" --key "$K/ru-node.key" 2>/dev/null || { fail setup init; exit 1; }
OLD_V=$("$PARLEY" key vkey "$K/us-node.key")
LOG=${OLD_V%%+*}
"$PARLEY" keygen --name "$LOG" --out "$K/us-node.new.key" >/dev/null
NEW_V=$("$PARLEY" key vkey "$K/us-node.new.key")
install -m 600 "$K/us-node.new.key" "$D/us/node.key.next"
start_node "$D/us" us --max-skew $SKEW && start_node "$D/ru" ru --max-skew $SKEW || { fail setup "nodes did not start"; exit 1; }

# the keeper's RELOAD fails from now on: a file that is no amendment
echo "not an amendment" >"$D/us/amendments/zz-junk"

"$PARLEY" charter amend "$C" --effective "$(date -u -d '+8 seconds' +%Y-%m-%dT%H:%M:%SZ)" --out "$D/a1" 2>/dev/null
sed -i "s|^party: us \([^ ]*\) .*|party: us \1 $NEW_V|" "$D/a1"
for k in us-node us-node.new ru-node; do "$PARLEY" charter sign "$D/a1" --key "$K/$k.key" --charter "$C" 2>/dev/null; done
t_eff=$(sed -n 's/^effective: //p' "$D/a1")
code=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' --data-binary @"$D/a1" "$RU/amendment")
[ "$code" = 200 ] || { fail setup "ru refused the amendment: $code $(cat "$T_DIR/resp")"; exit 1; }
wait_for test -f "$D/us/amendments/0001" && pass us-adopts-from-ru || fail us-adopts-from-ru "$(tail -n 3 "$D/us.log")"
grep -q "event=keeper_reload" "$D/us.log" && pass keeper-reload-fails || fail keeper-reload-fails "$(tail -n 3 "$D/us.log")"

# the hand-over window opens at t_eff - SKEW; watch 5 s of it
start=$(($(date -u -d "$t_eff" +%s) - SKEW + 1))
while [ "$(date -u +%s)" -lt "$start" ]; do sleep 0.2; done
sleep 5
n=$(grep -c "event=node_key_handover" "$D/us.log")
[ "$n" -ge 1 ] && [ "$n" -le 2 ] && pass handover-not-repeated || fail handover-not-repeated "$n lines: $(grep event=node_key_handover "$D/us.log" | tail -n 2)"
! grep "event=node_key_handover" "$D/us.log" | grep -q "level=info" && pass handover-no-false-success ||
	fail handover-no-false-success "$(grep event=node_key_handover "$D/us.log" | head -n 1)"
grep "event=node_key_handover" "$D/us.log" | grep "level=error" | grep -q "$(echo "$NEW_V" | cut -d+ -f2)" &&
	pass handover-names-the-key || fail handover-names-the-key "$(grep event=node_key_handover "$D/us.log" | head -n 1)"

# Receipts across a node-key rotation (issue 15; docs/amendments.md, "Rotating a node key"):
# two nodes and a witness on loopback (--max-skew 3). A notice is sent and delivered in a case
# under us's founding node key; amendment 1 rotates us's node key (the new key in
# DIR/node.key.next); after the hand-over a second notice in the same case. `parley receipt`
# then verifies both receipts: the first one's checkpoint is by the retired key, cosigned by ru
# before the rotation, and is written with that key as us-node-<key ID>.vkey; the second's by
# the new key (us-node.vkey). Every `parley proof verify` line of the README passes, and
# `proof verify --charter` with the amendment beside the charter accepts both.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D/ch" || { fail setup "could not build the test channel"; exit 1; }
K=$D/ch/keys C=$D/ch/charter V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us)
SKEW=3
"$PARLEY" node init "$D/us" --charter "$C" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$C" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$C" --key "$K/witness.key" 2>/dev/null || { fail setup init; exit 1; }
start_node "$D/us" us --max-skew $SKEW && start_node "$D/ru" ru --max-skew $SKEW && start_witness "$D/w" ||
	{ fail setup "nodes did not start"; exit 1; }

expect notice-before 0 "" "$PARLEY" send notice --key "$K/us.fbi.key" --node "$US" --to ru.fsb --body "$V/notice-minimal.json" --wait 15
CASE=$(sed -n 's/^sent notice from us.fbi in case \([^,]*\),.*/\1/p' "$T_OUT")
[ -n "$CASE" ] || { fail setup "no case id: $(cat "$T_OUT")"; exit 1; }

# amendment 1: us's node key rotated (same name), signed by both parties and by the new key
OLD_V=$("$PARLEY" key vkey "$K/us-node.key") LOG=${OLD_V%%+*}
"$PARLEY" keygen --name "$LOG" --out "$K/us-node.new.key" >/dev/null
NEW_V=$("$PARLEY" key vkey "$K/us-node.new.key")
"$PARLEY" charter amend "$C" --effective "$(date -u -d '+8 seconds' +%Y-%m-%dT%H:%M:%SZ)" --out "$D/a1" 2>/dev/null
sed -i "s|^party: us \([^ ]*\) .*|party: us \1 $NEW_V|" "$D/a1"
for k in us-node us-node.new ru-node; do "$PARLEY" charter sign "$D/a1" --key "$K/$k.key" --charter "$C" 2>/dev/null; done
install -m 600 "$K/us-node.new.key" "$D/us/node.key.next"
code=$(curl -s -o "$D/resp" -w '%{http_code}' --data-binary @"$D/a1" "$US/amendment")
[ "$code" = 200 ] || { fail setup "amendment not adopted: $code $(cat "$D/resp")"; exit 1; }
end=$(($(date -u -d "$(sed -n 's/^effective: //p' "$D/a1")" +%s) + SKEW + 1))
while [ "$(date -u +%s)" -lt "$end" ]; do sleep 0.5; done

expect notice-after 0 "" "$PARLEY" send notice --key "$K/us.fbi.key" --node "$US" --case "$CASE" --to ru.fsb --body "$V/notice-minimal.json" --wait 15

R=$D/receipts
expect receipt 0 "" "$PARLEY" receipt "$CASE" --key "$K/us.fbi.key" --node "$US" --out "$R"
OLD_ID=$(echo "$OLD_V" | cut -d+ -f2)
[ -f "$R/us-node-$OLD_ID.vkey" ] && [ "$(cat "$R/us-node-$OLD_ID.vkey")" = "$OLD_V" ] &&
	[ "$(cat "$R/us-node.vkey")" = "$NEW_V" ] && pass receipt-names-each-key ||
	fail receipt-names-each-key "$(ls "$R"; cat "$R/README")"
grep -q -- "--vkey us-node-$OLD_ID.vkey" "$R/README" && grep -q -- "--vkey us-node.vkey" "$R/README" &&
	pass readme-names-each-key || fail readme-names-each-key "$(cat "$R/README")"
n=0 bad=0
while read -r line; do
	case $line in parley\ proof\ verify*) ;; *) continue ;; esac
	n=$((n + 1))
	(cd "$R" && eval "\"\$PARLEY\"${line#parley}") >/dev/null 2>&1 || bad=$((bad + 1))
done <"$R/README"
[ $n -ge 2 ] && [ $bad -eq 0 ] && pass readme-proofs-verify || fail readme-proofs-verify "$bad of $n failed: $(cat "$R/README")"
# with the charter and the amendment beside it
mkdir -p "$D/aud/amendments" && cp "$C" "$D/aud/charter" && cp "$D/a1" "$D/aud/amendments/0001"
bad=0
for p in "$R"/*.tlog-proof; do
	i=$(basename "$p" .tlog-proof)
	"$PARLEY" proof verify "$p" "$R/$i.envelope" --charter "$D/aud/charter" >/dev/null 2>&1 || bad=$((bad + 1))
done
[ $bad -eq 0 ] && pass proofs-verify-with-amendments || fail proofs-verify-with-amendments "$bad failed"

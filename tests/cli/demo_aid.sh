# parley demo --scenario aid (docs/demo.md): runs the whole scenario and checks its key facts
# from the files it leaves, not only from what it prints: the retired key's envelope refused
# by the live node, the late notice / rejected inspection / unacknowledged consignment in the
# logs' public figures and in the report's envelopes, the bundle verified again here.
. "$ROOT/tests/lib.sh"
D=$T_DIR/demo
trap 'rm -rf "$T_DIR"' EXIT
expect run 0 "" timeout 120 "$PARLEY" demo --scenario aid --dir "$D" --exit
O=$T_OUT
tail -n 1 "$O" | grep -qx 'demo ok' && pass demo-ok || fail demo-ok "$(tail -n 3 "$O")"
grep -q "REFUSED by the UN's node, as it must be: .*HTTP 403" "$O" && pass retired-key-refused || fail retired-key-refused
grep -q 'notices late (.*): 1 (un.ocha/BAH-' "$O" && pass late-notice || fail late-notice
grep -q 'inspections: .* 1 rejected (un.ocha/BAH-' "$O" && pass rejected-inspection || fail rejected-inspection
unacked=$(sed -n 's/.*never acknowledged: \(un.ocha\/BAH-[0-9-]*\)$/\1/p' "$O")
[ -n "$unacked" ] && pass unacknowledged || fail unacknowledged
# trucks: about 1,000, in consignments of 10-25
trucks=$(sed -n 's/.*consignments [0-9]*, trucks \([0-9]*\),.*/\1/p' "$O")
[ -n "$trucks" ] && [ "$trucks" -ge 950 ] && [ "$trucks" -le 1100 ] && pass real-scale || fail real-scale "trucks $trucks"
# the report's envelopes (computed by the report engine from the logs): the unacknowledged case has a notice and no ack,
# every notice was delivered, nothing outstanding
R=$D/report.json
jq -e --arg c "$unacked" '[.envelopes[] | select(.case == $c and .kind == "notice")] | length == 1' "$R" >/dev/null &&
	jq -e --arg c "$unacked" '[.envelopes[] | select(.case == $c and .kind == "ack")] | length == 0' "$R" >/dev/null &&
	pass report-unacknowledged || fail report-unacknowledged
acks=$(jq '[.envelopes[] | select(.kind == "ack")] | length' "$R")
notices=$(jq '[.envelopes[] | select(.kind == "notice" and .from == "un.ocha")] | length' "$R")
[ "$acks" -eq $((notices - 1)) ] && pass report-acks-one-short || fail report-acks-one-short "$acks acks, $notices notices"
jq -e '[.pairs[] | .outstanding] | add == 0' "$R" >/dev/null && pass report-all-delivered || fail report-all-delivered
grep -q "un.ocha/BAH" "$D/entries.json" && pass entries-written || fail entries-written
# envelopes signed by un.ocha's first key before the rotation and by its new key after: all valid
jq -e '[.[] | select(.from == "un.ocha" and .valid == true and .time < "2021-08-16")] | length > 0' "$D/entries.json" >/dev/null &&
	jq -e '[.[] | select(.from == "un.ocha" and .valid == true and .time >= "2021-08-16")] | length > 0' "$D/entries.json" >/dev/null &&
	jq -e '[.[] | select(.valid == false and ((.reason // "") | test("amendment") | not))] | length == 0' "$D/entries.json" >/dev/null &&
	pass both-keys-valid || fail both-keys-valid
# the bundle verifies here too; one figure changed in a copy does not
expect bundle-verifies 0 "" "$PARLEY" report verify "$D/bundle" --charter "$D/charter"
cp -r "$D/bundle" "$T_DIR/tampered"
perl -0pi -e 's/"sent": (\d+)/"\"sent\": " . ($1 + 1)/e' "$T_DIR/tampered/report.json"
expect tampered-bundle-refused 1 "" "$PARLEY" report verify "$T_DIR/tampered" --charter "$D/charter"
# the history: two amendments, the key rotation and the renewed term
grep -q '2022-07-10' "$D/history.txt" && pass renewal-in-history || fail renewal-in-history
[ -f "$D/bundle/amendments/0001" ] && [ -f "$D/bundle/amendments/0002" ] && pass bundle-carries-amendments || fail bundle-carries-amendments

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
# trucks: about 1,000, in consignments of 10-25
trucks=$(sed -n 's/.*consignments [0-9]*, trucks \([0-9]*\),.*/\1/p' "$O")
[ -n "$trucks" ] && [ "$trucks" -ge 950 ] && [ "$trucks" -le 1100 ] && pass real-scale || fail real-scale "trucks $trucks"
# The implementation report (`parley report --mandate`), computed by the report engine from
# the logs: its figures name the planted cases.
R=$D/report.json
late_case=$(sed -n 's/.*notices late (.*): 1 (\(un.ocha\/BAH-[0-9-]*\))$/\1/p' "$O")
rejected_case=$(sed -n 's/.* 1 rejected (\(un.ocha\/BAH-[0-9-]*\)).*/\1/p' "$O")
unacked=$(sed -n 's/.*never acknowledged by sy.mofa: 1 (\(un.ocha\/BAH-[0-9-]*\))$/\1/p' "$O")
[ -n "$late_case" ] && [ -n "$rejected_case" ] && [ -n "$unacked" ] && pass planted-cases-named ||
	fail planted-cases-named "late '$late_case' rejected '$rejected_case' unacked '$unacked'"
jq -e '.report == "parley mandate report v1"' "$R" >/dev/null && pass mandate-report || fail mandate-report "$(head -c 200 "$R")"
jq -e --argjson t "$trucks" '.total.trucks.notified == $t' "$R" >/dev/null && pass mandate-trucks || fail mandate-trucks
jq -e --arg c "$late_case" '.total.notices.late == 1 and ([.consignments[] | select(.notice == "late") | .case] == [$c])' "$R" >/dev/null &&
	pass mandate-late-notice || fail mandate-late-notice
jq -e --arg c "$rejected_case" '.total.inspections.rejected == 1 and ([.consignments[] | select(.inspection.result == "rejected") | .case] == [$c])' "$R" >/dev/null &&
	pass mandate-rejected || fail mandate-rejected
jq -e --arg c "$unacked" '([.acknowledgements_by_party[] | select(.party == "sy")][0].missing == 1) and
	([.consignments[] | select(any(.acknowledgements[]; .party == "sy" and .state == "missing")) | .case] == [$c])' "$R" >/dev/null &&
	pass mandate-unacknowledged || fail mandate-unacknowledged
tamper() { perl -0pi -e 's/"beneficiaries": (\d+)/"\"beneficiaries\": " . ($1 + 1)/e' "$1"; }
grep -q "un.ocha/BAH" "$D/entries.json" && pass entries-written || fail entries-written
# envelopes signed by un.ocha's first key before the rotation and by its new key after: all valid
jq -e '[.[] | select(.from == "un.ocha" and .valid == true and .time < "2021-08-16")] | length > 0' "$D/entries.json" >/dev/null &&
	jq -e '[.[] | select(.from == "un.ocha" and .valid == true and .time >= "2021-08-16")] | length > 0' "$D/entries.json" >/dev/null &&
	jq -e '[.[] | select(.valid == false and ((.reason // "") | test("amendment") | not))] | length == 0' "$D/entries.json" >/dev/null &&
	pass both-keys-valid || fail both-keys-valid
# the bundle verifies here too; one figure changed in a copy does not
expect bundle-verifies 0 "" "$PARLEY" report verify "$D/bundle" --charter "$D/charter"
cp -r "$D/bundle" "$T_DIR/tampered"
tamper "$T_DIR/tampered/report.json"
expect tampered-bundle-refused 1 "" "$PARLEY" report verify "$T_DIR/tampered" --charter "$D/charter"
# the history: two amendments, the key rotation and the renewed term
grep -q '2022-07-10' "$D/history.txt" && pass renewal-in-history || fail renewal-in-history
[ -f "$D/bundle/amendments/0001" ] && [ -f "$D/bundle/amendments/0002" ] && pass bundle-carries-amendments || fail bundle-carries-amendments

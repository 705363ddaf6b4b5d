# An aid-crossing consignment whose signed public figures lie about its body (issue 16 item 3,
# docs/profile-aid-crossing.md): submitted to a real node (the node cannot read the body, so it
# accepts it), then read by the receiving authority with `parley show` and `parley inbox`. The
# case is shown with that envelope marked — the figures in the envelope do not match its body,
# naming the figure — the other envelopes as usual, and the command exits 1 (a verification
# failed) after printing everything; `show --json` and `inbox` are unaffected (they open no body).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR K=$T_DIR/keys A=$ROOT/tests/data/aid-crossing/valid
. "$ROOT/tests/aid_fixture.sh"
UN=$(url_of us) SY=$(url_of ru)
now_s=$(date -u +%s)
at() { date -u -d "@$(($now_s + $1))" +%Y-%m-%dT%H:%M:%SZ; }
make_aid_channel "$D" "$(at $((-10 * 86400)))" "$(at $((60 * 86400)))" 30d || { fail setup "charter"; exit 1; }
C=$D/charter
"$PARLEY" node init "$D/un" --charter "$C" --key "$K/un-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/sy" --charter "$C" --key "$K/sy-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$C" --key "$K/witness.key" 2>/dev/null || { fail setup init; exit 1; }
trap 'cleanup_nodes; [ -n "${KEEP:-}" ] || rm -rf "$T_DIR"' EXIT
start_node "$D/un" us && start_node "$D/sy" ru && start_witness "$D/w" || { fail setup "nodes did not start"; exit 1; }

# submit_env DIR — submits DIR/envelope with DIR/body.age to the un node (retrying while a ref is not mirrored)
submit_env() {
	frame "$1/envelope" "$1/body.age" >"$1.req"
	local code i
	for i in $(seq 100); do
		code=$(submit "$UN" "$1.req")
		[ "$code" = 409 ] || break
		sleep 0.2
	done
	[ "$code" = 200 ] || { fail "submit-$(basename "$1")" "$code $(cat "$T_DIR/resp")"; return 1; }
}
jq --arg l "$(at $((3 * 86400 - 3600)))" --arg c "$(at $((3 * 86400)))" '.planned_loading = $l | .planned_crossing = $c' \
	"$A/consignment-wfp.json" >"$D/c.json"
CASE=un.ocha/BAH-1
seal() { # seal OUT KIND TO BODY [REF]
	"$PARLEY" envelope seal --key "$K/un.ocha.key" --charter "$C" --kind "$2" --to $3 --case "$CASE" ${5:+--ref "$5"} \
		--body "$4" --time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --out "$D/$1" >/dev/null 2>"$D/$1.err" ||
		{ fail "seal-$1" "$(cat "$D/$1.err")"; exit 1; }
}
# the honest consignment (un/0), then a lying one in the same case (un/1): its aid line says 9 food trucks and
# 2 of wash, its body 10 and 1 — re-signed with openssl (parley refuses to write such an envelope)
seal c1 notice "sy.mofa un.unmm" "$D/c.json"
submit_env "$D/c1" || exit 1
seal c2 notice "sy.mofa un.unmm" "$D/c.json"
mkdir -p "$D/lie"
sed -n '1,/^$/p' "$D/c2/envelope" | sed '$d' | sed 's/sectors=food:10,wash:1,health:3/sectors=food:9,wash:2,health:3/' >"$D/lie.txt"
grep -q 'sectors=food:9,wash:2' "$D/lie.txt" || { fail setup "the lie was not made"; exit 1; }
sign_text "$K/un.ocha.key" "$D/lie.txt" >"$D/lie/envelope" && cp "$D/c2/body.age" "$D/lie/body.age" ||
	{ fail setup "sign"; exit 1; }
expect lie-verifies 0 "" "$PARLEY" envelope verify "$D/lie/envelope" --charter "$C" --body "$D/lie/body.age"
submit_env "$D/lie" || exit 1
REF=$("$PARLEY" envelope ref "$D/c1/envelope" --origin un.parley.example/log --index 0)
seal x update "sy.mofa" "$A/crossing.json" "$REF"
submit_env "$D/x" || exit 1
wait_for "$PARLEY" show "$CASE" --key "$K/sy.mofa.key" --node "$SY" --json || { fail setup "the case did not reach sy"; exit 1; }
sleep 2

expect show-marks-lie 1 "case $CASE: the figures in the envelope of un/1 do not match its body" \
	"$PARLEY" show "$CASE" --key "$K/sy.mofa.key" --node "$SY"
grep -q "the figures in the envelope do not match its body: trucks of sector food: the envelope's aid line says 9, the body 10" "$T_OUT" &&
	pass show-names-figure || fail show-names-figure "$(cat "$T_OUT" "$T_ERR" | head -c 1500)"
# the mark is under un/1 and only there: the honest consignment and the crossing are shown with their bodies
awk '/^  un\/1 /{s=1; next} /^  [a-z]+\/[0-9]+ /{s=0} s && /do not match its body/{f=1} END{exit !f}' "$T_OUT" &&
	[ "$(grep -c 'do not match its body' "$T_OUT")" = 1 ] && pass mark-under-the-lie || fail mark-under-the-lie "$(cat "$T_OUT")"
# and the lying envelope's body is shown too (it is authentic: its hash is in the signed envelope), with its own figures
[ "$(grep -c '^        body: consignment | shipment_id: BAH-2021-0001 | crossing: bab-al-hawa | trucks: 14 | beneficiaries: 28000' "$T_OUT")" = 2 ] &&
	grep -q '^        body: crossing' "$T_OUT" &&
	pass others-shown || fail others-shown "$(cat "$T_OUT")"
grep -q "^  un/2 " "$T_OUT" && pass show-keeps-going || fail show-keeps-going "$(cat "$T_OUT")"
expect show-json-unaffected 0 "" "$PARLEY" show "$CASE" --key "$K/sy.mofa.key" --node "$SY" --json
jq -e '.envelopes | map(select(.kind != "received")) | length == 3' "$T_OUT" >/dev/null && pass show-json-all ||
	fail show-json-all "$(head -c 400 "$T_OUT")"
expect inbox-unaffected 0 "" "$PARLEY" inbox --key "$K/sy.mofa.key" --node "$SY"
[ "$(grep -c "case $CASE" "$T_OUT")" -ge 3 ] && pass inbox-lists-all || fail inbox-lists-all "$(cat "$T_OUT")"
# the monitors (un.unmm, also a recipient) see the same mark
expect show-monitor 1 "" "$PARLEY" show "$CASE" --key "$K/un.unmm.key" --node "$UN" --full
grep -q "the figures in the envelope do not match its body" "$T_OUT" && pass monitor-sees-mark || fail monitor-sees-mark "$(cat "$T_OUT")"

# a second lying envelope in the case: each is marked, and the summary still says the figures disagree
# (before: the second made it "an envelope or body ... does not verify", as if one had been forged)
seal c3 notice "sy.mofa un.unmm" "$D/c.json"
mkdir -p "$D/lie2"
sed -n '1,/^$/p' "$D/c3/envelope" | sed '$d' | sed 's/sectors=food:10,wash:1,health:3/sectors=food:9,wash:2,health:3/' >"$D/lie2.txt"
sign_text "$K/un.ocha.key" "$D/lie2.txt" >"$D/lie2/envelope" && cp "$D/c3/body.age" "$D/lie2/body.age" ||
	{ fail setup "sign lie2"; exit 1; }
submit_env "$D/lie2" || exit 1
four() { "$PARLEY" show "$CASE" --key "$K/sy.mofa.key" --node "$SY" --json | jq -e '.envelopes | map(select(.kind != "received")) | length == 4'; }
wait_for four || { fail setup "the second lie did not reach sy"; exit 1; }
expect show-two-lies 1 "case $CASE: the figures in the envelope of un/1 and others do not match its body" \
	"$PARLEY" show "$CASE" --key "$K/sy.mofa.key" --node "$SY"
[ "$(grep -c 'do not match its body' "$T_OUT")" = 2 ] && pass two-marks || fail two-marks "$(cat "$T_OUT")"

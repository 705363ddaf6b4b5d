# parley charter: drafts, signatures, ids, and every refusal with its line and exit code.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys

cp "$D/charter.draft" "$D/draft"
expect draft-verify-fails-until-signed 1 "0 of 2 parties have signed" "$PARLEY" charter verify "$D/draft"
grep -q '^MISSING  us' "$T_OUT" && pass draft-lists-missing || fail draft-lists-missing "$(cat "$T_OUT")"
expect signed-verifies 0 "" "$PARLEY" charter verify "$D/charter"
grep -q '^signed   ru' "$T_OUT" && pass signed-lists-present || fail signed-lists-present

id_draft=$("$PARLEY" charter id "$D/draft")
id_signed=$("$PARLEY" charter id "$D/charter")
want=$(sha256sum "$D/charter.draft" | cut -d' ' -f1)
[ "$id_draft" = "$id_signed" ] && [ "$id_draft" = "$want" ] && pass id-is-sha256-of-text ||
	fail id-is-sha256-of-text "$id_draft / $id_signed / $want"

expect show 0 "" "$PARLEY" charter show "$D/charter"
grep -q 'agency ru.gp' "$T_OUT" && pass show-lists-agencies || fail show-lists-agencies

cp "$D/charter" "$D/c2"
expect sign-twice-refused 2 "already signed" "$PARLEY" charter sign "$D/c2" --key "$K/us-node.key"
expect sign-with-agency-key-refused 2 "not the node key of any party" "$PARLEY" charter sign "$D/draft" --key "$K/us.fbi.key"
cmp -s "$D/c2" "$D/charter" && pass refused-sign-changes-nothing || fail refused-sign-changes-nothing

sed 's/^name: US-RU/name: RU-US/' "$D/charter" >"$D/tampered"
expect tampered-signed-charter 1 "does not verify" "$PARLEY" charter verify "$D/tampered"

bad() { # bad NAME LINE-PREFIX REPLACEMENT MESSAGE
	awk -v p="$2" -v r="$3" 'index($0, p) == 1 && !done { print r; done = 1; next } { print }' "$D/charter.draft" >"$D/bad"
	expect "$1" 2 "$4" "$PARLEY" charter verify "$D/bad"
}
bad unknown-key "name:" "title: x" "line 2: unknown key 'title'"
bad bad-duration "ack:" "ack: 1 day" "line 12: ack"
bad bad-url "party: us" "party: us https://us.example/?q=1 $("$PARLEY" key vkey "$K/us-node.key")" "line 4"
bad bad-key "party: ru" "party: ru https://ru.example us.parley.example/log+00000000+AAAA" "charter line 5: node key is not a valid verifier key (verifier key: unsupported key type or length (want Ed25519 0x01 or cosignature 0x04))"
bad unlisted-party "agency: ru.gp" "agency: cn.mps $("$PARLEY" key vkey "$K/ru.gp.key") $("$PARLEY" key age-recipient "$K/ru.gp.key")" "party 'cn', which is not listed"
bad duplicate-agency "agency: ru.gp" "agency: ru.fsb $("$PARLEY" key vkey "$K/ru.fsb.key") $("$PARLEY" key age-recipient "$K/ru.fsb.key")" "listed twice"
bad key-of-another-agency "agency: ru.gp" "agency: ru.gp $("$PARLEY" key vkey "$K/ru.fsb.key") $("$PARLEY" key age-recipient "$K/ru.gp.key")" "expected 'ru.gp'"
printf 'parley charter v1\nname: \xff\n' >"$D/bad"
expect non-utf8 2 "UTF-8" "$PARLEY" charter verify "$D/bad"
expect missing-file 2 "no such file" "$PARLEY" charter verify "$D/nope"
expect init-writes-template 0 "fill it in" "$PARLEY" charter init "$D/new"
expect init-refuses-overwrite 2 "already exists" "$PARLEY" charter init "$D/new"
expect template-needs-filling 2 "line 4" "$PARLEY" charter verify "$D/new"

# witness-quorum and heartbeat (issue 14): optional, after reporting-period, with defaults
expect defaults-shown 0 "" "$PARLEY" charter show "$D/charter" &&
	{ grep -q "quorum *1 cosigner$" "$T_OUT" && grep -q "heartbeat *1 hours" "$T_OUT" && pass witnessing-defaults ||
		fail witnessing-defaults "$(cat "$T_OUT")"; }
{ cat "$D/charter.draft"; echo "witness-quorum: 2"; echo "heartbeat: 10m"; } >"$D/q2"
expect quorum-and-heartbeat 0 "" "$PARLEY" charter show "$D/q2" &&
	{ grep -q "quorum *2 cosigners$" "$T_OUT" && grep -q "heartbeat.*10" "$T_OUT" && pass quorum-and-heartbeat-shown ||
		fail quorum-and-heartbeat-shown "$(cat "$T_OUT")"; }
{ cat "$D/charter.draft"; echo "witness-quorum: 3"; } >"$D/q3"
expect quorum-above-cosigners 2 "witness-quorum 3 is more than the 2 cosigners each log has" "$PARLEY" charter verify "$D/q3"
{ cat "$D/charter.draft"; echo "witness-quorum: 0"; } >"$D/q0"
expect quorum-zero 2 "line 18: witness-quorum: '0' is not a number of cosigners" "$PARLEY" charter verify "$D/q0"
{ cat "$D/charter.draft"; echo "witness-quorum: two"; } >"$D/qx"
expect quorum-not-a-number 2 "witness-quorum: 'two'" "$PARLEY" charter verify "$D/qx"
{ cat "$D/charter.draft"; echo "heartbeat: 0h"; } >"$D/h0"
expect heartbeat-zero 2 "heartbeat: '0h' is not a duration" "$PARLEY" charter verify "$D/h0"
{ cat "$D/charter.draft"; echo "heartbeat: 1h"; echo "witness-quorum: 1"; } >"$D/hq"
expect quorum-after-heartbeat 2 "'witness-quorum' is out of order" "$PARLEY" charter verify "$D/hq"

# parley charter amend|sign|verify|show: amendments of a channel (docs/amendments.md): drafts,
# signatures (the parties' node keys in force, and a new node key's), the chain, the charter in
# force at a time, the history, and every refusal with its exit code and nothing written.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys
C=$D/charter

# replace LINE-PREFIX REPLACEMENT FILE — the first line starting with the prefix replaced
replace() { awk -v p="$1" -v r="$2" 'index($0, p) == 1 && !done { print r; done = 1; next } { print }' "$3" >"$3.new" && mv "$3.new" "$3"; }

# ---- amendment 1: us.fbi's key rotated from 2021-08-01 ----
expect amend-draft 0 "wrote $D/a1 (amendment 1)" "$PARLEY" charter amend "$C" --effective 2021-08-01 --reason "us.fbi key rotated (scheduled)" --out "$D/a1"
grep -q "^number: 1$" "$D/a1" && grep -q "^effective: 2021-08-01T00:00:00Z$" "$D/a1" &&
	grep -q "^previous: $("$PARLEY" charter id "$C")$" "$D/a1" && pass draft-header || fail draft-header "$(head -12 "$D/a1")"
expect amend-refuses-overwrite 2 "exists" "$PARLEY" charter amend "$C" --effective 2021-08-01 --out "$D/a1"
expect amend-needs-effective 2 "usage" "$PARLEY" charter amend "$C" --out "$D/ax"
expect amend-bad-time 2 "--effective" "$PARLEY" charter amend "$C" --effective yesterday --out "$D/ax"
[ ! -e "$D/ax" ] && pass refused-amend-writes-nothing || fail refused-amend-writes-nothing
expect amend-help 0 "" "$PARLEY" charter amend --help
grep -q "parley charter amend CHARTER" "$T_OUT" && pass amend-help-lists-usage || fail amend-help-lists-usage

"$PARLEY" keygen --name us.fbi --out "$K/us.fbi.new.key" >/dev/null
replace "agency: us.fbi " "agency: us.fbi $("$PARLEY" key vkey "$K/us.fbi.new.key") $("$PARLEY" key age-recipient "$K/us.fbi.new.key")" "$D/a1"
expect unsigned-not-ok 1 "not signed by every key" "$PARLEY" charter verify "$D/a1" --charter "$C"
grep -q '^MISSING  us' "$T_OUT" && grep -q '^MISSING  ru' "$T_OUT" && pass unsigned-lists-missing || fail unsigned-lists-missing "$(cat "$T_OUT")"
expect sign-needs-charter 2 "usage" "$PARLEY" charter sign "$D/a1" --key "$K/us-node.key"
expect sign-us 0 "1 of 2 signatures" "$PARLEY" charter sign "$D/a1" --key "$K/us-node.key" --charter "$C"
expect partly-signed-not-ok 1 "not signed by every key" "$PARLEY" charter verify "$D/a1" --charter "$C"
cp "$D/a1" "$D/a1.before"
expect sign-twice-refused 2 "already signed" "$PARLEY" charter sign "$D/a1" --key "$K/us-node.key" --charter "$C"
expect sign-agency-key-refused 2 "not a key that signs" "$PARLEY" charter sign "$D/a1" --key "$K/us.fbi.key" --charter "$C"
cmp -s "$D/a1" "$D/a1.before" && pass refused-sign-changes-nothing || fail refused-sign-changes-nothing
expect sign-ru 0 "2 of 2 signatures" "$PARLEY" charter sign "$D/a1" --key "$K/ru-node.key" --charter "$C"
expect signed-ok 0 "" "$PARLEY" charter verify "$D/a1" --charter "$C"
grep -q "^amendment 1 ok: channel $("$PARLEY" charter id "$C"), in force from 2021-08-01T00:00:00Z" "$T_OUT" &&
	pass verify-names-channel-and-time || fail verify-names-channel-and-time "$(cat "$T_OUT")"

# the charter in force before and after, and the history
old=$("$PARLEY" key vkey "$K/us.fbi.key") new=$("$PARLEY" key vkey "$K/us.fbi.new.key")
expect show-before 0 "" "$PARLEY" charter show "$C" "$D/a1" --at 2021-07-31T23:59:59Z
grep -q "the founding charter" "$T_OUT" && grep -qF "$old" "$T_OUT" && ! grep -qF "$new" "$T_OUT" &&
	pass in-force-before-is-founding || fail in-force-before-is-founding "$(head -3 "$T_OUT")"
expect show-after 0 "" "$PARLEY" charter show "$C" "$D/a1" --at 2021-08-01 --history
grep -q "amendment 1 (in force from 2021-08-01T00:00:00Z)" "$T_OUT" && grep -qF "$new" "$T_OUT" &&
	grep -q "^channel $("$PARLEY" charter id "$C")" "$T_OUT" && pass in-force-after-is-amended || fail in-force-after-is-amended "$(head -3 "$T_OUT")"
grep -q "^amendment 1, in force from 2021-08-01T00:00:00Z (id [0-9a-f]\{64\}): us.fbi key rotated (scheduled)" "$T_OUT" &&
	grep -q "^  agency us.fbi: signing key rotated" "$T_OUT" && pass history-lists-changes || fail history-lists-changes "$(sed -n '/^history/,$p' "$T_OUT")"

# ---- tampering and foreign amendments ----
sed 's/^ack: 24h$/ack: 48h/' "$D/a1" >"$D/tampered"
expect tampered-refused 1 "" "$PARLEY" charter verify "$D/tampered" --charter "$C"
expect tampered-not-shown 1 "" "$PARLEY" charter show "$C" "$D/tampered"
cp "$D/charter.draft" "$D/other.draft"
replace "name: " "name: Another channel" "$D/other.draft"
"$PARLEY" charter sign "$D/other.draft" --key "$K/us-node.key" 2>/dev/null && "$PARLEY" charter sign "$D/other.draft" --key "$K/ru-node.key" 2>/dev/null
expect other-channel-refused 2 "channel is not this charter's" "$PARLEY" charter verify "$D/a1" --charter "$D/other.draft"
expect unsigned-founding-refused 1 "not signed by every party" "$PARLEY" charter show "$D/charter.draft" "$D/a1"
printf 'parley amendment v1\nchannel: \xff\n' >"$D/binary"
expect non-utf8-refused 2 "amendment" "$PARLEY" charter verify "$D/binary" --charter "$C"
: >"$D/empty"
expect empty-refused 2 "" "$PARLEY" charter show "$C" "$D/empty"
head -c 70000 /dev/zero | tr '\0' '#' >"$D/huge"
expect oversized-refused 2 "larger than" "$PARLEY" charter show "$C" "$D/huge"

# ---- amendment 2: the us node key rotated, which its new key signs too; a gap and a fork ----
expect amend-2-before-1-refused 2 "later than amendment 1" "$PARLEY" charter amend "$C" "$D/a1" --effective 2021-07-20 --out "$D/a2"
expect amend-2 0 "(amendment 2)" "$PARLEY" charter amend "$C" "$D/a1" --effective 2021-09-01 --out "$D/a2"
"$PARLEY" keygen --name us.parley.example/log --out "$K/us-node.new.key" >/dev/null
replace "party: us " "party: us http://127.0.0.1:1 $("$PARLEY" key vkey "$K/us-node.new.key")" "$D/a2"
"$PARLEY" charter sign "$D/a2" --key "$K/us-node.key" --charter "$C" "$D/a1" 2>/dev/null
"$PARLEY" charter sign "$D/a2" --key "$K/ru-node.key" --charter "$C" "$D/a1" 2>/dev/null
expect new-node-key-must-sign 1 "" "$PARLEY" charter verify "$D/a2" --charter "$C" "$D/a1"
grep -q "^MISSING  us (new node key us.parley.example/log)" "$T_OUT" && pass lists-new-key-missing || fail lists-new-key-missing "$(cat "$T_OUT")"
expect sign-new-node-key 0 "3 of 3 signatures" "$PARLEY" charter sign "$D/a2" --key "$K/us-node.new.key" --charter "$C" "$D/a1"
expect chain-ok 0 "" "$PARLEY" charter verify "$D/a2" --charter "$C" "$D/a1"
grep -q "^amendment 2 ok" "$T_OUT" && pass chain-ok-said || fail chain-ok-said "$(cat "$T_OUT")"
expect gap-refused 2 "amendment 1, which is missing" "$PARLEY" charter show "$C" "$D/a2"
expect given-out-of-order 0 "" "$PARLEY" charter show "$C" "$D/a2" "$D/a1" --at 2021-09-02
grep -q "amendment 2 (in force from 2021-09-01" "$T_OUT" && pass out-of-order-in-force || fail out-of-order-in-force "$(head -2 "$T_OUT")"
"$PARLEY" charter show "$C" "$D/a2" "$D/a1" --history >"$D/hist" &&
	grep -q "^  party us: node URL now http://127.0.0.1:1" "$D/hist" && grep -q "^  party us: node key rotated" "$D/hist" &&
	pass history-names-node-rotation || fail history-names-node-rotation
# a second amendment 1, signed by both: two histories
"$PARLEY" charter amend "$C" --effective 2021-08-01 --out "$D/fork" 2>/dev/null
replace "ack: " "ack: 12h" "$D/fork"
"$PARLEY" charter sign "$D/fork" --key "$K/us-node.key" --charter "$C" 2>/dev/null
"$PARLEY" charter sign "$D/fork" --key "$K/ru-node.key" --charter "$C" 2>/dev/null
expect fork-alone-valid 0 "" "$PARLEY" charter verify "$D/fork" --charter "$C"
expect two-histories-refused 2 "two amendments number 1" "$PARLEY" charter show "$C" "$D/a1" "$D/fork"
# a party renamed: refused, whoever signs
"$PARLEY" charter amend "$C" --effective 2021-08-01 --out "$D/rename" 2>/dev/null
replace "party: ru " "party: ur http://127.0.0.1:2 $("$PARLEY" key vkey "$K/ru-node.key")" "$D/rename"
sed -i '/^agency: ru\./d' "$D/rename"
expect party-renamed-refused 2 "must stay 'ru'" "$PARLEY" charter sign "$D/rename" --key "$K/us-node.key" --charter "$C"

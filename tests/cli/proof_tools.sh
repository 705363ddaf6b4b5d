# The auditor's proof tools: `parley proof verify --charter` (the log key and every
# cosignature by a key the charter names, printed with its time in RFC 3339) and
# `parley proof consistency` (two signed checkpoints and the RFC 6962 proof between
# them), each with the refusals an auditor relies on (exit 1) and usage errors (2).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
D=$T_DIR K=$D/keys
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
L=$D/log
"$PARLEY" log init "$L" --key "$K/us-node.key" >/dev/null &&
	printf 'first\nsecond\nthird\n' | "$PARLEY" log append "$L" --key "$K/us-node.key" >/dev/null &&
	cp "$L/checkpoint" "$D/cp3" &&
	printf 'fourth\nfifth\n' | "$PARLEY" log append "$L" --key "$K/us-node.key" >/dev/null &&
	cp "$L/checkpoint" "$D/cp5" &&
	"$PARLEY" log consistency "$L" 3 >"$D/c35" &&
	"$PARLEY" log prove "$L" 1 >"$D/p1" || { fail setup "log"; exit 1; }
printf second >"$D/entry1"
# the checkpoint of the proof cosigned by ru's node (at 2021-07-09T15:04:05Z) and the witness
"$PARLEY" note cosign "$D/cp5" --key "$K/ru-node.key" --time 1625843045 >"$D/cp5a" &&
	"$PARLEY" note cosign "$D/cp5a" --key "$K/witness.key" --time 1625843050 >"$D/cp5b" || { fail setup cosign; exit 1; }
sed '/^$/q' "$D/p1" >"$D/p1c" && cat "$D/cp5b" >>"$D/p1c"
expect verify-charter 0 "" "$PARLEY" proof verify "$D/p1c" "$D/entry1" --charter "$D/charter" &&
	{ grep -q "^proof ok: entry 1 of us.parley.example/log (tree size 5)" "$T_OUT" &&
		grep -q "^cosigned by ru.parley.example/log (party node) at 2021-07-09T15:04:05Z" "$T_OUT" &&
		grep -q "^cosigned by un.witness (witness) at 2021-07-09T15:04:10Z" "$T_OUT" &&
		pass verify-charter-names-cosigners || fail verify-charter-names-cosigners "$(cat "$T_OUT")"; }
expect verify-charter-uncosigned 0 "" "$PARLEY" proof verify "$D/p1" "$D/entry1" --charter "$D/charter"
# a cosignature by a charter key altered: refused, naming the key
sed '$ s/\(— un.witness .\{12\}\)./\1A/' "$D/p1c" >"$D/p1bad"
cmp -s "$D/p1bad" "$D/p1c" && sed -i '$ s/\(— un.witness .\{12\}\)./\1B/' "$D/p1bad"
expect verify-charter-bad-cosignature 1 "un.witness" "$PARLEY" proof verify "$D/p1bad" "$D/entry1" --charter "$D/charter"
expect verify-charter-other-entry 1 "" "$PARLEY" proof verify "$D/p1c" "$D/cp3" --charter "$D/charter"
# a log no party of the charter keeps
"$PARLEY" keygen --name stranger.example/log --out "$D/stranger.key" >/dev/null
"$PARLEY" log init "$D/slog" --key "$D/stranger.key" >/dev/null && printf 'x\n' | "$PARLEY" log append "$D/slog" --key "$D/stranger.key" >/dev/null
"$PARLEY" log prove "$D/slog" 0 >"$D/ps"
expect verify-charter-unknown-log 1 "no party's log" "$PARLEY" proof verify "$D/ps" <(printf x) --charter "$D/charter"
expect verify-usage-both 2 "usage" "$PARLEY" proof verify "$D/p1c" "$D/entry1" --charter "$D/charter" --vkey "$("$PARLEY" key vkey "$K/us-node.key")"
expect verify-usage-neither 2 "usage" "$PARLEY" proof verify "$D/p1c" "$D/entry1"

VK=$("$PARLEY" key vkey "$K/us-node.key")
expect consistency-ok 0 "" "$PARLEY" proof consistency "$D/cp3" "$D/cp5" "$D/c35" --vkey "$VK" &&
	{ grep -q "^consistent: us.parley.example/log at size 3 is a prefix of the log at size 5" "$T_OUT" &&
		pass consistency-says-so || fail consistency-says-so "$(cat "$T_OUT")"; }
expect consistency-charter 0 "" "$PARLEY" proof consistency "$D/cp3" "$D/cp5b" "$D/c35" --charter "$D/charter"
"$PARLEY" log consistency "$L" 5 >"$D/c55"
expect consistency-same-size 0 "" "$PARLEY" proof consistency "$D/cp5" "$D/cp5" "$D/c55" --vkey "$VK"
# a hash of the proof changed
sed '1 s/^./A/' "$D/c35" >"$D/c35bad"; cmp -s "$D/c35" "$D/c35bad" && sed -i '1 s/^./B/' "$D/c35bad"
expect consistency-bad-proof 1 "c35bad" "$PARLEY" proof consistency "$D/cp3" "$D/cp5" "$D/c35bad" --vkey "$VK"
head -n 1 "$D/c35" >"$D/c35short"
expect consistency-short-proof 1 "" "$PARLEY" proof consistency "$D/cp3" "$D/cp5" "$D/c35short" --vkey "$VK"
printf 'not base64\n' >"$D/c35junk"
expect consistency-junk-proof 1 "line 1" "$PARLEY" proof consistency "$D/cp3" "$D/cp5" "$D/c35junk" --vkey "$VK"
expect consistency-swapped 1 "larger" "$PARLEY" proof consistency "$D/cp5" "$D/cp3" "$D/c35" --vkey "$VK"
# a checkpoint of the same log and size, other entries: a fork the proof cannot bridge
"$PARLEY" log init "$D/fork" --key "$K/us-node.key" >/dev/null &&
	printf 'first\nsecond\nTHIRD\nfourth\nfifth\n' | "$PARLEY" log append "$D/fork" --key "$K/us-node.key" >/dev/null
expect consistency-fork 1 "" "$PARLEY" proof consistency "$D/cp3" "$D/fork/checkpoint" "$D/c35" --vkey "$VK"
sed '2 s/^5$/6/' "$D/cp5" >"$D/cp5forged"
expect consistency-forged-checkpoint 1 "cp5forged" "$PARLEY" proof consistency "$D/cp3" "$D/cp5forged" "$D/c35" --vkey "$VK"
expect consistency-other-log 1 "" "$PARLEY" proof consistency "$D/cp3" "$D/slog/checkpoint" "$D/c35" --charter "$D/charter"
expect consistency-usage 2 "usage" "$PARLEY" proof consistency "$D/cp3" "$D/cp5" --vkey "$VK"

# Stored checkpoints after a node-key rotation (issue 15; docs/amendments.md, "Rotating a
# node key"), with `parley fetch` from local log directories (no nodes): an amendment rotates
# us's node key from 2021-08-01; us's log is then signed by the new key. The fetch judges each
# checkpoint under the amendments it knows (DIR/amendments, those met in the logs fetched
# before, those the source serves at amendment/<n> as a node does): us alone is refused (the
# new key is unknown) and nothing is written; ru's log (which records the amendment) first,
# then us: both taken, the amendment saved; a source serving the amendment: taken. A
# checkpoint by the retired key is taken with a cosignature from before the rotation, refused
# without one or with only a later one (the retirement named), and refusals change nothing.
# `parley proof verify|consistency --charter` and `parley audit [verify]` follow the amendments
# beside the charter the same way.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys C=$D/charter
replace() { awk -v p="$1" -v r="$2" 'index($0, p) == 1 && !done { print r; done = 1; next } { print }' "$3" >"$3.new" && mv "$3.new" "$3"; }

# the rotation: drafted, the party line replaced, signed by both nodes and by the new key
"$PARLEY" keygen --name us.parley.example/log --out "$K/us-node.new.key" >/dev/null &&
	"$PARLEY" charter amend "$C" --effective 2021-08-01 --reason "us node key rotated" --out "$D/a1" >/dev/null 2>&1 &&
	replace "party: us " "party: us $(sed -n 's/^party: us \([^ ]*\) .*/\1/p' "$C") $("$PARLEY" key vkey "$K/us-node.new.key")" "$D/a1" &&
	"$PARLEY" charter sign "$D/a1" --key "$K/us-node.key" --charter "$C" >/dev/null 2>&1 &&
	"$PARLEY" charter sign "$D/a1" --key "$K/ru-node.key" --charter "$C" >/dev/null 2>&1 &&
	"$PARLEY" charter sign "$D/a1" --key "$K/us-node.new.key" --charter "$C" >/dev/null 2>&1 &&
	"$PARLEY" charter verify "$D/a1" --charter "$C" >/dev/null || { fail setup "the rotation amendment"; exit 1; }

# the logs, written under the founding keys; ru's records the amendment
S=$D/src
mkdir -p "$S"
for i in 1 2 3; do echo "entry $i" >"$D/e$i"; done
"$PARLEY" log init "$S/us" --key "$K/us-node.key" >/dev/null && "$PARLEY" log append "$S/us" --key "$K/us-node.key" "$D/e1" "$D/e2" "$D/e3" >/dev/null &&
	"$PARLEY" log init "$S/ru" --key "$K/ru-node.key" >/dev/null && "$PARLEY" log append "$S/ru" --key "$K/ru-node.key" "$D/e1" "$D/a1" >/dev/null ||
	{ fail setup "the logs"; exit 1; }
# sign_us KEY [COSIGN-TIME] — us's checkpoint signed again by KEY alone (then cosigned by ru's node at the time)
sign_us() {
	"$PARLEY" note sign "$S/us/checkpoint" --key "$1" >"$D/cp" || return 1
	if [ -n "${2:-}" ]; then "$PARLEY" note cosign "$D/cp" --key "$K/ru-node.key" --time "$2" >"$D/cp2" && mv "$D/cp2" "$D/cp" || return 1; fi
	cp "$D/cp" "$S/us/checkpoint"
}
sign_us "$K/us-node.new.key" || { fail setup "re-signing us's checkpoint"; exit 1; }

F=$D/audit
mkdir -p "$F"
expect new-key-unknown-refused 1 "not signed by any node key that log has had" "$PARLEY" fetch --charter "$C" --out "$F" "$S/us"
[ ! -e "$F/logs/us/checkpoint" ] && [ ! -e "$F/amendments" ] && pass refused-writes-nothing || fail refused-writes-nothing "$(ls -R "$F" | head)"
expect amendment-learned-from-a-log 0 "" "$PARLEY" fetch --charter "$C" --out "$F" "$S/ru" "$S/us"
grep -q "^us: size 3 (3 new)" "$T_OUT" && grep -q "^amendments: 1 in force" "$T_OUT" && cmp -s "$F/amendments/0001" "$D/a1" &&
	pass new-key-taken || fail new-key-taken "$(cat "$T_OUT")"
expect amendment-from-dir 0 "" "$PARLEY" fetch --charter "$C" --out "$F" "$S/us"
grep -q "^us: size 3 (0 new)" "$T_OUT" && pass amendments-in-dir-count || fail amendments-in-dir-count "$(cat "$T_OUT")"
# a source that serves the amendments as a node does (GET /amendment/<n>): learned from it, and saved
mkdir -p "$S/us/amendment" && cp "$D/a1" "$S/us/amendment/1"
expect amendment-learned-from-the-source 0 "" "$PARLEY" fetch --charter "$C" --out "$D/audit2" "$S/us"
grep -q "^us: size 3 (3 new)" "$T_OUT" && cmp -s "$D/audit2/amendments/0001" "$D/a1" && pass served-amendment-saved ||
	fail served-amendment-saved "$(cat "$T_OUT"; ls "$D/audit2")"
rm -r "$S/us/amendment"

# the retired key: a checkpoint of a larger size signed by it
"$PARLEY" log append "$S/us" --key "$K/us-node.key" "$D/e1" >/dev/null 2>&1 # refused: the checkpoint is the new key's
cp -r "$F" "$D/before"
sign_us "$K/us-node.key" || { fail setup "re-signing with the old key"; exit 1; }
expect retired-key-alone-refused 1 "retired at 2021-08-01T00:00:00Z" "$PARLEY" fetch --charter "$C" --out "$F" "$S/us"
sign_us "$K/us-node.key" 2021-08-02T00:00:00Z
expect retired-key-later-cosignature-refused 1 "retired at 2021-08-01T00:00:00Z" "$PARLEY" fetch --charter "$C" --out "$F" "$S/us"
same_tree "$F" "$D/before" && pass retired-refusals-change-nothing || fail retired-refusals-change-nothing "$(diff -r "$F" "$D/before" | head)"
sign_us "$K/us-node.key" 2021-07-20T00:00:00Z
expect retired-key-earlier-cosignature-taken 0 "" "$PARLEY" fetch --charter "$C" --out "$F" "$S/us"
grep -q "^us: size 3 (0 new), cosigned by ru.parley.example/log" "$T_OUT" && pass retired-key-cosigned-by-ru ||
	fail retired-key-cosigned-by-ru "$(cat "$T_OUT")"
# a stranger's key named like us's log
"$PARLEY" keygen --name us.parley.example/log --out "$K/stranger.key" >/dev/null
sign_us "$K/stranger.key" 2021-07-20T00:00:00Z
expect stranger-key-refused 1 "not signed by any node key that log has had" "$PARLEY" fetch --charter "$C" --out "$F" "$S/us"

# ---- parley proof verify|consistency --charter: the amendments beside the charter are followed ----
printf 'entry 2\n' >"$D/entry2"
mkdir -p "$D/lone" && cp "$C" "$D/lone/charter"
sign_us "$K/us-node.new.key" && "$PARLEY" log prove "$S/us" 1 >"$D/pnew" && cp "$S/us/checkpoint" "$D/cpnew" &&
	sign_us "$K/us-node.key" 2021-07-20T00:00:00Z && "$PARLEY" log prove "$S/us" 1 >"$D/pold" && cp "$S/us/checkpoint" "$D/cpold" &&
	sign_us "$K/us-node.key" 2021-08-02T00:00:00Z && "$PARLEY" log prove "$S/us" 1 >"$D/plate" &&
	"$PARLEY" log consistency "$S/us" 3 >"$D/c33" || { fail setup "proofs"; exit 1; }
expect proof-new-key 0 "" "$PARLEY" proof verify "$D/pnew" "$D/entry2" --charter "$F/charter"
expect proof-new-key-without-amendments 1 "not signed by any node key that log has had" "$PARLEY" proof verify "$D/pnew" "$D/entry2" --charter "$D/lone/charter"
expect proof-retired-key-cosigned-before 0 "" "$PARLEY" proof verify "$D/pold" "$D/entry2" --charter "$F/charter" &&
	{ grep -q "^cosigned by ru.parley.example/log (party node) at 2021-07-20T00:00:00Z" "$T_OUT" && pass proof-names-cosigner ||
		fail proof-names-cosigner "$(cat "$T_OUT")"; }
expect proof-retired-key-cosigned-after 1 "retired at 2021-08-01T00:00:00Z" "$PARLEY" proof verify "$D/plate" "$D/entry2" --charter "$F/charter"
expect consistency-across-rotation 0 "" "$PARLEY" proof consistency "$D/cpold" "$D/cpnew" "$D/c33" --charter "$F/charter"
expect consistency-without-amendments 1 "not signed by any node key" "$PARLEY" proof consistency "$D/cpold" "$D/cpnew" "$D/c33" --charter "$D/lone/charter"

# ---- parley audit across the rotation (no nodes: the sources are local copies; exit 1 only for a fork) ----
# a fork of us's log under the new key: three other entries, signed by the new key
for i in 1 2 3; do echo "other $i" >"$D/o$i"; done
"$PARLEY" log init "$S/fork" --key "$K/us-node.key" >/dev/null && "$PARLEY" log append "$S/fork" --key "$K/us-node.key" "$D/o1" "$D/o2" "$D/o3" >/dev/null &&
	cp -r "$S/fork" "$S/fork-old" && "$PARLEY" note sign "$S/fork/checkpoint" --key "$K/us-node.new.key" >"$D/cp" && cp "$D/cp" "$S/fork/checkpoint" &&
	sign_us "$K/us-node.new.key" || { fail setup "forks"; exit 1; }
expect audit-new-key-fork-found 1 "" "$PARLEY" audit --charter "$F/charter" --out "$D/aud1" "$S/us" "$S/fork"
p1=$(ls "$D/aud1"/fork-us-*.proof 2>/dev/null | head -n 1)
[ -n "$p1" ] && grep -q "amendments: 1 known" "$T_OUT" && pass audit-new-key-proof-written || fail audit-new-key-proof-written "$(cat "$T_OUT")"
expect audit-verify-new-key-proof 0 "" "$PARLEY" audit verify "${p1:-/nonexistent}" --charter "$F/charter"
# without the amendments the new key is no key of us's: both refused, nothing compared
expect audit-without-amendments-refuses 2 "" "$PARLEY" audit --charter "$D/lone/charter" --out "$D/aud2" "$S/us" "$S/fork"
grep -q "REFUSED, not signed by us's log key" "$T_OUT" && ! grep -q "FORK" "$T_OUT" && pass audit-new-key-unknown-refused ||
	fail audit-new-key-unknown-refused "$(cat "$T_OUT")"
# a fork by the retired key, uncosigned: under the amendments it is no checkpoint of us's; a proof of it
# (written by an audit that knew no amendment) is refused by audit verify, naming the retirement
sign_us "$K/us-node.key"
expect audit-retired-key-fork-refused 2 "" "$PARLEY" audit --charter "$F/charter" --out "$D/aud3" "$S/us" "$S/fork-old"
grep -q "retired at 2021-08-01T00:00:00Z" "$T_OUT" && ! grep -q "FORK" "$T_OUT" && pass audit-retired-key-not-compared ||
	fail audit-retired-key-not-compared "$(cat "$T_OUT")"
expect audit-founding-key-fork 1 "" "$PARLEY" audit --charter "$D/lone/charter" --out "$D/aud4" "$S/us" "$S/fork-old"
p4=$(ls "$D/aud4"/fork-us-*.proof 2>/dev/null | head -n 1)
expect audit-verify-retired-key-proof-refused 1 "" "$PARLEY" audit verify "${p4:-/nonexistent}" --charter "$F/charter"
grep -q "retired at 2021-08-01T00:00:00Z" "$T_OUT" && pass audit-verify-names-retirement || fail audit-verify-names-retirement "$(cat "$T_OUT")"
expect audit-verify-founding-proof 0 "" "$PARLEY" audit verify "${p4:-/nonexistent}" --charter "$D/lone/charter"
# a fork across the rotation: us's checkpoint by the retired key cosigned before it, the fork's by the
# new key; found, and its proof carries each checkpoint's own key; audit verify refuses it, naming
# the retirement (the proof carries no cosignature from before it)
sign_us "$K/us-node.key" 2021-07-20T00:00:00Z
expect audit-fork-across-rotation 1 "" "$PARLEY" audit --charter "$F/charter" --out "$D/aud5" "$S/us" "$S/fork"
p5=$(ls "$D/aud5"/fork-us-*.proof 2>/dev/null | head -n 1)
[ -n "$p5" ] && [ "$(grep -c "^— us.parley.example/log " "$p5")" = 2 ] && pass audit-two-key-proof-written ||
	fail audit-two-key-proof-written "$(cat "$T_OUT")"
expect audit-verify-two-key-proof-refused 1 "" "$PARLEY" audit verify "${p5:-/nonexistent}" --charter "$F/charter"
grep -q "retired at 2021-08-01T00:00:00Z" "$T_OUT" && pass audit-verify-two-key-names-retirement ||
	fail audit-verify-two-key-names-retirement "$(cat "$T_OUT")"

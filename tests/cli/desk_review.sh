#!/usr/bin/env bash
# The desk's hostile review (issue 16, docs/desk.md "Security"): attacks by another user of
# the machine and by a page of another localhost port, each a regression test of a fixed hole.
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
US=$(url_of us)
K=$D/ch/keys
cleanup() { cleanup_nodes; chmod -R u+rwx "$T_DIR" 2>/dev/null; rm -rf "$T_DIR"; }
trap cleanup EXIT

make_channel "$D/ch" || { fail setup "make_channel"; exit 1; }
"$PARLEY" node init "$D/us" --charter "$D/ch/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$D/ch/charter" --key "$K/witness.key" 2>/dev/null ||
	{ fail setup "init"; exit 1; }
start_node "$D/us" us && start_witness "$D/w" || { fail setup "nodes"; exit 1; }

# --- another user of the machine: a --dir others may write (e.g. /tmp/desk made first by them) ---
# Before: accepted; another user could then put a symbolic link or a 0666 file of theirs at
# DIR/taxii.journal (the decrypted evidence appended to it), or DIR/tmp (the receipts).
for mode in 0777 0775 1777; do
	mkdir "$D/ww$mode" && chmod "$mode" "$D/ww$mode"
	expect "dir-$mode-refused" 2 "others may write" timeout 10 "$PARLEY" desk --key "$K/us.doj.key" --node "$US" --dir "$D/ww$mode"
	if [ -z "$(ls -A "$D/ww$mode")" ]; then pass "dir-$mode-nothing-written"; else fail "dir-$mode-nothing-written" "$(ls -A "$D/ww$mode")"; fi
done
# a --dir another user owns (or a symbolic link to one: followed, its target's owner checked)
if [ "$(id -u)" != 0 ]; then
	ln -s / "$D/theirs" # root's
else
	mkdir -m 0700 "$D/theirs" && chown nobody "$D/theirs"
fi
expect dir-not-ours-refused 2 "not owned by" timeout 10 "$PARLEY" desk --key "$K/us.doj.key" --node "$US" --dir "$D/theirs"


# --help on every command: `parley CMD --help` prints the command's usage on stdout and exits 0,
# for every command `parley --help` lists; an unknown command still exits 2.
. "$ROOT/tests/lib.sh"
expect list 0 "" "$PARLEY" --help
cmds=$(sed -n 's/^  parley \([a-z]*\).*/\1/p' "$T_OUT" | sort -u | grep -v '^version$')
[ "$(printf '%s\n' $cmds | wc -l)" -ge 25 ] && pass lists-commands || fail lists-commands "$cmds"
for c in $cmds; do
	"$PARLEY" "$c" --help >"$T_DIR/out" 2>"$T_DIR/err"
	rc=$?
	[ "$rc" = 0 ] && head -n 1 "$T_DIR/out" | grep -q "^usage: parley $c" && [ ! -s "$T_DIR/err" ] &&
		pass "help-$c" || fail "help-$c" "exit $rc: $(head -c 200 "$T_DIR/out" "$T_DIR/err")"
done
expect unknown-command 2 "unknown command 'nope'" "$PARLEY" nope --help

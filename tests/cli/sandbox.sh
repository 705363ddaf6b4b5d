# The sandbox (src/sys/sandbox.h, docs/operations.md "Sandbox"): a forbidden
# system call kills the node and the witness by SIGSYS, and the same call
# without the filter (--no-sandbox) does not; Landlock refuses files outside
# the node's directory, its key file and the keeper's state (SKIP where the kernel lacks it); the
# node serves under the filter; run as root it refuses to stay root without a
# user to switch to, and switches to --user before serving.
# The hook: PARLEY_SANDBOX_SELFTEST=execve | open:PATH (sandbox_selftest).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us) WIT=$(url_of witness)
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null || { fail setup "node init"; exit 1; }
"$PARLEY" witness init "$D/wit" --charter "$D/charter" --key "$K/witness.key" 2>/dev/null || { fail setup "witness init"; exit 1; }
echo "outside the node's directory" >"$D/outside"

# run_until_exit LOG CMD... — runs CMD in the background for at most ~10 s; $status is its exit status
# ("running" if it is still up, then killed)
run_until_exit() {
	local log=$1; shift
	"$@" >"$log" 2>&1 &
	local pid=$! i
	status=running
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid"; status=$?; return; }
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}

# ---- a forbidden call kills: SIGSYS is 31, so the shell's status is 128+31 ----
PARLEY_SANDBOX_SELFTEST=execve run_until_exit "$D/k1.log" "$PARLEY" node --dir "$D/us" --poll 1
[ "$status" = 159 ] && grep -q 'event=sandbox role=node seccomp=on' "$D/k1.log" &&
	grep -q 'event=sandbox_selftest call=execve' "$D/k1.log" && ! grep -q 'result=returned' "$D/k1.log" &&
	pass node-forbidden-call-sigsys || fail node-forbidden-call-sigsys "status $status: $(tail -n 3 "$D/k1.log")"
PARLEY_SANDBOX_SELFTEST=execve run_until_exit "$D/k2.log" "$PARLEY" witness --dir "$D/wit"
[ "$status" = 159 ] && grep -q 'event=sandbox role=witness seccomp=on' "$D/k2.log" &&
	pass witness-forbidden-call-sigsys || fail witness-forbidden-call-sigsys "status $status: $(tail -n 3 "$D/k2.log")"

# ---- the same hook without the filter: the call fails, the node lives on and serves ----
export PARLEY_SANDBOX_SELFTEST=execve
start_node "$D/us" us --no-sandbox && sleep 0.5 && kill -0 "$NODE_PID_us" 2>/dev/null &&
	grep -q 'event=sandbox_selftest call=execve result=returned' "$D/us.log" &&
	curl -sf "$US/checkpoint" >/dev/null && pass no-sandbox-same-call-survives ||
	fail no-sandbox-same-call-survives "$(tail -n 3 "$D/us.log")"
unset PARLEY_SANDBOX_SELFTEST
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null

# ---- Landlock: files outside DIR, and the key file inside it, are refused ----
# open_as open|write PATH [flags] — starts the node with the open:PATH (or write:PATH) hook, prints the hook's result
open_as() {
	local how=$1 path=$2; shift 2
	: >"$D/us.log"
	PARLEY_SANDBOX_SELFTEST=$how:$path start_node "$D/us" us "$@" >/dev/null 2>&1
	kill "$NODE_PID_us" 2>/dev/null; wait "$NODE_PID_us" 2>/dev/null
	sed -n 's/.*event=sandbox_selftest call=[a-z]* .*result=\([a-z]*\).*/\1/p' "$D/us.log"
}
r=$(open_as open "$D/charter")
if grep -q 'sandbox_landlock status=unavailable' "$D/us.log"; then
	skip landlock-refuses-outside-dir "the kernel has no Landlock ($(grep -o 'msg=[^ ]*' "$D/us.log" | head -n 1))"
	skip landlock-refuses-key-file "the kernel has no Landlock"
	skip landlock-charter-read-only "the kernel has no Landlock"
else
	[ "$r" = refused ] && [ "$(open_as open "$D/outside")" = refused ] && [ "$(open_as open "$D/us/charter")" = opened ] &&
		pass landlock-refuses-outside-dir || fail landlock-refuses-outside-dir "charter outside: $r; $(tail -n 2 "$D/us.log")"
	[ "$(open_as open "$D/us/node.key")" = refused ] && [ "$(open_as open "$D/us/node.key" --no-sandbox)" = opened ] &&
		[ "$(open_as open "$D/us/keeper/state")" = refused ] && [ "$(open_as open "$D/us/keeper/state" --no-sandbox)" = opened ] &&
		pass landlock-refuses-key-file || fail landlock-refuses-key-file "$(tail -n 2 "$D/us.log")"
	# the charter is read-only to it (changes come as amendments); its index is written
	[ "$(open_as write "$D/us/charter")" = refused ] && [ "$(open_as write "$D/us/index.sqlite")" = opened ] &&
		[ "$(open_as write "$D/us/charter" --no-sandbox)" = opened ] &&
		pass landlock-charter-read-only || fail landlock-charter-read-only "$(tail -n 2 "$D/us.log")"
fi

# ---- the node and the witness serve under the filter: a submission is sequenced and cosigned ----
: >"$D/us.log"
for i in 1 2; do
	"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind notice --to ru.gp \
		--case "us.fbi/2021-000$i" --body "$V/notice-minimal.json" --out "$D/e$i" >/dev/null &&
		frame "$D/e$i/envelope" "$D/e$i/body.age" >"$D/r$i" || { fail setup "seal"; exit 1; }
done
if start_witness "$D/wit" && start_node "$D/us" us; then
	code=$(submit "$US" "$D/r1")
	[ "$code" = 200 ] && wait_for sh -c "curl -s $US/checkpoint | grep -q '^— '" &&
		curl -sf "$US/metrics" | grep -q parley_build_info && kill -0 "$NODE_PID_us" && kill -0 "$NODE_PID_witness" &&
		grep -q 'event=sandbox role=node seccomp=on' "$D/us.log" && grep -q 'event=sandbox role=witness seccomp=on' "$D/wit.log" &&
		grep -q 'event=sandbox role=keeper seccomp=on' "$D/us.log" &&
		pass serves-under-filter || fail serves-under-filter "HTTP $code: $(tail -n 3 "$D/us.log")"
else
	fail serves-under-filter "did not start: $(tail -n 3 "$D/us.log") $(tail -n 3 "$D/wit.log")"
fi
# a clean stop under the filter: exit 0 (what runs at exit, LSan's check in SANITIZE builds too, is allowed)
kill -TERM "$NODE_PID_us" "$NODE_PID_witness" 2>/dev/null
wait "$NODE_PID_us"; st_us=$?
wait "$NODE_PID_witness"; st_wit=$?
[ "$st_us" = 0 ] && [ "$st_wit" = 0 ] && ! grep -q 'Sanitizer\|runtime error' "$D/us.log" "$D/wit.log" &&
	pass stops-cleanly-under-filter || fail stops-cleanly-under-filter "exit $st_us and $st_wit: $(tail -n 4 "$D/us.log")"

# ---- --no-sandbox is a flag of one start, never a setting of the --config file ----
printf 'dir = %s\nno-sandbox = true\n' "$D/us" >"$D/conf"
expect no-sandbox-not-in-config 2 "no-sandbox is a flag of one start" "$PARLEY" node --config "$D/conf"

# ---- root: refused without a user to switch to; --user switches before serving ----
REAL=${PARLEY_REAL:-$PARLEY}
if [ "$(id -u)" != 0 ]; then
	skip root-refused-without-user "not run as root"
	skip user-switch "not run as root"
else
	if id parley >/dev/null 2>&1; then
		skip root-refused-without-user "this machine has a 'parley' user (the default to switch to)"
	else
		expect root-refused-without-user 2 "refusing to run as root" "$REAL" node --dir "$D/us"
	fi
	# a directory the user can reach and owns
	U=$(mktemp -d /tmp/parley-user.XXXXXX) && chmod 755 "$U" && cp -a "$D/us" "$U/us"
	expect user-must-own-dir 2 "chown -R nobody" "$REAL" node --dir "$U/us" --user nobody
	chown -R nobody "$U/us"
	"$REAL" node --dir "$U/us" --poll 1 --user nobody >"$U/us.log" 2>&1 &
	pid=$!
	NODE_PIDS+=("$pid")
	if wait_up "$US" && [ "$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$pid/status")" = 65534655346553465534 ] &&
		[ "$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")" = "$(id -g nobody)" ] &&
		grep -q 'event=sandbox_user user=nobody uid=65534' "$U/us.log" && [ "$(submit "$US" "$D/r2")" = 200 ]; then
		pass user-switch
	else
		fail user-switch "$(grep Uid "/proc/$pid/status" 2>&1) $(tail -n 3 "$U/us.log")"
	fi
	# the keeper (the node's child) switched too, before it read the key: it never holds root's rights
	kpid=$(pgrep -P "$pid" | head -n 1)
	if [ -n "$kpid" ] && [ "$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$kpid/status")" = 65534655346553465534 ]; then
		pass keeper-user-switch
	else
		fail keeper-user-switch "keeper ${kpid:-not found}: $(grep Uid "/proc/$kpid/status" 2>&1)"
	fi
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	rm -rf "$U"
fi

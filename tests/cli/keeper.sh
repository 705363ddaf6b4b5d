# The keeper (docs/keeper.md) in a running node: the node's process has one child,
# the keeper; the state it keeps follows the log; the network side's memory holds
# neither the key file's text nor the secret key's bytes while the keeper's does
# (read from /proc/PID/mem: needs ptrace rights, else those checks SKIP); killing
# the keeper stops the node (exit 2, event keeper_died); killing the node takes the
# keeper with it.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us)
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null || { fail setup init; exit 1; }
start_node "$D/us" us || { fail setup "the node did not start: $(tail -n 3 "$D/us.log")"; exit 1; }
PID=$NODE_PID_us
keeper_of() { pgrep -P "$1" | head -n 1; }
KPID=$(keeper_of "$PID")
[ -n "$KPID" ] && [ "$(pgrep -P "$PID" | wc -l)" -eq 1 ] && pass node-has-one-keeper ||
	fail node-has-one-keeper "children: $(pgrep -P "$PID" | tr '\n' ' ')"

# the network side never opened the key file; the keeper has nothing of the node's files open
ls -l /proc/"$PID"/fd 2>/dev/null | grep -q node.key && fail network-side-has-no-key-file-open || pass network-side-has-no-key-file-open
n=$(ls /proc/"$KPID"/fd 2>/dev/null | wc -l)
[ "$n" -le 5 ] && pass keeper-holds-few-files || fail keeper-holds-few-files "$n open: $(ls -l /proc/$KPID/fd | tail -n +2)"

# a submission: the keeper signs the checkpoint, and its state follows
"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind request --to ru.gp \
	--case us.fbi/2021-0007 --body "$V/mla-request-prosecutor.json" --out "$D/e1" >/dev/null
frame "$D/e1/envelope" "$D/e1/body.age" >"$D/e1.req"
code=$(submit "$US" "$D/e1.req")
[ "$code" = 200 ] && pass submit-signed-by-keeper || fail submit-signed-by-keeper "HTTP $code: $(cat "$T_DIR/resp")"
size=$(log_size "$US")
grep -aq "^signed us.parley.example/log $size " "$D/us/keeper/state" && pass keeper-state-follows-log ||
	fail keeper-state-follows-log "log size $size; state: $(tr -d '\0' <"$D/us/keeper/state")"
[ "$(stat -c %a "$D/us/keeper/state")" = 600 ] && pass keeper-state-private || fail keeper-state-private
grep -q "event=keeper_signed kind=checkpoint log=us.parley.example/log size=$size" "$D/us.log" &&
	pass keeper-decision-logged || fail keeper-decision-logged "$(grep keeper "$D/us.log" | tail -n 3)"

# memory: the secret seed, as text and as bytes (base64 of type || seed in the key file)
dump_memory() {
	local range perms rest lo hi
	while read -r range perms rest; do
		case $perms in r*) ;; *) continue ;; esac
		case $rest in *'[vvar]'* | *'[vsyscall]'*) continue ;; esac
		lo=$((16#${range%-*})) hi=$((16#${range#*-}))
		[ $((hi - lo)) -le $((1 << 32)) ] || continue
		dd if="/proc/$1/mem" bs=4096 skip=$((lo / 4096)) count=$(((hi - lo) / 4096)) 2>/dev/null
	done <"/proc/$1/maps"
}
seed_b64=$(sed -n 's/^PRIVATE+KEY+[^+]*+[0-9a-f]*+//p' "$K/us-node.key")
if ! dd if="/proc/$PID/mem" bs=1 count=0 2>/dev/null; then
	skip memory "cannot read /proc/$PID/mem (run as root or with ptrace rights)"
else
	dump_memory "$PID" >"$D/net.mem"
	dump_memory "$KPID" >"$D/keeper.mem"
	count_bytes() { python3 -c 'import sys,base64; s=base64.b64decode(sys.argv[1])[1:33]; print(open(sys.argv[2],"rb").read().count(s))' "$seed_b64" "$1"; }
	[ "$(count_bytes "$D/keeper.mem")" -ge 1 ] && pass memory-scan-finds-the-seed-in-the-keeper ||
		fail memory-scan-finds-the-seed-in-the-keeper
	[ "$(count_bytes "$D/net.mem")" -eq 0 ] && pass network-side-memory-has-no-secret-key ||
		fail network-side-memory-has-no-secret-key "$(count_bytes "$D/net.mem") copies"
	[ "$(grep -caF -- "$seed_b64" "$D/net.mem")" -eq 0 ] && pass network-side-memory-has-no-key-text ||
		fail network-side-memory-has-no-key-text
	rm -f "$D/net.mem" "$D/keeper.mem"
fi

# the keeper dies: the node stops, exit 2, and says why
kill -9 "$KPID"
for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then
	fail node-stops-without-keeper "still running"
else
	wait "$PID"
	rc=$?
	[ $rc -eq 2 ] && pass node-stops-without-keeper || fail node-stops-without-keeper "exit $rc"
fi
grep -q "event=keeper_died" "$D/us.log" && pass keeper-death-logged || fail keeper-death-logged "$(tail -n 3 "$D/us.log")"

# the node dies: its keeper goes with it; a restart signs on from the state kept
start_node "$D/us" us || { fail restart "$(tail -n 3 "$D/us.log")"; exit 1; }
PID=$NODE_PID_us KPID=$(keeper_of "$PID")
kill -9 "$PID"
for _ in $(seq 50); do kill -0 "$KPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$KPID" 2>/dev/null && fail keeper-dies-with-node || pass keeper-dies-with-node
start_node "$D/us" us || { fail restart "$(tail -n 3 "$D/us.log")"; exit 1; }
"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind request --to ru.gp \
	--case us.fbi/2021-0008 --body "$V/mla-request-prosecutor.json" --out "$D/e2" >/dev/null
frame "$D/e2/envelope" "$D/e2/body.age" >"$D/e2.req"
code=$(submit "$US" "$D/e2.req")
[ "$code" = 200 ] && [ "$(log_size "$US")" -gt "$size" ] && pass signs-after-restart ||
	fail signs-after-restart "HTTP $code: $(cat "$T_DIR/resp")"

# an old copy of the log restored under the keeper's newer state: its next checkpoint would
# re-issue index numbers already signed (a fork); the node refuses to start, saying what to do
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
cp -a "$D/us/log" "$D/log.old"
start_node "$D/us" us || { fail restart "$(tail -n 3 "$D/us.log")"; exit 1; }
"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind request --to ru.gp \
	--case us.fbi/2021-0009 --body "$V/mla-request-prosecutor.json" --out "$D/e3" >/dev/null
frame "$D/e3/envelope" "$D/e3/body.age" >"$D/e3.req"
code=$(submit "$US" "$D/e3.req")
[ "$code" = 200 ] || fail setup "HTTP $code: $(cat "$T_DIR/resp")"
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
rm -rf "$D/us/log" && mv "$D/log.old" "$D/us/log"
timeout 20 "$PARLEY" node --dir "$D/us" --poll 1 >"$D/old.log" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "older copy of the log" "$D/old.log" && pass keeper-refuses-a-restored-old-log ||
	fail keeper-refuses-a-restored-old-log "exit $rc: $(tail -n 2 "$D/old.log")"

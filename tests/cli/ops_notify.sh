# Readiness and watchdog under systemd (Type=notify), without systemd: a listener
# (tests/tools/notify_listen.py) binds the unix datagram socket NOTIFY_SOCKET names.
# READY=1 comes once /healthz answers (the listener asks it on receipt), WATCHDOG=1
# every half WATCHDOG_USEC while alive, STOPPING=1 on SIGTERM; the same for the
# witness; without NOTIFY_SOCKET the node runs as before (every other node test).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
command -v python3 >/dev/null || { skip notify "python3 is not installed"; exit 0; }
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys US=$(url_of us) WIT=$(url_of witness)
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/wit" --charter "$D/charter" --key "$K/witness.key" || { fail setup "init"; exit 1; }

# run_notified NAME URL CMD... — CMD under a listener for 4 s with a 400 ms watchdog; messages in $D/NAME.msgs
run_notified() {
	local name=$1 url=$2; shift 2
	local sock=$D/$name.sock
	python3 "$ROOT/tests/tools/notify_listen.py" "$sock" "$D/$name.msgs" "$url/healthz" 4 &
	local lpid=$!
	for _ in $(seq 50); do grep -q LISTENING "$D/$name.msgs" 2>/dev/null && break; sleep 0.1; done
	NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 "$@" >"$D/$name.log" 2>&1 &
	local pid=$!
	NODE_PIDS+=($pid)
	sleep 2
	kill -TERM $pid
	wait $pid
	echo "exit=$?" >>"$D/$name.exit"
	wait $lpid
}
for who in node witness; do
	if [ $who = node ]; then run_notified node "$US" "$PARLEY" node --dir "$D/us" --poll 1
	else run_notified witness "$WIT" "$PARLEY" witness --dir "$D/wit"; fi
	m=$D/$who.msgs
	grep -qx READY=1 "$m" && pass "$who-ready" || fail "$who-ready" "$(cat "$m" "$D/$who.log" | head -c 600)"
	# after READY=1's message, the listener's /healthz answer, asked when READY arrived
	[ "$(sed -n '/^READY=1$/,/^HEALTHZ=/p' "$m" | tail -n 1)" = HEALTHZ=200 ] && pass "$who-ready-after-healthz" ||
		fail "$who-ready-after-healthz" "$(cat "$m")"
	grep -q '^STATUS=' "$m" && pass "$who-status" || fail "$who-status"
	w=$(grep -cx WATCHDOG=1 "$m")
	[ "$w" -ge 3 ] && pass "$who-watchdog" || fail "$who-watchdog" "$w WATCHDOG=1 in 2 s with a 400 ms watchdog"
	# READY before the first WATCHDOG, STOPPING last
	[ "$(grep -m1 -xE 'READY=1|WATCHDOG=1' "$m")" = READY=1 ] && [ "$(grep -xE 'READY=1|WATCHDOG=1|STOPPING=1' "$m" | tail -n 1)" = STOPPING=1 ] &&
		pass "$who-order" || fail "$who-order" "$(cat "$m")"
	grep -qx exit=0 "$D/$who.exit" && pass "$who-exit-0" || fail "$who-exit-0" "$(cat "$D/$who.exit")"
done
# a notify socket that does not exist: the node starts and serves anyway
NOTIFY_SOCKET=$D/none.sock "$PARLEY" node --dir "$D/us" >"$D/us3.log" 2>&1 &
pid=$!; NODE_PIDS+=($pid)
wait_up "$US" && pass no-listener-still-serves || fail no-listener-still-serves "$(cat "$D/us3.log")"
kill $pid; wait $pid 2>/dev/null

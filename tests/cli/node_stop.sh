# Stopping a node (SIGTERM) while submissions wait for their batch: the server
# answers or refuses every suspended one before it closes (libmicrohttpd must
# not stop with a suspended connection), exits 0, and every submission it
# answered 200 is in its log after a restart, with a proof that verifies.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us)
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null || { fail setup "init"; exit 1; }
US_VKEY=$("$PARLEY" key vkey "$K/us-node.key")
M=60
for i in $(seq "$M"); do
	"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind notice --to ru.gp \
		--case "us.fbi/2021-$(printf %04d "$i")" --body "$V/notice-minimal.json" --out "$D/e$i" >/dev/null &&
		frame "$D/e$i/envelope" "$D/e$i/body.age" >"$D/r$i" || { fail setup "seal $i"; exit 1; }
done
start_node "$D/us" us || { fail setup "node did not start: $(tail -n 3 "$D/us.log")"; exit 1; }
node_pid=$NODE_PID_us

# every submission at once, then SIGTERM while they are in flight
for i in $(seq "$M"); do
	curl -s -m 60 -o "$D/resp$i" -w '%{http_code}' -H "Content-Type: application/x-parley-submit" \
		--data-binary @"$D/r$i" "$US/submit" >"$D/code$i" 2>/dev/null &
done
sleep 0.03
kill -TERM "$node_pid"
status=none
for _ in $(seq 300); do
	kill -0 "$node_pid" 2>/dev/null || { wait "$node_pid"; status=$?; break; }
	sleep 0.1
done
wait 2>/dev/null # the clients
[ "$status" = 0 ] && ! grep -qi "panic\|stopping the server cleanly" "$D/us.log" && pass stops-cleanly-with-submissions-waiting ||
	fail stops-cleanly-with-submissions-waiting "exit status $status; log: $(tail -n 3 "$D/us.log")"

# what it answered: 200 with a proof, or a refusal; nothing else
ok=0 other=0 bad=""
for i in $(seq "$M"); do
	case $(cat "$D/code$i") in
	200) ok=$((ok + 1)) ;;
	503 | 000) other=$((other + 1)) ;; # refused while stopping, or not connected before it stopped
	*) bad="$bad $i:$(cat "$D/code$i")" ;;
	esac
done
[ -z "$bad" ] && pass answers-are-proofs-or-refusals || fail answers-are-proofs-or-refusals "unexpected statuses:$bad"

# after a restart, every 200 is in the log: its proof from the restarted node verifies
start_node "$D/us" us || { fail restart "node did not restart: $(tail -n 3 "$D/us.log")"; exit 1; }
lost=""
for i in $(seq "$M"); do
	[ "$(cat "$D/code$i")" = 200 ] || continue
	idx=$(sed -n 's/^index \([0-9]*\)$/\1/p' "$D/resp$i" | head -n 1)
	if ! "$PARLEY" proof verify "$D/resp$i" "$D/e$i/envelope" --vkey "$US_VKEY" >/dev/null 2>&1 ||
		! curl -sf "$US/proof/us/$idx" -o "$D/again$i" ||
		! "$PARLEY" proof verify "$D/again$i" "$D/e$i/envelope" --vkey "$US_VKEY" >/dev/null 2>&1; then
		lost="$lost $i(index $idx)"
	fi
done
[ -z "$lost" ] && pass acknowledged-submissions-survive-the-stop ||
	fail acknowledged-submissions-survive-the-stop "not found after restart:$lost"
waiting=$(grep -o 'event=http_draining requests=[0-9]*' "$D/us.log" | head -n 1)
echo "  $ok of $M answered 200 before the stop, $other refused or not connected; at the stop: ${waiting:-none waiting}" >&2

# ---- bodies on another filesystem: the body store syncs on its own (its transactions
# at full sync), so the check and store run on a worker thread, which hands the wait
# for the batch to the event loop ----
stop_node() { kill -TERM "$1"; for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done; }
stop_node "$NODE_PID_us"
SHM=""
if [ -d /dev/shm ] && [ -w /dev/shm ] && SHM=$(mktemp -d /dev/shm/parley-bodies.XXXXXX) &&
	[ "$(stat -c %d "$SHM")" != "$(stat -c %d "$D/us")" ]; then
	trap 'rm -rf "$SHM"; cleanup_nodes' EXIT
	cp -a "$D/us/bodies/." "$SHM/" && rm -rf "$D/us/bodies" && ln -s "$SHM" "$D/us/bodies"
	start_node "$D/us" us || { fail other-fs-start "$(tail -n 3 "$D/us.log")"; exit 1; }
	for i in $(seq 8); do
		"$PARLEY" envelope seal --key "$K/us.doj.key" --charter "$D/charter" --kind notice --to ru.fsb \
			--case "us.doj/2021-$(printf %04d "$i")" --body "$V/notice-minimal.json" --out "$D/f$i" >/dev/null &&
			frame "$D/f$i/envelope" "$D/f$i/body.age" >"$D/q$i"
	done
	for i in $(seq 8); do
		curl -s -m 30 -o "$D/fresp$i" -w '%{http_code}' -H "Content-Type: application/x-parley-submit" \
			--data-binary @"$D/q$i" "$US/submit" >"$D/fcode$i" 2>/dev/null &
	done
	wait_clients() { local p; for p in $(jobs -p); do [ "$p" = "$NODE_PID_us" ] || wait "$p"; done; }
	wait_clients
	bad=""
	for i in $(seq 8); do
		[ "$(cat "$D/fcode$i")" = 200 ] && "$PARLEY" proof verify "$D/fresp$i" "$D/f$i/envelope" --vkey "$US_VKEY" >/dev/null 2>&1 &&
			hex=$(sed -n 's/^body: \([0-9a-f]*\) .*/\1/p' "$D/f$i/envelope") &&
			curl -sf "$US/body/$hex" | cmp -s - "$D/f$i/body.age" ||
			bad="$bad $i:$(cat "$D/fcode$i")"
	done
	[ -f "$SHM/inline.db" ] || bad="$bad no-database-on-the-other-filesystem"
	[ -z "$bad" ] && pass bodies-on-another-filesystem || fail bodies-on-another-filesystem "not accepted with a proof and its body:$bad"
	stop_node "$NODE_PID_us"
else
	skip bodies-on-another-filesystem "no writable /dev/shm on another filesystem"
fi

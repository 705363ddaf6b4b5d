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
waiting=$(grep -o 'answering the [0-9]* requests under way' "$D/us.log" | head -n 1)
echo "  $ok of $M answered 200 before the stop, $other refused or not connected; at the stop: ${waiting:-none waiting}" >&2

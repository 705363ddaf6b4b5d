# A hostile peer against the recording of cosignatures (found by a review of issue 13's
# fixes). A peer pushing its checkpoint padded with 63 junk signature lines: the node
# cosigns and records its own cosignature, so its live view says delivered (it said
# outstanding while the kept receipt said delivered). A peer answering a push with two
# cosignatures by its key (now, and 30 days on): the answer is refused, so the live view,
# the view after --reindex and the kept files agree (the live view recorded the later
# time while the kept receipt held the earlier). The hostile peer is
# tests/tools/hostile_peer.py (python3's standard library; SKIP without python3).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
command -v python3 >/dev/null || { skip all "python3 is not installed"; exit 0; }
D=$T_DIR K=$D/keys
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
US=$(url_of us)
HOSTILE=$ROOT/tests/tools/hostile_peer.py
at=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)

# ---- a padded push ----
"$PARLEY" envelope seal --key "$K/ru.gp.key" --charter "$D/charter" --kind request --to us.fbi --case ru.gp/2026-0001 \
	--body "$ROOT/tests/data/cyber-mla/valid/mla-request-prosecutor.json" --out "$D/sealed" >/dev/null || { fail setup seal; exit 1; }
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null
start_node "$D/us" us --poll 3600 || { fail setup "us did not start: $(tail -n 3 "$D/us.log")"; exit 1; }
python3 "$HOSTILE" pad $((PORT_BASE + 2)) "$US" "$PARLEY" "$K/ru-node.key" "$D/sealed/envelope" "$D/sealed/body.age" >"$D/pad.out" 2>&1 &
NODE_PIDS+=($!)
wait_for grep -q "^push" "$D/pad.out"
grep -q "^push 200" "$D/pad.out" && pass padded-push-cosigned || fail padded-push-cosigned "$(cat "$D/pad.out")"
curl -s "$US/case/ru.gp/2026-0001?at=$at" >"$D/pad.live"
grep -A3 '"delivery"' "$D/pad.live" | grep -q '"state": "delivered"' && pass padded-push-live-view-delivered ||
	fail padded-push-live-view-delivered "$(grep -A4 '"delivery"' "$D/pad.live" | head -6)"
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
start_node "$D/us" us --poll 3600 --reindex || { fail setup "us did not restart"; exit 1; }
curl -s "$US/case/ru.gp/2026-0001?at=$at" >"$D/pad.rebuilt"
cmp -s "$D/pad.live" "$D/pad.rebuilt" && pass padded-push-live-equals-rebuilt ||
	fail padded-push-live-equals-rebuilt "$(diff "$D/pad.live" "$D/pad.rebuilt" | head -c 400)"
cleanup_nodes; NODE_PIDS=()

# ---- a peer slow to serve its entries: the node's event loops keep answering ----
rm -rf "$D/us" "$D/us.log"
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null
python3 "$HOSTILE" slow $((PORT_BASE + 2)) "$PARLEY" "$K/ru-node.key" "$D/sealed/envelope" >"$D/slow.out" 2>&1 &
NODE_PIDS+=($!)
wait_for grep -q "^serving" "$D/slow.out"
start_node "$D/us" us --poll 1 || { fail setup "us did not start: $(tail -n 3 "$D/us.log")"; exit 1; }
sleep 3 # the poller is now inside the sync, holding ru's lock while the bundle is held back
slow_ok=1
for i in 1 2 3; do
	for path in metrics healthz checkpoint; do
		code=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' "$US/$path")
		[ "$code" = 200 ] || { slow_ok=0; fail "slow-peer-does-not-block-$path" "HTTP $code (or no answer in 10 s)"; }
	done
done
[ $slow_ok = 1 ] && pass slow-peer-does-not-block-the-event-loops
cleanup_nodes; NODE_PIDS=()

# ---- two cosignatures in one answer ----
rm -rf "$D/us" "$D/us.log"
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null
python3 "$HOSTILE" twocosig $((PORT_BASE + 2)) "$PARLEY" "$K/ru-node.key" >"$D/two.out" 2>&1 &
NODE_PIDS+=($!)
start_node "$D/us" us || { fail setup "us did not start: $(tail -n 3 "$D/us.log")"; exit 1; }
"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind notice --to ru.gp --case us.fbi/2026-0001 \
	--body "$ROOT/tests/data/cyber-mla/valid/notice-minimal.json" --out "$D/n1" >/dev/null &&
	frame "$D/n1/envelope" "$D/n1/body.age" >"$D/n1.req" || { fail setup seal; exit 1; }
code=$(submit "$US" "$D/n1.req")
[ "$code" = 200 ] || { fail setup "submit: HTTP $code"; exit 1; }
wait_for grep -q "event=push_failed target=ru .*ru answered with 2 cosignatures by its key, not one" "$D/us.log" &&
	pass two-cosignatures-refused || fail two-cosignatures-refused "$(tail -n 3 "$D/us.log")"
curl -s "$US/case/us.fbi/2026-0001?at=$at" >"$D/two.live"
! grep -q "^— ru.parley.example/log" "$D/us/log/checkpoint" && ! ls "$D/us/cosigned/"[0-9]* >/dev/null 2>&1 &&
	pass two-cosignatures-not-kept || fail two-cosignatures-not-kept "$(cat "$D/us/log/checkpoint"; ls "$D/us/cosigned")"
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
start_node "$D/us" us --reindex || { fail setup "us did not restart"; exit 1; }
curl -s "$US/case/us.fbi/2026-0001?at=$at" >"$D/two.rebuilt"
cmp -s "$D/two.live" "$D/two.rebuilt" && pass two-cosignatures-live-equals-rebuilt ||
	fail two-cosignatures-live-equals-rebuilt "$(diff "$D/two.live" "$D/two.rebuilt" | head -c 400)"

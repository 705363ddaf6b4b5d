# The traffic tests/cli/report.sh and bundle.sh report on. Source after tests/lib.sh and
# tests/fixture.sh, then call report_traffic [SECONDS]: two nodes and the witness on
# loopback (channel in $D/ch, nodes in $D/us, $D/ru, witness in $D/w), three requests
# from us.fbi to ru.gp ($cases; SECONDS apart, so each is delivered in a second of its
# own), the first acknowledged and the second answered in part, then every service
# stopped. Sets D, V, US, RU, K, FROM (an hour ago) and PIDS.
D=$T_DIR
V=$ROOT/tests/data/cyber-mla/valid
US=http://127.0.0.1:$((PORT_BASE + 1)) RU=http://127.0.0.1:$((PORT_BASE + 2))
K=$D/ch/keys
PIDS=()
report_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T_DIR"
}
trap report_cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT

report_traffic() {
	local gap=${1:-0} i p port
	make_channel "$D/ch" || { fail setup "make_channel"; exit 1; }
	"$PARLEY" node init "$D/us" --charter "$D/ch/charter" --key "$K/us-node.key" 2>/dev/null &&
		"$PARLEY" node init "$D/ru" --charter "$D/ch/charter" --key "$K/ru-node.key" 2>/dev/null &&
		"$PARLEY" witness init "$D/w" --charter "$D/ch/charter" --key "$K/witness.key" 2>/dev/null ||
		{ fail setup "init"; exit 1; }
	"$PARLEY" node --dir "$D/us" --poll 1 2>"$D/us.log" & PIDS+=($!)
	"$PARLEY" node --dir "$D/ru" --poll 1 2>"$D/ru.log" & PIDS+=($!)
	"$PARLEY" witness --dir "$D/w" 2>"$D/w.log" & PIDS+=($!)
	for port in $((PORT_BASE + 1)) $((PORT_BASE + 2)) $((PORT_BASE + 3)); do
		for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
	done
	FROM=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
	cases=()
	for i in 1 2 3; do
		"$PARLEY" send request --key "$K/us.fbi.key" --node $US --to ru.gp --body "$V/mla-request-prosecutor.json" --wait 15 >"$D/send$i" 2>&1 ||
			{ fail "setup-send-$i" "$(cat "$D/send$i")"; exit 1; }
		cases+=("$(sed -n 's/^sent request from us.fbi in case \([^,]*\),.*/\1/p' "$D/send$i")")
		[ "$gap" = 0 ] || sleep "$gap"
	done
	"$PARLEY" ack "${cases[0]}" --key "$K/ru.gp.key" --node $RU --officer "Ivan Petrov" --position "Duty officer" --wait 15 >/dev/null 2>&1 ||
		fail setup-ack "ack failed"
	"$PARLEY" answer "${cases[1]}" --key "$K/ru.gp.key" --node $RU --body "$V/answer-partial.json" --wait 15 >/dev/null 2>&1 ||
		fail setup-answer "answer failed"
	sleep 3 # the last cosignatures and receipts settle
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
}

# The node's structured log and /metrics (issue 17, the operations kit).
# Log: every line one event (JSON with --log-format json, key=value by default), the
# start with version, party, listen and log size; a dead witness and a dead peer
# logged once when they start failing (not at every retry) and once when they
# recover; refused submissions with status and reason; the stop.
# Metrics: the node's and the neutral witness's /metrics pass Prometheus's own
# checker (promtool check metrics: HELP and TYPE everywhere, naming rules), with
# parley_build_info, per-peer labels, the last cosignature time per target, the
# overdue deadlines and the submission latency histogram.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us) RU=$(url_of ru) WIT=$(url_of witness)
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$D/charter" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/wit" --charter "$D/charter" --key "$K/witness.key" || { fail setup "init"; exit 1; }

# us alone first: ru and the witness are down
start_node "$D/us" us --log-format json || { fail setup "us did not start: $(tail -n 3 "$D/us.log")"; exit 1; }
"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind request --to ru.gp \
	--case us.fbi/2021-0007 --body "$V/mla-request-prosecutor.json" --out "$D/e1" >/dev/null
frame "$D/e1/envelope" "$D/e1/body.age" >"$D/e1.req"
printf 'parley-submit v1 3 0\nabc' >"$D/junk.req"
code=$(submit "$US" "$D/junk.req")
[ "$code" = 400 ] && pass junk-refused || fail junk-refused "HTTP $code"
code=$(submit "$US" "$D/e1.req")
[ "$code" = 200 ] && pass submit-accepted || fail submit-accepted "HTTP $code: $(cat "$T_DIR/resp")"
sleep 6 # the pusher (pushing since the log has an entry) retries every 2 s, the poller every second: failures each

# every line is one JSON object with time, level and event
if jq -e -s 'all(.[]; (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")) and (.level | IN("info","warn","error")) and (.event | type == "string"))' \
	"$D/us.log" >/dev/null 2>&1; then pass log-json-lines; else fail log-json-lines "$(head -c 600 "$D/us.log")"; fi
jq -e -s --arg v "$(cat "$ROOT/VERSION")" --arg l "127.0.0.1:$((PORT_BASE + 1))" \
	'map(select(.event == "start")) | length == 1 and .[0].version == $v and .[0].party == "us" and .[0].listen == $l and .[0].log_size == 0' \
	"$D/us.log" >/dev/null && pass log-start-event || fail log-start-event "$(grep start "$D/us.log")"
# one push_failed per dead target (ru's node, the witness), one sync_failed for ru, despite the retries
n_push=$(jq -s 'map(select(.event == "push_failed")) | group_by(.target) | map(length) | @csv' "$D/us.log")
[ "$n_push" = '"1,1"' ] && pass log-push-failed-once-per-target || fail log-push-failed-once-per-target "$n_push: $(grep push_failed "$D/us.log")"
jq -e -s 'map(select(.event == "push_failed" and .level == "warn" and (.error | length) > 0)) | map(.target) | sort == ["ru", "un.witness"]' \
	"$D/us.log" >/dev/null && pass log-push-failed-names-target || fail log-push-failed-names-target
n_sync=$(jq -s 'map(select(.event == "sync_failed" and .peer == "ru")) | length' "$D/us.log")
[ "$n_sync" = 1 ] && pass log-sync-failed-once || fail log-sync-failed-once "$n_sync: $(grep sync_failed "$D/us.log")"
curl -s "$US/metrics" >"$D/m0"
f=$(sed -n 's/^parley_push_failures_total{target="un.witness",kind="witness"} //p' "$D/m0")
[ "${f:-0}" -ge 2 ] && pass metrics-counts-every-failure || fail metrics-counts-every-failure "push failures: '$f'"
jq -e -s 'map(select(.event == "submit_refused")) | .[0] | .status == 400 and (.reason | length) > 0' "$D/us.log" >/dev/null &&
	pass log-submit-refused || fail log-submit-refused "$(grep submit_refused "$D/us.log")"

# they come up: recovered, once each
start_node "$D/ru" ru && start_witness "$D/wit" || { fail setup "ru/witness did not start"; exit 1; }
wait_for sh -c "grep -c '\"push_recovered\"' '$D/us.log' | grep -qx 2" && pass log-push-recovered ||
	fail log-push-recovered "$(grep -E 'recovered|failed' "$D/us.log")"
wait_for grep -q '"sync_recovered"' "$D/us.log" && pass log-sync-recovered || fail log-sync-recovered
wait_for sh -c "curl -s '$US/metrics' | grep -q '^parley_last_cosignature_timestamp_seconds{target=\"ru\",kind=\"peer\"} [1-9]'" &&
	pass metrics-last-cosignature-time || fail metrics-last-cosignature-time "$(curl -s "$US/metrics" | grep last_cosig)"

# ---- metrics ----
curl -s "$US/metrics" >"$D/m.us"; curl -s "$RU/metrics" >"$D/m.ru"; curl -s "$WIT/metrics" >"$D/m.wit"
if command -v promtool >/dev/null; then
	for w in us ru wit; do
		if promtool check metrics <"$D/m.$w" >"$D/promtool.$w" 2>&1; then pass "promtool-$w"; else
			fail "promtool-$w" "$(head -c 600 "$D/promtool.$w")"; fi
	done
else
	skip promtool "promtool (Debian package prometheus) is not installed"
fi
# our own strict check too: every sample's family has HELP and TYPE before it, each once
for w in us ru wit; do
	awk '
	/^# HELP / { if (help[$3]++) { print "two HELP for " $3; bad = 1 } next }
	/^# TYPE / { if (type[$3]++) { print "two TYPE for " $3; bad = 1 } t[$3] = $4; next }
	/^#/ { print "stray comment: " $0; bad = 1; next }
	{
		name = $1; sub(/\{.*/, "", name); fam = name
		if (!(fam in t)) { f2 = fam; sub(/_(bucket|sum|count)$/, "", f2); if (t[f2] == "histogram") fam = f2 }
		if (!(fam in t) || !(fam in help)) { print "no HELP/TYPE before " name; bad = 1 }
		if ($2 !~ /^-?[0-9.e+-]+$/) { print "bad value: " $0; bad = 1 }
	}
	END { exit bad }' "$D/m.$w" >"$D/fmt.$w" && pass "metrics-help-type-$w" || fail "metrics-help-type-$w" "$(head -n 5 "$D/fmt.$w")"
done
v=$(cat "$ROOT/VERSION")
grep -qx "parley_build_info{version=\"$v\",role=\"node\",party=\"us\"} 1" "$D/m.us" && pass metrics-build-info ||
	fail metrics-build-info "$(grep build_info "$D/m.us")"
grep -qx "parley_build_info{version=\"$v\",role=\"witness\"} 1" "$D/m.wit" && pass witness-metrics-build-info ||
	fail witness-metrics-build-info "$(grep build_info "$D/m.wit")"
grep -q '^parley_sync_failures_total{peer="ru"} [1-9]' "$D/m.us" && grep -q '^parley_peer_lag{peer="ru"} ' "$D/m.us" &&
	grep -q '^parley_forks_seen_total{log="ru.parley.example/log",peer="ru"} 0' "$D/m.us" && pass metrics-per-peer-labels ||
	fail metrics-per-peer-labels "$(grep 'peer=' "$D/m.us")"
# the histogram: two submissions answered (one refused, one accepted), cumulative buckets ending at the count
count=$(sed -n 's/^parley_submit_duration_seconds_count //p' "$D/m.us")
inf=$(sed -n 's/^parley_submit_duration_seconds_bucket{le="+Inf"} //p' "$D/m.us")
mono=$(grep '^parley_submit_duration_seconds_bucket' "$D/m.us" | awk '{ if ($2 < last) bad = 1; last = $2 } END { print bad ? "no" : "yes" }')
[ "$count" = 2 ] && [ "$inf" = 2 ] && [ "$mono" = yes ] && pass metrics-submit-histogram ||
	fail metrics-submit-histogram "count=$count inf=$inf monotonic=$mono"
# overdue: the request to ru (sent in 2026, the charter's 24 h ack long past? no: deadlines run from delivery)
grep -q '^parley_overdue_deadlines{party="ru",deadline="ack"} [0-9]' "$D/m.us" &&
	grep -q '^parley_overdue_deadlines{party="us",deadline="answer"} 0' "$D/m.us" && pass metrics-overdue-deadlines ||
	fail metrics-overdue-deadlines "$(grep overdue "$D/m.us")"
grep -q '^parley_witness_last_cosignature_timestamp_seconds{log="us.parley.example/log"} [1-9]' "$D/m.wit" &&
	pass witness-metrics-last-cosignature || fail witness-metrics-last-cosignature "$(grep last_cos "$D/m.wit")"

# ---- stop: one event; the key=value form ----
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
tail -n 3 "$D/us.log" | jq -e -s 'map(select(.event == "stop" and .signal == "SIGTERM" and .party == "us")) | length == 1' >/dev/null &&
	pass log-stop-event || fail log-stop-event "$(tail -n 3 "$D/us.log")"
: >"$D/us.kv"
"$PARLEY" node --dir "$D/us" --poll 1 >"$D/us.kv" 2>&1 &
pid=$!; NODE_PIDS+=($pid)
wait_up "$US" || fail restart
kill $pid; wait $pid 2>/dev/null
grep -Eq "^time=[0-9T:-]+Z level=info event=start version=$v party=us listen=127\.0\.0\.1:[0-9]+ log=us\.parley\.example/log log_size=[0-9]+$" "$D/us.kv" &&
	grep -Eq '^time=[^ ]+ level=info event=stop party=us signal=SIGTERM$' "$D/us.kv" && pass log-kv-lines ||
	fail log-kv-lines "$(head -c 600 "$D/us.kv")"
# every kv line is time= level= event= then key=value pairs (quoted values escaped)
grep -Evq '^time=[^ ]+ level=(info|warn|error) event=[a-z_]+( [a-z_]+=([^ "=]+|"([^"\\]|\\.)*"))*$' "$D/us.kv" &&
	fail log-kv-grammar "$(grep -Ev '^time=[^ ]+ level=(info|warn|error) event=[a-z_]+( [a-z_]+=([^ "=]+|"([^"\\]|\\.)*"))*$' "$D/us.kv" | head -3)" ||
	pass log-kv-grammar

#!/usr/bin/env bash
# The live-exchange benchmarks (called by bench/run.sh, or on its own):
#
#   submit_per_s, ed25519_verify_per_s, submit_ratio_vs_verify
#       signed envelopes with sealed bodies POSTed to one node's /submit over
#       $CONNS keep-alive connections (bench_node: plain HTTP/1.1 clients on one
#       epoll loop, one submission in flight each), each verified, sequenced and
#       durable before its 200; beside raw crypto_sign_verify_detached of the
#       same signatures on $THREADS threads in the same process, half before and
#       half after.
#   submit_cpu_us_per_envelope, verify_cpu_us, submit_cost_in_verifies
#       the same run: the sender's CPU time (user + system of the node process and
#       all its descendants, read from /proc by bench/proc_cpu.h) from just before
#       the first submission until the recipient's checkpoint covering every
#       'received' envelope carries the sender's cosignature, divided by the
#       envelopes accepted; one raw verification's CPU time
#       (CLOCK_PROCESS_CPUTIME_ID around the reference above); their ratio.
#   receipt_ms_p50, receipt_ms_p99
#       the same run: from sending a submission to the first time the sender
#       hands out a receipt covering it (GET /proof/...?cosigned-by=, polled every
#       5 ms) that carries the recipient node's valid cosignature. Both nodes and
#       the neutral witness run on loopback on this machine.
#   tile_req_per_s, nginx_tile_req_per_s, tile_ratio_vs_nginx
#       wrk GETs rotating over every full tile and bundle of the sender's log:
#       the node, then nginx serving the same directory (sendfile, no access
#       log, one worker per core), alternately $ROUNDS times each, same wrk
#       threads, connections and duration; the rates are the totals over the rounds.
#   log_alone_cpu_us_per_envelope, log_alone_verify_cpu_us, log_alone_cost_in_verifies
#       the floor under the sender's cost: the same submissions from the same
#       clients to bench_logserver (the log's part of a submission alone: HTTP,
#       the signature check, the sequencer and tile log with its syncfs and
#       signed checkpoint, the proof; no body store, index, keeper or peers),
#       its CPU from just before the first submission to the last answer.
#   receipt_ms_idle_p50, receipt_ms_idle_p90
#       last, on the same nodes left idle: $IDLE_N envelopes one at a time, 200 ms
#       apart; from sending one to the sender's receipt for it carrying the
#       recipient node's cosignature (polled every 1 ms).
#
# Trial knobs (not used by make bench): CONNS (default 256) concurrent clients;
# ALONE=1 runs the sender alone, without the recipient, the witness and receipts;
# PERF=FILE writes a `perf record --call-graph dwarf` profile of the sender during the submissions;
# COST_ONLY=1 stops after the submissions and the sender's cost (no tiles, no idle receipts).
#
# Every process started here is stopped, and the work directory removed, on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
: "${BUILD:=build}"
PARLEY=${PARLEY:-$ROOT/$BUILD/parley}
BN=$ROOT/$BUILD/bench/bench_node
THREADS=$(nproc)
N=20000 CONNS=${CONNS:-256}
WRK_THREADS=$THREADS WRK_CONNS=64 WRK_SECONDS=5 ROUNDS=2 IDLE_N=50
if [ "${BENCH_QUICK:-}" = 1 ]; then
	N=2000 WRK_SECONDS=2 IDLE_N=20
fi
[ -n "${NODE_BENCH_PORT_BASE:-}" ] && PORT_BASE=$NODE_BENCH_PORT_BASE

tmp=$(mktemp -d "${TMPDIR:-/tmp}/parley-nodebench.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]+"${pids[@]}"}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

up() { # up URL — until /healthz answers (at most ~10 s)
	local i
	for i in $(seq 100); do curl -sf "$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "bench: $1 did not come up" >&2
	return 1
}

# --- the channel, two nodes and the witness on loopback ---
. "$ROOT/tests/fixture.sh" # newer fixtures pick a free PORT_BASE themselves
PORT_BASE=${PORT_BASE:-$(free_port_base)}
NGINX_PORT=$((PORT_BASE + 4))
make_channel "$tmp/ch" >/dev/null
K=$tmp/ch/keys
"$PARLEY" node init "$tmp/us" --charter "$tmp/ch/charter" --key "$K/us-node.key" 2>/dev/null
"$PARLEY" node init "$tmp/ru" --charter "$tmp/ch/charter" --key "$K/ru-node.key" 2>/dev/null
"$PARLEY" witness init "$tmp/wit" --charter "$tmp/ch/charter" --key "$K/witness.key" >/dev/null
US=http://127.0.0.1:$((PORT_BASE + 1))
"$PARLEY" node --dir "$tmp/us" >"$tmp/us.log" 2>&1 &
pids+=($!)
if [ "${ALONE:-}" = 1 ]; then
	# a trial knob, not used by make bench: the sender alone (no recipient, no witness, no receipts)
	COSIGNER=-
	up "$US"
else
	"$PARLEY" node --dir "$tmp/ru" >"$tmp/ru.log" 2>&1 &
	pids+=($!)
	"$PARLEY" witness --dir "$tmp/wit" >"$tmp/wit.log" 2>&1 &
	pids+=($!)
	up "$US" && up "http://127.0.0.1:$((PORT_BASE + 2))" && up "http://127.0.0.1:$((PORT_BASE + 3))"
fi

# --- submissions and receipts ---
# PERF=FILE (a trial knob): a perf profile of the sender during the submissions
perf_pid=""
if [ -n "${PERF:-}" ]; then
	perf record -F 499 --call-graph dwarf,16384 -o "$PERF" -p "${pids[0]}" >/dev/null 2>&1 &
	perf_pid=$!
	sleep 0.5
fi
RU=http://127.0.0.1:$((PORT_BASE + 2))
cost_args=()
[ "${ALONE:-}" = 1 ] || cost_args=("${pids[0]}" "$RU") # the sender's CPU, until its cosignature covers every 'received'
"$BN" submit "$tmp/ch" "$N" "$CONNS" "$THREADS" "$US" "${COSIGNER:-ru}" "${cost_args[@]+"${cost_args[@]}"}" >"$tmp/submit.txt" ||
	{ echo "bench: bench_node submit failed; node logs:" >&2; tail -n 5 "$tmp"/*.log >&2; exit 1; }
[ -n "$perf_pid" ] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
grep -E '^(# |submit_per_s=|ed25519_verify_per_s=|submit_ratio_vs_verify=|submit_cpu_us_per_envelope=|verify_cpu_us=|submit_cost_in_verifies=|receipt_ms_p50=|receipt_ms_p99=)' "$tmp/submit.txt"
grep -q '^# node: ' "$tmp/submit.txt" && echo "# node: $THREADS verify threads (nproc); $CONNS connections; nodes, witness and clients share the $(nproc) cores"
# CPU each process used so far (the submissions and their receipts): user+system seconds
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat"; }
if [ "${ALONE:-}" = 1 ]; then
	echo "# cpu: node us $(cpu_s "${pids[0]}") s (user+system, since start); the sender alone"
else
	echo "# cpu: node us $(cpu_s "${pids[0]}") s, node ru $(cpu_s "${pids[1]}") s, witness $(cpu_s "${pids[2]}") s (user+system, since start)"
	# the sender's children (its keeper), since start
	kids=$(ps -o pid= --ppid "${pids[0]}" | tr -d ' ' | tr '\n' ' ')
	[ -n "$kids" ] && echo "# cpu: the sender's children (the keeper):$(for k in $kids; do printf ' %s s' "$(cpu_s "$k")"; done) (user+system, since start)"
fi
# what the sender's metrics say of its batches (its own entries and the 'received' ones it made)
curl -sf "$US/metrics" | awk '
	/^parley_batches_total / { b = $2 } /^parley_appended_total / { e = $2 } /^parley_commit_seconds_total / { s = $2 }
	END { if (b > 0) printf "# node us: %d entries in %d batches (%.0f per batch), commit %.2f ms per batch on average\n", e, b, e / b, s * 1000 / b }'
# --- the floor: the log alone (bench_logserver: HTTP, the signature check, the sequencer and the
# tile log with its syncfs and signed checkpoint, the proof; no body store, index, keeper or peers),
# the same submissions from the same clients, its CPU to the last answer ---
if [ "${ALONE:-}" != 1 ]; then
	LS_PORT=$((PORT_BASE + 5))
	"$ROOT/$BUILD/bench/bench_logserver" "$tmp/ch" "$tmp/logalone" "127.0.0.1:$LS_PORT" us >"$tmp/logalone.log" 2>&1 &
	ls_pid=$!
	pids+=("$ls_pid")
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$LS_PORT/submit" && break
		sleep 0.1
	done
	"$BN" submit "$tmp/ch" "$N" "$CONNS" "$THREADS" "http://127.0.0.1:$LS_PORT" - "$ls_pid" - >"$tmp/alone.txt" ||
		{ echo "bench: bench_node submit against the log alone failed:" >&2; tail -n 5 "$tmp/logalone.log" >&2; exit 1; }
	grep -E '^(# log alone|log_alone_cpu_us_per_envelope=|log_alone_verify_cpu_us=|log_alone_cost_in_verifies=)' "$tmp/alone.txt"
	kill "$ls_pid" 2>/dev/null || true
	wait "$ls_pid" 2>/dev/null || true
	rm -rf "$tmp/logalone"
fi

[ "${COST_ONLY:-}" = 1 ] && exit 0

# --- tiles: the node against nginx on the same files ---
# First let the recipient finish its 'received' envelopes (one per submission), so that
# neither server shares the cores with that catch-up (at most 120 s).
if [ "${ALONE:-}" != 1 ]; then
	for _ in $(seq 1200); do
		[ "$(curl -sf "$RU/checkpoint" | sed -n 2p)" -ge "$N" ] 2>/dev/null && break
		sleep 0.1
	done
	sleep 1
fi
paths=$(cd "$tmp/us/log" && find tile -type f ! -path '*.p/*' | sort)
count=$(printf '%s\n' "$paths" | grep -c .)
{
	echo "local paths = {"
	printf '%s\n' "$paths" | sed 's|.*|  "/&",|'
	echo "}"
	echo 'local i = 0'
	echo 'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end'
} >"$tmp/tiles.lua"
user=""
[ "$(id -u)" = 0 ] && user="user root;" # workers must read the 0700 work directory
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
$user
worker_processes $(nproc);
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000000;
	default_type application/octet-stream;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		root $tmp/us/log;
		location /tile/ { add_header Cache-Control "public, max-age=31536000, immutable"; }
	}
}
EOF
nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
pids+=("$nginx_pid")
nginx_up=0
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$NGINX_PORT/$(printf '%s\n' "$paths" | head -n 1)" >/dev/null && { nginx_up=1; break; }
	sleep 0.1
done
if [ $nginx_up = 0 ]; then
	echo "bench: nginx did not come up on port $NGINX_PORT:" >&2
	cat "$tmp/nginx/error.log" >&2
	exit 1
fi

wrk_rate() { # wrk_rate URL — requests per second; fails on any error or non-2xx answer
	wrk -t "$WRK_THREADS" -c "$WRK_CONNS" -d "${WRK_SECONDS}s" -s "$tmp/tiles.lua" "$1" >"$tmp/wrk.txt" 2>&1
	if grep -qE 'Non-2xx|Socket errors' "$tmp/wrk.txt"; then
		echo "bench: wrk against $1 saw errors:" >&2
		cat "$tmp/wrk.txt" >&2
		return 1
	fi
	sed -n 's/^Requests\/sec:[[:space:]]*//p' "$tmp/wrk.txt"
}
node_rates=() nginx_rates=()
for _ in $(seq "$ROUNDS"); do
	r=$(wrk_rate "$US") || exit 1 # (a failure inside an array assignment would not stop set -e)
	node_rates+=("$r")
	r=$(wrk_rate "http://127.0.0.1:$NGINX_PORT") || exit 1
	nginx_rates+=("$r")
done
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.0f\n", s / NR }'; }
node_rate=$(mean "${node_rates[@]}")
nginx_rate=$(mean "${nginx_rates[@]}")
echo "# tiles: $count full tiles and bundles, wrk -t$WRK_THREADS -c$WRK_CONNS -d${WRK_SECONDS}s, $ROUNDS rounds alternating;" \
	"node req/s: ${node_rates[*]}; nginx req/s: ${nginx_rates[*]}"
echo "tile_req_per_s=$node_rate"
echo "nginx_tile_req_per_s=$nginx_rate"
echo "tile_ratio_vs_nginx=$(awk -v a="$node_rate" -v b="$nginx_rate" 'BEGIN { printf "%.3f\n", a / b }')"

# --- receipts on idle nodes: one envelope at a time (after the tiles, so nothing else runs) ---
if [ "${ALONE:-}" != 1 ]; then
	kill "$nginx_pid" 2>/dev/null || true # nginx is done
	"$BN" receipt "$tmp/ch" "$IDLE_N" "$US" ru "$RU" >"$tmp/idle.txt" ||
		{ echo "bench: bench_node receipt failed; node logs:" >&2; tail -n 5 "$tmp"/*.log >&2; exit 1; }
	grep -E '^(# |receipt_ms_idle_p50=|receipt_ms_idle_p90=)' "$tmp/idle.txt"
fi

# Helpers for tests that run nodes on loopback. Source after tests/lib.sh and
# tests/fixture.sh. Every process started here is killed when the test exits.
NODE_PIDS=()
cleanup_nodes() { local p; for p in "${NODE_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup_nodes EXIT

# url_of PARTY — the node URL of us, ru or the witness in the fixture's charter
url_of() { case $1 in us) echo "http://127.0.0.1:$((PORT_BASE + 1))" ;; ru) echo "http://127.0.0.1:$((PORT_BASE + 2))" ;;
	witness) echo "http://127.0.0.1:$((PORT_BASE + 3))" ;; esac; }

# wait_up URL — until /healthz answers (at most ~10 s)
wait_up() { local i; for i in $(seq 100); do curl -sf "$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

# start_node DIR PARTY [extra args] — runs `parley node` in the background; NODE_PID_<party> holds its pid
start_node() {
	local dir=$1 party=$2; shift 2
	"$PARLEY" node --dir "$dir" --poll 1 "$@" >>"$dir.log" 2>&1 &
	NODE_PIDS+=($!)
	eval "NODE_PID_$party=$!"
	wait_up "$(url_of "$party")" && kill -0 "$!" 2>/dev/null # our node answers, not another on the port
}
start_witness() {
	"$PARLEY" witness --dir "$1" >>"$1.log" 2>&1 &
	NODE_PIDS+=($!)
	NODE_PID_witness=$!
	wait_up "$(url_of witness)" && kill -0 "$!" 2>/dev/null
}

# frame ENVELOPE [BODY] — the submission request body on stdout
frame() {
	local el bl=0
	el=$(stat -c %s "$1")
	[ -n "${2:-}" ] && bl=$(stat -c %s "$2")
	printf 'parley-submit v1 %d %d\n' "$el" "$bl"
	cat "$1" ${2:+"$2"}
}

# submit URL REQUEST-FILE [content type] — prints the HTTP status; the response body is in $T_DIR/resp
submit() {
	curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Content-Type: ${3:-application/x-parley-submit}" \
		--data-binary @"$2" "$1/submit"
}

# log_size URL — the size in the node's current checkpoint
log_size() { curl -s "$1/checkpoint" | sed -n 2p; }

# wait_for CMD... — until CMD succeeds (at most ~20 s)
wait_for() { local i; for i in $(seq 200); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

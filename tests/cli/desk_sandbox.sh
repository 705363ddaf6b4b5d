#!/usr/bin/env bash
# The desk's sandbox (docs/desk.md "Sandbox", src/sys/sandbox.h role SANDBOX_DESK): it logs
# `event=sandbox role=desk seccomp=on`; a forbidden call (execve, through the
# PARLEY_SANDBOX_SELFTEST hook) kills it by SIGSYS, and with --no-sandbox the same call fails and
# the desk serves on; Landlock (SKIP without it in the kernel) refuses files outside --dir,
# the key file too once read, and allows those in it; under the filter it serves a session,
# a case list, a report (its logs fetched into --dir) and the TAXII feed (filled from the node);
# without --dir its temporary directory is still removed at exit; it stops with status 0.
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
K=$D/ch/keys
US=$(url_of us)
cleanup() { cleanup_nodes; rm -rf "$T_DIR"; }
trap cleanup EXIT

make_channel "$D/ch" || { fail setup "make_channel"; exit 1; }
"$PARLEY" node init "$D/us" --charter "$D/ch/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$D/ch/charter" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$D/ch/charter" --key "$K/witness.key" 2>/dev/null ||
	{ fail setup "init"; exit 1; }
start_node "$D/us" us && start_node "$D/ru" ru && start_witness "$D/w" || { fail setup "nodes"; exit 1; }
echo "outside the desk's directory" >"$D/outside"
mkdir -m 700 "$D/dir" && echo "inside" >"$D/dir/inside"

# run_desk LOG [args] — starts the desk in the background; DESK_PID; waits (~10 s) for its link or its end.
# $status: "running", or its exit status
run_desk() {
	local log=$1 i; shift
	rm -f "$log" "$log.out" # the previous run's lines must not be taken for this one's
	"$PARLEY" desk --key "$K/us.doj.key" --node "$US" "$@" >"$log.out" 2>"$log" &
	DESK_PID=$!
	NODE_PIDS+=($!)
	status=running
	for i in $(seq 100); do
		grep -q '^taxii: ' "$log.out" 2>/dev/null && return
		kill -0 "$DESK_PID" 2>/dev/null || { wait "$DESK_PID"; status=$?; return; }
		sleep 0.1
	done
}
stop_desk() { kill -TERM "$DESK_PID" 2>/dev/null; wait "$DESK_PID"; status=$?; }

# ---- a forbidden call kills: SIGSYS is 31, so the shell's status is 128+31 ----
PARLEY_SANDBOX_SELFTEST=execve run_desk "$D/k1.log" --dir "$D/dir"
for _ in $(seq 50); do [ "$status" != running ] && break; kill -0 "$DESK_PID" 2>/dev/null || { wait "$DESK_PID"; status=$?; }; sleep 0.1; done
[ "$status" = 159 ] && grep -q 'event=sandbox role=desk seccomp=on' "$D/k1.log" &&
	grep -q 'event=sandbox_selftest call=execve' "$D/k1.log" && ! grep -q 'result=returned' "$D/k1.log" &&
	pass forbidden-call-sigsys || fail forbidden-call-sigsys "status $status: $(tail -n 3 "$D/k1.log")"

# ---- the same call with --no-sandbox: it fails, the desk lives on and says it runs unconfined ----
PARLEY_SANDBOX_SELFTEST=execve run_desk "$D/k2.log" --dir "$D/dir" --no-sandbox
sleep 0.3
kill -0 "$DESK_PID" 2>/dev/null && grep -q 'event=sandbox_selftest call=execve result=returned' "$D/k2.log" &&
	grep -q 'event=sandbox role=desk seccomp=off landlock=off' "$D/k2.log" && ! grep -q 'seccomp=on' "$D/k2.log" &&
	pass no-sandbox-same-call-survives || fail no-sandbox-same-call-survives "status $status: $(tail -n 3 "$D/k2.log")"
stop_desk
expect help-no-sandbox 0 "" "$PARLEY" desk --help
grep -q -- "--no-sandbox" "$T_OUT" && pass help-says-no-sandbox || fail help-says-no-sandbox "$(cat "$T_OUT")"

# ---- Landlock: outside --dir refused, the key file too (read at start), inside allowed ----
# hook open|write PATH [args] — the selftest hook's result (opened|refused) in a desk started with it
hook() {
	local how=$1 path=$2; shift 2
	PARLEY_SANDBOX_SELFTEST=$how:$path run_desk "$D/h.log" --dir "$D/dir" "$@"
	stop_desk
	sed -n 's/.*event=sandbox_selftest call=[a-z]* .*result=\([a-z]*\).*/\1/p' "$D/h.log"
}
r=$(hook open "$D/outside")
if grep -q 'sandbox_landlock status=unavailable' "$D/h.log"; then
	skip landlock-refuses-outside-dir "the kernel has no Landlock ($(grep -o 'msg=[^ ]*' "$D/h.log" | head -n 1))"
	skip landlock-refuses-key-file "the kernel has no Landlock"
	skip landlock-dir-writable "the kernel has no Landlock"
else
	[ "$r" = refused ] && [ "$(hook open "$D/outside" --no-sandbox)" = opened ] && [ "$(hook open "$D/dir/inside")" = opened ] &&
		[ "$(hook open /etc/hostname)" = opened ] &&
		pass landlock-refuses-outside-dir || fail landlock-refuses-outside-dir "outside: $r; $(tail -n 2 "$D/h.log")"
	[ "$(hook open "$K/us.doj.key")" = refused ] && [ "$(hook open "$K/us.doj.key" --no-sandbox)" = opened ] &&
		pass landlock-refuses-key-file || fail landlock-refuses-key-file "$(tail -n 2 "$D/h.log")"
	[ "$(hook write "$D/dir/inside")" = opened ] && [ "$(hook write "$D/outside")" = refused ] &&
		[ "$(hook write /etc/hostname)" = refused ] &&
		pass landlock-dir-writable || fail landlock-dir-writable "$(tail -n 2 "$D/h.log")"
fi

# ---- it serves under the filter: a session, the inbox, a report (logs fetched into --dir), TAXII ----
run_desk "$D/s.log" --dir "$D/dir"
line=$(grep -m1 '^desk: ' "$D/s.log.out")
URL=${line#desk: }
BASE=${URL%%/start#*}
SECRET=${URL#*/start#}
printf '{"secret":"%s"}' "$SECRET" >"$D/secret.json"
code=$(curl -s -o "$D/body" -w '%{http_code}' -c "$D/jar" -H 'Content-Type: application/json' --data-binary @"$D/secret.json" "$BASE/api/start")
CSRF=$(jq -r '.csrf // ""' "$D/body" 2>/dev/null)
ok=1 why=
FROM=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ) TO=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
for p in /api/session /api/inbox "/api/report?from=$FROM&to=$TO"; do
	c=$(curl -s -o "$D/body" -w '%{http_code}' -b "$D/jar" -H "X-Parley-CSRF: $CSRF" "$BASE$p")
	[ "$c" = 200 ] || { ok=0; why="$why $p: $c $(head -c 200 "$D/body")"; }
done
TAXII=$(cat "$D/dir/taxii.secret" 2>/dev/null)
c=$(curl -s -o "$D/body" -w '%{http_code}' -H "Authorization: Bearer $TAXII" -H 'Accept: application/taxii+json;version=2.1' "$BASE/taxii2/evidence/collections/")
[ "$c" = 200 ] || { ok=0; why="$why taxii: $c $(head -c 200 "$D/body")"; }
[ "$code" = 200 ] && [ $ok = 1 ] && kill -0 "$DESK_PID" 2>/dev/null && grep -q 'event=sandbox role=desk seccomp=on' "$D/s.log" &&
	pass serves-under-filter || fail serves-under-filter "start $code;$why; $(tail -n 3 "$D/s.log")"
[ -d "$D/dir/logs/us" ] && [ -d "$D/dir/logs/ru" ] && [ -f "$D/dir/charter" ] &&
	pass report-logs-in-dir || fail report-logs-in-dir "$(ls -R "$D/dir" | head -20)"
stop_desk
[ "$status" = 0 ] && ! grep -q 'Sanitizer\|runtime error' "$D/s.log" && pass stops-cleanly-under-filter ||
	fail stops-cleanly-under-filter "exit $status: $(tail -n 4 "$D/s.log")"

# ---- without --dir: the temporary directory is removed at exit, under Landlock too ----
mkdir -m 700 "$D/tmp"
TMPDIR=$D/tmp run_desk "$D/t.log"
n=$(find "$D/tmp" -mindepth 1 -maxdepth 1 -name 'parley-desk-*' | wc -l)
stop_desk
[ "$n" = 1 ] && [ "$status" = 0 ] && [ -z "$(ls -A "$D/tmp")" ] && pass temp-dir-removed ||
	fail temp-dir-removed "made $n, exit $status, left: $(ls -A "$D/tmp"); $(tail -n 3 "$D/t.log")"

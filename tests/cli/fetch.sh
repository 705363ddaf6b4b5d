# parley fetch, the auditor's mirror: two nodes and a witness on loopback with
# traffic in both logs; every log fetched from the charter's URLs passes
# `parley log verify` and the Go cross-check; a second fetch after more traffic
# takes only the new bundles (counted on a static server's request log); a
# file:// copy and a local directory work as sources; each bad source is
# refused with exit 1 and leaves DIR as it was (another key's checkpoint, an
# altered cosignature, an altered entry bundle, a fork, a rollback); a fetch
# killed with -9 leaves DIR usable and the next run completes.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us) RU=$(url_of ru)
US_VKEY=$("$PARLEY" key vkey "$K/us-node.key") RU_VKEY=$("$PARLEY" key vkey "$K/ru-node.key")
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$D/charter" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/wit" --charter "$D/charter" --key "$K/witness.key" || { fail setup "init"; exit 1; }
start_node "$D/us" us && start_node "$D/ru" ru && start_witness "$D/wit" ||
	{ fail setup "nodes did not start: $(tail -n 3 "$D"/*.log)"; exit 1; }

# notice FROM-AGENCY TO-AGENCY CASE NODE-URL — seals and submits a notice; fails unless it is appended
NOTICES=0
notice() {
	NOTICES=$((NOTICES + 1))
	"$PARLEY" envelope seal --key "$K/$1.key" --charter "$D/charter" --kind notice --to "$2" --case "$3" \
		--body "$V/notice-minimal.json" --out "$D/n$NOTICES" >/dev/null || return 1
	frame "$D/n$NOTICES/envelope" "$D/n$NOTICES/body.age" >"$D/n$NOTICES.req"
	[ "$(submit "$4" "$D/n$NOTICES.req")" = 200 ]
}
# traffic N — N notices each way; then waits for the 'received' each one causes, in both logs
EXPECT=0
traffic() {
	local i
	for i in $(seq "$1"); do
		notice us.fbi ru.gp "us.fbi/2021-$((100 + NOTICES))" "$US" && notice ru.gp us.fbi "ru.gp/2021-$((100 + NOTICES))" "$RU" ||
			return 1
	done
	EXPECT=$((EXPECT + 2 * $1))
	wait_for sh -c "[ \$(curl -s $US/checkpoint | sed -n 2p) -ge $EXPECT ] && [ \$(curl -s $RU/checkpoint | sed -n 2p) -ge $EXPECT ]" ||
		return 1
	sleep 2 # the last checkpoints pushed and cosigned
}
# summary FILE PARTY — "SIZE NEW" from parley fetch's line for PARTY
summary() { sed -n "s/^$2: size \([0-9]*\) (\([0-9]*\) new).*/\1 \2/p" "$1"; }

# ---- empty logs; then traffic in both logs; fetch from the charter's URLs ----
F=$D/audit
expect fetch-empty-logs 0 "" "$PARLEY" fetch --charter "$D/charter" --out "$F"
grep -q "^us: size 0 (0 new)" "$T_OUT" && grep -q "^ru: size 0 (0 new)" "$T_OUT" && [ -f "$F/logs/us/checkpoint" ] &&
	pass empty-logs-mirrored || fail empty-logs-mirrored "$(cat "$T_OUT")"
traffic 3 || { fail setup "traffic was refused"; exit 1; }
expect fetch-from-charter-urls 0 "" "$PARLEY" fetch --charter "$D/charter" --out "$F"
cp "$T_OUT" "$D/sum1"
us1=$(summary "$D/sum1" us) ru1=$(summary "$D/sum1" ru)
[ -n "$us1" ] && [ -n "$ru1" ] && [ "${us1% *}" -ge 3 ] && [ "${ru1% *}" -ge 3 ] &&
	[ -f "$F/charter" ] && cmp -s "$F/charter" "$D/charter" &&
	[ -f "$F/logs/us.checkpoints/${us1% *}" ] && [ -f "$F/logs/ru.checkpoints/${ru1% *}" ] &&
	pass fetch-writes-the-layout || fail fetch-writes-the-layout "$(cat "$D/sum1"; ls -R "$F" | head -20)"
grep -q "^us: .*cosigned by .*ru.parley.example/log" "$D/sum1" && pass summary-names-cosigners ||
	fail summary-names-cosigners "$(cat "$D/sum1")"
expect fetched-us-log-verifies 0 "" "$PARLEY" log verify "$F/logs/us" --vkey "$US_VKEY"
expect fetched-ru-log-verifies 0 "" "$PARLEY" log verify "$F/logs/ru" --vkey "$RU_VKEY"
# kept checkpoints: the log's signature and one line per cosigner that verified
expect kept-checkpoint-verifies 0 "" "$PARLEY" note verify "$F/logs/us.checkpoints/${us1% *}" --vkey "$US_VKEY"
if [ -x "${GOCHECK:-}" ]; then
	expect gocheck-fetched-us 0 "" "$GOCHECK" log "$F/logs/us" "$US_VKEY"
	expect gocheck-fetched-ru 0 "" "$GOCHECK" log "$F/logs/ru" "$RU_VKEY"
else
	skip gocheck-fetched "GOCHECK is not built"
fi
expect fetch-again-nothing-new 0 "" "$PARLEY" fetch --charter "$D/charter" --out "$F"
grep -q "^us: size ${us1% *} (0 new)" "$T_OUT" && pass second-fetch-takes-nothing || fail second-fetch-takes-nothing "$(cat "$T_OUT")"

# ---- more traffic, fetch again: it extends what DIR holds ----
cp "$F/logs/us/checkpoint" "$D/us-old-checkpoint"
traffic 2 || fail more-traffic "refused"
expect fetch-after-more-traffic 0 "" "$PARLEY" fetch --charter "$D/charter" --out "$F"
us2=$(summary "$T_OUT" us)
[ -n "$us2" ] && [ "${us2% *}" -gt "${us1% *}" ] && [ "${us2#* }" -eq $((${us2% *} - ${us1% *})) ] &&
	pass fetch-extends || fail fetch-extends "$(cat "$T_OUT")"
expect extended-log-verifies 0 "" "$PARLEY" log verify "$F/logs/us" --vkey "$US_VKEY"
[ -x "${GOCHECK:-}" ] && expect gocheck-extended-consistent-with-old 0 "" \
	"$GOCHECK" log "$F/logs/us" "$US_VKEY" "$F/logs/us.checkpoints/${us1% *}"

# Static copies of the logs as they are now (the checkpoint first: the tiles it names are immutable,
# and a partial bundle replaced by its full one is handled by the client)
static_copy() { mkdir -p "$2" && cp "$1/checkpoint" "$2/" && cp -r "$1/tile" "$2/"; }
stop_nodes() { { cleanup_nodes; } 2>/dev/null; NODE_PIDS=(); }
stop_nodes # the rest reads static copies only
static_copy "$D/us/log" "$D/s-us" && static_copy "$D/ru/log" "$D/s-ru"

# ---- a file:// copy, and a local directory ----
expect fetch-from-file-url 0 "" "$PARLEY" fetch --charter "$D/charter" --out "$D/f2" "file://$D/s-ru"
grep -q "^ru: size" "$T_OUT" && [ ! -e "$D/f2/logs/us" ] && pass file-url-matched-by-origin ||
	fail file-url-matched-by-origin "$(cat "$T_OUT")"
expect file-copy-verifies 0 "" "$PARLEY" log verify "$D/f2/logs/ru" --vkey "$RU_VKEY"
expect fetch-from-directory 0 "" "$PARLEY" fetch --charter "$D/charter" --out "$D/f2" "$D/s-us"

# ---- a large static log (signed with us's node key), fetched over HTTP with a request log ----
if command -v python3 >/dev/null; then
	cat >"$D/serve.py" <<'EOF'
import http.server, os, sys, time
delay = float(os.environ.get("DELAY", "0"))
class H(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        with open(os.environ["REQLOG"], "a") as f:
            f.write(self.path + "\n")
        if "/tile/" in self.path:
            time.sleep(delay)
        return super().do_GET()
    def log_message(self, *a):
        pass
os.chdir(sys.argv[1])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), H).serve_forever()
EOF
	PORT=$((PORT_BASE + 4))
	serve() { # serve DIR [DELAY] — a static web server for DIR on PORT, logging its requests to $D/reqlog
		[ -n "${SERVER:-}" ] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; }
		: >"$D/reqlog"
		DELAY=${2:-0} REQLOG=$D/reqlog python3 "$D/serve.py" "$1" "$PORT" >/dev/null 2>&1 &
		SERVER=$!
		NODE_PIDS+=("$SERVER")
		wait_for curl -sf "http://127.0.0.1:$PORT/checkpoint"
	}
	static_copy "$D/us/log" "$D/big"
	seq 3000 | sed 's/^/big entry /' | "$PARLEY" log append "$D/big" --key "$K/us-node.key" >/dev/null
	big=$(sed -n 2p "$D/big/checkpoint")
	serve "$D/big"
	expect fetch-large-static-log 0 "" "$PARLEY" fetch --charter "$D/charter" --out "$F" "http://127.0.0.1:$PORT"
	n1=$(grep -c '^/tile/entries/' "$D/reqlog")
	held=${us2% *}
	want=$(((big + 255) / 256 - held / 256))
	[ "$(summary "$T_OUT" us)" = "$big $((big - held))" ] && [ "$n1" -eq "$want" ] &&
		pass fetch-takes-only-missing-bundles || fail fetch-takes-only-missing-bundles "$n1 bundle requests, $want expected; $(cat "$T_OUT")"
	# resume: 300 more entries; only the last bundle (now full) and the new ones are fetched
	seq 300 | sed 's/^/more /' | "$PARLEY" log append "$D/big" --key "$K/us-node.key" >/dev/null
	big2=$(sed -n 2p "$D/big/checkpoint")
	: >"$D/reqlog"
	expect fetch-resume 0 "" "$PARLEY" fetch --charter "$D/charter" --out "$F" "http://127.0.0.1:$PORT"
	n2=$(grep -c '^/tile/entries/' "$D/reqlog")
	want=$(((big2 + 255) / 256 - big / 256))
	[ "$(summary "$T_OUT" us)" = "$big2 $((big2 - big))" ] && [ "$n2" -eq "$want" ] &&
		pass resume-fetches-only-new-bundles || fail resume-fetches-only-new-bundles "$n2 bundle requests, $want expected; $(cat "$D/reqlog")"
	expect resumed-log-verifies 0 "" "$PARLEY" log verify "$F/logs/us" --vkey "$US_VKEY"
	[ -x "${GOCHECK:-}" ] && expect gocheck-resumed-log 0 "" "$GOCHECK" log "$F/logs/us" "$US_VKEY"

	# kill -9 during a fetch of the large log (a slow server: each bundle takes 0.1 s), then a complete run
	cp -r "$D/f2" "$D/f3"
	before=$(cat "$D/f3/logs/us/checkpoint")
	serve "$D/big" 0.1
	"$PARLEY" fetch --charter "$D/charter" --out "$D/f3" "http://127.0.0.1:$PORT" >/dev/null 2>&1 &
	fp=$!
	wait_for sh -c "[ \$(grep -c '^/tile/entries/' '$D/reqlog') -ge 3 ]"
	kill -9 "$fp" 2>/dev/null
	wait "$fp" 2>/dev/null
	if [ "$(grep -c '^/tile/entries/' "$D/reqlog")" -lt $((big2 / 256)) ] && [ "$(cat "$D/f3/logs/us/checkpoint")" = "$before" ]; then
		pass killed-mid-fetch-keeps-checkpoint
	else
		fail killed-mid-fetch-keeps-checkpoint "the fetch was not interrupted mid-way ($(wc -l <"$D/reqlog") requests)"
	fi
	expect killed-dir-still-verifies 0 "" "$PARLEY" log verify "$D/f3/logs/us" --vkey "$US_VKEY"
	serve "$D/big"
	expect fetch-after-kill-completes 0 "" "$PARLEY" fetch --charter "$D/charter" --out "$D/f3" "http://127.0.0.1:$PORT"
	[ "$(summary "$T_OUT" us | cut -d' ' -f1)" = "$big2" ] && pass after-kill-size-complete ||
		fail after-kill-size-complete "$(cat "$T_OUT")"
	expect after-kill-log-verifies 0 "" "$PARLEY" log verify "$D/f3/logs/us" --vkey "$US_VKEY"
else
	skip fetch-large-static-log "python3 (a static web server with a request log) is not installed"
fi

# ---- a catch-up larger than one batch of the store (64 MiB): 1,200 entries of 60,000 bytes ----
static_copy "$D/s-ru" "$D/huge"
pad=$(head -c 60000 /dev/zero | tr '\0' x)
seq 1200 | sed "s/\$/ $pad/" | "$PARLEY" log append "$D/huge" --key "$K/ru-node.key" >/dev/null
hsz=$(sed -n 2p "$D/huge/checkpoint")
expect fetch-more-than-a-batch 0 "" "$PARLEY" fetch --charter "$D/charter" --out "$D/f-huge" "file://$D/huge"
[ "$hsz" -eq $(($(sed -n 2p "$D/s-ru/checkpoint") + 1200)) ] && grep -q "^ru: size $hsz ($hsz new)" "$T_OUT" &&
	[ "$(du -sm "$D/f-huge/logs/ru/tile/entries" | cut -f1)" -gt 64 ] && pass more-than-a-batch-fetched ||
	fail more-than-a-batch-fetched "source size $hsz: $(cat "$T_OUT")"
expect more-than-a-batch-verifies 0 "" "$PARLEY" log verify "$D/f-huge/logs/ru" --vkey "$RU_VKEY"
rm -rf "$D/huge" "$D/f-huge"

# ---- refusals: exit 1, named, and DIR unchanged ----
# refused NAME MESSAGE SOURCE — fetch SOURCE into a copy of $D/f2 (which holds both logs); it must be refused
refused() {
	rm -rf "$D/fr" && cp -r "$D/f2" "$D/fr"
	expect "$1" 1 "$2" "$PARLEY" fetch --charter "$D/charter" --out "$D/fr" "$3" || return
	diff -r "$D/f2" "$D/fr" >/dev/null && pass "$1-changes-nothing" || fail "$1-changes-nothing" "$(diff -r "$D/f2" "$D/fr" | head -5)"
}
usz=$(sed -n 2p "$D/s-us/checkpoint")
# a checkpoint signed by another key of the same name
"$PARLEY" keygen --name us.parley.example/log --out "$D/impostor.key" >/dev/null
static_copy "$D/s-us" "$D/bad-key"
head -n 3 "$D/s-us/checkpoint" >"$D/cp.txt"
sign_text "$D/impostor.key" "$D/cp.txt" >"$D/bad-key/checkpoint"
refused refuse-checkpoint-of-another-key "not signed by us's node key" "file://$D/bad-key"
# a cosignature altered on the served checkpoint (a character near its end: past the key ID and time)
static_copy "$D/s-us" "$D/bad-cosig"
awk '/^— ru.parley.example\/log /{ c = substr($3, length($3) - 5, 1); r = c == "A" ? "B" : "A";
	$0 = $1 " " $2 " " substr($3, 1, length($3) - 6) r substr($3, length($3) - 4) } { print }' \
	"$D/s-us/checkpoint" >"$D/bad-cosig/checkpoint"
if cmp -s "$D/s-us/checkpoint" "$D/bad-cosig/checkpoint"; then
	fail refuse-altered-cosignature "the served checkpoint carries no cosignature by ru's node to alter"
else
	refused refuse-altered-cosignature "ru.parley.example/log" "file://$D/bad-cosig"
fi
# a cosignature line by a key the charter does not name is ignored
static_copy "$D/s-us" "$D/extra-cosig"
"$PARLEY" keygen --name stranger.example --out "$D/stranger.key" >/dev/null
"$PARLEY" note cosign "$D/s-us/checkpoint" --key "$D/stranger.key" >"$D/extra-cosig/checkpoint" 2>/dev/null &&
	! cmp -s "$D/s-us/checkpoint" "$D/extra-cosig/checkpoint" &&
	expect unknown-cosigner-ignored 0 "" "$PARLEY" fetch --charter "$D/charter" --out "$D/f-extra" "file://$D/extra-cosig" &&
	{ grep -q stranger "$D/f-extra/logs/us/checkpoint" "$D/f-extra/logs/us.checkpoints/$usz" &&
		fail unknown-cosigner-not-kept || pass unknown-cosigner-not-kept; }
# an entry bundle whose bytes were changed in the static copy (one byte of an entry, the framing intact)
static_copy "$D/s-us" "$D/bad-tile"
tile=$D/bad-tile/tile/entries/000.p/$usz # the bundle the checkpoint names (the log is below 256 entries)
off=$(($(stat -c %s "$tile") - 3))
printf 'X' | dd of="$tile" bs=1 seek="$off" conv=notrunc 2>/dev/null
rm -rf "$D/fresh" # into an empty DIR: every entry is new
expect refuse-altered-entry-bundle 1 "do not hash to the root" \
	"$PARLEY" fetch --charter "$D/charter" --out "$D/fresh" "file://$D/bad-tile"
[ ! -e "$D/fresh/logs/us/checkpoint" ] && [ -z "$(ls "$D/fresh/logs/us.checkpoints" 2>/dev/null)" ] &&
	pass altered-bundle-keeps-nothing || fail altered-bundle-keeps-nothing "$(ls -R "$D/fresh" | head)"
# a fork: another log under us's key, larger than what DIR holds
"$PARLEY" log init "$D/fork" --key "$K/us-node.key" >/dev/null &&
	seq $((usz + 5)) | sed 's/^/forked /' | "$PARLEY" log append "$D/fork" --key "$K/us-node.key" >/dev/null
refused refuse-fork "size $usz held" "file://$D/fork"
grep -q "size $((usz + 5))" "$T_ERR" && pass fork-names-both-sizes || fail fork-names-both-sizes "$(cat "$T_ERR")"
# a fork of the same size
rm -rf "$D/fork" && "$PARLEY" log init "$D/fork" --key "$K/us-node.key" >/dev/null &&
	seq "$usz" | sed 's/^/forked /' | "$PARLEY" log append "$D/fork" --key "$K/us-node.key" >/dev/null
refused refuse-fork-same-size "forked" "file://$D/fork"
# a rollback: the checkpoint DIR held before the last traffic, served again with its tiles
static_copy "$D/s-us" "$D/old"
cp "$D/us-old-checkpoint" "$D/old/checkpoint"
refused refuse-rollback "smaller than the size $usz" "file://$D/old"

# ---- usage and unreachable sources: exit 2 ----
expect usage-without-out 2 "usage" "$PARLEY" fetch --charter "$D/charter"
expect unreachable-source 2 "" "$PARLEY" fetch --charter "$D/charter" --out "$D/f4" "http://127.0.0.1:$PORT_BASE"
expect missing-directory 2 "no such directory" "$PARLEY" fetch --charter "$D/charter" --out "$D/f4" "$D/nowhere"

# Restarts do not grow the state (issue 13, hole 1). Two nodes and the neutral
# witness on loopback, one envelope delivered, then:
#  - a real checkpoint padded with 63 junk signature lines shown to the witness and
#    to the peer node (and a peer's padded checkpoint mirrored): both restart fine;
#  - 50 restarts of the idle channel (SIGTERM all three, start again, wait until they
#    answer and each node collected fresh cosignatures): everything still starts and
#    serves, the published checkpoints carry at most one cosignature per cosigner and
#    verify, the case view is unchanged, and every kept state file is bounded;
#  - state written by an older version (files with more than 64 signature lines) is
#    loaded, rewritten cleanly with a log line, and the receipts (earliest
#    cosignatures) survive, also through --reindex.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
RESTARTS=${RESTARTS:-50}
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us) RU=$(url_of ru) WIT=$(url_of witness)
US_VKEY=$("$PARLEY" key vkey "$K/us-node.key")
RU_VKEY=$("$PARLEY" key vkey "$K/ru-node.key")
US_COS=$("$PARLEY" key vkey "$K/us-node.key" --cosigner)
RU_COS=$("$PARLEY" key vkey "$K/ru-node.key" --cosigner)
WIT_COS=$("$PARLEY" key vkey "$K/witness.key" --cosigner)
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$D/charter" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/wit" --charter "$D/charter" --key "$K/witness.key" || { fail setup "init"; exit 1; }

# cosigs URL — the cosignatures this node process collected since it started
cosigs() { curl -s "$1/metrics" | sed -n 's/^parley_cosignatures_collected_total //p'; }
# start_all — starts the three (in parallel) and waits until they answer and each node has
# had its checkpoint cosigned by both its cosigners since it started (the pushes happened;
# not waited for with start_all 0)
start_all() {
	"$PARLEY" node --dir "$D/us" --poll 1 --http-timeout 2 >>"$D/us.log" 2>&1 &
	NODE_PID_us=$!
	"$PARLEY" node --dir "$D/ru" --poll 1 --http-timeout 2 >>"$D/ru.log" 2>&1 &
	NODE_PID_ru=$!
	"$PARLEY" witness --dir "$D/wit" >>"$D/wit.log" 2>&1 &
	NODE_PID_witness=$!
	NODE_PIDS+=("$NODE_PID_us" "$NODE_PID_ru" "$NODE_PID_witness")
	wait_up "$US" && wait_up "$RU" && wait_up "$WIT" || return 1
	kill -0 "$NODE_PID_us" && kill -0 "$NODE_PID_ru" && kill -0 "$NODE_PID_witness" || return 1
	[ "${1:-1}" = 0 ] && return 0 # empty logs: nothing to push yet
	local i
	for i in $(seq 300); do
		[ "$(cosigs "$US")" -ge 2 ] 2>/dev/null && [ "$(cosigs "$RU")" -ge 2 ] 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# stop_all — SIGTERM to the three, and wait for them to exit
stop_all() {
	kill -TERM "$NODE_PID_us" "$NODE_PID_ru" "$NODE_PID_witness" 2>/dev/null
	wait "$NODE_PID_us" "$NODE_PID_ru" "$NODE_PID_witness" 2>/dev/null
	NODE_PIDS=()
}
why_down() { tail -n 2 "$D/us.log" "$D/ru.log" "$D/wit.log" | tr '\n' ' '; }
# sigs FILE — the number of signature lines; dup FILE — a signer with more than one line
sigs() { grep -c '^— ' "$1"; }
dup() { grep '^— ' "$1" | cut -d' ' -f2 | sort | uniq -d | head -n 1; }
# junk N — N well-formed signature lines by keys nobody knows
# logsig FILE — a checkpoint with only the us log's own signature line
logsig() { awk '!/^— / || /^— us\.parley\.example\/log /' "$1"; }
junk() { local i; for i in $(seq "$1"); do echo "— junk$i.example $(head -c 68 /dev/urandom | base64 -w0)"; done; }

start_all 0 || { fail setup "did not start: $(why_down)"; exit 1; }
"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind request --to ru.gp ru.fsb \
	--case us.fbi/2021-0007 --body "$V/mla-request-prosecutor.json" --out "$D/e1" >/dev/null &&
	frame "$D/e1/envelope" "$D/e1/body.age" >"$D/e1.req" || { fail setup "seal"; exit 1; }
code=$(submit "$US" "$D/e1.req")
[ "$code" = 200 ] || { fail setup "submit: HTTP $code $(cat "$T_DIR/resp")"; exit 1; }
at=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
delivered() { curl -s "$US/case/us.fbi/2021-0007?at=$at" | grep -q '"state": "delivered"'; }
# quiescent: delivered, and each published checkpoint cosigned by both its cosigners
quiet() { delivered && [ "$(curl -s "$US/checkpoint" | grep -c '^— ')" -ge 3 ] &&
	[ "$(curl -s "$RU/checkpoint" | grep -c '^— ')" -ge 3 ] && [ "$(log_size "$RU")" -ge 1 ]; }
wait_for quiet && pass delivered || fail delivered "$(curl -s "$US/case/us.fbi/2021-0007?at=$at" | head -c 300)"
sleep 1.5 # let the pollers settle on the same sizes
curl -s "$US/case/us.fbi/2021-0007?at=$at" >"$D/view0"
curl -s "$RU/case/us.fbi/2021-0007?at=$at" >"$D/rview0"

# ---- a real checkpoint padded with 63 junk signature lines (hole 1) ----
usz=$(log_size "$US")
{ printf 'old %s\n\n' "$usz"; curl -s "$US/checkpoint" >"$D/cur"; logsig "$D/cur"; junk 63; } >"$D/padded"
[ "$(sigs "$D/padded")" = 64 ] || fail padded-request "$(sigs "$D/padded") signature lines"
c1=$(curl -s -o "$D/r1" -w '%{http_code}' --data-binary @"$D/padded" "$WIT/add-checkpoint")
c2=$(curl -s -o "$D/r2" -w '%{http_code}' --data-binary @"$D/padded" "$RU/add-checkpoint")
[ "$c1" = 200 ] && [ "$c2" = 200 ] && pass padded-checkpoint-cosigned ||
	fail padded-checkpoint-cosigned "witness HTTP $c1 $(cat "$D/r1"), ru HTTP $c2 $(cat "$D/r2")"
# the peer's padded checkpoint mirrored: us's log grown by hand (us down), its directory
# served by a static server, and ru shown the grown checkpoint padded
stop_all
if command -v python3 >/dev/null; then
	echo "not an envelope" | "$PARLEY" log append "$D/us/log" --key "$K/us-node.key" >/dev/null
	(cd "$D/us/log" && exec python3 -m http.server --bind 127.0.0.1 "${US##*:}" >/dev/null 2>&1) &
	static=$!
	NODE_PIDS+=("$static")
	"$PARLEY" node --dir "$D/ru" --poll 1 --http-timeout 2 >>"$D/ru.log" 2>&1 &
	NODE_PID_ru=$!
	NODE_PIDS+=("$NODE_PID_ru")
	wait_up "$RU"
	wait_for curl -sf "$US/checkpoint"
	{ printf 'old %s\n' "$usz"; "$PARLEY" log consistency "$D/us/log" "$usz"; printf '\n'
		logsig "$D/us/log/checkpoint"; junk 63; } >"$D/padded2"
	c3=$(curl -s -o "$D/r3" -w '%{http_code}' --data-binary @"$D/padded2" "$RU/add-checkpoint")
	[ "$c3" = 200 ] && pass padded-peer-checkpoint-mirrored || fail padded-peer-checkpoint-mirrored "HTTP $c3 $(cat "$D/r3")"
	kill -TERM "$NODE_PID_ru" "$static"
	wait "$NODE_PID_ru" "$static" 2>/dev/null
	NODE_PIDS=()
else
	skip padded-peer-checkpoint-mirrored "python3 (a static web server for the log) is not installed"
fi
start_all && pass restart-after-padded-checkpoints || { fail restart-after-padded-checkpoints "$(why_down)"; exit 1; }
sleep 1.5
curl -s "$US/case/us.fbi/2021-0007?at=$at" >"$D/view0"
curl -s "$RU/case/us.fbi/2021-0007?at=$at" >"$D/rview0"

# ---- the restart loop ----
t0=$(date +%s)
ok=0
for r in $(seq "$RESTARTS"); do
	stop_all
	start_all || { fail restart-loop "restart $r: $(why_down)"; break; }
	ok=$r
done
echo "  $ok restarts in $(($(date +%s) - t0)) s" >&2
[ "$ok" = "$RESTARTS" ] && pass restart-loop
# everything still serves
curl -s "$US/case/us.fbi/2021-0007?at=$at" >"$D/view1"
curl -s "$RU/case/us.fbi/2021-0007?at=$at" >"$D/rview1"
cmp -s "$D/view0" "$D/view1" && cmp -s "$D/rview0" "$D/rview1" && delivered && pass case-view-unchanged ||
	fail case-view-unchanged "$(diff "$D/view0" "$D/view1" | head -n 4)"
for p in us ru; do
	url=$(url_of $p)
	curl -s "$url/checkpoint" >"$D/$p.cp"
	[ "$(sigs "$D/$p.cp")" = 3 ] && [ -z "$(dup "$D/$p.cp")" ] && pass "$p-one-cosignature-per-cosigner" ||
		fail "$p-one-cosignature-per-cosigner" "$(grep -c '^— ' "$D/$p.cp") lines, repeated: $(dup "$D/$p.cp")"
done
# the receipt (the checkpoint ru cosigned first, as kept) still verifies with ru's cosigner key
curl -sf "$US/proof/us/0?cosigned-by=ru.parley.example/log" -o "$D/receipt" &&
	"$PARLEY" proof verify "$D/receipt" "$D/e1/envelope" --vkey "$US_VKEY" --witness "$RU_COS" >/dev/null 2>&1 &&
	pass receipt-verifies-after-restarts || fail receipt-verifies-after-restarts "$(head -c 300 "$D/receipt")"
expect us-checkpoint-verifies 0 "" "$PARLEY" note verify "$D/us.cp" --vkey "$US_VKEY" --vkey "$RU_COS" --vkey "$WIT_COS"
expect ru-checkpoint-verifies 0 "" "$PARLEY" note verify "$D/ru.cp" --vkey "$RU_VKEY" --vkey "$US_COS" --vkey "$WIT_COS"

# bounded, one line per key: a witness keeps the log's signature and its own (2 lines: the newest
# in logs/, the first in history/); published, mirrored and kept checkpoints one per signer (3)
bounded() { # bounded MAX FILE... — every file has at most MAX signature lines; prints the first that has more
	local max=$1 f; shift
	for f in "$@"; do [ -f "$f" ] || continue; [ "$(sigs "$f")" -le "$max" ] || { echo "$f: $(sigs "$f")"; return 1; }; done
}
b=$(bounded 2 "$D"/wit/state/logs/* "$D"/us/witness/logs/* "$D"/ru/witness/logs/* \
	"$D"/wit/state/history/*/* "$D"/us/witness/history/*/* "$D"/ru/witness/history/*/*) &&
	b=$(bounded 3 "$D"/us/log/checkpoint "$D"/ru/log/checkpoint "$D"/us/peers/ru/checkpoint "$D"/ru/peers/us/checkpoint \
		"$D"/us/cosigned/* "$D"/ru/cosigned/* "$D"/us/peers/ru.checkpoints/* "$D"/ru/peers/us.checkpoints/*) &&
	b=$(for f in "$D"/wit/state/*/* "$D"/wit/state/history/*/* "$D"/{us,ru}/witness/*/* "$D"/{us,ru}/witness/history/*/* \
		"$D"/{us,ru}/log/checkpoint "$D"/{us,ru}/cosigned/* "$D"/{us,ru}/peers/*/checkpoint "$D"/{us,ru}/peers/*.checkpoints/*; do
		[ -f "$f" ] && [ -n "$(dup "$f")" ] && { echo "$f: two lines by $(dup "$f")"; exit 1; }; done; exit 0) &&
	pass state-files-bounded || fail state-files-bounded "$b"
n=$(find "$D/wit/state/conflicts" "$D/us/witness/conflicts" "$D/ru/witness/conflicts" -type f | wc -l)
[ "$n" = 0 ] && pass no-conflicts-from-restarts || fail no-conflicts-from-restarts "$n files in conflicts/"

# ---- state written by an older version: too many signature lines ----
stop_all
cp "$D/us/cosigned/$usz" "$D/kept-before"
receipt=$(grep "^— ru.parley.example/log " "$D/kept-before" | head -n 1)
clean=$D/clean-cp
logsig "$D/us/log/checkpoint" >"$clean"
many() { # many KEY COUNT — COUNT valid cosignatures of $clean by KEY, later than any real one
	local i
	for i in $(seq "$2"); do "$PARLEY" note cosign "$clean" --key "$1" --time $((4000000000 + i)) | tail -n 1; done
}
many "$K/witness.key" 40 >"$D/wit-lines"
many "$K/ru-node.key" 40 >"$D/ru-lines"
junk 30 >"$D/junk-lines"
for f in "$D"/us/log/checkpoint "$D"/us/cosigned/"$usz" "$D"/us/peers/ru/checkpoint "$D"/wit/state/logs/* \
	"$D"/ru/witness/logs/* "$D"/wit/state/history/*/* "$D"/ru/peers/us.checkpoints/*; do
	cat "$D/wit-lines" "$D/ru-lines" "$D/junk-lines" >>"$f"
done
rm -f "$D"/us/cosigned/.bounded "$D"/ru/peers/us.checkpoints/.bounded "$D"/wit/state/history/.bounded
[ "$(sigs "$D/us/log/checkpoint")" -gt 64 ] || fail old-state-setup "only $(sigs "$D/us/log/checkpoint") lines"
start_all && pass old-state-starts || fail old-state-starts "$(why_down)"
grep -qi "signature lines" "$D/us.log" "$D/wit.log" && pass old-state-repair-logged || fail old-state-repair-logged
b=$(bounded 2 "$D"/wit/state/logs/* "$D"/ru/witness/logs/* "$D"/wit/state/history/*/*) &&
	b=$(bounded 3 "$D"/us/log/checkpoint "$D"/us/peers/ru/checkpoint "$D"/us/cosigned/* "$D"/ru/peers/us.checkpoints/*) &&
	pass old-state-rewritten-bounded || fail old-state-rewritten-bounded "$b"
grep -qF -- "$receipt" "$D/us/cosigned/$usz" && pass old-state-keeps-earliest-cosignature ||
	fail old-state-keeps-earliest-cosignature "$(cat "$D/us/cosigned/$usz")"
grep -q "^— ru.parley.example/log .*" "$D/us/cosigned/$usz" && ! grep -q "^— junk" "$D/us/cosigned/$usz" &&
	[ -z "$(dup "$D/us/log/checkpoint")" ] && pass old-state-drops-junk || fail old-state-drops-junk "$(cat "$D/us/cosigned/$usz")"
expect old-state-kept-file-verifies 0 "" "$PARLEY" note verify "$D/us/cosigned/$usz" --vkey "$US_VKEY" --vkey "$RU_COS"
curl -s "$US/case/us.fbi/2021-0007?at=$at" >"$D/view2"
cmp -s "$D/view0" "$D/view2" && pass old-state-view-unchanged || fail old-state-view-unchanged "$(diff "$D/view0" "$D/view2" | head -n 4)"
stop_all
"$PARLEY" node --dir "$D/us" --poll 1 --http-timeout 2 --reindex >>"$D/us.log" 2>&1 &
NODE_PID_us=$!
NODE_PIDS+=("$NODE_PID_us")
wait_up "$US"
curl -s "$US/case/us.fbi/2021-0007?at=$at" >"$D/view3"
cmp -s "$D/view0" "$D/view3" && pass old-state-reindex-same-view || fail old-state-reindex-same-view "$(diff "$D/view0" "$D/view3" | head -n 4)"
kill -TERM "$NODE_PID_us"
wait "$NODE_PID_us" 2>/dev/null

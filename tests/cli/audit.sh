# parley audit and fork evidence, with two nodes and a neutral witness on loopback
# (issue 14 items 3 and 6): the heartbeat (an idle log is cosigned again, with newer
# times, while the kept receipt stays the earliest), an honest channel audited
# clean, non-forks (an older checkpoint, a copy of the log) yielding no proof, forks
# (the us log key signing another log, shown to the witness, served as a copy by
# URL, and shown to the ru node's mirror sync) yielding proofs that `audit verify`
# accepts, and proofs it must refuse (a forged signature, two identical
# checkpoints, two consistent ones, a bent consistency proof).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys V=$ROOT/tests/data/cyber-mla/valid
# a short heartbeat: an idle node pushes its checkpoint again every 2 s
{ cat "$D/charter.draft"; echo "heartbeat: 2s"; } >"$D/charter"
"$PARLEY" charter sign "$D/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" charter sign "$D/charter" --key "$K/ru-node.key" 2>/dev/null || { fail setup "charter with heartbeat: 2s"; exit 1; }
US=$(url_of us) RU=$(url_of ru) WIT=$(url_of witness) COPY=http://127.0.0.1:$((PORT_BASE + 4))
US_ORIGIN=us.parley.example/log
US_ID=$(printf '%s' "$US_ORIGIN" | sha256sum | cut -c1-64)
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$D/charter" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/wit" --charter "$D/charter" --key "$K/witness.key" || { fail setup "init"; exit 1; }
start_node "$D/us" us && start_node "$D/ru" ru && start_witness "$D/wit" ||
	{ fail setup "nodes did not start: $(tail -n 3 "$D"/*.log)"; exit 1; }

# two notices from us, one after the other: the us log has sizes 1 and 2
notice() { # notice NAME CASE
	"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind notice --to ru.gp \
		--case "$2" --body "$V/notice-minimal.json" --out "$D/$1" >/dev/null &&
		frame "$D/$1/envelope" "$D/$1/body.age" >"$D/$1.req" && [ "$(submit "$US" "$D/$1.req")" = 200 ]
}
witnessed_size() { curl -sf "$WIT/checkpoints/$US_ID" | sed -n 2p; }
notice n1 us.fbi/2021-0101 && wait_for sh -c "[ \"\$(curl -sf $WIT/checkpoints/$US_ID | sed -n 2p)\" = 1 ]" &&
	notice n2 us.fbi/2021-0102 && wait_for sh -c "[ \"\$(curl -sf $WIT/checkpoints/$US_ID | sed -n 2p)\" = 2 ]" ||
	{ fail setup "the witness did not cosign sizes 1 and 2 of the us log: $(curl -s "$WIT/checkpoints/$US_ID")"; exit 1; }

# ---- the witnesses publish what they cosigned ----
curl -sf "$WIT/checkpoints/$US_ID" >"$D/w.cp" && "$PARLEY" note verify "$D/w.cp" --vkey "$("$PARLEY" key vkey "$K/us-node.key")" >/dev/null 2>&1 &&
	grep -q '^— un.witness ' "$D/w.cp" && pass witness-publishes-latest-cosigned || fail witness-publishes-latest-cosigned "$(cat "$D/w.cp")"
wait_for curl -sf "$RU/checkpoints/$US_ID" -o "$D/ru.cp" && grep -q '^— ru.parley.example/log ' "$D/ru.cp" &&
	pass node-publishes-peer-checkpoint-it-cosigned || fail node-publishes-peer-checkpoint-it-cosigned "$(curl -s "$RU/checkpoints/$US_ID")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$WIT/checkpoints/0000000000000000000000000000000000000000000000000000000000000000")
[ "$code" = 404 ] && pass unknown-log-id-404 || fail unknown-log-id-404 "HTTP $code"

# ---- heartbeat: the idle us log is cosigned again with newer times ----
wline() { curl -s "$US/checkpoint" | grep '^— un.witness '; }
wait_for sh -c "curl -s $US/checkpoint | grep -q '^— un.witness '"
first=$(wline) kept=$(cat "$D/us/cosigned/2" 2>/dev/null)
if wait_for sh -c "[ -n \"\$(curl -s $US/checkpoint | grep '^— un.witness ')\" ] && [ \"\$(curl -s $US/checkpoint | grep '^— un.witness ')\" != '$first' ]"; then
	[ "$(log_size "$US")" = 2 ] && pass heartbeat-newer-cosignature-on-idle-log || fail heartbeat-newer-cosignature-on-idle-log "the log grew"
else
	fail heartbeat-newer-cosignature-on-idle-log "the witness line stayed: $first"
fi
[ -n "$kept" ] && [ "$(grep '^— un.witness ' "$D/us/cosigned/2")" = "$(printf '%s\n' "$kept" | grep '^— un.witness ')" ] &&
	pass heartbeat-keeps-earliest-receipt || fail heartbeat-keeps-earliest-receipt "$(cat "$D/us/cosigned/2")"

# ---- an honest channel audits clean ----
expect audit-honest-channel 0 "" "$PARLEY" audit --charter "$D/charter" --out "$D/out0" &&
	{ grep -q "verdict: consistent" "$T_OUT" && ! grep -q "FORK" "$T_OUT" && pass audit-honest-prints-verdict ||
		fail audit-honest-prints-verdict "$(cat "$T_OUT")"; }
# non-forks: an older checkpoint of the us log (size 1) and a copy of the log directory
cp -r "$D/us/log" "$D/copy"
expect audit-older-and-copy-no-fork 0 "" "$PARLEY" audit --charter "$D/charter" --out "$D/out1" "$D/us/cosigned/1" "$D/copy" ||
	cat "$T_OUT" >&2
[ -z "$(ls "$D/out1" 2>/dev/null)" ] && pass non-fork-writes-no-proof || fail non-fork-writes-no-proof "$(ls "$D/out1")"

# ---- a fork: the us log key signs another log of size 2 ----
fork_log() { # fork_log DIR SIZE
	mkdir -p "$1" && cp "$K/us-node.key" "$1/k" && chmod 600 "$1/k" &&
		"$PARLEY" log init "$1/log" --key "$1/k" >/dev/null &&
		seq 1 "$2" | "$PARLEY" log append "$1/log" --key "$1/k" >/dev/null
}
fork_log "$D/fork2" 2 && fork_log "$D/fork1" 1 || { fail setup "fork logs"; exit 1; }
# shown to the witness (old size 2, the size it cosigned): refused, and the evidence kept
{ printf 'old 2\n\n'; cat "$D/fork2/log/checkpoint"; } >"$D/fork2/ac"
code=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' --data-binary @"$D/fork2/ac" "$WIT/add-checkpoint")
ev=$(ls -d "$D"/wit/state/conflicts/*/*/ 2>/dev/null | head -n 1)
[ "$code" = 409 ] && [ -n "$ev" ] && [ -f "$ev/proof" ] && pass witness-keeps-fork-proof ||
	fail witness-keeps-fork-proof "HTTP $code; $(ls -R "$D/wit/state/conflicts")"
expect witness-evidence-verifies 0 "" "$PARLEY" audit verify "${ev:-/nonexistent}" --charter "$D/charter"
expect witness-evidence-file-verifies 0 "" "$PARLEY" audit verify "${ev:-/nonexistent}/proof" --charter "$D/charter"
# evidence kept before there was a proof file (recorded, shown, why) is taken too
mkdir -p "$D/oldev" && cp "${ev:-/nonexistent}"/recorded "${ev:-/nonexistent}"/shown "$D/oldev/" 2>/dev/null
expect older-evidence-without-proof-verifies 0 "" "$PARLEY" audit verify "$D/oldev" --charter "$D/charter"
cp "$D/us/cosigned/1" "$D/oldev/shown"
expect older-evidence-of-two-sizes-is-no-proof 1 "" "$PARLEY" audit verify "$D/oldev" --charter "$D/charter"
curl -s "$WIT/metrics" | grep -q "^parley_forks_seen_total{log=\"$US_ORIGIN\"} [1-9]" && pass witness-metrics-count-fork ||
	fail witness-metrics-count-fork "$(curl -s "$WIT/metrics")"
grep -q "level=error event=fork log=$US_ORIGIN " "$D/wit.log" && pass witness-logs-fork || fail witness-logs-fork "$(tail -n 3 "$D/wit.log")"

# served as a copy by URL: the audit finds the fork and writes a proof that verifies
(cd "$D/fork2" && exec python3 -m http.server "$((PORT_BASE + 4))" --bind 127.0.0.1 >/dev/null 2>&1) &
NODE_PIDS+=($!)
wait_for curl -sf "$COPY/log/checkpoint"
expect audit-finds-fork-in-copy 1 "" "$PARLEY" audit --charter "$D/charter" --out "$D/out2" "$COPY/log" ||
	cat "$T_OUT" >&2
proof=$(ls "$D"/out2/*.proof 2>/dev/null | head -n 1)
[ -n "$proof" ] && grep -q "FORK" "$T_OUT" && pass audit-writes-proof || fail audit-writes-proof "$(cat "$T_OUT")"
expect audit-proof-verifies 0 "" "$PARLEY" audit verify "${proof:-/nonexistent}" --charter "$D/charter"
# the checkpoint file's URL works as well as the directory's
expect audit-finds-fork-by-checkpoint-url 1 "" "$PARLEY" audit --charter "$D/charter" --out "$D/out3" "$COPY/log/checkpoint"
# a fork at a smaller size (1): shown by the node's tiles not to be in its size-2 tree
expect audit-finds-fork-at-smaller-size 1 "" "$PARLEY" audit --charter "$D/charter" --out "$D/out4" "$D/fork1/log"
p4=$(ls "$D"/out4/*.proof 2>/dev/null | head -n 1)
[ -n "$p4" ] && grep -q '^root ' "$p4" && pass smaller-size-proof-has-consistency || fail smaller-size-proof-has-consistency "$(cat "$p4" 2>/dev/null)"
expect smaller-size-proof-verifies 0 "" "$PARLEY" audit verify "${p4:-/nonexistent}" --charter "$D/charter"

# ---- proofs audit verify refuses ----
# a forged signature: one character of the second checkpoint's signature changed
awk 'BEGIN{n=0} /^— /{n++; if (n==2) { c=substr($3,20,1); r=(c=="A")?"B":"A"; $3=substr($3,1,19) r substr($3,21) } } {print}' \
	"$proof" >"$D/forged.proof"
cmp -s "$proof" "$D/forged.proof" && fail forged-proof-built "unchanged"
expect verify-refuses-forged-signature 1 "" "$PARLEY" audit verify "$D/forged.proof" --charter "$D/charter"
logonly() { awk 'BEGIN{n=0} /^— /{n++; if (n>1) next} {print}' "$1"; }
proof_of() { # proof_of A B [tail lines...] — a proof file of the two checkpoint files
	printf 'parley fork proof v1\n'
	printf 'checkpoint %d\n' "$(logonly "$1" | wc -c)"; logonly "$1"
	printf 'checkpoint %d\n' "$(logonly "$2" | wc -c)"; logonly "$2"
}
proof_of "$D/us/cosigned/2" "$D/us/cosigned/2" >"$D/same.proof"
expect verify-refuses-identical-checkpoints 1 "" "$PARLEY" audit verify "$D/same.proof" --charter "$D/charter"
grep -q "same root" "$T_OUT" && pass identical-reason || fail identical-reason "$(cat "$T_OUT")"
{ proof_of "$D/us/cosigned/1" "$D/us/cosigned/2"; printf 'root %s\n' "$(sed -n 3p "$D/us/cosigned/1")"
	"$PARLEY" log consistency "$D/us/log" 1; } >"$D/consistent.proof"
expect verify-refuses-consistent-checkpoints 1 "" "$PARLEY" audit verify "$D/consistent.proof" --charter "$D/charter"
grep -q "consistent, no fork" "$T_OUT" && pass consistent-reason || fail consistent-reason "$(cat "$T_OUT")"
# the smaller-size proof with its root bent to another: the consistency proof no longer holds
sed "s|^root .*|root $(sed -n 3p "$D/fork2/log/checkpoint")|" "${p4:-/dev/null}" >"$D/bent.proof"
expect verify-refuses-bent-consistency-proof 1 "" "$PARLEY" audit verify "$D/bent.proof" --charter "$D/charter"
expect verify-garbage-is-no-proof 1 "" "$PARLEY" audit verify "$D/charter" --charter "$D/charter"
expect verify-missing-file-2 2 "" "$PARLEY" audit verify "$D/none" --charter "$D/charter"

# ---- the ru node's mirror sync meets the fork: logged, counted, evidence kept ----
kill "$NODE_PID_us" 2>/dev/null; wait "$NODE_PID_us" 2>/dev/null
(cd "$D/fork1/log" && exec python3 -m http.server "$((PORT_BASE + 1))" --bind 127.0.0.1 >/dev/null 2>&1) &
NODE_PIDS+=($!)
if wait_for sh -c "ls $D/ru/witness/conflicts/*/*/proof"; then
	pass node-sync-keeps-fork-evidence
else
	fail node-sync-keeps-fork-evidence "$(tail -n 3 "$D/ru.log"); $(ls -R "$D/ru/witness/conflicts")"
fi
rev=$(ls -d "$D"/ru/witness/conflicts/*/*/ 2>/dev/null | head -n 1)
expect node-sync-evidence-verifies 0 "" "$PARLEY" audit verify "${rev:-/nonexistent}" --charter "$D/charter"
curl -s "$RU/metrics" | grep -q "^parley_forks_seen_total{log=\"$US_ORIGIN\",peer=\"us\"} [1-9]" && pass node-metrics-count-fork ||
	fail node-metrics-count-fork "$(curl -s "$RU/metrics" | grep forks)"
grep -q "level=error event=fork log=$US_ORIGIN " "$D/ru.log" && pass node-logs-fork || fail node-logs-fork "$(tail -n 3 "$D/ru.log")"

# ---- not enough sources: the us node gone and no witness, exit 2 naming what was unreachable ----
kill "${NODE_PIDS[-1]}" 2>/dev/null
kill "$NODE_PID_witness" 2>/dev/null; wait "$NODE_PID_witness" 2>/dev/null
expect audit-unreachable-exit-2 2 "" "$PARLEY" audit --charter "$D/charter" --out "$D/out5"
grep -q "UNREACHABLE: node us" "$T_OUT" && pass audit-names-unreachable || fail audit-names-unreachable "$(cat "$T_OUT")"

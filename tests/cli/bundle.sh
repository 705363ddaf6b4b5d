#!/usr/bin/env bash
# Bundles: `parley report DIR ... --bundle OUT` and `parley report verify`.
# Two nodes and a witness on loopback, three requests from us to ru (one
# acknowledged, one answered), a fetch-layout copy of us's directory; the logs
# are closed for the period by a later cosignature of the neutral witness (see
# below); then a bundle verifies, passes the Go cross-check, and each kind of
# tampering is refused with exit 1 naming what failed.
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/report_lib.sh"
report_traffic 1.1 # each request delivered (cosigned by ru's node) in another second than the next
TO=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)
LATE=$(($(date -u -d "$TO" +%s) + 20 * 60))

# A fetch-layout copy of us's directory (as tests/cli/report.sh makes it).
F=$D/fetch
mkdir -p "$F/logs"
cp "$D/ch/charter" "$F/charter"
cp -r "$D/us/log" "$F/logs/us" && cp -r "$D/us/cosigned" "$F/logs/us.checkpoints"
cp -r "$D/us/peers/ru" "$F/logs/ru" && cp -r "$D/us/peers/ru.checkpoints" "$F/logs/ru.checkpoints"
origin=$(sed -n 1p "$D/ru/log/checkpoint")
hex=$(printf '%s' "$origin" | sha256sum | cut -c1-64)
cp "$D/us/witness/history/$hex"/* "$F/logs/ru.checkpoints/" 2>/dev/null

# A period whose end is a minute from now is closed by a cosignature at or after
# to + 15 min. An idle node gets one from its witness at its next heartbeat;
# a test cannot wait for it, so it is made here with the neutral witness's own
# key (the charter's un.witness) at to + 20 min and added to each log's
# published checkpoint, as the node publishes a heartbeat cosignature.
for p in us ru; do
	"$PARLEY" note cosign "$F/logs/$p/checkpoint" --key "$K/witness.key" --time "$LATE" >"$D/cp.$p" &&
		mv "$D/cp.$p" "$F/logs/$p/checkpoint" || fail "setup-late-cosign-$p" "note cosign failed"
done

# the same cosignature in the node's own directory (its log, its mirror of ru's), the other layout
cp "$F/logs/us/checkpoint" "$D/us/log/checkpoint" && cp "$F/logs/ru/checkpoint" "$D/us/peers/ru/checkpoint" ||
	fail setup-node-late-cosign "cp"

B=$D/bundle
expect bundle-write 0 "bundle written to" "$PARLEY" report "$F" --from "$FROM" --to "$TO" --json --bundle "$B"
cp "$T_OUT" "$D/report.json"
cmp -s "$D/report.json" "$B/report.json" && pass bundle-report-is-json || fail bundle-report-is-json "report.json is not the --json output"
got=$(jq -r '[.logs[].complete] | join(" ")' "$B/report.json")
[ "$got" = "true true" ] && pass bundle-closed || fail bundle-closed "complete: $got"
got=$(jq -r '.pairs[] | select(.from=="us" and .to=="ru" and .kind=="request") | "\(.sent) \(.delivered) \(.acknowledged) \(.answered)"' "$B/report.json")
[ "$got" = "3 3 2 1" ] && pass bundle-figures || fail bundle-figures "sent delivered ack answered: $got"
[ -f "$B/charter" ] && [ -f "$B/logs/us/checkpoint" ] && [ -f "$B/logs/ru/checkpoint" ] &&
	[ -n "$(ls "$B/logs/us.checkpoints")" ] && pass bundle-layout || fail bundle-layout "$(cd "$B" && find . | head -20)"
# the bundle is a fetch directory: the report over it is the same bytes
expect bundle-readable 0 "" "$PARLEY" report "$B" --from "$FROM" --to "$TO" --json
cmp -s "$T_OUT" "$B/report.json" && pass bundle-same-json || fail bundle-same-json "$(diff "$T_OUT" "$B/report.json" | head -10)"
expect bundle-refuses-used-dir 2 "not empty" "$PARLEY" report "$F" --from "$FROM" --to "$TO" --bundle "$B"
mkdir "$D/empty"
expect bundle-into-empty-dir 0 "bundle written" "$PARLEY" report "$F" --from "$FROM" --to "$TO" --bundle "$D/empty"
same_tree "$D/empty" "$B" && pass bundle-deterministic || fail bundle-deterministic "$(diff -r "$D/empty" "$B" | head -5)"
expect bundle-no-parent 2 "" "$PARLEY" report "$F" --from "$FROM" --to "$TO" --bundle "$D/nothere/b"
[ -z "$(ls -d "$D"/nothere* 2>/dev/null)" ] && pass bundle-failure-leaves-nothing || fail bundle-failure-leaves-nothing "$(ls -d "$D"/nothere*)"

expect verify 0 "" "$PARLEY" report verify "$B" --charter "$D/ch/charter"
grep -q "^report verified: " "$T_OUT" && pass verify-summary || fail verify-summary "$(cat "$T_OUT")"

# from a node's own directory (own log, cosigned/, a peer's mirror, witness/history/): the same report, verified
expect bundle-node-layout 0 "bundle written" "$PARLEY" report "$D/us" --from "$FROM" --to "$TO" --bundle "$D/nb"
cmp -s "$D/nb/report.json" "$B/report.json" && pass bundle-node-layout-same-json || fail bundle-node-layout-same-json "$(diff "$D/nb/report.json" "$B/report.json" | head -5)"
expect verify-node-layout 0 "" "$PARLEY" report verify "$D/nb" --charter "$D/ch/charter"

# every log in C2SP forms: Go's sumdb/tlog and note accept the checkpoint, tiles and bundles
US_VKEY=$("$PARLEY" key vkey "$K/us-node.key") RU_VKEY=$("$PARLEY" key vkey "$K/ru-node.key")
if [ -x "${GOCHECK:-}" ]; then
	expect gocheck-bundle-us 0 "" "$GOCHECK" log "$B/logs/us" "$US_VKEY"
	expect gocheck-bundle-ru 0 "" "$GOCHECK" log "$B/logs/ru" "$RU_VKEY"
	# every kept checkpoint of us's log consistent with the cut, the proof made from the bundle's tiles
	: >"$D/go.err"
	for f in "$B"/logs/us.checkpoints/*; do
		"$PARLEY" log consistency "$B/logs/us" "$(basename "$f")" >"$D/cons" 2>"$D/go.err" &&
			"$GOCHECK" consistency "$US_VKEY" "$f" "$B/logs/us/checkpoint" "$D/cons" >/dev/null 2>"$D/go.err" ||
			{ echo "$f" >>"$D/go.err"; break; }
	done
	[ -s "$D/go.err" ] && fail gocheck-kept "$(cat "$D/go.err")" || pass gocheck-kept
else
	fail gocheck-bundle "GOCHECK='${GOCHECK:-}' is not an executable (make builds build/gocheck)"
fi

# --- tampering: each refused with exit 1 and a reason ---
# tamper NAME — a fresh copy of the bundle in $X
tamper() { X=$D/t-$1; rm -rf "$X"; cp -r "$B" "$X"; }
vfy() { expect "$1" 1 "$2" "$PARLEY" report verify "$X" --charter "$D/ch/charter"; }
ebundle() { find "$X/logs/us/tile/entries" -type f | sort | head -1; }
# edit_entries FILE OP — rewrites a tlog-tiles entry bundle (2-byte big-endian length, entry)
edit_entries() {
	python3 - "$1" "$2" <<'EOF'
import sys
path, op = sys.argv[1], sys.argv[2]
b = open(path, 'rb').read()
es, i = [], 0
while i < len(b):
    n = int.from_bytes(b[i:i+2], 'big'); es.append(b[i+2:i+2+n]); i += 2 + n
if op == 'alter':
    e = bytearray(es[0]); k = e.index(b'request'); e[k] ^= 0x20; es[0] = bytes(e)
elif op == 'remove':
    del es[1]
elif op == 'add':
    es.insert(1, es[0])
elif op == 'reorder':
    es[0], es[1] = es[1], es[0]
open(path, 'wb').write(b''.join(len(e).to_bytes(2, 'big') + e for e in es))
EOF
}
for op in alter remove add reorder; do
	tamper "entry-$op"
	edit_entries "$(ebundle)" $op || fail "entry-$op-setup" "python"
	vfy "entry-$op" "us"
	grep -qE "entry bundle|do not hash" "$T_ERR" && pass "entry-$op-reason" || fail "entry-$op-reason" "$(head -c 300 "$T_ERR")"
done

# a cosignature by ru's node (the receipt) removed from the first kept checkpoint of us's log that has one:
# us/0's delivery then rests on a later checkpoint, and a figure differs
tamper cosig-removed
ru_origin=$(sed -n 1p "$D/ru/log/checkpoint")
k=$(for f in $(ls "$X/logs/us.checkpoints" | sort -n); do
	[ "$f" != 0 ] && grep -q "^— $ru_origin " "$X/logs/us.checkpoints/$f" && { echo "$f"; break; }
done)
if [ -n "$k" ]; then
	grep -v "^— $ru_origin " "$X/logs/us.checkpoints/$k" >"$D/kept" && mv "$D/kept" "$X/logs/us.checkpoints/$k"
	vfy cosig-removed "report.json differs"
	grep -qE "delivered_at|delivery_s|delivered" "$T_ERR" && pass cosig-removed-reason || fail cosig-removed-reason "$(head -c 300 "$T_ERR")"
else
	fail cosig-removed "no kept checkpoint of us's log cosigned by ru's node"
fi

# the closing checkpoint swapped for an older kept one
tamper checkpoint-swapped
old=$(ls "$X/logs/us.checkpoints" | sort -n | head -2 | tail -1)
cp "$X/logs/us.checkpoints/$old" "$X/logs/us/checkpoint"
vfy checkpoint-swapped "not the closing checkpoint"

# a figure edited in report.json
tamper figure-edited
sed -i '0,/"delivered": 2/s//"delivered": 3/' "$X/report.json"
vfy figure-edited "pairs[0].delivered: bundle says 3, recomputed 2"

# the parameters edited (the figures kept)
tamper params-edited
sed -i 's/"kind": null/"kind": "ack"/' "$X/report.json"
vfy params-edited "report.json differs"

# a report.json of another period, which the bundle's checkpoints do not close
tamper other-period
"$PARLEY" report "$F" --from "$FROM" --to "$(date -u -d '+3 hours' +%Y-%m-%dT%H:%M:%SZ)" --json >"$X/report.json" 2>/dev/null
vfy other-period "provisional"

# another charter: refused, whatever the bundle says
make_channel "$D/ch2" >/dev/null 2>&1 || fail other-charter-setup "make_channel"
expect other-charter 1 "not the charter given" "$PARLEY" report verify "$B" --charter "$D/ch2/charter"
# the verifier's charter is what counts: a bundle whose charter was replaced is refused too
tamper charter-replaced
cp "$D/ch2/charter" "$X/charter"
vfy charter-replaced "not the charter given"

# a missing report.json or bundle directory is I/O: exit 2
tamper no-report
rm "$X/report.json"
expect no-report 2 "report.json" "$PARLEY" report verify "$X" --charter "$D/ch/charter"
expect verify-usage 2 "usage" "$PARLEY" report verify "$B"

# --- a period not closed yet: the bundle says so, and verify calls it provisional ---
PTO=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
expect bundle-provisional 0 "no closing checkpoint" "$PARLEY" report "$D/us" --from "$FROM" --to "$PTO" --bundle "$D/prov"
X=$D/prov
vfy verify-provisional "provisional"
"$PARLEY" report "$D/us" --from "$FROM" --to "$PTO" --json >"$D/prov.json" 2>/dev/null
cmp -s "$D/prov.json" "$X/report.json" && pass bundle-provisional-json || fail bundle-provisional-json "report.json is not the --json output"

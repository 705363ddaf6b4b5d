#!/usr/bin/env bash
# `make demo`: part 1 is the exchange, live: two parties' nodes and a neutral witness on
# loopback, and a ransomware case played by the officers (`parley demo --dir DIR --exit`);
# part 1b the aid-crossing scenario (`parley demo --scenario aid`, docs/demo.md).
# Part 2 is the transparency log underneath, with the low-level `parley log` tools.
set -euo pipefail
P=${PARLEY:-build/parley}
D=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/parley-demo.XXXXXX")}
step() { printf '\n== %s\n' "$*"; }
mkdir -p "$D"

printf '\n######## part 1: the exchange (parley demo --dir %s/exchange --exit)\n' "$D"
$P demo --dir "$D/exchange" --exit

printf '\n######## part 1b: the aid-crossing mechanism (parley demo --scenario aid --dir %s/aid --exit)\n' "$D"
$P demo --scenario aid --dir "$D/aid" --exit

printf '\n######## part 2: the log underneath, with the low-level tools\n'
mkdir -p "$D/log-tools"
cd "$D/log-tools"

step "keys: the log of party 'us' and a neutral witness"
$P keygen --name us.parley.example/log --out us.key
$P keygen --name witness.example --out witness.key >/dev/null
LOG_VKEY=$($P key vkey us.key)
WIT_VKEY=$($P key vkey witness.key --cosigner)
echo "witness cosigner key: $WIT_VKEY"

step "a new log, then three envelopes and 1,000 more entries appended durably"
$P log init log --key us.key
printf 'notice us.fbi -> ru.fsb: intrusion at a managed-service provider\n' > e1
printf 'request us.doj -> ru.gp: mutual legal assistance, case us.fbi/2021-0007\n' > e2
printf 'ack ru.gp: request received by the designated officer\n' > e3
$P log append log --key us.key e1 e2 e3
seq -f 'routine entry %g' 1 1000 | $P log append log --key us.key | tail -n 1 | sed 's/^/... last index: /'
$P log checkpoint log

step "an offline proof that entry 1 (the request) is in the log"
$P log prove log 1 > request.tlog-proof
cat request.tlog-proof
$P proof verify request.tlog-proof e2 --vkey "$LOG_VKEY"

step "the witness cosigns the checkpoint; the proof now carries its receipt"
$P note cosign log/checkpoint --key witness.key > cosigned
{ sed '/^$/q' request.tlog-proof; cat cosigned; } > request-witnessed.tlog-proof
$P proof verify request-witnessed.tlog-proof e2 --vkey "$LOG_VKEY" --witness "$WIT_VKEY"

step "consistency: the log at size 3 is a prefix of the log now"
$P log consistency log 3 | head -n 3; echo "..."

step "full audit: every tile and bundle recomputed from the entries"
$P log verify log --vkey "$LOG_VKEY"

step "tampering is caught: one byte of entry 0 changed in a copy of the log"
cp -r log tampered
printf 'X' | dd of=tampered/tile/entries/000 bs=1 seek=2 conv=notrunc status=none
if $P log verify tampered --vkey "$LOG_VKEY"; then echo "tampering NOT detected" >&2; exit 1; fi
echo "(exit 1, as expected)"
if $P proof verify request.tlog-proof e1 --vkey "$LOG_VKEY"; then echo "wrong entry accepted" >&2; exit 1; fi
echo "(a proof for entry 1 does not prove entry 0's text: exit 1, as expected)"

echo
echo "log demo ok; both parts done (files in $D)"

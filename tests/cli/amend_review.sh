# Hostile-review regressions for amendments in running nodes (docs/amendments.md, "In a node").
# peer-batch: a node that meets an amendment in a peer's log judges the entries after it, in
# the same sync, under the amended charter (not the charter it held before the sync).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D/ch" || { fail setup "could not build the test channel"; exit 1; }
K=$D/ch/keys C=$D/ch/charter V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us) RU=$(url_of ru)
SKEW=3
"$PARLEY" node init "$D/us" --charter "$C" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$C" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$C" --key "$K/witness.key" 2>/dev/null || { fail setup init; exit 1; }
replace() { awk -v p="$1" -v r="$2" 'index($0, p) == 1 && !done { print r; done = 1; next } { print }' "$3" >"$3.new" && mv "$3.new" "$3"; }
post() { curl -s -o "$T_DIR/resp" -w '%{http_code}' --data-binary @"$1" "$2/amendment"; }

# ru is down; us takes an envelope by us.fbi's key, then (restarted with it in DIR/amendments)
# records amendment 1, which retired that key a little before the envelope's time: ru's first
# sync brings both, and ru must judge the envelope under amendment 1, live as after --reindex
start_node "$D/us" us --max-skew $SKEW && start_witness "$D/w" || { fail setup "nodes did not start"; exit 1; }
"$PARLEY" keygen --name us.fbi --out "$K/us.fbi.new.key" >/dev/null
"$PARLEY" charter amend "$C" --effective "$(date -u -d '-20 seconds' +%Y-%m-%dT%H:%M:%SZ)" --out "$D/a1" 2>/dev/null
replace "agency: us.fbi " "agency: us.fbi $("$PARLEY" key vkey "$K/us.fbi.new.key") $("$PARLEY" key age-recipient "$K/us.fbi.new.key")" "$D/a1"
"$PARLEY" charter sign "$D/a1" --key "$K/us-node.key" --charter "$C" 2>/dev/null
"$PARLEY" charter sign "$D/a1" --key "$K/ru-node.key" --charter "$C" 2>/dev/null
expect setup-old-key-notice 0 "" "$PARLEY" send notice --key "$K/us.fbi.key" --node "$US" --to ru.fsb \
	--body "$V/notice-minimal.json"
case_old=$(sed -n 's/^sent notice from us.fbi in case \([^,]*\),.*/\1/p' "$T_OUT")
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
mkdir -p "$D/us/amendments" && cp "$D/a1" "$D/us/amendments/0001"
start_node "$D/us" us --max-skew $SKEW || fail setup-us-restart "$(tail -n 3 "$D/us.log")"
[ "$(log_size "$US")" = 2 ] || fail setup-us-records "size $(log_size "$US")"
start_node "$D/ru" ru --max-skew $SKEW || fail setup-ru "$(tail -n 3 "$D/ru.log")"
wait_for test -f "$D/ru/amendments/0001" || fail setup-ru-adopts "$(tail -n 3 "$D/ru.log")"
sleep 1
curl -s "$RU/case/$case_old" >"$D/live"
kill "$NODE_PID_ru"; wait "$NODE_PID_ru" 2>/dev/null
start_node "$D/ru" ru --max-skew $SKEW --reindex || fail setup-ru-reindex "$(tail -n 3 "$D/ru.log")"
curl -s "$RU/case/$case_old" >"$D/reindexed"
cmp -s <(grep -v as_of "$D/live") <(grep -v as_of "$D/reindexed") && pass peer-batch-judged-under-amendment ||
	fail peer-batch-judged-under-amendment "live $(head -c 300 "$D/live") reindexed $(head -c 300 "$D/reindexed")"

# logged-amendment-missing: a directory (or bundle) whose amendments/ lacks an amendment its logs
# record is refused, not judged as if the amendment never was
kill "$NODE_PID_ru"; wait "$NODE_PID_ru" 2>/dev/null
FROM=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ) TO=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
expect report-with-amendment 0 "" "$PARLEY" report "$D/ru" --from "$FROM" --to "$TO" --json
cp -r "$D/ru" "$D/ru-copy" && rm -r "$D/ru-copy/amendments"
expect logged-amendment-missing-refused 1 "amendment 1" "$PARLEY" report "$D/ru-copy" --from "$FROM" --to "$TO" --json

# half-written-tmp: a crash while a node saved an amendment leaves DIR/amendments/NNNN.tmp.PID
# half-written; the node must still start (the amendment comes again from its poster or a peer)
head -c 200 "$D/a1" >"$D/us/amendments/0002.tmp.4242"
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
start_node "$D/us" us --max-skew $SKEW && pass half-written-tmp-starts || fail half-written-tmp-starts "$(tail -n 2 "$D/us.log")"

# backdated-statement-retired-key: a statement may be published up to 30 days after its time, but not
# with a key an amendment has retired since (whoever holds the old us.fbi key, with a co-signer,
# could otherwise publish statements dated before the rotation for 30 days after it)
t_eff=$(sed -n 's/^effective: //p' "$D/a1")
"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$C" --kind statement --to ru.gp --case us.fbi/BACK-1 \
	--body "$V/statement-consultation-round.json" --time "$(date -u -d "$t_eff - 5 seconds" +%Y-%m-%dT%H:%M:%SZ)" \
	--out "$D/back" >/dev/null 2>&1 &&
	"$PARLEY" envelope cosign "$D/back/envelope" --key "$K/ru.gp.key" >/dev/null 2>&1 &&
	frame "$D/back/envelope" "$D/back/body.age" >"$D/back/req" || fail setup-backdated-statement
code=$(submit "$US" "$D/back/req")
[ "$code" = 403 ] && grep -q "dated before amendment 1" "$T_DIR/resp" && pass backdated-statement-retired-key-403 ||
	fail backdated-statement-retired-key-403 "$code $(cat "$T_DIR/resp")"
# a statement dated before the amendment whose keys it leaves unchanged is still published
"$PARLEY" envelope seal --key "$K/us.doj.key" --charter "$C" --kind statement --to ru.gp --case us.doj/BACK-2 \
	--body "$V/statement-consultation-round.json" --time "$(date -u -d "$t_eff - 5 seconds" +%Y-%m-%dT%H:%M:%SZ)" \
	--out "$D/back2" >/dev/null 2>&1 &&
	"$PARLEY" envelope cosign "$D/back2/envelope" --key "$K/ru.gp.key" >/dev/null 2>&1 &&
	frame "$D/back2/envelope" "$D/back2/body.age" >"$D/back2/req" || fail setup-backdated-statement-2
code=$(submit "$US" "$D/back2/req")
[ "$code" = 200 ] && pass backdated-statement-unchanged-keys-200 || fail backdated-statement-unchanged-keys-200 "$code $(cat "$T_DIR/resp")"

# fetch-keeps-chain-despite-junk: an entry in a log that looks like an amendment but is not a complete
# one (here amendment 2 signed by us alone, appended to us's log) is reported (exit 1), but the chain
# of complete amendments the logs hold is still kept, so the directory can still be reported on
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
"$PARLEY" charter amend "$C" "$D/a1" --effective "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" --out "$D/a2" 2>/dev/null
replace "ack: " "ack: 12h" "$D/a2"
"$PARLEY" charter sign "$D/a2" --key "$K/us-node.key" --charter "$C" "$D/a1" 2>/dev/null || fail setup-junk-sign
"$PARLEY" log append "$D/us/log" --key "$K/us-node.key" "$D/a2" >/dev/null 2>&1 || fail setup-junk-append
start_node "$D/us" us --max-skew $SKEW && start_node "$D/ru" ru --max-skew $SKEW || fail setup-junk-restart
expect fetch-junk-amendment-reported 1 "amendment 2 is not signed by ru" "$PARLEY" fetch --charter "$C" --out "$D/f"
cmp -s "$D/f/amendments/0001" "$D/a1" && [ ! -e "$D/f/amendments/0002" ] && pass fetch-keeps-chain-despite-junk ||
	fail fetch-keeps-chain-despite-junk "$(ls "$D/f/amendments" 2>&1)"
expect fetch-dir-reports 0 "" "$PARLEY" report "$D/f" --from "$FROM" --to "$TO" --json

# witness-rotation-pending: amendment 2 rotates the neutral witness's key from an hour from now; until
# then the witness's key in force goes on cosigning us's log, and us keeps and publishes those lines
"$PARLEY" keygen --name un.witness --out "$K/witness.new.key" >/dev/null
"$PARLEY" charter amend "$C" "$D/a1" --effective "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" --out "$D/w2" 2>/dev/null
replace "witness: un.witness " "witness: un.witness $(url_of witness) $("$PARLEY" key vkey "$K/witness.new.key" --cosigner)" "$D/w2"
"$PARLEY" charter sign "$D/w2" --key "$K/us-node.key" --charter "$C" "$D/a1" 2>/dev/null &&
	"$PARLEY" charter sign "$D/w2" --key "$K/ru-node.key" --charter "$C" "$D/a1" 2>/dev/null || fail setup-w2-sign
code=$(post "$D/w2" "$US")
[ "$code" = 200 ] || fail setup-w2-adopt "$code $(cat "$T_DIR/resp")"
expect setup-w2-notice 0 "" "$PARLEY" send notice --key "$K/us.fbi.new.key" --node "$US" --to ru.fsb --body "$V/notice-minimal.json"
size=$(log_size "$US")
witnessed() { curl -s "$US/checkpoint" | grep -q "^— un.witness " && [ "$(log_size "$US")" = "$size" ] &&
	grep -q "^— un.witness " "$D/us/cosigned/$size"; }
wait_for witnessed && pass witness-rotation-pending-cosignatures-kept ||
	fail witness-rotation-pending-cosignatures-kept "$(curl -s "$US/checkpoint"; cat "$D/us/cosigned/$size" 2>&1)"

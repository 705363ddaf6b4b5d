# Amendments in running nodes (docs/amendments.md, "In a node"): us.fbi's key rotated by an
# amendment posted to the us node; refused postings (unsigned, too soon, not an amendment,
# another amendment 1) change nothing; the ru node adopts it from the us log; from its
# effective time the old key is refused and the new one accepted, before and after a restart
# and a reindex; reports, `parley entries` and a bundle (verified with the founding charter
# alone, and refused without the amendment) judge every envelope as the nodes did.
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
start_node "$D/us" us --max-skew $SKEW && start_node "$D/ru" ru --max-skew $SKEW && start_witness "$D/w" ||
	{ fail setup "nodes did not start"; exit 1; }
FROM=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)

replace() { awk -v p="$1" -v r="$2" 'index($0, p) == 1 && !done { print r; done = 1; next } { print }' "$3" >"$3.new" && mv "$3.new" "$3"; }
send_notice() { "$PARLEY" send notice --key "$1" --node "$US" --to ru.fsb --body "$V/notice-minimal.json" --wait 15; }
post() { curl -s -o "$T_DIR/resp" -w '%{http_code}' --data-binary @"$1" "$2/amendment"; }

expect old-key-before 0 "" send_notice "$K/us.fbi.key"

# amendment 1: us.fbi's key rotated a few seconds from now
"$PARLEY" keygen --name us.fbi --out "$K/us.fbi.new.key" >/dev/null
draft() { # draft FILE SECONDS-FROM-NOW: amendment 1 rotating us.fbi's key, signed by both nodes
	"$PARLEY" charter amend "$C" --effective "$(date -u -d "+$2 seconds" +%Y-%m-%dT%H:%M:%SZ)" --out "$1" 2>/dev/null
	replace "agency: us.fbi " "agency: us.fbi $("$PARLEY" key vkey "$K/us.fbi.new.key") $("$PARLEY" key age-recipient "$K/us.fbi.new.key")" "$1"
	"$PARLEY" charter sign "$1" --key "$K/us-node.key" --charter "$C" 2>/dev/null
	"$PARLEY" charter sign "$1" --key "$K/ru-node.key" --charter "$C" 2>/dev/null
}
draft "$D/a1" 8
t_eff=$(sed -n 's/^effective: //p' "$D/a1")

# refused postings: nothing saved, nothing in the log
size0=$(log_size "$US")
grep -v '^— ' "$D/a1" | sed '/^$/d' >"$D/unsigned"
code=$(post "$D/unsigned" "$US")
[ "$code" = 422 ] && grep -q "not signed by us (its node key), ru (its node key)" "$T_DIR/resp" &&
	pass unsigned-refused-422 || fail unsigned-refused-422 "$code $(cat "$T_DIR/resp")"
draft "$D/soon" 1
code=$(post "$D/soon" "$US")
[ "$code" = 422 ] && grep -q "too soon" "$T_DIR/resp" && pass too-soon-refused-422 || fail too-soon-refused-422 "$code $(cat "$T_DIR/resp")"
printf 'parley charter v1\n' >"$D/notone"
code=$(post "$D/notone" "$US")
[ "$code" = 400 ] && pass not-an-amendment-400 || fail not-an-amendment-400 "$code $(cat "$T_DIR/resp")"
code=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -X POST "$US/amendment")
[ "$code" = 400 ] && pass empty-amendment-400 || fail empty-amendment-400 "$code"
# (the node makes amendments/ at start, empty: the sandbox fixes what it may create, src/sys/sandbox.h)
[ -z "$(ls -A "$D/us/amendments" 2>/dev/null)" ] && [ "$(log_size "$US")" = "$size0" ] && pass refused-change-nothing ||
	fail refused-change-nothing "$(ls "$D/us/amendments" 2>&1) size $(log_size "$US")"

# adopted by us, recorded in its log; the same again changes nothing
code=$(post "$D/a1" "$US")
[ "$code" = 200 ] && grep -q "amendment 1 in force from $t_eff" "$T_DIR/resp" && pass adopted-200 || fail adopted-200 "$code $(cat "$T_DIR/resp")"
cmp -s "$D/us/amendments/0001" "$D/a1" && pass saved || fail saved
[ "$(log_size "$US")" = $((size0 + 1)) ] && pass recorded-in-log || fail recorded-in-log "size $(log_size "$US") after $size0"
code=$(post "$D/a1" "$US")
[ "$code" = 200 ] && grep -q "already in force" "$T_DIR/resp" && [ "$(log_size "$US")" = $((size0 + 1)) ] &&
	pass again-changes-nothing || fail again-changes-nothing "$code $(cat "$T_DIR/resp")"
# another amendment 1 (both nodes signed it): two histories, refused
"$PARLEY" charter amend "$C" --effective "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" --out "$D/other" 2>/dev/null
replace "ack: " "ack: 12h" "$D/other"
"$PARLEY" charter sign "$D/other" --key "$K/us-node.key" --charter "$C" 2>/dev/null
"$PARLEY" charter sign "$D/other" --key "$K/ru-node.key" --charter "$C" 2>/dev/null
code=$(post "$D/other" "$US")
[ "$code" = 409 ] && grep -q "two amendments number 1" "$T_DIR/resp" && pass second-amendment-1-409 || fail second-amendment-1-409 "$code $(cat "$T_DIR/resp")"

# ru adopts it from the us log (and records it in its own)
wait_for test -f "$D/ru/amendments/0001" && cmp -s "$D/ru/amendments/0001" "$D/a1" && pass peer-adopts || fail peer-adopts "$(tail -n 3 "$D/ru.log")"
grep -q "event=amendment_adopted number=1 from=peer " "$D/ru.log" && pass peer-logs-adoption || fail peer-logs-adoption

# from its effective time: the old key refused, the new one accepted
while [ "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \< "$t_eff" ]; do sleep 0.5; done
expect client-refuses-old-key 2 "not the key of an agency" send_notice "$K/us.fbi.key"
# the node refuses it too: sealed against the founding charter (where the old key is us.fbi's), dated now
old_after() { # old_after DIR — an envelope by the old key dated now, framed for /submit into DIR/req
	"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$C" --kind notice --to ru.fsb --case us.fbi/OLD-$RANDOM \
		--body "$V/notice-minimal.json" --time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --out "$1" >/dev/null 2>&1 &&
		frame "$1/envelope" "$1/body.age" >"$1/req"
}
old_after "$D/old1"
code=$(submit "$US" "$D/old1/req")
[ "$code" = 403 ] && grep -q "us.fbi" "$T_DIR/resp" && pass node-refuses-old-key-403 || fail node-refuses-old-key-403 "$code $(cat "$T_DIR/resp")"
expect new-key-after 0 "" send_notice "$K/us.fbi.new.key"
case_new=$(sed -n 's/^sent notice from us.fbi in case \([^,]*\),.*/\1/p' "$T_OUT")
# ru mirrors it and holds it valid (its case view has it)
one_notice() { curl -sf "$1" | jq -e '[.envelopes[] | select(.kind == "notice")] | length == 1' >/dev/null; }
wait_for one_notice "$RU/case/$case_new" && pass peer-judges-new-key-valid ||
	fail peer-judges-new-key-valid "$(curl -s "$RU/case/$case_new" | head -c 300)"

# restart and reindex: the same judgement
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
start_node "$D/us" us --max-skew $SKEW || fail restart "$(tail -n 3 "$D/us.log")"
old_after "$D/old2"
code=$(submit "$US" "$D/old2/req")
[ "$code" = 403 ] && pass old-key-refused-after-restart || fail old-key-refused-after-restart "$code $(cat "$T_DIR/resp")"
curl -s "$US/case/$case_new" >"$D/view1"
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
start_node "$D/us" us --max-skew $SKEW --reindex || fail reindex "$(tail -n 3 "$D/us.log")"
curl -s "$US/case/$case_new" >"$D/view2"
jq -e '[.envelopes[] | select(.kind == "notice")] | length == 1' "$D/view1" >/dev/null && cmp -s <(grep -v as_of "$D/view1") <(grep -v as_of "$D/view2") && pass reindex-same-view || fail reindex-same-view "$(diff "$D/view1" "$D/view2" | head -5)"

# reports: two notices from us.fbi (one per key), the amendment listed as such, the old key's late one refused
sleep 2 # the last cosignatures settle
# an auditor's mirror finds the amendment in the logs and keeps it beside them
expect fetch 0 "" "$PARLEY" fetch --charter "$C" --out "$D/f"
grep -q "^amendments: 1 in force" "$T_OUT" && cmp -s "$D/f/amendments/0001" "$D/a1" && pass fetch-keeps-amendment ||
	fail fetch-keeps-amendment "$(cat "$T_OUT"; ls "$D/f")"
expect fetch-report 0 "" "$PARLEY" report "$D/f" --from "$FROM" --to "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" --kind notice --json
jq -e '[.pairs[] | select(.from == "us" and .to == "ru" and .kind == "notice")][0].sent == 2' "$T_OUT" >/dev/null &&
	pass fetch-report-counts-both-keys || fail fetch-report-counts-both-keys "$(jq -c '.pairs' "$T_OUT" 2>&1 | head -c 300)"
kill "$NODE_PID_us" "$NODE_PID_ru"; wait "$NODE_PID_us" "$NODE_PID_ru" 2>/dev/null
# the period is closed by a cosignature at or after to + 15 min, made here with the neutral witness's key (as bundle.sh does)
TO=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)
LATE=$(($(date -u -d "$TO" +%s) + 20 * 60))
for f in "$D/us/log/checkpoint" "$D/us/peers/ru/checkpoint"; do
	"$PARLEY" note cosign "$f" --key "$K/witness.key" --time "$LATE" >"$f.new" && mv "$f.new" "$f" || fail setup-late-cosign "$f"
done
expect entries 0 "" "$PARLEY" entries "$D/us"
grep -q "a charter amendment" "$T_OUT" && pass entries-list-amendment || fail entries-list-amendment "$(cat "$T_OUT")"
expect report-json 0 "" "$PARLEY" report "$D/us" --from "$FROM" --to "$TO" --kind notice --json
jq -e '[.pairs[] | select(.from == "us" and .to == "ru" and .kind == "notice")][0].sent == 2' "$T_OUT" >/dev/null &&
	pass report-counts-both-keys || fail report-counts-both-keys "$(jq -c '.pairs' "$T_OUT" 2>&1 | head -c 300)"
# a bundle carries the amendment; verified with the founding charter alone; without it, refused
expect bundle 0 "" "$PARLEY" report "$D/us" --from "$FROM" --to "$TO" --bundle "$D/b"
[ -f "$D/b/amendments/0001" ] && pass bundle-carries-amendment || fail bundle-carries-amendment "$(ls "$D/b")"
expect bundle-verifies 0 "" "$PARLEY" report verify "$D/b" --charter "$C"
rm -r "$D/b/amendments"
expect bundle-without-amendment-refused 1 "" "$PARLEY" report verify "$D/b" --charter "$C"

# RFC 3339 times everywhere (issue 16 item 3, docs/cli.md "Times"): a whole case on two
# nodes and a witness on loopback (one node logging key=value, the other JSON), then every
# command that prints something — the officers' commands in text and JSON, receipt, proof,
# note, fetch, entries, report in every rendering and its bundle, audit, charter show — and
# the node's JSON views, the services' logs: no output may carry a bare 10-digit Unix time,
# and no JSON member named like a time may be a number. The scanner is first shown planted
# Unix times, so it can fail. Then the times the commands take: RFC 3339 with an offset, a
# space, a fraction, lower case, a date, read as the same instant as the Z form.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR K=$T_DIR/ch/keys V=$ROOT/tests/data/cyber-mla/valid O=$T_DIR/out
mkdir -p "$O"
trap 'cleanup_nodes; [ -n "${KEEP:-}" ] || rm -rf "$T_DIR"' EXIT
command -v jq >/dev/null || { skip all "jq is not installed"; exit 0; }

# unix_times FILE — prints the lines of FILE holding a bare 10-digit number from 1000000000 to 2999999999
# (a Unix time from 2001 to 2065) that is not part of a word, hash, base64 or decimal
unix_times() { grep -nP '(?<![0-9A-Za-z+/.=_-])[12][0-9]{9}(?![0-9A-Za-z_])' "$1"; }
# numeric_times FILE — for a JSON file: the paths of members named like a time whose value is a number
# (not counts named after times: the mandate report's trucks.crossed, notices.on_time)
numeric_times() {
	jq -r '[paths(numbers) as $p | select(($p | index("counts")) == null) | select(($p[-1] | tostring) |
		test("^(time|at|due|since|as_of|date|until|when|from|to|cross_by|advance_due|expires|effective|timestamp)$|_at$"; "i"))
		| ($p | map(tostring) | join("."))] | .[]' "$1" 2>/dev/null
}
# scan NAME FILE [json] — passes if FILE has no Unix time (and, as JSON, no numeric time member)
scan() {
	local name=$1 f=$2 hits
	[ -s "$f" ] || { fail "$name" "no output to scan ($f)"; return; }
	hits=$(unix_times "$f" | head -c 400)
	[ "${3:-}" = json ] && hits=$hits$(numeric_times "$f" | head -c 300)
	[ -z "$hits" ] && pass "$name" || fail "$name" "Unix seconds in the output: $hits"
}

# --- the scanner can fail ---
printf 'ack due 2026-12-06T01:15:45Z\ncosigned by ru at 1764897345\n' >"$O/planted.txt"
[ -n "$(unix_times "$O/planted.txt")" ] && pass scanner-finds-text || fail scanner-finds-text
printf '{"items":[{"due":1764897345,"index":3,"size":123456}]}\n' >"$O/planted.json"
[ "$(numeric_times "$O/planted.json")" = "items.0.due" ] && pass scanner-finds-json || fail scanner-finds-json "$(numeric_times "$O/planted.json")"
printf '{"as_of":"2026-12-05T01:00:00Z","size":17648973}\nroot FzsJ2OK/1764897345a sha 0a1764897345f port 127.0.0.1:24772\n' >"$O/clean.txt"
[ -z "$(unix_times "$O/clean.txt")" ] && pass scanner-ignores-hashes || fail scanner-ignores-hashes "$(unix_times "$O/clean.txt")"

# --- a case ---
make_channel "$D/ch" || { fail setup "make_channel"; exit 1; }
"$PARLEY" node init "$D/us" --charter "$D/ch/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$D/ch/charter" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$D/ch/charter" --key "$K/witness.key" 2>/dev/null || { fail setup init; exit 1; }
start_node "$D/us" us && start_node "$D/ru" ru --log-format json && start_witness "$D/w" --log-format json ||
	{ fail setup "services did not start"; exit 1; }
US=$(url_of us) RU=$(url_of ru)
# run NAME CMD... — runs CMD with its stdout in $O/NAME (stderr in $O/NAME.err); fails NAME if it exits non-zero
run() {
	local n=$1; shift
	"$@" >"$O/$n" 2>"$O/$n.err" </dev/null || fail "$n" "exit $?: $(head -c 300 "$O/$n.err")"
}
run send-notice "$PARLEY" send notice --key "$K/us.fbi.key" --node "$US" --to ru.gp ru.fsb --body "$V/notice-minimal.json" --wait 15
CASE=$(sed -n 's/^sent notice from us.fbi in case \([^,]*\),.*/\1/p' "$O/send-notice")
[ -n "$CASE" ] || { fail setup "no case: $(cat "$O/send-notice.err")"; exit 1; }
run send-request "$PARLEY" send request --key "$K/us.doj.key" --node "$US" --case "$CASE" --to ru.gp --body "$V/mla-request-prosecutor.json" --wait 15
run send-preservation "$PARLEY" send preservation --key "$K/us.doj.key" --node "$US" --case "$CASE" --to ru.fsb --body "$V/preservation-request.json" --wait 15
run ack "$PARLEY" ack "$CASE" --key "$K/ru.gp.key" --node "$RU" --officer "Ivan Petrov" --wait 15
run answer "$PARLEY" answer "$CASE" --key "$K/ru.gp.key" --node "$RU" --body "$V/answer-partial.json" --wait 15
run update "$PARLEY" send update --key "$K/us.doj.key" --node "$US" --case "$CASE" --ref ru/3 --summary "Item 2, please." --wait 15
run inbox "$PARLEY" inbox --key "$K/ru.fsb.key" --node "$RU"
run inbox-later "$PARLEY" inbox --key "$K/ru.fsb.key" --node "$RU" --at +25h
run inbox-json "$PARLEY" inbox --key "$K/ru.fsb.key" --node "$RU" --json
run inbox-json-later "$PARLEY" inbox --key "$K/ru.fsb.key" --node "$RU" --at +40d --json
run show "$PARLEY" show "$CASE" --key "$K/us.doj.key" --node "$US" --full
run show-later "$PARLEY" show "$CASE" --key "$K/ru.fsb.key" --node "$RU" --at +25h
run show-json "$PARLEY" show "$CASE" --key "$K/us.doj.key" --node "$US" --json
run receipt "$PARLEY" receipt "$CASE" --key "$K/us.doj.key" --node "$US" --out "$D/receipts"
run receipt-json "$PARLEY" receipt "$CASE" --key "$K/us.doj.key" --node "$US" --out "$D/receipts2" --json
run proof-verify "$PARLEY" proof verify "$D/receipts/1.tlog-proof" "$D/receipts/1.envelope" --vkey "$D/receipts/us-node.vkey" \
	--witness "$D/receipts/ru-cosigner.vkey"
curl -s "$US/checkpoint" >"$D/checkpoint"
run note-verify "$PARLEY" note verify "$D/checkpoint" --vkey "$D/receipts/us-node.vkey"
run close "$PARLEY" close "$CASE" --key "$K/us.doj.key" --node "$US" --outcome completed --reason "Done." --wait 15
run show-closed "$PARLEY" show "$CASE" --key "$K/us.doj.key" --node "$US"
ENC=$(printf %s "$CASE" | sed 's|/|%2F|g')
curl -sf "$US/case/$ENC" >"$O/node-case.json" || fail node-case "GET /case"
curl -sf "$RU/inbox/ru.gp" >"$O/node-inbox.json" || fail node-inbox "GET /inbox"
curl -sf "$US/cases" >"$O/node-cases.json" || fail node-cases "GET /cases"

# --- the auditors' commands ---
FROM=$(date -u -d '-1 day' +%F) TO=$(date -u -d '+1 day' +%F)
run fetch "$PARLEY" fetch --charter "$D/ch/charter" --out "$D/f"
run entries "$PARLEY" entries "$D/f"
run entries-json "$PARLEY" entries "$D/f" --json
run report "$PARLEY" report "$D/f" --from "$FROM" --to "$TO"
run report-json "$PARLEY" report "$D/f" --from "$FROM" --to "$TO" --json
run report-csv "$PARLEY" report "$D/f" --from "$FROM" --to "$TO" --csv
run report-html "$PARLEY" report "$D/f" --from "$FROM" --to "$TO" --html "$O/report-html-file"
[ -s "$O/report-html" ] || rm -f "$O/report-html" # it writes the file, and nothing on stdout
run report-bundle "$PARLEY" report "$D/f" --from "$FROM" --to "$TO" --bundle "$D/bundle"
"$PARLEY" report verify "$D/bundle" --charter "$D/ch/charter" >"$O/report-verify" 2>&1 # provisional: exit 1, its message scanned
run audit "$PARLEY" audit --charter "$D/ch/charter" --out "$D/audit"
run charter-show "$PARLEY" charter show "$D/ch/charter"
run charter-history "$PARLEY" charter show "$D/ch/charter" --history
run charter-verify "$PARLEY" charter verify "$D/ch/charter"
run charter-amend "$PARLEY" charter amend "$D/ch/charter" --effective "$(date -u -d '+3 days' +%F)" --reason "New URL." \
	--out "$O/charter-amend-draft"
[ -s "$O/charter-amend" ] || rm -f "$O/charter-amend" # it speaks on stderr (scanned below) and writes the draft
cleanup_nodes
cp "$D/us.log" "$O/log-us-kv" && cp "$D/ru.log" "$O/log-ru-json" && cp "$D/w.log" "$O/log-witness-json"

# the two demos (docs/demo.md): what they print, their services' logs and the JSON they write
for sc in exchange aid; do
	run "demo-$sc" "$PARLEY" demo --dir "$D/demo-$sc" --scenario "$sc" --exit
	i=0
	while IFS= read -r f; do
		i=$((i + 1))
		case $f in *.json) cp "$f" "$O/demo-$sc-json-$i" ;; *) cp "$f" "$O/demo-$sc-log-$i" ;; esac
	done < <(find "$D/demo-$sc" -name service.log -o -name '*.json' -not -path '*/keys/*' | sort)
	[ $i -ge 3 ] || fail "demo-$sc-files" "only $i logs and JSON files"
done

for f in "$O"/*; do
	n=$(basename "$f")
	case $n in planted.* | clean.txt | *.err) continue ;; esac
	case $n in *json*) scan "no-unix-time:$n" "$f" json ;; *) scan "no-unix-time:$n" "$f" ;; esac
done
for f in "$O"/*.err; do # what the commands said on stderr (warnings, progress), where not empty
	[ -s "$f" ] && scan "no-unix-time:$(basename "$f")" "$f"
done
# the JSON views carry times as RFC 3339 strings (a few members checked by name)
jq -e '.as_of | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")' "$O/show-json" >/dev/null &&
	jq -e '[.envelopes[].time | test("Z$")] | all' "$O/node-case.json" >/dev/null &&
	jq -e '[.items[] | .due | select(. != null) | test("Z$")] | all' "$O/inbox-json" >/dev/null &&
	jq -e '[.envelopes[].receipts[] | .cosigned_at | select(. != null) | test("Z$")] | all' "$O/receipt-json" >/dev/null &&
	jq -e '.period.from | test("T00:00:00Z$")' "$O/report-json" >/dev/null &&
	jq -e '[.[].time | test("Z$")] | all' "$O/entries-json" >/dev/null && pass json-times-are-strings ||
	fail json-times-are-strings

# receipt --json and the auditors' JSON agree: each envelope of us's log the receipt lists is the entry of that
# name in `entries --json` and `report --json`, with the same time, kind and sender
jq -n --slurpfile r "$O/receipt-json" --slurpfile e "$O/entries-json" --slurpfile p "$O/report-json" -e '
	($e[0] | map({key: .entry, value: .}) | from_entries) as $E |
	($p[0].envelopes | map({key: .entry, value: .}) | from_entries) as $P |
	($r[0].envelopes | length > 0) and
	([$r[0].envelopes[] | . as $x | $E[$x.entry] as $y | $P[$x.entry] as $z |
		$y != null and $z != null and $y.time == $x.time and $y.kind == $x.kind and $y.from == $x.from and
		$y.index == $x.index and $z.time == $x.time] | all)' >/dev/null && pass receipt-json-agrees-with-entries-and-report ||
	fail receipt-json-agrees-with-entries-and-report

# --- the times the commands take ---
# the same instant in other RFC 3339 forms gives the same output as the Z form
AT=$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)
AT_OFFSET=$(TZ=Asia/Tokyo date -d "$AT" --rfc-3339=seconds) # "2026-12-07 10:00:00+09:00": a space and an offset
[ "${AT_OFFSET: -6}" = "+09:00" ] || AT_OFFSET=$(date -u -d "$AT" --rfc-3339=seconds)
start_node "$D/us" us && start_node "$D/ru" ru || { fail setup "restart"; exit 1; }
"$PARLEY" inbox --key "$K/ru.fsb.key" --node "$RU" --at "$AT" --json >"$D/at-z" 2>/dev/null
"$PARLEY" inbox --key "$K/ru.fsb.key" --node "$RU" --at "$AT_OFFSET" --json >"$D/at-offset" 2>/dev/null
AT_FRAC=$(printf %s "$AT" | sed 's/Z$/.75z/; s/T/t/')
"$PARLEY" inbox --key "$K/ru.fsb.key" --node "$RU" --at "$AT_FRAC" --json >"$D/at-frac" 2>/dev/null
[ -s "$D/at-z" ] && jq -e --arg at "$AT" '.as_of == $at' "$D/at-z" >/dev/null && cmp -s "$D/at-z" "$D/at-offset" &&
	cmp -s "$D/at-z" "$D/at-frac" && pass at-any-rfc3339-form || fail at-any-rfc3339-form "$AT / $AT_OFFSET / $AT_FRAC: $(head -c 200 "$D/at-offset")"
expect at-refused-unix 2 "'$(date -u +%s)' is not a time" "$PARLEY" inbox --key "$K/ru.fsb.key" --node "$RU" --at "$(date -u +%s)"
expect at-refused-no-zone 2 "needs a zone" "$PARLEY" inbox --key "$K/ru.fsb.key" --node "$RU" --at "${AT%Z}"
cleanup_nodes
"$PARLEY" entries "$D/f" --from "$FROM" --to "$TO" --json >"$D/e-date" 2>/dev/null
"$PARLEY" entries "$D/f" --from "${FROM}T00:00:00Z" --to "$(TZ=America/New_York date -d "${TO}T00:00:00Z" --rfc-3339=seconds)" --json >"$D/e-offset" 2>/dev/null
[ "$(jq length "$D/e-date")" -ge 8 ] && cmp -s "$D/e-date" "$D/e-offset" && pass entries-from-to-offset ||
	fail entries-from-to-offset "$(jq length "$D/e-date") entries; $(head -c 200 "$D/e-offset")"
expect report-refused-bad-day 2 "that day is not in that month" "$PARLEY" report "$D/f" --from 2021-02-29 --to "$TO"
# envelope seal --time with an offset writes the UTC time line
expect seal-time-offset 0 "" "$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/ch/charter" --kind notice --to ru.gp \
	--case us.fbi/2021-0001 --body "$V/notice-minimal.json" --time "2021-07-09T18:04:05+03:00" --out "$D/sealed"
grep -qx 'time: 2021-07-09T15:04:05Z' "$D/sealed/envelope" && pass seal-time-utc || fail seal-time-utc "$(grep '^time' "$D/sealed/envelope")"
# note cosign --time: RFC 3339 or the cosignature's own Unix seconds, the same signature
"$PARLEY" note cosign "$D/checkpoint" --key "$K/witness.key" --time 2021-07-09T15:04:05Z >"$D/c1" 2>/dev/null
"$PARLEY" note cosign "$D/checkpoint" --key "$K/witness.key" --time 1625843045 >"$D/c2" 2>/dev/null
[ -s "$D/c1" ] && cmp -s "$D/c1" "$D/c2" && pass note-cosign-time-rfc3339 || fail note-cosign-time-rfc3339

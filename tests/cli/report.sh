#!/usr/bin/env bash
# `parley report` and `parley entries` over real logs: two nodes and a witness on
# loopback, three requests from us to ru (one acknowledged, one answered, one not),
# then the figures from the node's own directory and from a fetch-layout copy.
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/report_lib.sh"
report_traffic
TO=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)

R=("$PARLEY" report "$D/us")
# --- the figures of a period with known traffic ---
expect json 0 "" "${R[@]}" --from "$FROM" --to "$TO" --json
cp "$T_OUT" "$D/us.json"
pair() { jq -r --arg k "$1" '.pairs[] | select(.from=="us" and .to=="ru" and .kind=="request") | .[$k]' "$D/us.json"; }
if command -v jq >/dev/null; then
	got="$(pair sent) $(pair delivered) $(pair outstanding) $(pair acknowledged) $(pair answered) $(pair declined) $(pair overdue) $(pair late)"
	[ "$got" = "3 3 0 2 1 0 0 0" ] && pass json-figures || fail json-figures "sent delivered outstanding ack answered declined overdue late: $got"
	got=$(jq -r '[.pairs[] | select(.from=="us" and .kind=="request") | .delivery_s.median, .delivery_s.p90, .ack_s.median, .answer_s.median | type] | join(" ")' "$D/us.json")
	[ "$got" = "number number number number" ] && pass json-percentiles || fail json-percentiles "$got"
	got=$(jq -r '[.envelopes[] | select(.kind=="request") | .entry] | join(" ")' "$D/us.json")
	[ "$got" = "us/0 us/1 us/2" ] && pass json-envelopes || fail json-envelopes "$got"
	got=$(jq -r '[.logs[].complete] | join(" ")' "$D/us.json")
	[ "$got" = "false false" ] && pass json-provisional || fail json-provisional "$got"
	got=$(jq -r '.pairs[] | select(.from=="us" and .kind=="request") | .months | length' "$D/us.json")
	[ "$got" -ge 1 ] && pass json-months || fail json-months "$got"
else
	skip json-figures "jq is not installed"
fi
expect json-again 0 "" "${R[@]}" --from "$FROM" --to "$TO" --json
cmp -s "$T_OUT" "$D/us.json" && pass json-deterministic || fail json-deterministic "two runs differ"

# --- the story's question on two periods of the same logs ---
expect story-none 0 "" "${R[@]}" --to-party ru --kind request --from 2021-06-09 --to 2021-07-09
has() { if grep -qF -- "$2" "$T_OUT"; then pass "$1"; else fail "$1" "stdout lacks '$2': $(head -c 600 "$T_OUT")"; fi; }
has story-none-count "matching envelopes: none"
has story-none-proof "us's log seen at size"
expect story-three 0 "" "${R[@]}" --to-party ru --kind request --from "$FROM" --to "$TO"
has story-three-count "matching envelopes: 3"
has story-three-entry "us/2 "
has story-three-provisional "ru's log: no closing checkpoint yet"

# --- a fetch-layout copy gives the same bytes ---
F=$D/fetch
mkdir -p "$F/logs"
cp "$D/ch/charter" "$F/charter"
cp -r "$D/us/log" "$F/logs/us" && cp -r "$D/us/cosigned" "$F/logs/us.checkpoints"
cp -r "$D/us/peers/ru" "$F/logs/ru" && cp -r "$D/us/peers/ru.checkpoints" "$F/logs/ru.checkpoints"
hex=$(printf '%s' "ru.parley.example/log" | sha256sum | cut -c1-64)
origin=$(sed -n 1p "$D/ru/log/checkpoint")
hex=$(printf '%s' "$origin" | sha256sum | cut -c1-64)
cp "$D/us/witness/history/$hex"/* "$F/logs/ru.checkpoints/" 2>/dev/null
expect fetch-json 0 "" "$PARLEY" report "$F" --from "$FROM" --to "$TO" --json
cmp -s "$T_OUT" "$D/us.json" && pass fetch-same-bytes || fail fetch-same-bytes "$(diff "$T_OUT" "$D/us.json" | head -20)"

# --- the JSON against the published schema (docs/schemas/report/report.json), with ajv ---
"$PARLEY" report "$D/us" --from 2021-06-09 --to 2021-07-09 --json >"$D/none.json"
"$PARLEY" report "$D/us" --from "$FROM" --to "$TO" --json --to-party ru --kind request >"$D/filtered.json"
if ! ajv_setup; then
	skip report-schema "$AJV_WHY"
else
	node "$AJV" --schemas "$ROOT/docs/schemas/report" --entry https://parley.invalid/schemas/report/report.json \
		"$D/us.json" "$D/none.json" "$D/filtered.json" >"$D/ajv.txt" 2>"$D/ajv.err"
	if [ "$(grep -c '^valid ' "$D/ajv.txt")" = 3 ]; then pass report-schema; else fail report-schema "$(cat "$D/ajv.txt" "$D/ajv.err" | head -c 600)"; fi
	# the schema is not a rubber stamp: a figure of the wrong type is refused
	jq '.pairs[0].sent = "3"' "$D/us.json" >"$D/wrong.json" 2>/dev/null &&
		node "$AJV" --schemas "$ROOT/docs/schemas/report" --entry https://parley.invalid/schemas/report/report.json "$D/wrong.json" >"$D/ajv2.txt" 2>&1
	grep -q '^invalid ' "$D/ajv2.txt" && pass report-schema-refuses || fail report-schema-refuses "$(head -c 300 "$D/ajv2.txt")"
fi

# --- CSV and HTML ---
expect csv 0 "" "${R[@]}" --from "$FROM" --to "$TO" --csv
has csv-header "from,to,kind,sent,delivered"
has csv-row "us,ru,request,3,3,0,2,1,0,0,0,"
expect html-ar 0 "" "${R[@]}" --from "$FROM" --to "$TO" --html "$D/r.html" --lang ar
grep -q 'dir="rtl"' "$D/r.html" && grep -q 'lang="ar"' "$D/r.html" && pass html-rtl || fail html-rtl "no dir=rtl"
grep -qiE 'https?://' "$D/r.html" && fail html-offline "an URL: $(grep -oiE 'https?://[^"]*' "$D/r.html" | head -1)" || pass html-offline
if python3 -c 'import sys, html.parser
class P(html.parser.HTMLParser):
    def __init__(s): super().__init__(); s.stack=[]
    def handle_starttag(s, t, a):
        if t not in ("meta", "rect"): s.stack.append(t)
    def handle_endtag(s, t):
        if t == "rect": return
        if not s.stack or s.stack.pop() != t: sys.exit("bad nesting at </%s>" % t)
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); p.close()
sys.exit("unclosed: %s" % p.stack if p.stack else 0)' "$D/r.html"; then pass html-parses; else fail html-parses "see above"; fi
expect html-ru 0 "" "${R[@]}" --from "$FROM" --to "$TO" --html "$D/r-ru.html" --lang ru
grep -q "Отправлено" "$D/r-ru.html" && pass html-ru-labels || fail html-ru-labels "no Russian label"

# --- entries ---
expect entries 0 "" "$PARLEY" entries "$D/us"
has entries-header "ENTRY"
has entries-us0 "us/0"
expect entries-kind 0 "" "$PARLEY" entries "$D/us" --kind ack --party ru
n=$(grep -c '^ru/' "$T_OUT"); [ "$n" = 1 ] && pass entries-filter-kind || fail entries-filter-kind "$n rows"
expect entries-case 0 "" "$PARLEY" entries "$D/us" --case "${cases[1]}" --json
if command -v jq >/dev/null; then
	got=$(jq -r '[.[] | .kind] | sort | join(" ")' "$T_OUT")
	case $got in *answer*request*) pass entries-filter-case ;; *) fail entries-filter-case "$got" ;; esac
fi
expect entries-agency 0 "" "$PARLEY" entries "$D/us" --to-agency ru.fsb
has entries-agency-none "(no entries)"
expect entries-bad-party 2 "not a party" "$PARLEY" entries "$D/us" --party xx

# --- what does not verify is refused with exit 1 ---
k=$(ls "$D/us/cosigned" | sort -n | tail -1)
cp -r "$D/us" "$D/bad"
# a byte of the last cosignature's signature changed (its key name and key ID kept)
python3 -c 'import sys
p = sys.argv[1]; t = open(p).read().split("\n"); l = t[-2]; i = l.rindex(" ") + 40
t[-2] = l[:i] + ("A" if l[i] != "A" else "B") + l[i + 1:]; open(p, "w").write("\n".join(t))' "$D/bad/cosigned/$k"
expect bad-cosignature 1 "does not verify" "$PARLEY" report "$D/bad" --from "$FROM" --to "$TO"
rm -rf "$D/bad"; cp -r "$D/us" "$D/bad"
n=$(sed -n 2p "$D/bad/log/checkpoint")
printf 'X' | dd of="$D/bad/log/tile/entries/000.p/$n" bs=1 seek=40 conv=notrunc 2>/dev/null
expect bad-entry 1 "do not hash" "$PARLEY" report "$D/bad" --from "$FROM" --to "$TO"
expect usage-time 2 "is not a time" "${R[@]}" --from yesterday --to "$TO"
expect usage-missing 2 "" "$PARLEY" report "$D/nothing" --from "$FROM" --to "$TO"

# Two nodes and a neutral witness on loopback: the submission path, every hostile
# input refused with its status and nothing appended, delivery and receipts, a
# recipient offline that catches up, kill -9 mid-batch, a forked log shown to the
# witness, and a rebuilt index giving the same views.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us) RU=$(url_of ru) WIT=$(url_of witness)
seal() { # seal NAME KEY KIND BODY CASE TO... — DIR $D/NAME
	local name=$1 key=$2 kind=$3 body=$4 kase=$5; shift 5
	"$PARLEY" envelope seal --key "$K/$key.key" --charter "$D/charter" --kind "$kind" --to "$@" \
		--case "$kase" --body "$V/$body" --out "$D/$name" >/dev/null
}
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$D/charter" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/wit" --charter "$D/charter" --key "$K/witness.key" || { fail setup "init"; exit 1; }
start_node "$D/us" us --http-timeout 2 && start_node "$D/ru" ru --http-timeout 2 && start_witness "$D/wit" ||
	{ fail setup "nodes did not start: $(tail -n 3 "$D"/*.log)"; exit 1; }
US_VKEY=$("$PARLEY" key vkey "$K/us-node.key")
RU_COSIGNER=$("$PARLEY" key vkey "$K/ru-node.key" --cosigner)

# ---- the submission path ----
seal e1 us.fbi request mla-request-prosecutor.json us.fbi/2021-0007 ru.gp ru.fsb
frame "$D/e1/envelope" "$D/e1/body.age" >"$D/e1.req"
code=$(submit "$US" "$D/e1.req")
[ "$code" = 200 ] && pass submit-accepted || fail submit-accepted "HTTP $code: $(cat "$T_DIR/resp")"
cp "$T_DIR/resp" "$D/e1.proof"
expect submit-answers-a-proof 0 "" "$PARLEY" proof verify "$D/e1.proof" "$D/e1/envelope" --vkey "$US_VKEY"
b1=$(sed -n 's/^body: \([0-9a-f]*\) .*/\1/p' "$D/e1/envelope")
wait_for sh -c "curl -sf '$RU/body/$b1' | cmp -s - '$D/e1/body.age'" && pass recipient-fetched-body ||
	fail recipient-fetched-body "$(curl -s "$RU/body/$b1" | head -c 200)"
wait_for sh -c "[ \"\$(curl -s $RU/checkpoint | sed -n 2p)\" -ge 1 ]" && pass recipient-recorded-received ||
	fail recipient-recorded-received
wait_for curl -sf "$US/proof/us/0?cosigned-by=ru.parley.example/log" -o "$D/e1.receipt" &&
	pass receipt-available || fail receipt-available "$(curl -s "$US/proof/us/0?cosigned-by=ru.parley.example/log")"
expect receipt-verifies-with-recipient-cosignature 0 "" \
	"$PARLEY" proof verify "$D/e1.receipt" "$D/e1/envelope" --vkey "$US_VKEY" --witness "$RU_COSIGNER" &&
	{ grep -q "cosigned by ru.parley.example/log" "$T_OUT" && pass receipt-names-the-cosigner || fail receipt-names-the-cosigner; }
curl -s "$US/case/us.fbi/2021-0007" | grep -q '"state": "delivered"' && pass case-shows-delivered ||
	fail case-shows-delivered "$(curl -s "$US/case/us.fbi/2021-0007" | head -c 600)"

# ---- hostile input: each refused with its status, nothing appended ----
size0=$(log_size "$US")
refused() { # refused NAME WANT-STATUS MESSAGE REQUEST-FILE [content type]
	local code
	code=$(submit "$US" "$4" "${5:-}")
	if [ "$code" != "$2" ]; then fail "$1" "HTTP $code, expected $2: $(head -c 300 "$T_DIR/resp")"; return; fi
	if [ -n "$3" ] && ! grep -qF -- "$3" "$T_DIR/resp"; then fail "$1" "reason lacks '$3': $(cat "$T_DIR/resp")"; return; fi
	if [ "$(log_size "$US")" != "$size0" ]; then fail "$1" "the log grew"; return; fi
	pass "$1"
}
refused replay 409 "replay" "$D/e1.req"
# forged: one character of the signature changed (past the key ID)
sed '$ s/\(— us.fbi .\{20\}\)./\1A/' "$D/e1/envelope" >"$D/forged"
cmp -s "$D/forged" "$D/e1/envelope" && sed -i '$ s/\(— us.fbi .\{20\}\)./\1B/' "$D/forged"
frame "$D/forged" "$D/e1/body.age" >"$D/r"
refused forged-signature 403 "does not verify" "$D/r"
# an agency signing as another: us.fbi's envelope text signed by us.doj
seal e2 us.fbi notice notice-minimal.json us.fbi/2021-0008 ru.gp
"$PARLEY" note sign "$D/e2/envelope" --key "$K/us.doj.key" >"$D/as-another"
frame "$D/as-another" "$D/e2/body.age" >"$D/r"
refused agency-signing-as-another 403 "not the key of us.fbi" "$D/r"
# an agency of the other party submitting to this node
seal e3 ru.gp notice notice-minimal.json ru.gp/2021-0001 us.fbi
frame "$D/e3/envelope" "$D/e3/body.age" >"$D/r"
refused other-partys-agency 403 "not an agency of party us" "$D/r"
# another channel (a second charter with its own keys)
mkdir -p "$D/other" && make_channel "$D/other" >/dev/null 2>&1
"$PARLEY" envelope seal --key "$D/other/keys/us.fbi.key" --charter "$D/other/charter" --kind notice --to ru.gp \
	--case us.fbi/2021-0009 --body "$V/notice-minimal.json" --out "$D/e4" >/dev/null
frame "$D/e4/envelope" "$D/e4/body.age" >"$D/r"
refused other-channel 403 "belongs to channel" "$D/r"
# unknown agency: the other channel's key, but this channel's id (a stranger signing)
"$PARLEY" note sign "$D/e2/envelope" --key "$D/other/keys/us.fbi.key" >"$D/stranger"
frame "$D/stranger" "$D/e2/body.age" >"$D/r"
refused stranger-key 403 "us.fbi" "$D/r"
# body hash mismatch: the right size, other bytes
head -c "$(stat -c %s "$D/e2/body.age")" /dev/urandom >"$D/otherbody"
frame "$D/e2/envelope" "$D/otherbody" >"$D/r"
refused body-hash-mismatch 422 "SHA-256" "$D/r"
frame "$D/e2/envelope" >"$D/r"
refused body-missing 422 "no body was sent" "$D/r"
printf 'parley-submit v1 70000 0\n' >"$D/r"; head -c 70000 /dev/zero >>"$D/r"
refused oversize-envelope 413 "over the limit" "$D/r"
printf 'parley-submit v1 100 70000000\n' >"$D/r"
refused oversize-body 413 "over the limit" "$D/r"
{ printf 'parley-submit v1 12 0\n'; printf 'not a note\n\n'; } >"$D/r"
refused malformed-note 400 "envelope" "$D/r"
printf 'garbage\n' >"$D/r"
refused malformed-framing 400 "parley-submit v1" "$D/r"
refused wrong-content-type 415 "content type" "$D/e1.req" "application/json"
printf '\xff\xfe' | cat - "$D/e2/envelope" >"$D/nonutf8"
frame "$D/nonutf8" "$D/e2/body.age" >"$D/r"
refused non-utf8 400 "UTF-8" "$D/r"
"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind notice --to ru.gp --case us.fbi/2021-0010 \
	--body "$V/notice-minimal.json" --time 2021-07-09T15:04:05Z --out "$D/old" >/dev/null
frame "$D/old/envelope" "$D/old/body.age" >"$D/r"
refused stale-time 400 "off the node's clock" "$D/r"
# a statement keeps the time it was proposed at: accepted days later (while its co-signers sign), not months
statement_at() { # statement_at NAME RFC3339 — a statement from us.doj to ru.gp, co-signed, framed into $D/r
	"$PARLEY" envelope seal --key "$K/us.doj.key" --charter "$D/charter" --kind statement --to ru.gp \
		--case us.fbi/2021-0007 --body "$V/statement-consultation-round.json" --time "$2" --out "$D/$1" >/dev/null &&
		"$PARLEY" envelope cosign "$D/$1/envelope" --key "$K/ru.gp.key" >/dev/null &&
		frame "$D/$1/envelope" "$D/$1/body.age" >"$D/r"
}
statement_at st-old "$(date -u -d '-31 days' +%Y-%m-%dT%H:%M:%SZ)"
refused statement-older-than-30-days 400 "within 30 days of being proposed" "$D/r"
statement_at st-future "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"
refused statement-from-the-future 400 "off the node's clock" "$D/r"
statement_at st-late "$(date -u -d '-3 days' +%Y-%m-%dT%H:%M:%SZ)"
code=$(submit "$US" "$D/r")
[ "$code" = 200 ] && pass statement-published-days-after-proposal ||
	fail statement-published-days-after-proposal "HTTP $code: $(head -c 300 "$T_DIR/resp")"
size0=$(log_size "$US")
# re-shaped copies of accepted envelopes (issue 13, hole 2): the same signed text with other
# signature lines is the same envelope, refused, and the log does not grow
{ cat "$D/e1/envelope"; tail -n 1 "$D/e1/envelope"; } >"$D/dup-sig"
frame "$D/dup-sig" "$D/e1/body.age" >"$D/r"
refused reshaped-duplicate-signature-line 400 "signature line 2 repeats us.fbi" "$D/r"
{ sed '/^$/q' "$D/st-late/envelope"; tail -n 1 "$D/st-late/envelope"; sed '/^$/,$!d' "$D/st-late/envelope" | sed -n 2p; } >"$D/st-swapped"
frame "$D/st-swapped" "$D/st-late/body.age" >"$D/r"
cmp -s "$D/st-swapped" "$D/st-late/envelope" && fail reshaped-statement-signatures-swapped "the swap changed nothing" ||
	refused reshaped-statement-signatures-swapped 400 "signature line 2 (us.doj) is out of order" "$D/r"
frame "$D/st-late/envelope" "$D/st-late/body.age" >"$D/r"
refused statement-published-twice 409 "replay" "$D/r"
# case namespaces (hole 11): a case id names the agency that opens it
seal ns1 us.fbi request mla-request-prosecutor.json ru.gp/2021-0001 ru.gp
frame "$D/ns1/envelope" "$D/ns1/body.age" >"$D/r"
refused case-under-another-agencys-id 403 "us.fbi is not a party to case ru.gp/2021-0001" "$D/r"
seal ns2 us.doj notice notice-minimal.json us.fbi/2021-0100 ru.gp
frame "$D/ns2/envelope" "$D/ns2/body.age" >"$D/r"
refused case-not-opened-by-its-agency 409 "case us.fbi/2021-0100 is not open" "$D/r"
refused_ru() { # refused_ru NAME WANT-STATUS MESSAGE REQUEST-FILE — the same, at the ru node
	local code before
	before=$(log_size "$RU")
	code=$(submit "$RU" "$4")
	if [ "$code" != "$2" ]; then fail "$1" "HTTP $code, expected $2: $(head -c 300 "$T_DIR/resp")"; return; fi
	if ! grep -qF -- "$3" "$T_DIR/resp"; then fail "$1" "reason lacks '$3': $(cat "$T_DIR/resp")"; return; fi
	if [ "$(log_size "$RU")" != "$before" ]; then fail "$1" "the log grew"; return; fi
	pass "$1"
}
ref1=$("$PARLEY" envelope ref "$D/e1/envelope" --origin us.parley.example/log --index 0)
"$PARLEY" envelope seal --key "$K/ru.gp.key" --charter "$D/charter" --kind close --to us.fbi --case us.fbi/2021-0007 \
	--ref "$ref1" --body "$V/close.json" --out "$D/ns3" >/dev/null
frame "$D/ns3/envelope" "$D/ns3/body.age" >"$D/r"
refused_ru other-party-cannot-close-the-case 403 "ru.gp cannot close case us.fbi/2021-0007" "$D/r"
"$PARLEY" envelope seal --key "$K/ru.gp.key" --charter "$D/charter" --kind notice --to us.fbi --case us.fbi/2021-0007 \
	--body "$V/notice-minimal.json" --out "$D/ns4" >/dev/null
frame "$D/ns4/envelope" "$D/ns4/body.age" >"$D/r"
refused_ru other-party-writes-only-by-ref 403 "ru.gp is not a party to case us.fbi/2021-0007" "$D/r"
"$PARLEY" envelope seal --key "$K/ru.gp.key" --charter "$D/charter" --kind ack --to us.fbi --case us.fbi/2021-0007 \
	--ref "$ref1" --out "$D/ns5" >/dev/null
frame "$D/ns5/envelope" >"$D/r"
code=$(submit "$RU" "$D/r")
[ "$code" = 200 ] && pass recipient-acts-in-the-case-by-ref || fail recipient-acts-in-the-case-by-ref "HTTP $code: $(head -c 300 "$T_DIR/resp")"
# the us node records a 'received' for that ack: wait for it before the next checks count the us log
wait_for sh -c "[ \"\$(curl -s $US/checkpoint | sed -n 2p)\" -gt $size0 ]"
size0=$(log_size "$US")

# truncated and slow bodies, idle connections: the node drops them and stays healthy
exec 7<>/dev/tcp/127.0.0.1/$((PORT_BASE + 1))
printf 'POST /submit HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-parley-submit\r\nContent-Length: 5000\r\n\r\nparley-submit v1' >&7
exec 7>&-
exec 8<>/dev/tcp/127.0.0.1/$((PORT_BASE + 1))
printf 'POST /submit HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-parley-submit\r\nContent-Length: 5000\r\n\r\nparley' >&8
sleep 3 # past the node's 2 s timeout
if IFS= read -r -t 1 line <&8; then :; fi
printf 'more' >&8 2>/dev/null
exec 8>&-
[ "$(log_size "$US")" = "$size0" ] && curl -sf "$US/healthz" >/dev/null && pass truncated-and-slow-bodies ||
	fail truncated-and-slow-bodies
fds=()
for i in $(seq 600); do { exec {fd}<>/dev/tcp/127.0.0.1/$((PORT_BASE + 1)); } 2>/dev/null && fds+=("$fd"); done
# no thread per connection: with them all open the node still answers at once
[ "${#fds[@]}" -ge 500 ] && curl -sf -m 2 "$US/healthz" >/dev/null && pass answers-beside-idle-connections ||
	fail answers-beside-idle-connections "${#fds[@]} connections open"
sleep 3 # idle past the timeout: the node closes them
for fd in "${fds[@]}"; do exec {fd}>&-; done
wait_for curl -sf "$US/healthz" && kill -0 "$NODE_PID_us" && pass many-idle-connections || fail many-idle-connections

# ---- a recipient node offline: published, receipt outstanding; it catches up on return ----
kill -9 "$NODE_PID_ru"
seal e5 us.fbi request mla-request-prosecutor.json us.fbi/2021-0011 ru.gp
frame "$D/e5/envelope" "$D/e5/body.age" >"$D/r"
code=$(submit "$US" "$D/r")
idx5=$(sed -n 2p "$T_DIR/resp" | cut -d' ' -f2)
[ "$code" = 200 ] && pass published-while-recipient-offline || fail published-while-recipient-offline "HTTP $code"
curl -s "$US/case/us.fbi/2021-0011" | grep -q '"state": "outstanding"' && pass receipt-outstanding ||
	fail receipt-outstanding "$(curl -s "$US/case/us.fbi/2021-0011" | grep -A3 delivery)"
start_node "$D/ru" ru --http-timeout 2
wait_for sh -c "curl -s $US/case/us.fbi/2021-0011 | grep -q '\"state\": \"delivered\"'" && pass offline-recipient-catches-up ||
	fail offline-recipient-catches-up "$(tail -n 5 "$D/ru.log")"
b5=$(sed -n 's/^body: \([0-9a-f]*\) .*/\1/p' "$D/e5/envelope")
wait_for sh -c "curl -sf '$RU/body/$b5' | cmp -s - '$D/e5/body.age'" && pass caught-up-body ||
	fail caught-up-body
# POST /bodies, the batch a catching-up peer fetches: 4-byte length + body per hash asked, in order
hexbin() { printf "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }
bodies() { # bodies FILE [CONTENT-TYPE] — POSTs FILE to $US/bodies; prints the status, answer in $D/bodies.out
	curl -s -o "$D/bodies.out" -w '%{http_code}' -H "Content-Type: ${2:-application/octet-stream}" \
		--data-binary @"$1" "$US/bodies"
}
{ hexbin "$b5"; hexbin "$b5"; } >"$D/two.req"
size5=$(stat -c %s "$D/e5/body.age")
code=$(bodies "$D/two.req")
{ head -c 4 "$D/bodies.out" | od -An -tu1 | tr -s ' ' | sed 's/^ //;s/ $//' >"$D/len1"
  tail -c +5 "$D/bodies.out" | head -c "$size5" >"$D/b1"
  tail -c +$((5 + size5 + 4)) "$D/bodies.out" >"$D/b2"; }
exp_len="$((size5 >> 24 & 255)) $((size5 >> 16 & 255)) $((size5 >> 8 & 255)) $((size5 & 255))"
[ "$code" = 200 ] && [ "$(cat "$D/len1")" = "$exp_len" ] && cmp -s "$D/b1" "$D/e5/body.age" &&
	cmp -s "$D/b2" "$D/e5/body.age" && [ "$(stat -c %s "$D/bodies.out")" = $((2 * (size5 + 4))) ] &&
	pass bodies-batch || fail bodies-batch "HTTP $code, $(stat -c %s "$D/bodies.out") bytes"
bodies_refused() { # NAME STATUS TEXT FILE [CONTENT-TYPE]
	local code
	code=$(bodies "$4" "${5:-}")
	[ "$code" = "$2" ] && grep -q "$3" "$D/bodies.out" && pass "$1" || fail "$1" "HTTP $code: $(head -c 200 "$D/bodies.out")"
}
: >"$D/empty.req"
bodies_refused bodies-empty 400 "no body hashes" "$D/empty.req"
head -c 33 /dev/zero >"$D/odd.req"
bodies_refused bodies-not-whole-hashes 400 "whole number" "$D/odd.req"
head -c $((257 * 32)) /dev/zero >"$D/many.req"
bodies_refused bodies-too-many 413 "" "$D/many.req"
{ hexbin "$b5"; head -c 32 /dev/zero; } >"$D/unknown.req"
bodies_refused bodies-unknown 404 "no body 0000" "$D/unknown.req"
bodies_refused bodies-wrong-content-type 415 "content type" "$D/two.req" "application/json"

# ---- kill -9 mid-batch: every acknowledged submission survives, with its body ----
for i in $(seq 40); do seal "k$i" us.doj notice notice-minimal.json "us.doj/k-$i" ru.fsb; frame "$D/k$i/envelope" "$D/k$i/body.age" >"$D/k$i.req"; done
subs=()
for i in $(seq 40); do
	curl -s -o "$D/k$i.resp" -w '%{http_code}' -H "Content-Type: application/x-parley-submit" \
		--data-binary @"$D/k$i.req" "$US/submit" >"$D/k$i.code" 2>/dev/null &
	subs+=($!)
done
sleep 0.03 # while submissions are still arriving and batches committing
kill -9 "$NODE_PID_us"
wait "${subs[@]}" 2>/dev/null
start_node "$D/us" us --http-timeout 2
acked=0 lost=0
for i in $(seq 40); do
	[ "$(cat "$D/k$i.code" 2>/dev/null)" = 200 ] || continue
	acked=$((acked + 1))
	idx=$(sed -n 2p "$D/k$i.resp" | cut -d' ' -f2)
	hex=$(sed -n 's/^body: \([0-9a-f]*\) .*/\1/p' "$D/k$i/envelope")
	curl -sf "$US/proof/us/$idx" -o "$D/k$i.now" && "$PARLEY" proof verify "$D/k$i.now" "$D/k$i/envelope" --vkey "$US_VKEY" >/dev/null &&
		curl -sf "$US/body/$hex" | cmp -s - "$D/k$i/body.age" || lost=$((lost + 1))
done
echo "  kill -9: $acked of 40 submissions were acknowledged before it" >&2
[ "$lost" = 0 ] && pass kill-9-mid-batch-keeps-acknowledged || fail kill-9-mid-batch-keeps-acknowledged "$lost of $acked lost"
expect log-verifies-after-kill 0 "" "$PARLEY" log verify "$D/us/log" --vkey "$US_VKEY"

# add-checkpoint with an old size the witness did not cosign, and with a bad consistency proof:
# stop the us node, grow its log by hand, and show the witness the new checkpoint.
kill "$NODE_PID_us"; sleep 0.5
printf 'old 0\n\n' >"$D/ac" && sed '/^— ru\|^— un/d' "$D/us/log/checkpoint" >>"$D/ac"
code=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' --data-binary @"$D/ac" "$WIT/add-checkpoint")
wsz=$(cat "$T_DIR/resp")
[ "$code" = 409 ] && [ "$wsz" -ge 1 ] && pass add-checkpoint-old-size-409 || fail add-checkpoint-old-size-409 "HTTP $code $wsz"
seq 3 | "$PARLEY" log append "$D/us/log" --key "$K/us-node.key" >/dev/null
{ printf 'old %s\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n' "$wsz"; cat "$D/us/log/checkpoint"; } >"$D/ac"
code=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' --data-binary @"$D/ac" "$WIT/add-checkpoint")
[ "$code" = 422 ] && pass add-checkpoint-bad-proof-422 || fail add-checkpoint-bad-proof-422 "HTTP $code $(cat "$T_DIR/resp")"
# a consistency proof is signed by nobody: failing, it is no evidence against the log, and nothing is kept
[ -z "$(ls "$D/wit/state/conflicts")" ] && pass bad-proof-is-not-evidence ||
	fail bad-proof-is-not-evidence "conflicts: $(ls -R "$D/wit/state/conflicts")"
{ printf 'old %s\n' "$((wsz - 1))"; "$PARLEY" log consistency "$D/us/log" "$((wsz - 1))"; printf '\n'; cat "$D/us/log/checkpoint"; } >"$D/ac"
code=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' --data-binary @"$D/ac" "$WIT/add-checkpoint")
[ "$code" = 409 ] && [ "$(cat "$T_DIR/resp")" = "$wsz" ] && pass add-checkpoint-stale-old-size-409 ||
	fail add-checkpoint-stale-old-size-409 "HTTP $code $(cat "$T_DIR/resp")"
start_node "$D/us" us --http-timeout 2

# ---- the witness shown a fork of the us log ----
# The us log's own history (the witness names it by SHA-256 of the origin; the ru log's is beside
# it). The us node runs and may have its checkpoint cosigned again meanwhile: a 409 naming a size
# other than the one shown as old is that race, and the fork is built again at the new size.
hist=$D/wit/state/history/$(printf '%s' us.parley.example/log | sha256sum | cut -c1-64)
wait_for sh -c "ls $hist | grep -q ."
mkdir -p "$D/fork" && cp "$K/us-node.key" "$D/fork/k" && chmod 600 "$D/fork/k"
for _ in 1 2 3 4 5; do
	wsize=$(ls "$hist" | sort -n | tail -n 1)
	rm -rf "$D/fork/log"
	"$PARLEY" log init "$D/fork/log" --key "$D/fork/k"
	seq 1 "$wsize" | "$PARLEY" log append "$D/fork/log" --key "$D/fork/k" >/dev/null
	{ printf 'old %s\n\n' "$wsize"; cat "$D/fork/log/checkpoint"; } >"$D/fork/ac"
	code=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' --data-binary @"$D/fork/ac" "$WIT/add-checkpoint")
	[ "$code" = 409 ] && [ "$(cat "$T_DIR/resp")" != "$wsize" ] && [ -z "$(ls "$D/wit/state/conflicts")" ] || break
done
[ "$code" = 409 ] && [ -n "$(ls "$D/wit/state/conflicts")" ] && pass witness-keeps-fork-evidence ||
	fail witness-keeps-fork-evidence "HTTP $code $(cat "$T_DIR/resp"); conflicts: $(ls "$D/wit/state/conflicts")"
# the evidence: two checkpoints the log signed, each a note the project's verifier accepts
ev=$(ls -d "$D"/wit/state/conflicts/*/*/ 2>/dev/null | head -n 1)
[ -n "$ev" ] && "$PARLEY" note verify "$ev/recorded" --vkey "$US_VKEY" >/dev/null 2>&1 &&
	"$PARLEY" note verify "$ev/shown" --vkey "$US_VKEY" >/dev/null 2>&1 &&
	[ "$(sed -n 2p "$ev/recorded")" = "$(sed -n 2p "$ev/shown")" ] && ! cmp -s "$ev/recorded" "$ev/shown" &&
	pass fork-evidence-verifies || fail fork-evidence-verifies "$(ls -R "$D/wit/state/conflicts")"

# ---- the index rebuilt from the logs gives the same views ----
at=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
# quiescent first: the current checkpoint carries both cosignatures
wait_for sh -c "[ \$(curl -s $US/checkpoint | grep -c '^— ') -ge 3 ]"
sleep 1
curl -s "$US/case/us.fbi/2021-0007?at=$at" >"$D/view1"
kill "$NODE_PID_us"; sleep 0.5
start_node "$D/us" us --http-timeout 2 --reindex
curl -s "$US/case/us.fbi/2021-0007?at=$at" >"$D/view2"
cmp -s "$D/view1" "$D/view2" && [ -s "$D/view1" ] && pass reindex-same-view || fail reindex-same-view "$(diff "$D/view1" "$D/view2" | head)"

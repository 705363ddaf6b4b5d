# parley envelope seal|verify|open|cosign|ref end to end on a test channel: every kind,
# evidence, urgency and handling marks, opening with parley and with Debian's age, and
# every refusal with its exit code and message (a refused seal writes nothing).
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
make_channel "$D/other" || { fail setup "could not build the second channel"; exit 1; }
K=$D/keys V=$ROOT/tests/data/cyber-mla/valid I=$ROOT/tests/data/cyber-mla/invalid S=$ROOT/tests/data/stix
CH=$D/charter
T0=2021-08-02T09:30:00Z

# seal NAME CODE MESSAGE KEY ARGS... — parley envelope seal into $D/NAME; a refused
# seal (CODE != 0) must leave no $D/NAME behind.
seal() {
	local name=$1 code=$2 msg=$3 key=$4
	shift 4
	expect "seal-$name" "$code" "$msg" "$PARLEY" envelope seal --key "$K/$key.key" --charter "$CH" --time "$T0" \
		--out "$D/$name" "$@" || return 1
	if [ "$code" -ne 0 ]; then
		[ ! -e "$D/$name" ] && pass "seal-$name-writes-nothing" || fail "seal-$name-writes-nothing" "$(ls "$D/$name")"
	fi
}
# verify NAME CODE MESSAGE FILE [ARGS...] — parley envelope verify FILE against the channel.
verify() {
	local name=$1 code=$2 msg=$3 file=$4
	shift 4
	expect "verify-$name" "$code" "$msg" "$PARLEY" envelope verify "$file" --charter "$CH" "$@"
}
# has_line NAME FILE LINE — FILE holds exactly that line.
has_line() { grep -qxF -- "$3" "$2" && pass "$1" || fail "$1" "no line '$3' in $2"; }

# ---- every kind, sealed and verified ----
seal request 0 "" us.fbi --kind request --to ru.gp ru.fsb --case us.fbi/2021-0007 \
	--body "$V/mla-request-prosecutor.json" --handling "TLP:AMBER H2"
grep -q "sealed request from us.fbi in case us.fbi/2021-0007" "$T_OUT" && pass seal-request-says-what || fail seal-request-says-what
verify request 0 "" "$D/request/envelope" --body "$D/request/body.age"
grep -qF "envelope ok: request from us.fbi to ru.gp ru.fsb, case us.fbi/2021-0007, body matches" "$T_OUT" &&
	pass verify-request-says-what || fail verify-request-says-what "$(cat "$T_OUT")"
has_line handling-line "$D/request/envelope" "handling: TLP:AMBER H2"
has_line time-line "$D/request/envelope" "time: $T0"
has_line to-line "$D/request/envelope" "to: ru.gp ru.fsb"
has_line channel-line "$D/request/envelope" "channel: $("$PARLEY" charter id "$CH")"
body_line="body: $(sha256sum "$D/request/body.age" | cut -d' ' -f1) $(stat -c %s "$D/request/body.age")"
has_line body-line-is-hash-and-size "$D/request/envelope" "$body_line"
# urgency is the body's: its urgency.urgent makes the envelope urgent without a flag; a flag the body contradicts is refused
has_line urgent-from-body "$D/request/envelope" "priority: urgent"
jq '.urgency = {"urgent": false}' "$V/mla-request-prosecutor.json" >"$D/not-urgent.json"
seal not-urgent 0 "" us.fbi --kind request --to ru.gp --case us.fbi/2021-0010 --body "$D/not-urgent.json"
! grep -q '^priority:' "$D/not-urgent/envelope" && pass not-urgent-no-priority || fail not-urgent-no-priority
seal urgent-flag-contradicts-body 2 "urgent was asked for, but the body does not say so (urgency.urgent is false)" us.fbi \
	--kind request --to ru.gp --case us.fbi/2021-0011 --body "$D/not-urgent.json" --urgent

seal preservation 0 "" us.fbi --kind request --to ru.gp --case us.fbi/2021-0008 \
	--body "$V/preservation-request.json" --urgent
has_line urgent-line "$D/preservation/envelope" "priority: urgent"
verify preservation 0 "" "$D/preservation/envelope" --body "$D/preservation/body.age"

# The ref of the request, by the command and recomputed: SHA-256(0x00 || envelope), base64.
expect ref 0 "" "$PARLEY" envelope ref "$D/request/envelope" --origin us.parley.example/log --index 41
REF=$(cat "$T_OUT")
want="us.parley.example/log 41 $({ printf '\0'; cat "$D/request/envelope"; } | openssl dgst -sha256 -binary | base64 -w0)"
[ "$REF" = "$want" ] && pass ref-is-rfc6962-leaf-hash || fail ref-is-rfc6962-leaf-hash "$REF vs $want"
expect ref-bad-origin 2 "is not a log origin" "$PARLEY" envelope ref "$D/request/envelope" --origin "a b" --index 1
expect ref-bad-index 2 "'x1' is not a number" "$PARLEY" envelope ref "$D/request/envelope" --origin o --index x1

seal ack 0 "" ru.gp --kind ack --to us.fbi --case us.fbi/2021-0007 --ref "$REF"
has_line ref-line "$D/ack/envelope" "ref: $REF"
verify ack 0 "" "$D/ack/envelope"
[ ! -e "$D/ack/body.age" ] && pass ack-without-body-has-no-body-file || fail ack-without-body-has-no-body-file
seal ack-with-body 0 "" ru.gp --kind ack --to us.fbi --case us.fbi/2021-0007 --ref "$REF" --body "$V/ack.json"
verify ack-with-body 0 "" "$D/ack-with-body/envelope" --body "$D/ack-with-body/body.age"
seal answer 0 "" ru.gp --kind answer --to us.fbi --case us.fbi/2021-0007 --ref "$REF" --body "$V/answer-full.json"
verify answer 0 "" "$D/answer/envelope" --body "$D/answer/body.age"
seal answer-partial 0 "" ru.fsb --kind answer --to us.fbi --case us.fbi/2021-0007 --ref "$REF" \
	--body "$V/answer-partial.json" --handling TLP:RED
verify answer-partial 0 "" "$D/answer-partial/envelope" --body "$D/answer-partial/body.age"
seal decline 0 "" ru.fsb --kind decline --to us.fbi --case us.fbi/2021-0007 --ref "$REF" --body "$V/decline.json"
verify decline 0 "" "$D/decline/envelope" --body "$D/decline/body.age"
seal update 0 "" us.fbi --kind update --to ru.gp --case us.fbi/2021-0007 --ref "$REF" --body "$V/update.json"
verify update 0 "" "$D/update/envelope" --body "$D/update/body.age"
seal close 0 "" us.fbi --kind close --to ru.gp ru.fsb --case us.fbi/2021-0007 --ref "$REF" --body "$V/close.json"
verify close 0 "" "$D/close/envelope" --body "$D/close/body.age"
seal close-bare 0 "" us.fbi --kind close --to ru.gp --case us.fbi/2021-0008
verify close-bare 0 "" "$D/close-bare/envelope"

# received: sealed with the ru node's key, addressed to the sender's agencies.
seal received 0 "" ru-node --kind received --to us.fbi --case us.fbi/2021-0007 --ref "$REF"
has_line received-from-party "$D/received/envelope" "from: ru"
verify received 0 "" "$D/received/envelope"
seal received-by-agency 2 "a 'received' is sealed with a party's node key" ru.gp --kind received --to us.fbi \
	--case us.fbi/2021-0007 --ref "$REF"
seal received-to-own-party 0 "" ru-node --kind received --to ru.gp --case us.fbi/2021-0007 --ref "$REF"
verify received-to-own-party 2 "a 'received' goes to the other party's agencies" "$D/received-to-own-party/envelope"
seal received-with-body 2 "an envelope of kind received carries no body" ru-node --kind received --to us.fbi --case us.fbi/2021-0007 \
	--ref "$REF" --body "$V/ack.json"

# statement: every named agency signs; verify fails (exit 1) until all have.
seal statement 0 "" us.fbi --kind statement --to ru.gp us.doj --case us.fbi/2021-0009 \
	--body "$V/statement-consultation-round.json"
verify statement-unsigned 1 "lacks the signature of ru.gp" "$D/statement/envelope"
expect cosign-ru.gp 0 "signed by ru.gp" "$PARLEY" envelope cosign "$D/statement/envelope" --key "$K/ru.gp.key"
verify statement-half-signed 1 "lacks the signature of us.doj" "$D/statement/envelope"
cp "$D/statement/envelope" "$D/statement.before"
expect cosign-twice 2 "ru.gp has already signed this statement" "$PARLEY" envelope cosign "$D/statement/envelope" --key "$K/ru.gp.key"
expect cosign-not-named 2 "ru.fsb is not named by this statement" "$PARLEY" envelope cosign "$D/statement/envelope" --key "$K/ru.fsb.key"
cmp -s "$D/statement/envelope" "$D/statement.before" && pass refused-cosign-changes-nothing || fail refused-cosign-changes-nothing
expect cosign-us.doj 0 "signed by us.doj" "$PARLEY" envelope cosign "$D/statement/envelope" --key "$K/us.doj.key"
verify statement-signed-by-all 0 "" "$D/statement/envelope" --body "$D/statement/body.age"
[ "$(grep -c '^— ' "$D/statement/envelope")" = 3 ] && pass statement-has-three-signatures || fail statement-has-three-signatures
# one layout of signature lines (issue 13, hole 2): co-signed in any order, the lines follow the
# order the statement names its agencies; re-shaped copies are refused
seal statement2 0 "" us.fbi --kind statement --to ru.gp us.doj --case us.fbi/2021-0009 \
	--body "$V/statement-consultation-round.json"
"$PARLEY" envelope cosign "$D/statement2/envelope" --key "$K/us.doj.key" >/dev/null 2>&1
"$PARLEY" envelope cosign "$D/statement2/envelope" --key "$K/ru.gp.key" >/dev/null 2>&1
signers=$(sed -n 's/^— \([^ ]*\) .*/\1/p' "$D/statement2/envelope" | tr '\n' ' ')
[ "$signers" = "us.fbi ru.gp us.doj " ] && pass cosign-keeps-the-canonical-order ||
	fail cosign-keeps-the-canonical-order "signature lines by: $signers"
verify statement2-signed-by-all 0 "" "$D/statement2/envelope" --body "$D/statement2/body.age"
{ sed '/^$/q' "$D/statement/envelope"; grep '^— us.fbi ' "$D/statement/envelope"; grep '^— us.doj ' "$D/statement/envelope"
	grep '^— ru.gp ' "$D/statement/envelope"; } >"$D/statement-swapped"
verify statement-signatures-out-of-order 2 "signature line 3 (ru.gp) is out of order" "$D/statement-swapped"
{ cat "$D/request/envelope"; tail -n 1 "$D/request/envelope"; } >"$D/request-twice"
verify signature-line-twice 2 "signature line 2 repeats us.fbi" "$D/request-twice"
expect cosign-not-a-statement 2 "only a statement carries more than one signature; this is a 'request'" \
	"$PARLEY" envelope cosign "$D/request/envelope" --key "$K/ru.gp.key"

# ---- opening ----
expect open-by-recipient 0 "" "$PARLEY" envelope open "$D/request/envelope" "$D/request/body.age" --key "$K/ru.gp.key"
cmp -s "$T_OUT" "$V/mla-request-prosecutor.json" && pass open-prints-body || fail open-prints-body
expect open-by-sender 0 "" "$PARLEY" envelope open "$D/request/envelope" "$D/request/body.age" --key "$K/us.fbi.key" --charter "$CH"
cmp -s "$T_OUT" "$V/mla-request-prosecutor.json" && pass open-by-sender-prints-body || fail open-by-sender-prints-body
if age -d -i <("$PARLEY" key age-identity "$K/ru.fsb.key") "$D/request/body.age" >"$D/age.out" 2>"$D/age.err" &&
	cmp -s "$D/age.out" "$V/mla-request-prosecutor.json"; then
	pass debian-age-opens-body
else
	fail debian-age-opens-body "$(cat "$D/age.err")"
fi
expect open-wrong-key 2 "this key (us.doj) is not one of the body's recipients" \
	"$PARLEY" envelope open "$D/request/envelope" "$D/request/body.age" --key "$K/us.doj.key"
[ ! -s "$T_OUT" ] && pass open-wrong-key-prints-nothing || fail open-wrong-key-prints-nothing
expect open-other-channel 1 "belongs to channel" \
	"$PARLEY" envelope open "$D/request/envelope" "$D/request/body.age" --key "$K/ru.gp.key" --charter "$D/other/charter"
expect open-body-of-another-envelope 1 "the envelope says" \
	"$PARLEY" envelope open "$D/request/envelope" "$D/answer/body.age" --key "$K/ru.gp.key"

# --evidence: the STIX bundle becomes the body's "evidence" member.
seal evidence 0 "" us.doj --kind notice --to ru.fsb --case us.doj/N-2021-3 --body "$V/notice-minimal.json" \
	--evidence "$S/valid/ransomware-notice.json" --handling TLP:GREEN
expect open-evidence 0 "" "$PARLEY" envelope open "$D/evidence/envelope" "$D/evidence/body.age" --key "$K/ru.fsb.key"
if jq -e --slurpfile b "$S/valid/ransomware-notice.json" --slurpfile n "$V/notice-minimal.json" \
	'.evidence == $b[0] and (del(.evidence) == $n[0])' "$T_OUT" >/dev/null; then
	pass evidence-placed-in-body
else
	fail evidence-placed-in-body "$(head -c 300 "$T_OUT")"
fi
seal evidence-invalid 2 "body: \$.evidence.objects[10].hashes['SHA-256']: not a valid SHA-256 value" us.doj \
	--kind notice --to ru.fsb --case us.doj/N-2021-4 --body "$V/notice-minimal.json" --evidence "$S/invalid/bad-sha256.json"
printf '{"type": "bundle",' >"$D/truncated.json"
seal evidence-not-json 2 "truncated.json: not JSON" us.doj --kind notice --to ru.fsb --case us.doj/N-2021-4 \
	--body "$V/notice-minimal.json" --evidence "$D/truncated.json"
seal evidence-twice 2 "already has \"evidence\"" us.doj --kind notice --to ru.fsb --case us.doj/N-2021-4 \
	--body "$V/notice-msp-intrusion.json" --evidence "$S/valid/ransomware-notice.json"
seal evidence-without-body 2 "--evidence goes with --body" us.doj --kind close --to ru.fsb --case us.doj/N-2021-4 \
	--evidence "$S/valid/ransomware-notice.json"

# ---- refused seals ----
seal invalid-body 2 "body: \$.title" us.fbi --kind notice --to ru.gp --case us.fbi/N-1 --body "$I/notice-title-too-long.json"
seal body-of-other-kind 2 "body: \$.type" us.fbi --kind notice --to ru.gp --case us.fbi/N-1 --body "$V/ack.json"
seal unknown-agency 2 "'cn.mps' is not an agency of this charter" us.fbi --kind notice --to ru.gp cn.mps \
	--case us.fbi/N-1 --body "$V/notice-minimal.json"
seal to-itself 2 "'us.fbi' sends to itself" us.fbi --kind notice --to us.fbi --case us.fbi/N-1 --body "$V/notice-minimal.json"
seal key-not-in-charter 2 "not the key of an agency of this charter" ../other/keys/us.fbi --kind notice --to ru.gp \
	--case us.fbi/N-1 --body "$V/notice-minimal.json"
seal unknown-kind 2 "unknown kind 'memo'" us.fbi --kind memo --to ru.gp --case us.fbi/N-1
seal bad-case 2 "case 'fbi-1' is not of the form" us.fbi --kind notice --to ru.gp --case fbi-1 --body "$V/notice-minimal.json"
seal ack-without-ref 2 "a 'ack' needs a ref line" ru.gp --kind ack --to us.fbi --case us.fbi/2021-0007
seal answer-without-body 2 "a 'answer' needs a body" ru.gp --kind answer --to us.fbi --case us.fbi/2021-0007 --ref "$REF"
seal urgent-answer 2 "only a request or a notice can be urgent" ru.gp --kind answer --to us.fbi --case us.fbi/2021-0007 \
	--ref "$REF" --body "$V/answer-full.json" --urgent
seal bad-handling 2 "handling: expected a TLP 2.0 label" us.fbi --kind notice --to ru.gp --case us.fbi/N-1 \
	--body "$V/notice-minimal.json" --handling "TLP:PURPLE"
seal bad-ref 2 "--ref takes" ru.gp --kind ack --to us.fbi --case us.fbi/2021-0007 --ref "us.parley.example/log 1"
# The whole reason, once (issue 13 hole 7: it read "--time: --time: t be RFC 3339...").
seal bad-time 2 "parley envelope seal: --time: '2021-02-30T00:00:00Z' is not a time: that day is not in that month" us.fbi --kind notice --to ru.gp \
	--case us.fbi/N-1 --body "$V/notice-minimal.json" --time 2021-02-30T00:00:00Z
seal bad-time-form 2 "parley envelope seal: --time: 'yesterday' is not a time: it does not start with a date YYYY-MM-DD; give RFC 3339 like 2021-07-09T15:04:05Z" us.fbi \
	--kind notice --to ru.gp --case us.fbi/N-1 --body "$V/notice-minimal.json" --time yesterday
seal missing-body-file 2 "no such file" us.fbi --kind notice --to ru.gp --case us.fbi/N-1 --body "$D/nope.json"
cp "$D/charter.draft" "$D/half"
"$PARLEY" charter sign "$D/half" --key "$K/us-node.key" 2>/dev/null
expect seal-unsigned-charter 2 "not signed by every party" "$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/half" \
	--kind close --to ru.gp --case us.fbi/N-1 --out "$D/unsigned"
[ ! -e "$D/unsigned" ] && pass seal-unsigned-charter-writes-nothing || fail seal-unsigned-charter-writes-nothing
expect seal-usage 2 "usage: parley envelope seal" "$PARLEY" envelope seal --key "$K/us.fbi.key"
expect seal-refuses-overwrite 2 "exists" "$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$CH" --kind close \
	--to ru.gp --case us.fbi/N-1 --out "$D/close-bare"
verify close-bare-unchanged 0 "" "$D/close-bare/envelope"
# Half an earlier output in DIR: nothing new is written beside it.
mkdir -p "$D/half-body" "$D/half-envelope"
cp "$D/answer/body.age" "$D/half-body/body.age"
cp "$D/answer/envelope" "$D/half-envelope/envelope"
expect seal-over-old-body 2 "body.age already exists" "$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$CH" \
	--kind notice --to ru.gp --case us.fbi/N-1 --body "$V/notice-minimal.json" --out "$D/half-body"
[ ! -e "$D/half-body/envelope" ] && cmp -s "$D/half-body/body.age" "$D/answer/body.age" &&
	pass seal-over-old-body-writes-nothing || fail seal-over-old-body-writes-nothing
expect seal-over-old-envelope 2 "envelope already exists" "$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$CH" \
	--kind notice --to ru.gp --case us.fbi/N-1 --body "$V/notice-minimal.json" --out "$D/half-envelope"
[ ! -e "$D/half-envelope/body.age" ] && cmp -s "$D/half-envelope/envelope" "$D/answer/envelope" &&
	pass seal-over-old-envelope-writes-nothing || fail seal-over-old-envelope-writes-nothing

# ---- refused envelopes ----
# A forged signature: one base64 character of the signature (not of the key ID) changed.
sig=$(tail -n 1 "$D/request/envelope")
b=${sig#"— us.fbi "}
[ "${b:20:1}" = A ] && c=B || c=A
{ head -n -1 "$D/request/envelope"; echo "— us.fbi ${b:0:20}$c${b:21}"; } >"$D/forged"
cmp -s "$D/forged" "$D/request/envelope" && fail forged-differs || pass forged-differs
verify forged-signature 1 "us.fbi" "$D/forged"
grep -q "does not verify" "$T_ERR" && pass forged-signature-says-so || fail forged-signature-says-so "$(cat "$T_ERR")"

# A byte of the text changed after signing.
sed 's/^case: us.fbi\/2021-0007$/case: us.fbi\/2021-0006/' "$D/request/envelope" >"$D/edited"
verify edited-text 1 "does not verify" "$D/edited"

verify other-channel 1 "belongs to channel" "$D/request/envelope" --charter "$D/other/charter"
expect verify-other-channel-envelope 1 "belongs to channel" "$PARLEY" envelope verify "$D/request/envelope" --charter "$D/other/charter"

# Body mismatches: another body, one byte flipped (same size), a body for a bodiless envelope.
verify body-of-another-envelope 1 "the envelope says" "$D/request/envelope" --body "$D/answer/body.age"
cp "$D/request/body.age" "$D/flipped.age"
printf '\x00' | dd of="$D/flipped.age" bs=1 seek=300 conv=notrunc 2>/dev/null
cmp -s "$D/flipped.age" "$D/request/body.age" && printf '\x01' | dd of="$D/flipped.age" bs=1 seek=300 conv=notrunc 2>/dev/null
verify body-hash-mismatch 1 "body's SHA-256 does not match the envelope" "$D/request/envelope" --body "$D/flipped.age"
expect open-body-hash-mismatch 1 "body's SHA-256 does not match the envelope" \
	"$PARLEY" envelope open "$D/request/envelope" "$D/flipped.age" --key "$K/ru.gp.key"
verify body-for-bodiless 1 "has no body line, but a body was given" "$D/ack/envelope" --body "$D/request/body.age"

# Hand-made envelopes, signed with openssl (sign_text): TEXT is the request's text with a change.
head -n -2 "$D/request/envelope" >"$D/request.text"
# craft NAME SIGNER SED-SCRIPT — $D/NAME: the request's text edited by SED-SCRIPT, signed by SIGNER.
craft() {
	sed "$3" "$D/request.text" >"$D/$1.text"
	sign_text "$K/$2.key" "$D/$1.text" >"$D/$1"
}
craft resigned us.fbi ''
cmp -s "$D/resigned" "$D/request/envelope" && pass sign-helper-matches-parley || fail sign-helper-matches-parley

craft signed-by-other-agency us.doj ''
verify agency-signing-as-another 1 "carries a signature by 'us.doj', which is not the key of us.fbi" "$D/signed-by-other-agency"
sed '/^$/,$d' "$D/statement/envelope" >"$D/statement.text"
{ cat "$D/statement/envelope"; sign_text "$K/ru.fsb.key" "$D/statement.text" | tail -n 1; } >"$D/statement-extra"
verify statement-signed-by-unnamed 1 "carries a signature by 'ru.fsb', which is not the key of an agency it names" "$D/statement-extra"
{ sign_text "$K/ru.gp.key" "$D/statement.text"; } >"$D/statement-without-sender"
verify statement-without-sender 1 "lacks the signature of us.fbi" "$D/statement-without-sender"
# The right name and key ID, another key: the other channel's us.fbi.
sed '/^$/,$d' "$D/request/envelope" >"$D/t"
sign_text "$D/other/keys/us.fbi.key" "$D/t" >"$D/impostor"
verify impostor-key 1 "not the key of us.fbi" "$D/impostor"

craft unknown-recipient us.fbi 's/^to: ru.gp ru.fsb$/to: ru.gp cn.mps/'
verify unknown-recipient 1 "addressed to 'cn.mps', which is not an agency of the charter" "$D/unknown-recipient"
craft unknown-case-agency us.fbi 's/^case: us.fbi\//case: us.cia\//'
verify unknown-case-agency 1 "case us.cia/2021-0007 is not opened by an agency of the charter" "$D/unknown-case-agency"
# An unknown sender signing for itself.
sed 's/^from: us.fbi$/from: us.cia/' "$D/request.text" >"$D/t"
sign_text "$D/other/keys/us.doj.key" "$D/t" >"$D/unknown-sender"
verify unknown-sender 1 "from 'us.cia', which is not an agency of the charter" "$D/unknown-sender"

# Malformed texts: exit 2, the line named.
craft missing-kind us.fbi '/^kind: /d'
verify missing-field 2 "envelope line 6: 'kind' is missing before 'time'" "$D/missing-kind"
craft out-of-order us.fbi '/^body: /{h;d};/^handling: /G'
verify fields-out-of-order 2 "envelope line 9: 'body' is out of order" "$D/out-of-order"
craft trailing-space us.fbi 's/^case: .*/& /'
verify trailing-space 2 "envelope line 5: extra space around the value" "$D/trailing-space"
craft bad-time us.fbi 's/^time: .*/time: 2021-02-29T10:00:00Z/'
verify bad-time 2 "parley envelope verify: envelope line 7: time: time is not a valid date and time" "$D/bad-time"
craft local-time us.fbi 's/^time: .*/time: 2021-08-02T09:30:00+02:00/'
verify time-not-utc 2 "envelope line 7: time: time must be RFC 3339 UTC like 2021-07-09T15:04:05Z" "$D/local-time"
craft unknown-key us.fbi 's/^handling: /classification: /'
verify unknown-key 2 "envelope line 9: unknown key 'classification'" "$D/unknown-key"
craft duplicate-to us.fbi 's/^to: .*/to: ru.gp ru.gp/'
verify duplicate-recipient 2 "'ru.gp' is named twice" "$D/duplicate-to"
craft bad-first-line us.fbi '1s/v1/v2/'
verify bad-first-line 2 "envelope line 1: must be 'parley envelope v1'" "$D/bad-first-line"
craft crlf us.fbi 's/$/\r/'
verify crlf 2 "control" "$D/crlf"
printf '\xff' >"$D/ff"
craft non-utf8 us.fbi "s/^case: us.fbi\/2021-0007/&$(cat "$D/ff")/"
verify non-utf8 2 "UTF-8" "$D/non-utf8"
verify not-a-note 2 "envelope" "$V/ack.json"
verify missing-file 2 "no such file" "$D/nope"

# Oversize: a note of more than 65,535 bytes (a long handling line), refused before parsing.
awk '{ print } /^body: / { printf "handling: TLP:AMBER"; for (i = 0; i < 66000; i++) printf "x"; printf "\n" }' \
	"$D/request.text" | grep -v '^handling: TLP:AMBER H2$' >"$D/big.text"
sign_text "$K/us.fbi.key" "$D/big.text" >"$D/big"
[ "$(stat -c %s "$D/big")" -gt 65535 ] && pass big-is-big || fail big-is-big
verify oversize 2 "larger than an envelope can be (65535 bytes)" "$D/big"
expect cosign-oversize 2 "larger than an envelope can be" "$PARLEY" envelope cosign "$D/big" --key "$K/ru.gp.key"

# An envelope whose sealed body is not valid for the profile: open refuses it (exit 2, path).
printf '{"profile": "cyber-mla", "type": "notice", "title": 7}\n' >"$D/bad-body.json"
age -r "$("$PARLEY" key age-recipient "$K/ru.gp.key")" -o "$D/bad-body.age" "$D/bad-body.json"
sed -e "s/^body: .*/body: $(sha256sum "$D/bad-body.age" | cut -d' ' -f1) $(stat -c %s "$D/bad-body.age")/" \
	-e 's/^kind: request$/kind: notice/' "$D/request.text" >"$D/t"
sign_text "$K/us.fbi.key" "$D/t" >"$D/bad-body-envelope"
verify crafted-bad-body-envelope 0 "" "$D/bad-body-envelope" --body "$D/bad-body.age"
expect open-invalid-body 2 "body: \$.title" "$PARLEY" envelope open "$D/bad-body-envelope" "$D/bad-body.age" --key "$K/ru.gp.key"
[ ! -s "$T_OUT" ] && pass open-invalid-body-prints-nothing || fail open-invalid-body-prints-nothing

# Usage errors.
expect verify-usage 2 "usage: parley envelope verify" "$PARLEY" envelope verify "$D/request/envelope"
expect open-usage 2 "usage: parley envelope open" "$PARLEY" envelope open "$D/request/envelope" --key "$K/ru.gp.key"
expect cosign-usage 2 "usage: parley envelope cosign" "$PARLEY" envelope cosign "$D/statement/envelope"
expect envelope-usage 2 "usage: parley envelope seal|verify|open|cosign|ref" "$PARLEY" envelope frobnicate

# The aid-crossing profile through `parley envelope` (docs/profile-aid-crossing.md): on a
# channel of the UN (un.ocha sends, un.unmm monitors) and the receiving authority (sy.mofa),
# seal writes the aid line derived from each body (consignment, inspection, crossing) and none
# for an ack; the figures are read back from the envelope alone; the recipient opens the
# body; an envelope whose signed aid line lies about its body (made with openssl's signature,
# which parley would refuse to write) verifies, but `open` refuses it naming the figure.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
D=$T_DIR K=$T_DIR/keys A=$ROOT/tests/data/aid-crossing/valid
mkdir -p "$K"
for k in un-node:un.parley.example/log sy-node:sy.parley.example/log un.ocha:un.ocha un.unmm:un.unmm sy.mofa:sy.mofa; do
	"$PARLEY" keygen --name "${k#*:}" --out "$K/${k%%:*}.key" >/dev/null || { fail setup "keygen"; exit 1; }
done
{
	echo "parley charter v1"
	echo "name: Cross-border humanitarian aid notification, Bab al-Hawa"
	echo "legal-basis: UN Security Council resolution 2585 (2021)"
	echo "party: un http://127.0.0.1:1 $("$PARLEY" key vkey "$K/un-node.key")"
	echo "party: sy http://127.0.0.1:2 $("$PARLEY" key vkey "$K/sy-node.key")"
	for a in un.ocha un.unmm sy.mofa; do
		echo "agency: $a $("$PARLEY" key vkey "$K/$a.key") $("$PARLEY" key age-recipient "$K/$a.key")"
	done
	echo "profiles: aid-crossing"
	echo "ack: 48h"
	echo "answer: 30d"
	echo "urgent-ack: 24h"
	echo "urgent-answer: 3d"
	echo "term: 2021-07-10T00:00:00Z 2022-01-10T00:00:00Z"
	echo "reporting-period: 30d"
} >"$D/charter"
"$PARLEY" charter sign "$D/charter" --key "$K/un-node.key" 2>/dev/null &&
	"$PARLEY" charter sign "$D/charter" --key "$K/sy-node.key" 2>/dev/null || { fail setup "charter"; exit 1; }
CH=$D/charter CASE=un.ocha/BAH-2021-0001

# aid_of FILE — the envelope's aid line (empty if none)
aid_of() { sed -n '/^$/q; /^aid: /p' "$1"; }

expect seal-consignment 0 "" "$PARLEY" envelope seal --key "$K/un.ocha.key" --charter "$CH" --kind notice \
	--to sy.mofa un.unmm --case "$CASE" --body "$A/consignment-wfp.json" --time 2021-07-09T08:00:00Z --out "$D/c"
want='aid: consignment crossing=bab-al-hawa cross-by=2021-07-12T09:00:00Z trucks=14 sectors=food:10,wash:1,health:3 beneficiaries=28000'
[ "$(aid_of "$D/c/envelope")" = "$want" ] && pass consignment-aid-line || fail consignment-aid-line "$(aid_of "$D/c/envelope")"
# the same figures as `profile aid-line` (what a sender's tool computes before sealing)
[ "$("$PARLEY" profile aid-line --kind notice "$A/consignment-wfp.json")" = "$want" ] &&
	pass aid-line-same-as-profile || fail aid-line-same-as-profile
expect verify-consignment 0 "" "$PARLEY" envelope verify "$D/c/envelope" --charter "$CH" --body "$D/c/body.age"
expect open-consignment 0 "" "$PARLEY" envelope open "$D/c/envelope" "$D/c/body.age" --key "$K/sy.mofa.key" --charter "$CH"
cmp -s "$T_OUT" "$A/consignment-wfp.json" && pass open-prints-body || fail open-prints-body

# urgency is the body's: an emergency consignment is sealed urgent without the flag, and urgent needs the reason
expect seal-emergency-from-body 0 "" \
	"$PARLEY" envelope seal --key "$K/un.ocha.key" --charter "$CH" --kind notice --to sy.mofa --case un.ocha/BAH-2021-0002 \
	--body "$A/consignment-emergency.json" --time 2021-07-13T10:00:00Z --out "$D/e0"
grep -qx 'priority: urgent' "$D/e0/envelope" && pass emergency-urgent-from-body || fail emergency-urgent-from-body
expect seal-emergency 0 "" "$PARLEY" envelope seal --key "$K/un.ocha.key" --charter "$CH" --kind notice --to sy.mofa \
	--case un.ocha/BAH-2021-0002 --body "$A/consignment-emergency.json" --time 2021-07-13T10:00:00Z --urgent --out "$D/e"
grep -qx 'priority: urgent' "$D/e/envelope" && pass emergency-urgent-line || fail emergency-urgent-line
expect seal-urgent-without-reason 2 "urgent was asked for, but the body does not say so (no emergency_reason)" \
	"$PARLEY" envelope seal --key "$K/un.ocha.key" --charter "$CH" --kind notice --to sy.mofa --case "$CASE" \
	--body "$A/consignment-wfp.json" --urgent --time 2021-07-09T08:00:00Z --out "$D/u0"

REF=$("$PARLEY" envelope ref "$D/c/envelope" --origin un.parley.example/log --index 0)
expect seal-inspection 0 "" "$PARLEY" envelope seal --key "$K/un.unmm.key" --charter "$CH" --kind update --to un.ocha sy.mofa \
	--case "$CASE" --ref "$REF" --body "$A/inspection-partial.json" --time 2021-07-12T07:00:00Z --out "$D/i"
[ "$(aid_of "$D/i/envelope")" = "aid: inspection result=partial trucks=13" ] && pass inspection-aid-line ||
	fail inspection-aid-line "$(aid_of "$D/i/envelope")"
expect seal-crossing 0 "" "$PARLEY" envelope seal --key "$K/un.ocha.key" --charter "$CH" --kind update --to sy.mofa \
	--case "$CASE" --ref "$REF" --body "$A/crossing.json" --time 2021-07-12T09:30:00Z --out "$D/x"
[ "$(aid_of "$D/x/envelope")" = "aid: crossing crossed=2021-07-12T09:12:00Z trucks=14" ] && pass crossing-aid-line ||
	fail crossing-aid-line "$(aid_of "$D/x/envelope")"
expect seal-ack 0 "" "$PARLEY" envelope seal --key "$K/sy.mofa.key" --charter "$CH" --kind ack --to un.ocha \
	--case "$CASE" --ref "$REF" --body "$A/ack.json" --time 2021-07-09T20:00:00Z --out "$D/a"
[ -z "$(aid_of "$D/a/envelope")" ] && pass ack-no-aid-line || fail ack-no-aid-line
expect seal-consignment-as-update 2 '$.type: a consignment body cannot travel in an envelope of kind update' \
	"$PARLEY" envelope seal --key "$K/un.ocha.key" --charter "$CH" --kind update --to sy.mofa --case "$CASE" --ref "$REF" \
	--body "$A/consignment-wfp.json" --time 2021-07-09T08:00:00Z --out "$D/w"

# The public figures of the month, from the envelopes alone (no key): trucks by sector.
total=$(cat "$D"/c/envelope "$D"/e/envelope | sed -n 's/^aid: consignment .* trucks=\([0-9]*\) .*/\1/p' | paste -sd+)
total=$((total))
[ "$total" = 16 ] && pass figures-from-envelopes || fail figures-from-envelopes "total $total"

# A sender whose signed figures lie: the body says 10 food trucks, the envelope 9 food + 1 wash.
sed -n '1,/^$/p' "$D/c/envelope" | sed '$d' | sed 's/sectors=food:10,wash:1,health:3/sectors=food:9,wash:2,health:3/' >"$D/lie.txt"
sign_text "$K/un.ocha.key" "$D/lie.txt" >"$D/lie" || fail lie-signed
expect verify-lie 0 "" "$PARLEY" envelope verify "$D/lie" --charter "$CH" --body "$D/c/body.age"
expect open-lie 1 "the body disagrees with its envelope's public figures: trucks of sector food: the envelope's aid line says 9, the body 10" \
	"$PARLEY" envelope open "$D/lie" "$D/c/body.age" --key "$K/sy.mofa.key" --charter "$CH"
[ ! -s "$T_OUT" ] && pass open-lie-prints-nothing || fail open-lie-prints-nothing
# and one without the line at all
sed -n '1,/^$/p' "$D/c/envelope" | sed '$d' | grep -v '^aid: ' >"$D/bare.txt"
sign_text "$K/un.ocha.key" "$D/bare.txt" >"$D/bare"
expect open-no-aid-line 1 "the body is a consignment, but the envelope has no aid line" \
	"$PARLEY" envelope open "$D/bare" "$D/c/body.age" --key "$K/sy.mofa.key" --charter "$CH"
# a malformed aid line is refused by verify, naming it
sed 's/ beneficiaries=28000/ beneficiaries=028000/' "$D/lie.txt" >"$D/bad.txt"
sign_text "$K/un.ocha.key" "$D/bad.txt" >"$D/bad"
expect verify-malformed 2 "aid: beneficiaries: a number from 1 to 100000000 without leading zeros" \
	"$PARLEY" envelope verify "$D/bad" --charter "$CH"

# An aid-crossing channel for tests (docs/profile-aid-crossing.md), as tests/cli/mandate.sh
# builds it: the UN (un.ocha sends, un.unmm monitors) and the receiving authority (sy.mofa),
# parties un and sy on the ports of tests/fixture.sh's us and ru, a witness; the term runs
# from today 00:00 to 30 days ahead (so its first reporting period holds what a test sends now)
# unless given. Source after tests/lib.sh, tests/fixture.sh and tests/node_lib.sh; call
# make_aid_channel DIR [TERM-START TERM-END [REPORTING-PERIOD]] (keys in DIR/keys, the signed
# charter DIR/charter; the reporting period is 7d unless given).
make_aid_channel() {
	local d=$1 k K now t0 t1 period=${4:-7d}
	K=$d/keys
	mkdir -p "$K"
	for k in un-node:un.parley.example/log sy-node:sy.parley.example/log un.ocha:un.ocha un.unmm:un.unmm \
		sy.mofa:sy.mofa witness:un.witness; do
		"$PARLEY" keygen --name "${k#*:}" --out "$K/${k%%:*}.key" >/dev/null || return 1
	done
	now=$(date -u +%s)
	t0=${2:-$(date -u -d "@$now" +%Y-%m-%dT00:00:00Z)} t1=${3:-$(date -u -d "@$((now + 30 * 86400))" +%Y-%m-%dT00:00:00Z)}
	{
		echo "parley charter v1"
		echo "name: Cross-border humanitarian aid notification, Bab al-Hawa"
		echo "legal-basis: UN Security Council resolution 2585 (2021)"
		echo "party: un $(url_of us) $("$PARLEY" key vkey "$K/un-node.key")"
		echo "party: sy $(url_of ru) $("$PARLEY" key vkey "$K/sy-node.key")"
		for k in un.ocha un.unmm sy.mofa; do
			echo "agency: $k $("$PARLEY" key vkey "$K/$k.key") $("$PARLEY" key age-recipient "$K/$k.key")"
		done
		echo "witness: un.witness $(url_of witness) $("$PARLEY" key vkey "$K/witness.key" --cosigner)"
		echo "profiles: aid-crossing"
		echo "ack: 48h"
		echo "answer: 30d"
		echo "urgent-ack: 24h"
		echo "urgent-answer: 3d"
		echo "term: $t0 $t1"
		echo "reporting-period: $period"
	} >"$d/charter"
	"$PARLEY" charter sign "$d/charter" --key "$K/un-node.key" 2>/dev/null &&
		"$PARLEY" charter sign "$d/charter" --key "$K/sy-node.key" 2>/dev/null
}

# aid_body FILE CROSS-BY-OFFSET-S — the example consignment with its loading and crossing moved to now + offset
aid_body() {
	local now at
	now=$(date -u +%s)
	at() { date -u -d "@$((now + $1))" +%Y-%m-%dT%H:%M:%SZ; }
	jq --arg l "$(at $(($2 - 3600)))" --arg c "$(at "$2")" '.planned_loading = $l | .planned_crossing = $c' "$1"
}

#!/usr/bin/env bash
# Bodies of the cyber-mla profile: every example in tests/data/cyber-mla/valid
# passes `parley profile check` and ajv against docs/schemas/cyber-mla; every
# example in invalid/ fails parley with the JSON path listed below; and parley
# is never looser than the published schemas: on the examples and on hundreds
# of mutations of them, every body ajv rejects, parley rejects too.
. "$(dirname "$0")/../lib.sh"
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TESTDATA:=$ROOT/../shared/testdata}"
DATA=$ROOT/tests/data/cyber-mla
SCHEMAS=$ROOT/docs/schemas/cyber-mla
ENTRY=https://parley.invalid/schemas/cyber-mla/body.json
MUT=$T_DIR/mutated
mkdir -p "$MUT"
ALL=()      # every body the ajv comparison looks at
declare -A KIND   # file -> the envelope kind it is checked as

kind_of_type() {
	case $1 in mla-request | preservation-request) echo request ;; *) echo "$1" ;; esac
}

# --- valid examples ----------------------------------------------------------------
n=0
for f in "$DATA"/valid/*.json; do
	k=$(kind_of_type "$(jq -r .type "$f")")
	KIND[$f]=$k
	ALL+=("$f")
	n=$((n + 1))
	expect "valid-$(basename "$f" .json)" 0 "" "$PARLEY" profile check --kind "$k" "$f"
done
[ "$n" -ge 9 ] && pass valid-examples-present || fail valid-examples-present "$n in $DATA/valid"
types=$(jq -r .type "$DATA"/valid/*.json | sort -u | tr '\n' ' ')
[ "$types" = "ack answer close decline mla-request notice preservation-request statement update " ] &&
	pass every-type-has-an-example || fail every-type-has-an-example "types: $types"

# --- invalid examples, with the path each must report --------------------------------
listed=0
while read -r name kind path; do
	[ -n "$name" ] || continue
	f=$DATA/invalid/$name.json
	KIND[$f]=$kind
	ALL+=("$f")
	listed=$((listed + 1))
	expect "invalid-$name" 1 "parley profile: invalid: $path: " "$PARLEY" profile check --kind "$kind" "$f"
done <<'LIST'
ack-extension-name-invalid ack $.X_Desk
ack-phone-not-international ack $.officer.contact.phone
answer-assistance-item-out-of-range answer $.provided[0].assistance_item
answer-full-with-remaining answer $.remaining
answer-partial-without-remaining answer $.remaining
close-unknown-outcome close $.outcome
decline-legal-basis-not-a-list decline $.legal_basis
mla-request-assistance-sought-empty request $.assistance_sought
mla-request-confidential-without-reason request $.confidentiality.reason
mla-request-contact-empty request $.requesting_authority.contact
mla-request-country-lowercase request $.locations[0].country
mla-request-email-invalid request $.requesting_authority.contact.email
mla-request-handling-in-body request $.handling
mla-request-null-member request $.time_limit
mla-request-offence-without-provisions request $.offences[0].provisions
mla-request-subject-without-name-or-identifiers request $.subjects[1]
mla-request-unknown-measure request $.assistance_sought[2].measure
mla-request-urgent-without-reason request $.urgency.reason
notice-bidi-override notice $.summary
notice-detected-before-first-observed notice $.incident.detected
notice-evidence-stix-rule notice $.evidence.objects[3].is_family
notice-organisations-affected-zero notice $.incident.organisations_affected
notice-ransom-amount-not-decimal-string notice $.incident.ransom_demand.amount
notice-required-title-missing notice $.title
notice-sector-not-in-vocabulary notice $.incident.sectors[1]
notice-sectors-not-unique notice $.incident.sectors[1]
notice-summary-only-white-space notice $.summary
notice-time-not-utc notice $.incident.first_observed
notice-title-control-character notice $.title
notice-title-too-long notice $.title
notice-unknown-member notice $.titel
notice-unknown-type notice $.type
notice-wrong-profile notice $.profile
preservation-request-custodian-without-information request $.data[1].custodian
preservation-request-evidence-not-allowed request $.evidence
preservation-request-intent-not-true request $.mutual_assistance_request_to_follow
preservation-request-necessity-missing request $.necessity
preservation-request-period-reversed request $.data[0].period.until
statement-date-not-a-calendar-day statement $.date
statement-end-date-before-date statement $.end_date
LIST
n=$(ls "$DATA"/invalid/*.json | wc -l)
[ "$n" -eq "$listed" ] && pass invalid-all-listed || fail invalid-all-listed "$n files in $DATA/invalid, $listed listed"

# --- the envelope kind decides the body types ------------------------------------------
expect kind-mismatch 1 '$.type: a notice body cannot travel in an envelope of kind request (expected mla-request or preservation-request)' \
	"$PARLEY" profile check --kind request "$DATA/valid/notice-minimal.json"
expect kind-answer-for-request 1 '$.type: a mla-request body cannot travel in an envelope of kind answer' \
	"$PARLEY" profile check --kind answer "$DATA/valid/mla-request-prosecutor.json"
expect kind-received-has-no-body 1 "kind received carries no body" \
	"$PARLEY" profile check --kind received "$DATA/valid/ack.json"

# --- unreadable input and usage exit 2 ----------------------------------------------------
expect stdin 0 "" sh -c "\"$PARLEY\" profile check --kind ack - < \"$DATA/valid/ack.json\""
printf '{"profile": "cyber-mla", ' >"$T_DIR/truncated.json"
expect not-json 2 "unreadable: not JSON" "$PARLEY" profile check --kind ack "$T_DIR/truncated.json"
printf '{"profile": "cyber-mla", "type": "ack\xff"}' >"$T_DIR/latin1.json"
expect not-utf8 2 "not UTF-8" "$PARLEY" profile check --kind ack "$T_DIR/latin1.json"
printf '{"profile":"cyber-mla","profile":"cyber-mla"}' >"$T_DIR/dup.json"
expect duplicate-key 2 "duplicate" "$PARLEY" profile check --kind ack "$T_DIR/dup.json"
printf '{"x_deep": %s1%s}' "$(printf '%0.s[' $(seq 33))" "$(printf '%0.s]' $(seq 33))" >"$T_DIR/deep.json"
expect too-deep 2 "nested deeper than 33" "$PARLEY" profile check --kind ack "$T_DIR/deep.json"
head -c $((16 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$T_DIR/big.json"
expect too-large 2 "larger than" "$PARLEY" profile check --kind ack "$T_DIR/big.json"
expect missing-file 2 "no such file" "$PARLEY" profile check --kind ack "$T_DIR/does-not-exist.json"
expect unknown-kind 2 "unknown kind" "$PARLEY" profile check --kind reply "$DATA/valid/ack.json"
expect usage 2 "usage" "$PARLEY" profile check "$DATA/valid/ack.json"

# --- mutations of every valid example, and the comparison with ajv ----------------------------
# For every scalar outside "evidence": removed, set to "", to " ", to 0 and to null; every
# object outside "evidence" gets an unknown member and an x_ extension. One jq run per
# example writes one mutated body per line. Then parley is never looser than ajv on ALL.
# compare PREFIX DATA SCHEMAS ENTRY WANT: WANT is the list of invalid examples only parley
# rejects (the rules JSON Schema cannot state), space-separated and sorted, ending in a space.
compare() {
	local p=$1 data=$2 schemas=$3 entry=$4 want=$5 m=0 i base f line out
	mkdir -p "$MUT/$p"
	for f in "$data"/valid/*.json; do
		base=$(basename "$f" .json)
		jq -c '
			. as $doc
			| ([paths(scalars)] | map(select(.[0] != "evidence"))) as $leaves
			| (([paths(objects)] | map(select(.[0] != "evidence"))) + [[]]) as $objs
			| ($leaves[] as $p | ($doc | delpaths([$p])), ($doc | setpath($p; "")),
			   ($doc | setpath($p; " ")), ($doc | setpath($p; 0)), ($doc | setpath($p; null))),
			  ($objs[] as $p | ($doc | setpath($p + ["unknown_member"]; 1)), ($doc | setpath($p + ["x_note"]; 1)))
		' "$f" >"$MUT/$p/$base.lines" || fail "${p}mutate-$base" "jq failed"
		i=0
		while IFS= read -r line; do
			out=$MUT/$p/$base.$i.json
			printf '%s\n' "$line" >"$out"
			KIND[$out]=${KIND[$f]}
			ALL+=("$out")
			i=$((i + 1))
		done <"$MUT/$p/$base.lines"
		m=$((m + i))
	done
	[ "$m" -ge 500 ] && pass "${p}mutations-made" || fail "${p}mutations-made" "only $m mutations"
	if ! ajv_setup; then
		skip "${p}ajv-valid-examples" "$AJV_WHY"
		skip "${p}ajv-never-looser" "$AJV_WHY"
		return
	fi
	node "$AJV" --schemas "$schemas" --schemas "$TESTDATA/stix/schemas" --entry "$entry" "${ALL[@]}" \
		>"$T_DIR/${p}ajv.txt" 2>"$T_DIR/${p}ajv.err"
	if [ "$(grep -c '^\(valid\|invalid\) ' "$T_DIR/${p}ajv.txt")" -ne "${#ALL[@]}" ]; then
		fail "${p}ajv-ran" "ajv judged $(grep -c . "$T_DIR/${p}ajv.txt") of ${#ALL[@]} bodies: $(head -c 300 "$T_DIR/${p}ajv.err")"
		return
	fi
	pass "${p}ajv-ran"
	local bad
	bad=$(grep "^invalid $data/valid/" "$T_DIR/${p}ajv.txt" | head -n 3)
	[ -z "$bad" ] && pass "${p}ajv-valid-examples" || fail "${p}ajv-valid-examples" "$bad"
	# parley's verdicts, one run per kind: "FILE: ok: TYPE" for every body it accepts
	local k files
	for k in $(printf '%s\n' "${KIND[@]}" | sort -u); do
		files=()
		for f in "${ALL[@]}"; do [ "${KIND[$f]}" = "$k" ] && files+=("$f"); done
		[ ${#files[@]} -gt 0 ] && "$PARLEY" profile check --kind "$k" "${files[@]}" 2>/dev/null
	done | sed -n 's/: ok: [a-z-]*$//p' | sort >"$T_DIR/${p}parley-ok.txt"
	local -A OK=()
	while IFS= read -r f; do OK[$f]=1; done <"$T_DIR/${p}parley-ok.txt"
	local looser=0 rejected=0 stricter=() verdict file rest accepted only
	while read -r verdict file rest; do
		file=${file%:}
		accepted=${OK[$file]:-0}
		if [ "$verdict" = invalid ]; then
			rejected=$((rejected + 1))
			if [ $accepted -eq 1 ]; then
				looser=$((looser + 1))
				echo "  parley accepts what ajv rejects: $file: $rest" >&2
			fi
		elif [ $accepted -eq 0 ]; then
			stricter+=("${file##*/}")
		fi
	done <"$T_DIR/${p}ajv.txt"
	echo "  ${p}ajv rejected $rejected of ${#ALL[@]} bodies; parley alone rejected ${#stricter[@]}" >&2
	[ "$rejected" -ge 500 ] && pass "${p}ajv-rejects-mutations" || fail "${p}ajv-rejects-mutations" "ajv rejected only $rejected"
	[ "$looser" -eq 0 ] && pass "${p}ajv-never-looser" || fail "${p}ajv-never-looser" "$looser bodies rejected by ajv pass parley"
	# The invalid examples ajv accepts are exactly the rules JSON Schema cannot state.
	only=$(printf '%s\n' "${stricter[@]}" | grep -v '^[a-z-]*\.[0-9]*\.json$' | sort | tr '\n' ' ')
	[ "$only" = "$want" ] && pass "${p}parley-only-rules" || fail "${p}parley-only-rules" "ajv accepts: $only"
}
compare "" "$DATA" "$SCHEMAS" "$ENTRY" \
	"notice-detected-before-first-observed.json preservation-request-period-reversed.json statement-end-date-before-date.json "

# === aid-crossing ==========================================================================
# The same bar for the bodies of docs/profile-aid-crossing.md: examples in
# tests/data/aid-crossing, schemas in docs/schemas/aid-crossing.
AID=$ROOT/tests/data/aid-crossing
ALL=()
KIND=()
aid_kind_of_type() {
	case $1 in consignment) echo notice ;; inspection | crossing) echo update ;; *) echo "$1" ;; esac
}
n=0
for f in "$AID"/valid/*.json; do
	k=$(aid_kind_of_type "$(jq -r .type "$f")")
	KIND[$f]=$k
	ALL+=("$f")
	n=$((n + 1))
	expect "aid-valid-$(basename "$f" .json)" 0 "" "$PARLEY" profile check --kind "$k" "$f"
done
types=$(jq -r .type "$AID"/valid/*.json | sort -u | tr '\n' ' ')
[ "$types" = "ack close consignment crossing inspection " ] &&
	pass aid-every-type-has-an-example || fail aid-every-type-has-an-example "types: $types"
listed=0
while read -r name kind path; do
	[ -n "$name" ] || continue
	f=$AID/invalid/$name.json
	KIND[$f]=$kind
	ALL+=("$f")
	listed=$((listed + 1))
	expect "aid-invalid-$name" 1 "parley profile: invalid: $path: " "$PARLEY" profile check --kind "$kind" "$f"
done <<'LIST'
ack-officer-missing ack $.officer
ack-officer-unknown-member ack $.officer.contact
close-cancelled-without-reason close $.reason
close-unknown-outcome close $.outcome
consignment-beneficiaries-over-limit notice $.beneficiaries
consignment-beneficiaries-zero notice $.beneficiaries
consignment-crossing-before-loading notice $.planned_crossing
consignment-crossing-id-not-lowercase notice $.crossing
consignment-emergency-flag-in-body notice $.emergency
consignment-handling-in-body notice $.handling
consignment-implementing-partner-missing notice $.implementing_partner
consignment-items-sector-without-truck notice $.trucks
consignment-no-trucks notice $.trucks
consignment-quantity-not-integer notice $.items[0].quantity
consignment-seals-repeated notice $.trucks[0].seals[1]
consignment-sector-not-in-vocabulary notice $.trucks[0].sector
consignment-time-with-fraction notice $.planned_crossing
consignment-too-many-trucks notice $.trucks
consignment-truck-listed-twice notice $.trucks[3].plate
consignment-truck-plate-and-tir notice $.trucks[0]
consignment-truck-sector-without-items notice $.items
consignment-truck-without-id notice $.trucks[1]
consignment-unknown-member notice $.destination
consignment-wrong-profile notice $.profile
crossing-leap-second update $.crossed_at
crossing-time-not-utc update $.crossed_at
crossing-trucks-zero update $.trucks_crossed
inspection-confirmed-with-trucks-not-confirmed update $.trucks_not_confirmed
inspection-confirmed-zero-trucks update $.trucks_confirmed
inspection-partial-without-reason update $.reason
inspection-rejected-with-trucks update $.trucks_confirmed
inspection-seals-verified-missing update $.seals_verified
inspection-trucks-over-limit update $.trucks_confirmed
inspection-unknown-result update $.result
LIST
n=$(ls "$AID"/invalid/*.json | wc -l)
[ "$n" -eq "$listed" ] && pass aid-invalid-all-listed || fail aid-invalid-all-listed "$n files in $AID/invalid, $listed listed"

# The envelope kind decides the body types; the aid line a sender signs.
expect aid-kind-mismatch 1 '$.type: a consignment body cannot travel in an envelope of kind update (expected inspection or crossing)' \
	"$PARLEY" profile check --kind update "$AID/valid/consignment-wfp.json"
expect aid-kind-without-type 1 '$.type: a ack body cannot travel in an envelope of kind request (expected none: aid-crossing has no body type for it)' \
	"$PARLEY" profile check --kind request "$AID/valid/ack.json"
# aid_line NAME KIND FILE WANT — `profile aid-line` prints exactly WANT (and a newline).
aid_line() {
	local got
	got=$("$PARLEY" profile aid-line --kind "$2" "$3" 2>&1)
	[ $? -eq 0 ] && [ "$got" = "$4" ] && pass "$1" || fail "$1" "got '$got'"
}
aid_line aid-line-consignment notice "$AID/valid/consignment-wfp.json" \
	'aid: consignment crossing=bab-al-hawa cross-by=2021-07-12T09:00:00Z trucks=14 sectors=food:10,wash:1,health:3 beneficiaries=28000'
aid_line aid-line-inspection update "$AID/valid/inspection-rejected.json" 'aid: inspection result=rejected trucks=0'
aid_line aid-line-crossing update "$AID/valid/crossing.json" 'aid: crossing crossed=2021-07-12T09:12:00Z trucks=14'
out=$("$PARLEY" profile aid-line --kind ack "$AID/valid/ack.json" 2>&1)
[ $? -eq 0 ] && [ -z "$out" ] && pass aid-line-none-for-ack || fail aid-line-none-for-ack "$out"
expect aid-line-invalid-body 1 '$.trucks_confirmed' \
	"$PARLEY" profile aid-line --kind update "$AID/invalid/inspection-rejected-with-trucks.json"
# The figures counted independently of parley: trucks per sector from the body with jq.
want=$(jq -r '[.trucks[].sector] | group_by(.) | map({(.[0]): length}) | add
	| [("food","shelter-nfi","wash","health","education","nutrition") as $s | select(has($s)) | "\($s):\(.[$s])"]
	| join(",")' "$AID/valid/consignment-wfp.json")
"$PARLEY" profile aid-line --kind notice "$AID/valid/consignment-wfp.json" | grep -q " sectors=$want " &&
	pass aid-line-sectors-counted || fail aid-line-sectors-counted "jq counts $want"

compare aid- "$AID" "$ROOT/docs/schemas/aid-crossing" https://parley.invalid/schemas/aid-crossing/body.json \
	"consignment-crossing-before-loading.json consignment-truck-listed-twice.json crossing-leap-second.json "

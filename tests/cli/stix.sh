#!/usr/bin/env bash
# parley stix check: the OASIS examples and our own bundles pass, mutated
# copies fail with the right JSON path, unreadable input exits 2, and parley
# is never looser than the OASIS JSON schemas (ajv) on any of these bundles.
. "$(dirname "$0")/../lib.sh"
: "${ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${TESTDATA:=$ROOT/../shared/testdata}"
EXAMPLES=$TESTDATA/stix/examples
SCHEMAS=$TESTDATA/stix/schemas
OWN=$ROOT/tests/data/stix
MUT=$T_DIR/mutated
mkdir -p "$MUT"
ALL=()   # every bundle the ajv comparison looks at

check_ok() { # NAME FILE
	expect "$1" 0 "" "$PARLEY" stix check "$2" && grep -q '^ok: [0-9]* objects$' "$T_OUT" ||
		{ [ -s "$T_OUT" ] && fail "$1-stdout" "stdout: $(cat "$T_OUT")"; }
	ALL+=("$2")
}
check_bad() { # NAME FILE PATH — exit 1 and the message names PATH
	expect "$1" 1 "parley stix: invalid: $3: " "$PARLEY" stix check "$2"
	ALL+=("$2")
}

# --- the OASIS examples, and our own valid bundles ------------------------------
n=0
for f in "$EXAMPLES"/*.json; do
	[ -f "$f" ] || continue
	check_ok "example-$(basename "$f" .json)" "$f"
	n=$((n + 1))
done
[ "$n" -eq 5 ] && pass examples-present || fail examples-present "found $n examples in $EXAMPLES, expected 5"
for f in "$OWN"/valid/*.json; do check_ok "own-valid-$(basename "$f" .json)" "$f"; done
expect stdin 0 "" sh -c "\"$PARLEY\" stix check - < \"$OWN/valid/ransomware-notice.json\""

# --- our own invalid bundles, with the path each must report -----------------------
while read -r name path; do
	[ -n "$name" ] && check_bad "own-invalid-$name" "$OWN/invalid/$name.json" "$path"
done <<'LIST'
bad-sha256 $.objects[10].hashes['SHA-256']
tlp2-amber-altered $.objects[0]
wallet-not-in-bundle $.objects[13].object_refs[4]
number-observed-zero $.objects[13].number_observed
ipv4-out-of-range $.objects[7].value
valid-until-before-from $.objects[5].valid_until
where-sighted-intrusion-set $.objects[14].where_sighted_refs[0]
custom-ref-dangling $.objects[5].x_wallet_ref
empty-list $.objects[3].malware_types
LIST
n=$(ls "$OWN"/invalid/*.json | wc -l)
[ "$n" -eq 9 ] && pass own-invalid-all-listed || fail own-invalid-all-listed "$n files in $OWN/invalid, 9 listed"

# --- mutations of every example ---------------------------------------------------
# mutate NAME SRC JQ-PROGRAM — writes $MUT/<example>-NAME.json
mutate() { local out=$MUT/$(basename "$2" .json)-$1.json; jq "$3" "$2" >"$out" && echo "$out"; }
FRESH=9f0c4e2a-7b1d-4c5e-8a6f-0123456789ab
TLP1_RED=marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed
TLP2_CLEAR=marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487
for f in "$EXAMPLES"/*.json; do
	ex=$(basename "$f" .json)
	# i: the first SDO that is not an identity; r: the first relationship (or -1)
	i=$(jq '[.objects | to_entries[] | select(.value.created and .value.type != "identity" and .value.type != "relationship")][0].key' "$f")
	r=$(jq '[.objects | to_entries[] | select(.value.type == "relationship")][0].key // -1' "$f")
	t=$(jq -r ".objects[$i].type" "$f")
	o=$([ "$t" = tool ] && echo campaign || echo tool)

	m=$(mutate no-created "$f" "del(.objects[$i].created)") && check_bad "$ex-required-removed" "$m" "\$.objects[$i].created"
	req=$(case $t in indicator) echo pattern ;; malware) echo is_family ;; *) echo name ;; esac)
	m=$(mutate no-$req "$f" "del(.objects[$i].$req)") && check_bad "$ex-$req-removed" "$m" "\$.objects[$i].$req"
	m=$(mutate wrong-prefix "$f" ".objects[$i].id |= sub(\"^[a-z-]+--\"; \"$o--\")") &&
		check_bad "$ex-wrong-id-prefix" "$m" "\$.objects[$i].id"
	m=$(mutate bad-date "$f" ".objects[$i].modified = \"2016-02-30T00:00:00.000Z\"") &&
		check_bad "$ex-bad-timestamp-date" "$m" "\$.objects[$i].modified"
	m=$(mutate bad-ts-form "$f" ".objects[$i].created = \"2016-04-06 20:03:00Z\"") &&
		check_bad "$ex-bad-timestamp-form" "$m" "\$.objects[$i].created"
	m=$(mutate no-millis "$f" ".objects[$i].created = \"2016-01-01T00:00:00Z\"") &&
		check_bad "$ex-created-without-millis" "$m" "\$.objects[$i].created"
	m=$(mutate spec20 "$f" ".objects[$i].spec_version = \"2.0\"") &&
		check_bad "$ex-spec-version-2.0" "$m" "\$.objects[$i].spec_version"
	m=$(mutate creator-missing "$f" ".objects[$i].created_by_ref = \"identity--$FRESH\"") &&
		check_bad "$ex-ref-missing" "$m" "\$.objects[$i].created_by_ref"
	m=$(mutate creator-wrong-type "$f" ".objects[$i].created_by_ref = .objects[$i].id") &&
		check_bad "$ex-ref-wrong-type" "$m" "\$.objects[$i].created_by_ref"
	m=$(mutate marking-missing "$f" ".objects[$i].object_marking_refs = [\"marking-definition--$FRESH\"]") &&
		check_bad "$ex-marking-missing" "$m" "\$.objects[$i].object_marking_refs[0]"
	m=$(mutate tlp-absent "$f" ".objects[$i].object_marking_refs = [\"$TLP1_RED\", \"$TLP2_CLEAR\"]") &&
		check_ok "$ex-tlp-markings-need-not-be-present" "$m"
	if [ "$r" -ge 0 ]; then
		m=$(mutate source-missing "$f" ".objects[$r].source_ref = \"indicator--$FRESH\"") &&
			check_bad "$ex-relationship-source-missing" "$m" "\$.objects[$r].source_ref"
		m=$(mutate target-sro "$f" ".objects[$r].target_ref = .objects[$r].id") &&
			check_bad "$ex-relationship-target-is-sro" "$m" "\$.objects[$r].target_ref"
	fi
done

# --- unreadable input exits 2 ---------------------------------------------------
printf '{"type": "bundle", "id": ' >"$T_DIR/truncated.json"
expect not-json 2 "not JSON" "$PARLEY" stix check "$T_DIR/truncated.json"
ALL+=("$T_DIR/truncated.json")
printf '{"type": "bundle", "id": "bundle--\xff"}' >"$T_DIR/latin1.json"
expect not-utf8 2 "not UTF-8" "$PARLEY" stix check "$T_DIR/latin1.json"
expect missing-file 2 "no such file" "$PARLEY" stix check "$T_DIR/does-not-exist.json"
head -c $((16 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$T_DIR/big.json"
expect too-large 2 "larger than" "$PARLEY" stix check "$T_DIR/big.json"
printf '%0.s[' $(seq 40) >"$T_DIR/deep.json"
expect too-deep 2 "nested deeper" "$PARLEY" stix check "$T_DIR/deep.json"
printf '{"type":"bundle","type":"bundle"}' >"$T_DIR/dup.json"
expect duplicate-key 2 "duplicate" "$PARLEY" stix check "$T_DIR/dup.json"
expect usage 2 "usage" "$PARLEY" stix

# --- never looser than the OASIS schemas ------------------------------------------
# Every bundle ajv rejects, parley rejects too.
if ! ajv_setup; then
	skip ajv-never-looser "$AJV_WHY"
else
	node "$AJV" "$SCHEMAS" "${ALL[@]}" >"$T_DIR/ajv.txt" 2>"$T_DIR/ajv.err"
	if [ "$(grep -c '^\(valid\|invalid\) ' "$T_DIR/ajv.txt")" -ne "${#ALL[@]}" ]; then
		fail ajv-ran "ajv judged $(grep -c . "$T_DIR/ajv.txt") of ${#ALL[@]} bundles: $(head -c 300 "$T_DIR/ajv.err")"
	else
		pass ajv-ran
		looser=0 rejected=0
		while read -r verdict file rest; do
			[ "$verdict" = invalid ] || continue
			file=${file%:}
			rejected=$((rejected + 1))
			"$PARLEY" stix check "$file" >/dev/null 2>&1
			if [ $? -eq 0 ]; then
				looser=$((looser + 1))
				echo "  parley accepts what ajv rejects: $file: $rest" >&2
			fi
		done <"$T_DIR/ajv.txt"
		echo "  ajv rejected $rejected of ${#ALL[@]} bundles" >&2
		[ "$rejected" -ge 30 ] && pass ajv-rejects-mutations || fail ajv-rejects-mutations "ajv rejected only $rejected"
		[ "$looser" -eq 0 ] && pass "ajv-never-looser" ||
			fail ajv-never-looser "$looser of $rejected bundles rejected by ajv pass parley"
		# the examples themselves must satisfy the schemas (sanity of the setup)
		bad=$(grep "^invalid $EXAMPLES/" "$T_DIR/ajv.txt" | head -n 1)
		[ -z "$bad" ] && pass ajv-examples-valid || fail ajv-examples-valid "$bad"
	fi
fi

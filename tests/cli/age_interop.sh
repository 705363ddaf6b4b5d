#!/usr/bin/env bash
# Interoperability of `parley age` with Debian's age (1.1.x) both ways, for
# payloads of 0, 1, 65536, 65537 and 5 MiB bytes, 1, 3 and 20 recipients,
# binary and armored; then the failure contract: exit codes, messages, and no
# output file left behind by a failed decryption with -o.
source "$(dirname "$0")/../lib.sh"

if ! command -v age >/dev/null || ! command -v age-keygen >/dev/null; then
	skip age_cli "the age command is not installed"
	exit 0
fi
D=$T_DIR

# 20 key pairs made by age-keygen (their files have comment lines, as usual).
recips=()
for i in $(seq 1 20); do
	age-keygen -o "$D/key$i" 2>/dev/null
	recips+=("$(age-keygen -y "$D/key$i")")
done
head -c 0 /dev/urandom >"$D/p0"
head -c 1 /dev/urandom >"$D/p1"
head -c 65536 /dev/urandom >"$D/p65536"
head -c 65537 /dev/urandom >"$D/p65537"
head -c $((5 * 1024 * 1024)) /dev/urandom >"$D/p5MiB"

for size in 0 1 65536 65537 5MiB; do
	for n in 1 3 20; do
		rargs=()
		for ((i = 0; i < n; i++)); do rargs+=(-r "${recips[$i]}"); done
		key=$D/key$n # the last recipient's key: every stanza is tried
		for armor in "" "-a"; do
			name="size${size}_r${n}${armor:+_armor}"
			in=$D/p$size
			rm -f "$D/f.age" "$D/out"
			if age "${rargs[@]}" $armor -o "$D/f.age" "$in" &&
				"$PARLEY" age decrypt -i "$key" -o "$D/out" "$D/f.age" && cmp -s "$in" "$D/out"; then
				pass "age_to_parley_$name"
			else
				fail "age_to_parley_$name"
			fi
			rm -f "$D/f.age" "$D/out"
			# age -o creates no file for an empty plaintext, so read its stdout.
			if "$PARLEY" age encrypt "${rargs[@]}" $armor -o "$D/f.age" "$in" &&
				age -d -i "$key" "$D/f.age" >"$D/out" && cmp -s "$in" "$D/out"; then
				pass "parley_to_age_$name"
			else
				fail "parley_to_age_$name"
			fi
		done
	done
done

# Pipes: stdin to stdout both ways.
if age -r "${recips[0]}" <"$D/p65537" | "$PARLEY" age decrypt -i "$D/key1" | cmp -s - "$D/p65537" &&
	"$PARLEY" age encrypt -a -r "${recips[0]}" <"$D/p65537" | age -d -i "$D/key1" | cmp -s - "$D/p65537"; then
	pass pipes
else
	fail pipes
fi

# Several identity files, and a recipients file.
printf '# team\n%s\n\n%s\n' "${recips[4]}" "${recips[5]}" >"$D/recips.txt"
if "$PARLEY" age encrypt -R "$D/recips.txt" -o "$D/f.age" "$D/p1" &&
	"$PARLEY" age decrypt -i "$D/key1" -i "$D/key6" -o "$D/out" "$D/f.age" && cmp -s "$D/p1" "$D/out"; then
	pass recipients_file_and_identity_files
else
	fail recipients_file_and_identity_files
fi

# Passphrase (scrypt) round trip through the environment variable.
if PARLEY_AGE_PASSPHRASE=hunter2 "$PARLEY" age encrypt -p -o "$D/s.age" "$D/p65537" &&
	grep -qa '^-> scrypt ' "$D/s.age" &&
	PARLEY_AGE_PASSPHRASE=hunter2 "$PARLEY" age decrypt -o "$D/out" "$D/s.age" && cmp -s "$D/p65537" "$D/out"; then
	pass passphrase_round_trip
else
	fail passphrase_round_trip
fi
rm -f "$D/out"
expect passphrase_wrong 1 "parley age: no match:" env PARLEY_AGE_PASSPHRASE=hunter3 "$PARLEY" age decrypt -o "$D/out" "$D/s.age"

# Failed decryptions with -o leave no output file.
age -r "${recips[0]}" -o "$D/big.age" "$D/p5MiB"
no_out() { # NAME CODE MESSAGE INPUT [IDENTITY]
	rm -f "$D/out"
	expect "$1" "$2" "$3" "$PARLEY" age decrypt -i "${5:-$D/key1}" -o "$D/out" "$4" || return
	if [ -e "$D/out" ] || ls "$D"/out.tmp-* >/dev/null 2>&1; then
		fail "$1_no_output_file" "output or temporary file left behind"
	else
		pass "$1_no_output_file"
	fi
}
head -c $((3 * 65552 + 300)) "$D/big.age" >"$D/trunc.age"
no_out truncated 1 "parley age: payload failure:" "$D/trunc.age"
cp "$D/big.age" "$D/flip.age"
printf 'X' | dd of="$D/flip.age" bs=1 seek=$((5 * 1024 * 1024)) conv=notrunc status=none
no_out last_chunk_tampered 1 "parley age: payload failure:" "$D/flip.age"
no_out wrong_identity 1 "parley age: no match:" "$D/big.age" "$D/key2"
printf 'hello\n' >"$D/garbage"
no_out garbage 1 "parley age: armor failure:" "$D/garbage"
: >"$D/empty"
no_out empty 1 "parley age: header failure:" "$D/empty"

# Each failure kind, on CCTV vectors (the text before the first empty line is the vector's metadata).
TD=${TESTDATA:-$ROOT/../shared/testdata}/age
kind() { # NAME VECTOR MESSAGE
	if [ ! -f "$TD/$2" ]; then
		fail "$1" "missing vector $TD/$2"
		return
	fi
	sed -n '/^identity: /s///p' "$TD/$2" >"$D/$2.key"
	sed '1,/^$/d' "$TD/$2" >"$D/$2.age"
	no_out "$1" 1 "$3" "$D/$2.age" "$D/$2.key"
}
kind vector_header stanza_bad_start "parley age: header failure:"
kind vector_hmac hmac_bad "parley age: HMAC failure:"
kind vector_no_match x25519_no_match "parley age: no match:"
kind vector_payload stream_bad_tag "parley age: payload failure:"
kind vector_armor armor_garbage_leading "parley age: armor failure:"

# Usage and I/O errors exit 2.
expect usage_no_subcommand 2 "usage" "$PARLEY" age
expect usage_no_recipient 2 "parley age: usage:" "$PARLEY" age encrypt "$D/p1"
expect usage_bad_recipient 2 "parley age: usage:" "$PARLEY" age encrypt -r age1notarecipient "$D/p1"
expect usage_unknown_option 2 "parley age: usage:" "$PARLEY" age decrypt -x
expect io_missing_identity 2 "parley age: I/O error:" "$PARLEY" age decrypt -i "$D/nonexistent" "$D/big.age"
expect io_missing_input 2 "parley age: I/O error:" "$PARLEY" age decrypt -i "$D/key1" "$D/nonexistent"
printf 'AGE-SECRET-KEY-1XYZ\n' >"$D/badkey"
expect bad_identity_file 2 "line 1" "$PARLEY" age decrypt -i "$D/badkey" "$D/big.age"

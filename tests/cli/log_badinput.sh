#!/usr/bin/env bash
# Bad input to the log, note and proof commands: each case checks the exact
# exit code and a clear message, and for `log append` that nothing changed
# (the checkpoint and a checksum of every file in the log directory).
. "$(dirname "$0")/../lib.sh"
D=$T_DIR/log K=$T_DIR/key K2=$T_DIR/other.key
"$PARLEY" keygen --name bad.example/log --out "$K" >/dev/null || { fail setup keygen; exit 1; }
"$PARLEY" keygen --name other.example/log --out "$K2" >/dev/null || { fail setup keygen; exit 1; }
V=$("$PARLEY" key vkey "$K") V2=$("$PARLEY" key vkey "$K2")
"$PARLEY" log init "$D" --key "$K" && seq -f 'entry %g' 0 299 | "$PARLEY" log append "$D" --key "$K" >/dev/null ||
	{ fail setup "log init/append"; exit 1; }

# State of a log directory: its checkpoint and a checksum of every file.
snap() { (cd "$1" && "$PARLEY" log checkpoint . 2>&1; find . -type f -print0 | sort -z | xargs -0 sha256sum); }
# unchanged NAME DIR BEFORE — the log's state equals BEFORE.
unchanged() {
	if [ "$(snap "$2")" = "$3" ]; then pass "$1-unchanged"; else fail "$1-unchanged" "the log changed"; fi
}
# flip FILE OFFSET — inverts the lowest bit of one byte in place.
flip() {
	perl -e 'open(F, "+<", $ARGV[0]) or die "$ARGV[0]: $!"; seek(F, $ARGV[1], 0); read(F, $c, 1);
		seek(F, $ARGV[1], 0); print F chr(ord($c) ^ 1); close F' "$1" "$2"
}
# copy NAME — a fresh copy of the log to damage.
copy() { rm -rf "$T_DIR/$1"; cp -a "$D" "$T_DIR/$1"; echo "$T_DIR/$1"; }

before=$(snap "$D")

## Oversize entries: 65,536 bytes is one over the limit.
head -c 65536 /dev/zero | tr '\0' a >"$T_DIR/big"
expect append-oversize-file 2 "larger than the limit of 65535 bytes; nothing was appended" \
	"$PARLEY" log append "$D" --key "$K" "$T_DIR/big"
unchanged append-oversize-file "$D" "$before"
printf 'small\n' >"$T_DIR/small"
expect append-oversize-among-files 2 "nothing was appended" "$PARLEY" log append "$D" --key "$K" "$T_DIR/small" "$T_DIR/big"
unchanged append-oversize-among-files "$D" "$before"
{ cat "$T_DIR/big"; echo; } >"$T_DIR/bigline"
"$PARLEY" log append "$D" --key "$K" <"$T_DIR/bigline" >"$T_DIR/out" 2>"$T_ERR"
rc=$?
if [ $rc = 2 ] && grep -q "line 1 of standard input is 65536 bytes, over the entry limit" "$T_ERR" && [ ! -s "$T_DIR/out" ]; then
	pass append-oversize-stdin-line
else
	fail append-oversize-stdin-line "exit $rc: $(cat "$T_ERR")"
fi
unchanged append-oversize-stdin-line "$D" "$before"
# An unterminated last line over the limit.
expect append-oversize-stdin-eof 2 "over the entry limit" sh -c '"$1" log append "$2" --key "$3" <"$4"' - "$PARLEY" "$D" "$K" "$T_DIR/big"
unchanged append-oversize-stdin-eof "$D" "$before"

## Keys.
expect append-wrong-key 1 "does not verify with the key other.example/log" "$PARLEY" log append "$D" --key "$K2" "$T_DIR/small"
unchanged append-wrong-key "$D" "$before"
expect append-missing-key 2 "no such file" "$PARLEY" log append "$D" --key "$T_DIR/nokey" "$T_DIR/small"
unchanged append-missing-key "$D" "$before"
cp "$K" "$T_DIR/k644" && chmod 644 "$T_DIR/k644"
expect append-key-mode-0644 2 "can be read by others (mode 0644)" "$PARLEY" log append "$D" --key "$T_DIR/k644" "$T_DIR/small"
unchanged append-key-mode-0644 "$D" "$before"

## Malformed checkpoints: log verify says inconsistent (1), log append refuses (2, malformed input).
L=$(copy cp-root)
sed -i '3s/^./!/' "$L/checkpoint"
b=$(snap "$L")
expect cp-bad-root-verify 1 "root hash is not the base64 of 32 bytes" "$PARLEY" log verify "$L" --vkey "$V"
expect cp-bad-root-append 2 "$L/checkpoint: checkpoint root hash is not the base64" "$PARLEY" log append "$L" --key "$K" "$T_DIR/small"
unchanged cp-bad-root "$L" "$b"
L=$(copy cp-size)
sed -i '2s/^/0/' "$L/checkpoint"
b=$(snap "$L")
expect cp-leading-zero-verify 1 "size line is not a decimal number without leading zeros" "$PARLEY" log verify "$L" --vkey "$V"
expect cp-leading-zero-append 2 "size line is not a decimal number without leading zeros" "$PARLEY" log append "$L" --key "$K" "$T_DIR/small"
unchanged cp-leading-zero "$L" "$b"
L=$(copy cp-newline)
head -c -1 "$D/checkpoint" >"$L/checkpoint"
b=$(snap "$L")
expect cp-missing-newline-verify 1 "does not end with a newline" "$PARLEY" log verify "$L" --vkey "$V"
expect cp-missing-newline-append 2 "does not end with a newline" "$PARLEY" log append "$L" --key "$K" "$T_DIR/small"
unchanged cp-missing-newline "$L" "$b"
# Forged signature: one base64 character of the signature changed (still canonical).
L=$(copy cp-forged)
perl -pi -e 's/^(\xe2\x80\x94 \S+ .{30})(.)/$1 . ($2 eq "A" ? "B" : "A")/e' "$L/checkpoint"
b=$(snap "$L")
expect cp-forged-verify 1 "does not verify" "$PARLEY" log verify "$L" --vkey "$V"
expect cp-forged-append 1 "checkpoint was altered" "$PARLEY" log append "$L" --key "$K" "$T_DIR/small"
unchanged cp-forged "$L" "$b"

## Damaged tiles and bundles: log verify exits 1 and names the file.
L=$(copy tile-flip) && flip "$L/tile/0/000" 100
expect tampered-tile 1 "tile/0/000: hash 3 differs" "$PARLEY" log verify "$L" --vkey "$V"
L=$(copy bundle-flip) && flip "$L/tile/entries/000" 2
expect tampered-bundle-entry 1 "entry 0 in tile/entries/000" "$PARLEY" log verify "$L" --vkey "$V"
L=$(copy bundle-len) && flip "$L/tile/entries/000" 1
expect tampered-bundle-length 1 "tile/entries/000" "$PARLEY" log verify "$L" --vkey "$V"
L=$(copy tile-trunc) && truncate -s 100 "$L/tile/0/000"
expect truncated-tile 1 "tile/0/000 has 100 bytes, expected 8192" "$PARLEY" log verify "$L" --vkey "$V"
L=$(copy bundle-trunc) && truncate -s 100 "$L/tile/entries/000"
expect truncated-bundle 1 "tile/entries/000" "$PARLEY" log verify "$L" --vkey "$V"
L=$(copy partial-trunc) && truncate -s 10 "$L/tile/entries/001.p/44"
expect truncated-partial-bundle 1 "tile/entries/001.p/44" "$PARLEY" log verify "$L" --vkey "$V"
L=$(copy tile-missing) && rm "$L/tile/1/000.p/1"
expect missing-tile 1 "tile/1/000.p/1 is missing" "$PARLEY" log verify "$L" --vkey "$V"
expect good-log-verifies 0 "" "$PARLEY" log verify "$D" --vkey "$V"

## Notes with forbidden bytes.
"$PARLEY" log checkpoint "$D" >"$T_DIR/note"
printf 'a\001b\n' | cat - "$T_DIR/note" >"$T_DIR/note-ctl"
expect note-control-char 1 "invalid UTF-8 or a control character at byte 1" "$PARLEY" note verify "$T_DIR/note-ctl" --vkey "$V"
printf 'a\377b\n' | cat - "$T_DIR/note" >"$T_DIR/note-utf8"
expect note-not-utf8 1 "invalid UTF-8 or a control character at byte 1" "$PARLEY" note verify "$T_DIR/note-utf8" --vkey "$V"
printf 'a\r\n' | cat - "$T_DIR/note" >"$T_DIR/note-cr"
expect note-carriage-return 1 "control character" "$PARLEY" note verify "$T_DIR/note-cr" --vkey "$V"
expect note-good 0 "" "$PARLEY" note verify "$T_DIR/note" --vkey "$V"

## Proofs.
P=$T_DIR/proof E=$T_DIR/entry
"$PARLEY" log prove "$D" 7 >"$P" && printf 'entry 7' >"$E"
expect proof-good 0 "" "$PARLEY" proof verify "$P" "$E" --vkey "$V"
perl -pe 's/^(.{10})(.)/$1 . ($2 eq "A" ? "B" : "A")/e if $. == 3' "$P" >"$T_DIR/p-hash"
expect proof-bad-hash 1 "does not lead to the root hash" "$PARLEY" proof verify "$T_DIR/p-hash" "$E" --vkey "$V"
sed 's/^index 7$/index 8/' "$P" >"$T_DIR/p-index"
expect proof-wrong-index 1 "inclusion proof" "$PARLEY" proof verify "$T_DIR/p-index" "$E" --vkey "$V"
head -c 100 "$P" >"$T_DIR/p-trunc"
expect proof-truncated 1 "proof" "$PARLEY" proof verify "$T_DIR/p-trunc" "$E" --vkey "$V"
head -c -1 "$P" >"$T_DIR/p-trunc2"
expect proof-truncated-checkpoint 1 "newline" "$PARLEY" proof verify "$T_DIR/p-trunc2" "$E" --vkey "$V"
expect proof-other-log-key 1 "is not the log key's name" "$PARLEY" proof verify "$P" "$E" --vkey "$V2"
printf 'entry 8' >"$T_DIR/e8"
expect proof-other-entry 1 "does not lead to the root hash" "$PARLEY" proof verify "$P" "$T_DIR/e8" --vkey "$V"

## Usage errors exit 2.
expect usage-proof-no-vkey 2 "usage" "$PARLEY" proof verify "$P" "$E"
expect usage-proof-missing-file 2 "no such file" "$PARLEY" proof verify "$T_DIR/nope" "$E" --vkey "$V"
expect usage-proof-bad-vkey 2 "neither a verifier key nor a file" "$PARLEY" proof verify "$P" "$E" --vkey nonsense
expect usage-log-verify-no-vkey 2 "usage" "$PARLEY" log verify "$D"
expect usage-log-append-no-key 2 "usage" "$PARLEY" log append "$D"
expect usage-log-append-bad-option 2 "unknown option '--kee'" "$PARLEY" log append "$D" --kee "$K"
expect usage-log-prove-not-number 2 "'abc' is not a number" "$PARLEY" log prove "$D" abc
expect usage-log-prove-leading-zero 2 "'07' is not a number" "$PARLEY" log prove "$D" 07
expect usage-log-prove-beyond 2 "does not exist" "$PARLEY" log prove "$D" 300
expect usage-log-consistency-beyond 2 "larger than the log's size" "$PARLEY" log consistency "$D" 301
expect usage-log-unknown 2 "usage" "$PARLEY" log bogus
expect usage-note-verify 2 "usage" "$PARLEY" note verify
expect usage-log-no-dir 2 "no such log directory" "$PARLEY" log checkpoint "$T_DIR/none"
unchanged everything "$D" "$before"

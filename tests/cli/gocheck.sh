#!/usr/bin/env bash
# gocheck.sh — parley's logs, proofs and checkpoints checked by an independent
# implementation: build/gocheck (tests/go/gocheck.go) on Go's
# golang.org/x/mod/sumdb/{note,tlog}. Logs of sizes around every tile boundary
# are built with `parley log append` in batches of uneven sizes (so partial
# tiles of several levels and widths exist), then Go checks every tile and
# bundle, inclusion proofs and consistency proofs; and Go must reject a
# flipped tile byte, a truncated bundle, a wrong key and tampered proofs.
source "$(dirname "$0")/../lib.sh"
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
GOCHECK=${GOCHECK:-}

if [ -z "$GOCHECK" ] || [ ! -x "$GOCHECK" ]; then
	# The Makefile always builds it; its absence is a failure, not a skip.
	fail gocheck-built "GOCHECK='$GOCHECK' is not an executable (make builds build/gocheck)"
	exit 0
fi

KEY=$T_DIR/log.key
VKEY=$T_DIR/log.vkey
"$PARLEY" keygen --name gocheck.example/log --out "$KEY" >"$VKEY" || { fail keygen; exit 0; }

# Go's answers must not drift from the committed known-answer vectors.
if "$GOCHECK" kat "$T_DIR/kat" 2>"$T_ERR" && diff -r "$ROOT/tests/data/kat" "$T_DIR/kat" >"$T_OUT" 2>&1; then
	pass kat-reproducible
else
	fail kat-reproducible "$(head -c 300 "$T_ERR" "$T_OUT")"
fi

# build NAME BATCH... — a log whose entries are lines "entry-<i>", appended in
# batches of the given sizes, one `parley log append` per batch; the
# checkpoint after each batch is kept as NAME.cp/<size>.
build() {
	local name=$1 dir=$T_DIR/$1 n=0 b; shift
	"$PARLEY" log init "$dir" --key "$KEY" || return 1
	mkdir -p "$dir.cp"
	"$PARLEY" log checkpoint "$dir" >"$dir.cp/0" || return 1
	for b in "$@"; do
		seq -f 'entry-%.0f' "$n" "$((n + b - 1))" | "$PARLEY" log append "$dir" --key "$KEY" >"$dir.idx" || return 1
		[ "$(wc -l <"$dir.idx")" -eq "$b" ] || { echo "batch of $b printed $(wc -l <"$dir.idx") indices"; return 1; }
		n=$((n + b))
		"$PARLEY" log checkpoint "$dir" >"$dir.cp/$n" || return 1
	done
}

# parley_then_go OUT PARLEY-ARGS... -- GOCHECK-ARGS... — parley's output into
# OUT, then Go's check of it; a failure of either is added to $errs.
parley_then_go() {
	local out=$1 p=()
	shift
	while [ "$1" != -- ]; do p+=("$1"); shift; done
	shift
	if ! "$PARLEY" "${p[@]}" >"$out" 2>"$T_ERR"; then
		errs+=" [parley ${p[*]}: $(head -c 200 "$T_ERR")]"
	elif ! "$GOCHECK" "$@" >/dev/null 2>"$T_ERR"; then
		errs+=" [gocheck after parley ${p[*]}: $(head -c 300 "$T_ERR")]"
	fi
}

# check_log NAME SIZE — every check Go can make of the log NAME of SIZE entries.
check_log() {
	local name=$1 size=$2 dir=$T_DIR/$1 errs="" i old
	# The whole directory as of now, and as of every older checkpoint
	# (older partial tiles, or full tiles in their place).
	for old in $(ls "$dir.cp" | sort -n); do
		if [ "$old" -eq "$size" ]; then
			"$GOCHECK" log "$dir" "$VKEY" >/dev/null 2>"$T_ERR" || errs+=" [current: $(head -c 300 "$T_ERR")]"
		else
			"$GOCHECK" log "$dir" "$VKEY" "$dir.cp/$old" >/dev/null 2>"$T_ERR" ||
				errs+=" [as of $old: $(head -c 300 "$T_ERR")]"
		fi
	done
	[ -z "$errs" ] && pass "$name:log" || fail "$name:log" "$errs"
	[ "$size" -eq 0 ] && return

	# Inclusion: first, last, middle, and both sides of every tile boundary.
	errs=""
	for i in 0 $((size - 1)) $((size / 2)) 1 254 255 256 257 511 512 65535 65536; do
		[ "$i" -lt "$size" ] || continue
		printf 'entry-%d' "$i" >"$T_DIR/entry"
		parley_then_go "$T_DIR/proof" log prove "$dir" "$i" -- \
			inclusion "$dir" "$VKEY" "$T_DIR/proof" "$T_DIR/entry"
	done
	[ -z "$errs" ] && pass "$name:inclusion" || fail "$name:inclusion" "$errs"

	# Consistency from every older checkpoint (0 and the size itself included).
	errs=""
	for old in $(ls "$dir.cp" | sort -n); do
		parley_then_go "$T_DIR/cons" log consistency "$dir" "$old" -- \
			consistency "$VKEY" "$dir.cp/$old" "$dir/checkpoint" "$T_DIR/cons"
	done
	[ -z "$errs" ] && pass "$name:consistency" || fail "$name:consistency" "$errs"
}

# Sizes around each tile boundary; batch plans leave partial tiles of several
# widths behind, and size 512 is reached in 32 small batches (1, 2, ..., 31, 16).
small=$(seq 1 31)
declare -A plans=(
	[0]="" [1]="1" [2]="1 1" [255]="100 155" [256]="255 1" [257]="256 1"
	[511]="3 250 258" [512]="$small 16" [513]="512 1"
	[65535]="1000 64535" [65536]="65535 1" [65537]="300 65236 1" [70000]="257 65280 4463"
)
sizes="0 1 2 255 256 257 511 512 513 65535 65536 65537 70000"
# The builds wait on fsync far more than on the CPU, so they run side by side.
for size in $sizes; do
	# shellcheck disable=SC2086
	(build "size-$size" ${plans[$size]} >"$T_DIR/size-$size.build" 2>&1; echo $? >"$T_DIR/size-$size.rc") &
done
wait
for size in $sizes; do
	name=size-$size
	if [ "$(cat "$T_DIR/$name.rc")" != 0 ]; then
		fail "$name:build" "$(head -c 300 "$T_DIR/$name.build")"
		continue
	fi
	check_log "$name" "$size"
done

# ---- Go must reject broken logs and proofs --------------------------------

# flip FILE OFFSET — inverts the low bit of one byte in place.
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	chmod u+w "$1"
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
bad() { rm -rf "$T_DIR/bad"; cp -r "$T_DIR/size-70000" "$T_DIR/bad"; }

bad; flip "$T_DIR/bad/tile/0/000" 100
expect reject-flipped-full-tile 1 "tile/0/000" "$GOCHECK" log "$T_DIR/bad" "$VKEY"
bad; flip "$T_DIR/bad/tile/0/273.p/112" 31
expect reject-flipped-partial-tile 1 "tile/0/273.p/112" "$GOCHECK" log "$T_DIR/bad" "$VKEY"
bad; flip "$T_DIR/bad/tile/1/000" 5000
expect reject-flipped-level1-tile 1 "tile/1/000" "$GOCHECK" log "$T_DIR/bad" "$VKEY"
bad; flip "$T_DIR/bad/tile/2/000.p/1" 0
expect reject-flipped-level2-tile 1 "tile/2/000.p/1" "$GOCHECK" log "$T_DIR/bad" "$VKEY"
bad; flip "$T_DIR/bad/tile/entries/100" 45
expect reject-flipped-bundle 1 "root" "$GOCHECK" log "$T_DIR/bad" "$VKEY"
bad; chmod u+w "$T_DIR/bad/tile/entries/000"; truncate -s -1 "$T_DIR/bad/tile/entries/000"
expect reject-truncated-bundle 1 "tile/entries/000" "$GOCHECK" log "$T_DIR/bad" "$VKEY"
bad; chmod u+w "$T_DIR/bad/tile/entries/273.p/112"; truncate -s -3 "$T_DIR/bad/tile/entries/273.p/112"
expect reject-truncated-partial-bundle 1 "tile/entries/273.p/112" "$GOCHECK" log "$T_DIR/bad" "$VKEY"
bad; rm "$T_DIR/bad/tile/0/100"
expect reject-missing-tile 1 "tile/0/100" "$GOCHECK" log "$T_DIR/bad" "$VKEY"

"$PARLEY" keygen --name gocheck.example/log --out "$T_DIR/other.key" >"$T_DIR/other.vkey"
expect reject-wrong-vkey-log 1 "note.Open" "$GOCHECK" log "$T_DIR/size-513" "$T_DIR/other.vkey"

dir=$T_DIR/size-513
printf 'entry-%d' 300 >"$T_DIR/entry"
"$PARLEY" log prove "$dir" 300 >"$T_DIR/proof"
expect reject-wrong-vkey-inclusion 1 "note.Open" "$GOCHECK" inclusion "$dir" "$T_DIR/other.vkey" "$T_DIR/proof" "$T_DIR/entry"
printf 'entry-%d' 301 >"$T_DIR/entry.wrong"
expect reject-wrong-entry 1 "CheckRecord" "$GOCHECK" inclusion "$dir" "$VKEY" "$T_DIR/proof" "$T_DIR/entry.wrong"
sed '3{h;d};4G' "$T_DIR/proof" >"$T_DIR/proof.bad" # the first two hashes swapped
expect reject-tampered-inclusion-proof 1 "CheckRecord" "$GOCHECK" inclusion "$dir" "$VKEY" "$T_DIR/proof.bad" "$T_DIR/entry"
sed 's/^index 300$/index 301/' "$T_DIR/proof" >"$T_DIR/proof.bad"
expect reject-wrong-index 1 "CheckRecord" "$GOCHECK" inclusion "$dir" "$VKEY" "$T_DIR/proof.bad" "$T_DIR/entry"

"$PARLEY" log consistency "$dir" 257 >"$T_DIR/cons"
expect reject-wrong-vkey-consistency 1 "note.Open" "$GOCHECK" consistency "$T_DIR/other.vkey" "$dir.cp/512" "$dir/checkpoint" "$T_DIR/cons"
expect reject-consistency-wrong-old-size 1 "CheckTree" "$GOCHECK" consistency "$VKEY" "$dir.cp/512" "$dir/checkpoint" "$T_DIR/cons"
head -n -1 "$T_DIR/cons" >"$T_DIR/cons.bad"
expect reject-consistency-short-proof 1 "CheckTree" "$GOCHECK" consistency "$VKEY" "$dir.cp/512" "$dir/checkpoint" "$T_DIR/cons.bad"

#!/usr/bin/env bash
# fuzz/run.sh SECONDS — runs every built libFuzzer target (make builds them into
# $FUZZ_BUILD, default build-fuzz/). For each target it first replays
# fuzz/regressions/<target>/* (crashers found earlier; each must now pass),
# then fuzzes for SECONDS starting from fuzz/corpus/<target>/ (copied to a
# temporary directory, so new inputs do not bloat the repository).
# Prints "PASS fuzz:<target>" or "FAIL fuzz:<target>: why" per target;
# exit status 1 if any failed. A new crasher is kept in $FUZZ_CRASHES
# (default build-fuzz/crashes/<target>/): fix the bug, then move it to
# fuzz/regressions/<target>/ so it is replayed forever.
set -u
cd "$(dirname "$0")/.."
secs=${1:?usage: fuzz/run.sh SECONDS}
: "${FUZZ_BUILD:=build-fuzz}" "${FUZZ_CRASHES:=$FUZZ_BUILD/crashes}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/parley-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Largest input worth trying per target (a little above the largest seed).
max_len() {
	case $1 in
	fuzz_tilepath) echo 128 ;;
	fuzz_merkle) echo 64 ;;
	fuzz_keyfile) echo 1024 ;;
	fuzz_note | fuzz_checkpoint) echo 2048 ;;
	fuzz_proof) echo 4096 ;;
	*) echo 4096 ;;
	esac
}

failed=0 found=0
for bin in "$FUZZ_BUILD"/fuzz_*; do
	[ -x "$bin" ] && [ -f "$bin" ] || continue
	t=$(basename "$bin")
	found=1
	log=$tmp/$t.log
	: >"$log"
	why=
	# 1. Every earlier crasher must now run clean.
	regs=()
	[ -d "fuzz/regressions/$t" ] && mapfile -t regs < <(find "fuzz/regressions/$t" -type f | sort)
	if [ ${#regs[@]} -gt 0 ] && ! "$bin" -runs=1 "${regs[@]}" >"$log" 2>&1; then
		why="a regression input fails again"
	fi
	# 2. Fuzz for a while from the seed corpus.
	if [ -z "$why" ] && [ "$secs" -gt 0 ]; then
		work=$tmp/$t.corpus art=$tmp/$t.art/
		mkdir -p "$work" "$art"
		[ -d "fuzz/corpus/$t" ] && cp -r "fuzz/corpus/$t/." "$work/"
		if ! "$bin" -max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix="$art" -print_final_stats=1 "$work" >"$log" 2>&1; then
			mkdir -p "$FUZZ_CRASHES/$t"
			cp "$art"* "$FUZZ_CRASHES/$t/" 2>/dev/null
			why="crash or timeout; input kept in $FUZZ_CRASHES/$t/"
		fi
	fi
	if [ -z "$why" ]; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		echo "PASS fuzz:$t${runs:+ ($runs runs)}"
	else
		echo "FAIL fuzz:$t: $why"
		grep -E 'ERROR|FUZZ_ASSERT|SUMMARY|runtime error|Test unit written' "$log" | head -n 8 | sed 's/^/    /' >&2
		failed=1
	fi
done
[ "$found" = 1 ] || echo "fuzz/run.sh: no fuzz targets in $FUZZ_BUILD (run make fuzzers)" >&2
exit $failed

#!/usr/bin/env bash
# Runs every test of parley and prints one line per test, then the totals:
#   "PASS name" / "FAIL name" / "SKIP name: reason"  ...  "N passed, N failed, N skipped"
# Unit-test binaries, shell tests (tests/cli/*.sh), the independent Go checks and the
# fuzz-corpus replay all report in that form. Exit status 1 if anything failed.
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}" "${PARLEY:=$PWD/$BUILD/parley}" "${GOCHECK:=$PWD/$BUILD/gocheck}"
export BUILD PARLEY GOCHECK
export ROOT=$PWD
export TESTDATA=${TESTDATA:-$PWD/../shared/testdata}
export TMPBASE=$(mktemp -d "${TMPDIR:-/tmp}/parley-test.XXXXXX")
trap 'rm -rf "$TMPBASE"' EXIT

log=$TMPBASE/results.txt
: >"$log"
run() { # run NAME CMD... — a test program; its PASS/FAIL/SKIP lines are counted
	local name=$1; shift
	local out=$TMPBASE/out.$$.txt
	"$@" >"$out" 2>"$out.err"
	local rc=$?
	grep -E '^(PASS|FAIL|SKIP) ' "$out" >>"$log"
	grep -E '^(PASS|FAIL|SKIP) ' "$out"
	if [ $rc -ne 0 ] || grep -q '^FAIL ' "$out"; then
		sed 's/^/    /' "$out.err" | tail -n 40
		if ! grep -q '^FAIL ' "$out"; then
			echo "FAIL $name: exited with status $rc" | tee -a "$log"
		fi
	fi
	rm -f "$out" "$out.err"
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run "$(basename "$t")" "$t"
done
for t in tests/cli/*.sh; do
	[ -f "$t" ] || continue
	run "$(basename "$t")" bash "$t"
done

passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
skipped=$(grep -c '^SKIP ' "$log")
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# The fuzz targets in `make check`: replays every saved crasher
# (fuzz/regressions/) and fuzzes each target for 5 seconds from its corpus.
# fuzz/run.sh prints the PASS/FAIL fuzz:<target> lines. Skipped when the
# fuzzers are not built, and under SANITIZE (the fuzzers are sanitized anyway,
# and `make SANITIZE=... check` does not rebuild them).
set -u
cd "$(dirname "$0")/../.."
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
if [ -n "${SANITIZE:-}" ]; then
	echo "SKIP fuzz_smoke.sh:fuzz: not under SANITIZE (run make fuzz-smoke)"
	exit 0
fi
if ! ls "$FUZZ_BUILD"/fuzz_* >/dev/null 2>&1; then
	echo "SKIP fuzz_smoke.sh:fuzz: no fuzzers in $FUZZ_BUILD (make fuzzers needs clang)"
	exit 0
fi
FUZZ_BUILD=$FUZZ_BUILD exec bash fuzz/run.sh "${FUZZ_SMOKE_SECONDS:-5}"

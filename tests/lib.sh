# Shared helpers for the shell tests in tests/cli/. Source it; each check prints
# "PASS <file>:<name>" or "FAIL <file>:<name>" for tests/run.sh to count.
set -u
T_FILE=$(basename "${BASH_SOURCE[1]:-$0}")
T_DIR=$(mktemp -d "${TMPBASE:-/tmp}/t.XXXXXX")
PARLEY=${PARLEY:?PARLEY must name the parley binary}

pass() { echo "PASS $T_FILE:$1"; }
fail() { echo "FAIL $T_FILE:$1${2:+: $2}"; echo "  $T_FILE:$1: ${2:-failed}" >&2; }
skip() { echo "SKIP $T_FILE:$1: $2"; }

# expect NAME CODE SUBSTRING CMD... — runs CMD, checks its exit code, and that
# stderr contains SUBSTRING (empty SUBSTRING: not checked). Output kept in $T_OUT/$T_ERR.
T_OUT=$T_DIR/stdout T_ERR=$T_DIR/stderr
expect() {
	local name=$1 code=$2 msg=$3; shift 3
	"$@" >"$T_OUT" 2>"$T_ERR" </dev/null
	local rc=$?
	if [ "$rc" -ne "$code" ]; then
		fail "$name" "exit $rc, expected $code; stderr: $(head -c 300 "$T_ERR")"
		return 1
	fi
	if [ -n "$msg" ] && ! grep -qF -- "$msg" "$T_ERR"; then
		fail "$name" "stderr lacks '$msg': $(head -c 300 "$T_ERR")"
		return 1
	fi
	pass "$name"
}

# same_tree DIR1 DIR2 — true if both hold identical files (names and bytes).
same_tree() { diff -r "$1" "$2" >/dev/null 2>&1; }

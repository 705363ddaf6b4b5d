# Shared helpers for the shell tests in tests/cli/. Source it; each check prints
# "PASS <file>:<name>" or "FAIL <file>:<name>" for tests/run.sh to count.
set -u
T_FILE=$(basename "${BASH_SOURCE[1]:-$0}")
T_DIR=$(mktemp -d "${TMPBASE:-/tmp}/t.XXXXXX")
PARLEY=${PARLEY:?PARLEY must name the parley binary}
# Run as root, the node and the witness need --allow-root (tests/tools/parley_root adds it).
if [ "$(id -u)" = 0 ] && [ -z "${PARLEY_REAL:-}" ]; then
	export PARLEY_REAL=$PARLEY
	PARLEY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tools/parley_root
fi

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

# ajv_setup — makes ajv (the independent JSON Schema validator) ready: installs
# tests/ajv/package-lock.json into $BUILD/ajv with `npm ci` when the lock file
# changed, and copies tests/ajv/validate.js there. Sets AJV to validate.js and
# returns 0; or returns 1 with the reason in AJV_WHY (the caller prints SKIP).
AJV= AJV_WHY=
ajv_setup() {
	local root=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
	local dir=$root/${BUILD:-build}/ajv
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		AJV_WHY="node or npm is not installed"
		return 1
	fi
	mkdir -p "$dir" || { AJV_WHY="cannot create $dir"; return 1; }
	if ! cmp -s "$root/tests/ajv/package-lock.json" "$dir/package-lock.json" || [ ! -d "$dir/node_modules/ajv" ]; then
		cp "$root/tests/ajv/package.json" "$root/tests/ajv/package-lock.json" "$dir/" &&
			rm -rf "$dir/node_modules" &&
			(cd "$dir" && timeout 300 npm ci --no-audit --no-fund) >"$T_DIR/npm.log" 2>&1 || {
			AJV_WHY="npm ci failed: $(tail -n 3 "$T_DIR/npm.log" 2>/dev/null | tr '\n' ' ')"
			rm -f "$dir/package-lock.json"
			return 1
		}
	fi
	cp "$root/tests/ajv/validate.js" "$dir/" || { AJV_WHY="cannot copy validate.js"; return 1; }
	AJV=$dir/validate.js
}

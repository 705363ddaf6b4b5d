# Sourced by the browser tests and bench/desk.sh. browser_setup makes the browser tests'
# tools ready: Debian's chromium (scripts/deps.sh installs it) and playwright-core and
# axe-core from tests/browser/package-lock.json with `npm ci` into tests/browser/node_modules,
# once per lockfile (a stamp of its hash), so later runs are offline. Returns 0, or 1 with
# the reason in BROWSER_WHY (the caller prints SKIP).
BROWSER_WHY=
browser_setup() {
	local dir
	dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	: "${CHROMIUM:=/usr/bin/chromium}"
	export CHROMIUM
	if [ ! -x "$CHROMIUM" ]; then BROWSER_WHY="chromium is not installed ($CHROMIUM; scripts/deps.sh installs Debian's chromium)"; return 1; fi
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then BROWSER_WHY="node or npm is not installed"; return 1; fi
	local want stamp=$dir/node_modules/.parley-lock.sha256
	want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
	if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
		local log
		log=$(mktemp)
		if ! (cd "$dir" && timeout 300 npm ci --no-audit --no-fund) >"$log" 2>&1; then
			BROWSER_WHY="npm ci failed in tests/browser: $(tail -n 3 "$log" | tr '\n' ' ')"
			rm -f "$log"
			return 1
		fi
		rm -f "$log"
		echo "$want" >"$stamp"
	fi
}

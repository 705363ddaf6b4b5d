#!/usr/bin/env bash
# `make lint`: dangerous libc calls are kept out of src/, and cppcheck finds nothing.
set -u
cd "$(dirname "$0")/.."
status=0
# Banned: unbounded copies and formats, unchecked conversions.
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atoll|strtok|tmpnam|mktemp)\s*\('
dirs=(); for d in src bench fuzz tests/unit; do [ -d "$d" ] && dirs+=("$d"); done
if grep -rnE "$banned" "${dirs[@]}" --include='*.c' --include='*.h'; then
	echo "lint: banned call(s) above; use snprintf, strtoull with checks, struct buf" >&2
	status=1
fi
# The layers (docs/architecture.md): the officer side, which holds an agency's
# key, and the client side of the network use nothing of the node's server.
if grep -rnE '#include "node/' src/officer src/net src/desk --include='*.c' --include='*.h' 2>/dev/null; then
	echo "lint: src/officer, src/net and src/desk must not include the node's server (src/node/)" >&2
	status=1
fi
# src/sys (the sandbox) sits under both sides: it includes only src/base, never the node, the desk,
# the officer side or the commands that use it.
if grep -rnE '#include "(node|desk|officer|cli|witness|net|httpd)/' src/sys --include='*.c' --include='*.h' 2>/dev/null; then
	echo "lint: src/sys is shared by the node and the desk: it may include only src/base" >&2
	status=1
fi
if command -v cppcheck >/dev/null 2>&1; then
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem -I src src/ || status=1
else
	echo "lint: cppcheck not installed; skipped it" >&2
fi
[ $status -eq 0 ] && echo "lint ok"
exit $status

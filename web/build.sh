#!/usr/bin/env bash
# Builds the desk's page into OUTDIR (index.html, desk.js, desk.css), which the
# Makefile builds into the binary (src/desk/desk_assets.c). OUTDIR must not be
# inside web/ (the Makefile lists every file there as a source).
#
# The tools (esbuild, Chart.js) come from the committed package-lock.json with
# `npm ci` into web/node_modules, once: a stamp of the lockfile's hash says when
# they are current, so later builds run offline and a changed lockfile installs
# again. Nothing is fetched when the page runs.
set -eu
out=${1:?usage: web/build.sh OUTDIR}
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
cd "$(dirname "$0")"
stamp=node_modules/.parley-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	command -v npm >/dev/null || { echo "web/build.sh: npm is not installed (scripts/deps.sh installs it)" >&2; exit 2; }
	npm ci --no-audit --no-fund --loglevel=error >&2
	echo "$want" >"$stamp"
fi
exec node build.mjs "$out"

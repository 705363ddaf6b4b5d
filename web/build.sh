#!/usr/bin/env bash
# Builds the desk's page into OUTDIR (index.html, desk.js, desk.css), which the
# Makefile builds into the binary (src/desk/desk_assets.c). Until the page's
# build lands this copies the placeholder in web/static/.
set -eu
out=$1
cd "$(dirname "$0")"
mkdir -p "$out"
cp static/index.html static/desk.css static/desk.js "$out"/

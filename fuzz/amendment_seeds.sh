#!/usr/bin/env bash
# fuzz/amendment_seeds.sh — writes the seed corpus of fuzz_amendment: amendments of the
# fixed fuzzing charter (fuzz/corpus/fuzz_charter/signed, its keys in fuzz/corpus/fuzz_keyfile/)
# as a commented draft, half-signed, signed, and a node-key rotation. Run after `make`;
# commit what changes.
set -euo pipefail
cd "$(dirname "$0")/.."
P=${PARLEY:-$PWD/build/parley}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/parley-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for f in fuzz/corpus/fuzz_keyfile/exchange-*.key; do
	n=$(basename "$f" .key)
	cp "$f" "$tmp/${n#exchange-}.key"
	chmod 600 "$tmp/${n#exchange-}.key"
done
K=$tmp CH=fuzz/corpus/fuzz_charter/signed A=fuzz/corpus/fuzz_amendment
mkdir -p "$A"
"$P" charter amend "$CH" --effective 2025-01-01 --reason "ack deadline" --out "$tmp/draft" 2>/dev/null
sed -i 's/^ack: 24h$/ack: 48h/' "$tmp/draft"
cp "$tmp/draft" "$A/draft-commented"
cp "$tmp/draft" "$A/half-signed"
"$P" charter sign "$A/half-signed" --key "$K/us-node.key" --charter "$CH" 2>/dev/null
cp "$A/half-signed" "$A/signed"
"$P" charter sign "$A/signed" --key "$K/ru-node.key" --charter "$CH" 2>/dev/null
# us's node key rotated to a new key (random: this seed changes on every run), signed by the
# two old node keys but not the new one: valid, not complete
"$P" keygen --name fuzz-us.example/log --out "$tmp/us-node.new.key" >/dev/null
"$P" charter amend "$CH" --effective 2025-02-01 --out "$tmp/rot" 2>/dev/null
grep -v '^#' "$tmp/rot" | awk -v k="$("$P" key vkey "$tmp/us-node.new.key")" \
	'/^party: us / { print "party: us https://fuzz-us.example/log " k; next } { print }' >"$A/node-rotation"
"$P" charter sign "$A/node-rotation" --key "$K/us-node.key" --charter "$CH" 2>/dev/null
"$P" charter sign "$A/node-rotation" --key "$K/ru-node.key" --charter "$CH" 2>/dev/null

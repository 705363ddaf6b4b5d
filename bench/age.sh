#!/usr/bin/env bash
# Times parley's age implementation and Debian's age command on the same file
# in the same run. Usage: bench/age.sh [SIZE_BYTES] (default 1 GiB).
# Prints key=value lines (MB = 10^6 bytes). age_ratio_vs_cli is the geometric
# mean of the encrypt and decrypt throughput ratios parley/age (> 1: parley faster).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
size=${1:-$((1024 * 1024 * 1024))}
bin=$BUILD/bench/bench_age
[ -x "$bin" ] || make -s "$bin"
dir=$(mktemp -d "${TMPDIR:-/tmp}/parley-bench-age.XXXXXX")
trap 'rm -rf "$dir"' EXIT

out=$("$bin" "$size" "$dir")
echo "$out"

age-keygen -o "$dir/key" 2>/dev/null
r=$(age-keygen -y "$dir/key")
secs() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
te=$(secs age -r "$r" -o "$dir/age.age" "$dir/plain")
td=$(secs age -d -i "$dir/key" -o "$dir/age.out" "$dir/age.age")
cmp -s "$dir/plain" "$dir/age.out" || { echo "age round trip failed" >&2; exit 1; }
awk -v s="$size" -v te="$te" -v td="$td" -v out="$(echo "$out" | tr '\n' ' ')" 'BEGIN {
	n = split(out, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
	ae = s / te / 1e6; ad = s / td / 1e6
	printf "age_cli_encrypt_mb_s=%.1f\nage_cli_decrypt_mb_s=%.1f\n", ae, ad
	printf "age_ratio_vs_cli=%.2f\n", sqrt((v["age_encrypt_mb_s"] / ae) * (v["age_decrypt_mb_s"] / ad))
}'

#!/usr/bin/env bash
# Times parley's age implementation and Debian's age command on the same file
# in the same run. Usage: bench/age.sh [SIZE_BYTES] (default 1 GiB).
#
# One random plaintext is written (and flushed to disk) once, in a temporary
# directory under $TMPDIR. Then, AGE_ROUNDS times (default 3), parley and age
# alternate: parley encrypts, age encrypts, parley decrypts, age decrypts. Each
# step writes a new output file (the previous round's is removed first) and
# starts after a sync of the file system, so that no step pays for another's
# write-back. Every decryption is compared with the plaintext. Each figure is
# the median of the rounds (the comment line lists them all). Then 4 KiB bodies
# to 3 recipients (seal/open).
#
# AGE_BASELINE=BIN also times BIN, a bench_age built from an earlier commit (for
# before/after figures in one run), in each round right after parley; its
# medians are printed as a comment only.
#
# Prints key=value lines (MB = 10^6 bytes). age_ratio_vs_cli is the geometric
# mean of the encrypt and decrypt throughput ratios parley/age (> 1: parley faster).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BUILD:=build}" "${AGE_ROUNDS:=3}"
size=${1:-$((1024 * 1024 * 1024))}
bin=$BUILD/bench/bench_age
[ -x "$bin" ] || make -s "$bin"
dir=$(mktemp -d "${TMPDIR:-/tmp}/parley-bench-age.XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$bin" gen "$size" "$dir"
echo "age_bytes=$size"
echo "# age: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), files on $(df --output=fstype "$dir" | tail -n 1), $AGE_ROUNDS rounds"
r=$(age-keygen -y "$dir/key")
flush() { sync -f "$dir"; }
mbs() { # mbs CMD... — runs CMD, prints size / wall time in MB/s
	local t0 t1
	t0=$(date +%s.%N)
	"$@"
	t1=$(date +%s.%N)
	awk -v s="$size" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", s / (b - a) / 1e6 }'
}
val() { sed -n "s/^$1=//p"; }
: >"$dir/pe" && : >"$dir/ae" && : >"$dir/pd" && : >"$dir/ad" && : >"$dir/be" && : >"$dir/bd"
base=${AGE_BASELINE:-}
for _ in $(seq "$AGE_ROUNDS"); do
	rm -f "$dir/parley.age" && flush
	"$bin" encrypt "$dir" | val age_encrypt_mb_s >>"$dir/pe"
	if [ -n "$base" ]; then
		mv "$dir/parley.age" "$dir/keep.age" && flush
		"$base" encrypt "$dir" | val age_encrypt_mb_s >>"$dir/be"
		mv "$dir/keep.age" "$dir/parley.age"
	fi
	rm -f "$dir/age.age" && flush
	mbs age -r "$r" -o "$dir/age.age" "$dir/plain" >>"$dir/ae"
	rm -f "$dir/parley.out" && flush
	"$bin" decrypt "$dir" | val age_decrypt_mb_s >>"$dir/pd"
	if [ -n "$base" ]; then
		rm -f "$dir/parley.out" && flush
		"$base" decrypt "$dir" | val age_decrypt_mb_s >>"$dir/bd"
	fi
	rm -f "$dir/age.out" && flush
	mbs age -d -i "$dir/key" -o "$dir/age.out" "$dir/age.age" >>"$dir/ad"
	cmp -s "$dir/plain" "$dir/age.out" || { echo "age round trip failed" >&2; exit 1; }
done
rm -f "$dir"/*.age "$dir"/*.out "$dir/plain"
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "# age MB/s by round: parley encrypt $(tr '\n' ' ' <"$dir/pe"); age encrypt $(tr '\n' ' ' <"$dir/ae");" \
	"parley decrypt $(tr '\n' ' ' <"$dir/pd"); age decrypt $(tr '\n' ' ' <"$dir/ad")"
[ -z "$base" ] || echo "# age baseline $base: encrypt MB/s $(tr '\n' ' ' <"$dir/be")(median $(median "$dir/be")); decrypt MB/s $(tr '\n' ' ' <"$dir/bd")(median $(median "$dir/bd"))"
pe=$(median "$dir/pe") ae=$(median "$dir/ae") pd=$(median "$dir/pd") ad=$(median "$dir/ad")
echo "age_encrypt_mb_s=$pe"
echo "age_decrypt_mb_s=$pd"
echo "age_cli_encrypt_mb_s=$ae"
echo "age_cli_decrypt_mb_s=$ad"
awk -v pe="$pe" -v ae="$ae" -v pd="$pd" -v ad="$ad" 'BEGIN { printf "age_ratio_vs_cli=%.2f\n", sqrt((pe / ae) * (pd / ad)) }'
"$bin" small

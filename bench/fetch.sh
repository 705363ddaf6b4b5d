#!/usr/bin/env bash
# The auditor's mirror (called by bench/run.sh, or on its own):
#
#   fetch_entries_per_s, download_entries_per_s, fetch_ratio_vs_download
#       a log of $N entries (1,000,000, the report benchmark's size) of 256 bytes (appended with `parley log append` to
#       a node's log before it starts) served by a parley node on loopback.
#       fetch: `parley fetch` into an empty directory: the checkpoint checked
#       against the charter, every entry bundle fetched over one keep-alive
#       connection, every tile computed from the entries and written, the root
#       checked, everything made durable. download: the same files (the
#       checkpoint and every entry bundle) fetched from the same node by one
#       curl process over one keep-alive connection, one request after the
#       other as fetch does, each written to a file, nothing checked (curl
#       --config: no process per file), then one `sync -f` (syncfs) of its
#       directory, as fetch makes its mirror durable with one syncfs before it
#       publishes the checkpoint: the ratio compares checking, not durability
#       (the figure without the sync is printed as a comment). Run download,
#       fetch, download; the faster download is the one compared.
#
# Every process started here is stopped, and the work directory removed, on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
: "${BUILD:=build}"
PARLEY=${PARLEY:-$ROOT/$BUILD/parley}
N=${FETCH_N:-1000000} # built in ~7 s; the node indexes it at start in ~35 s
[ "${BENCH_QUICK:-}" = 1 ] && N=$((N / 10))

tmp=$(mktemp -d "${TMPDIR:-/tmp}/parley-fetchbench.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$ROOT/tests/fixture.sh"
PORT_BASE=${PORT_BASE:-$(free_port_base)}
make_channel "$tmp/ch" >/dev/null
K=$tmp/ch/keys
"$PARLEY" node init "$tmp/us" --charter "$tmp/ch/charter" --key "$K/us-node.key" 2>/dev/null
pad=$(printf '%0240d' 0)
t0=$(date +%s.%N)
seq "$N" | awk -v pad="$pad" '{ printf "entry %09d %s\n", $1, pad }' |
	"$PARLEY" log append "$tmp/us/log" --key "$K/us-node.key" >/dev/null
t1=$(date +%s.%N)
US=http://127.0.0.1:$((PORT_BASE + 1))
"$PARLEY" node --dir "$tmp/us" >"$tmp/us.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do curl -sf "$US/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "$US/healthz" >/dev/null || { echo "bench: the node did not come up" >&2; tail -n 5 "$tmp/us.log" >&2; exit 1; }
t2=$(date +%s.%N)
size=$(curl -sf "$US/checkpoint" | sed -n 2p)
[ "$size" = "$N" ] || { echo "bench: the node serves $size entries, not $N" >&2; exit 1; }

# the files fetch downloads: the checkpoint and every entry bundle (tlog-tiles paths: x001/x234/067)
awk -v n="$N" -v u="$US" 'function path(i,   s) {
		s = sprintf("%03d", i % 1000); i = int(i / 1000)
		while (i > 0) { s = sprintf("x%03d/%s", i % 1000, s); i = int(i / 1000) }
		return s
	}
	BEGIN {
		printf "url = \"%s/checkpoint\"\noutput = \"checkpoint\"\n", u
		for (i = 0; i < int(n / 256); i++) printf "url = \"%s/tile/entries/%s\"\noutput = \"tile/entries/%s\"\n", u, path(i), path(i)
		if (n % 256) printf "url = \"%s/tile/entries/%s.p/%d\"\noutput = \"tile/entries/%s.p/%d\"\n", u, path(int(n / 256)), n % 256, path(int(n / 256)), n % 256
	}' >"$tmp/curl.cfg"
download() { # download DIR — prints the seconds taken, to the files written and to them made durable
	local s e y
	rm -rf "$1" && mkdir -p "$1"
	s=$(date +%s.%N)
	(cd "$1" && curl -sf --create-dirs --config "$tmp/curl.cfg")
	e=$(date +%s.%N)
	sync -f "$1" # one syncfs, as fetch makes the mirror durable before its checkpoint
	y=$(date +%s.%N)
	[ "$(find "$1" -type f | wc -l)" -eq "$(grep -c '^output' "$tmp/curl.cfg")" ] ||
		{ echo "bench: the download is incomplete" >&2; exit 1; }
	awk -v s="$s" -v e="$e" -v y="$y" 'BEGIN { printf "%.3f %.3f\n", y - s, e - s }'
}
sync -f "$tmp" # nothing of the setup left to write back during the runs
dl1=$(download "$tmp/dl")
rm -rf "$tmp/dl"
sync -f "$tmp"
s=$(date +%s.%N)
"$PARLEY" fetch --charter "$tmp/ch/charter" --out "$tmp/audit" "$US" >"$tmp/fetch.out" 2>"$tmp/fetch.err" ||
	{ echo "bench: parley fetch failed: $(cat "$tmp/fetch.err")" >&2; exit 1; }
e=$(date +%s.%N)
grep -q "^us: size $N ($N new)" "$tmp/fetch.out" || { echo "bench: fetch said $(cat "$tmp/fetch.out")" >&2; exit 1; }
f=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }')
rm -rf "$tmp/audit"
sync -f "$tmp"
dl2=$(download "$tmp/dl")
rm -rf "$tmp/dl"
d=$(printf '%s\n%s\n' "${dl1% *}" "${dl2% *}" | sort -n | head -n 1)
nd=$(printf '%s\n%s\n' "${dl1#* }" "${dl2#* }" | sort -n | head -n 1)
echo "# fetch: $N entries of 256 bytes, $(((N + 255) / 256)) bundles (log appended in $(awk -v s="$t0" -v e="$t1" 'BEGIN { printf "%.1f", e - s }') s; the node indexed it at start in $(awk -v s="$t1" -v e="$t2" 'BEGIN { printf "%.1f", e - s }') s)"
echo "# fetch ${f} s; download ${dl1% *} s and ${dl2% *} s with one syncfs (${dl1#* } s and ${dl2#* } s to the page cache); the faster of each compared"
echo "fetch_entries_per_s=$(awk -v n="$N" -v t="$f" 'BEGIN { printf "%.0f\n", n / t }')"
echo "download_entries_per_s=$(awk -v n="$N" -v t="$d" 'BEGIN { printf "%.0f\n", n / t }')"
echo "fetch_ratio_vs_download=$(awk -v a="$f" -v b="$d" 'BEGIN { printf "%.3f\n", b / a }')"
echo "# without the download's syncfs (files left in the page cache): download_entries_per_s=$(awk -v n="$N" -v t="$nd" 'BEGIN { printf "%.0f", n / t }'), ratio $(awk -v a="$f" -v b="$nd" 'BEGIN { printf "%.3f", b / a }')"

#!/usr/bin/env bash
# Runs parley's benchmarks (called by `make bench`) and prints only key=value
# figures and "# comment" lines; exits non-zero if any program fails or any
# cross-check (parley's root against Go's, every inclusion proof) fails.
#
#   tree_leaves_per_s, go_tree_leaves_per_s, tree_ratio_vs_go
#       the tree of 1,000,000 64-byte entries in memory: parley's tile_builder
#       against golang.org/x/mod/sumdb/tlog (StoredHashes + TreeHash), run
#       alternately REPS times each in this one command; medians.
#   append_per_s, ed25519_verify_per_s, append_ratio_vs_verify
#       durable ingestion of 1,000,000 Ed25519-signed 300-byte notes, every
#       signature verified on the way in, against raw crypto_sign_verify_detached
#       in the same process; both on $THREADS threads (nproc).
#   rss_mb_1m, rss_mb_10m, rss_ratio_10m_vs_1m
#       peak RSS of a process appending 1 M / 10 M plain entries (own process each).
#   prove_us
#       median inclusion proof in the 10 M-entry log, tiles read from disk.
#   envelope_verify_per_s, ed25519_verify_per_s, envelope_verify_ratio
#       envelope_parse + envelope_verify (the charter check, with the signature)
#       against raw crypto_sign_verify_detached of the same envelopes, on
#       $THREADS threads, alternating rounds (bench/bench_envelope.c).
#   report_envelopes_per_s, ed25519_verify_per_s (again), report_ratio_vs_verify
#       `parley report --json` (every checkpoint, cosignature and envelope
#       signature checked, the figures, the JSON) over two parties' logs of
#       REPORT_N envelopes in all, against raw crypto_sign_verify_detached of
#       the same envelopes before and after, on $THREADS threads (bench/bench_report.c).
#   report_envelopes_per_s (again), mandate_report_envelopes_per_s, mandate_ratio_vs_report
#       `parley report --mandate --json` of a 12-month aid-crossing term of 120,000
#       trucks (ten times the real volume) against `parley report --json` of the
#       same logs, alternating in the same run (bench/bench_mandate.c).
#   taxii_objects_per_s, serialize_objects_per_s, taxii_ratio_vs_serialize
#       a TAXII client walking 100,000 STIX objects of the desk's collection
#       following `next` (limit 1000) through taxii_handle, against json_dumps of
#       the same objects, alternating rounds (bench/bench_taxii.c).
#   age_encrypt_mb_s, age_decrypt_mb_s, age_cli_encrypt_mb_s, age_cli_decrypt_mb_s,
#   age_ratio_vs_cli, seal_per_s, open_per_s
#       parley's age and Debian's age on the same 1 GiB file, and 4 KiB bodies
#       sealed to 3 recipients (bench/age.sh, bench/bench_age.c).
#   submit_per_s, ed25519_verify_per_s (again, for that run), submit_ratio_vs_verify,
#   submit_cpu_us_per_envelope, verify_cpu_us, submit_cost_in_verifies,
#   log_alone_cpu_us_per_envelope, log_alone_verify_cpu_us, log_alone_cost_in_verifies,
#   receipt_ms_p50, receipt_ms_p99, tile_req_per_s, nginx_tile_req_per_s,
#   tile_ratio_vs_nginx, receipt_ms_idle_p50, receipt_ms_idle_p90
#       the live exchange: two nodes and a witness on loopback (bench/node.sh).
#   fetch_entries_per_s, download_entries_per_s, fetch_ratio_vs_download
#       `parley fetch` of a node's log of 1,000,000 entries over loopback, every
#       checkpoint and bundle checked and every tile computed, against the same
#       files downloaded by curl and made durable (bench/fetch.sh).
#   desk_inbox_ms, static_inbox_ms, desk_inbox_ratio
#       the desk's inbox of 10,000 cases rendered in headless Chromium against the same
#       final HTML as a static file, same server, same run (bench/desk.sh).
#
# Note that ed25519_verify_per_s appears more than once: beside append_per_s
# (the notes of the append run), beside envelope_verify_per_s (the envelopes of
# that run) and beside report_envelopes_per_s (the envelopes of the report's
# logs); each ratio uses the figure printed just before it. report_envelopes_per_s
# appears twice too: over the cyber logs of bench_report, and over the aid logs of
# bench_mandate, beside mandate_report_envelopes_per_s.
#
# BENCH_QUICK=1 divides every size by 10 for a quick trial; its figures are not
# the published ones (a comment says so).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
BENCH=$PWD/$BUILD/bench/bench_tlog
GOBENCH=$PWD/$BUILD/bench/treebench
THREADS=$(nproc)
REPS=5
PROOFS=10000
TREE_N=1000000 APPEND_N=1000000 N_1M=1000000 N_10M=10000000 ENV_N=25000 TAXII_N=100000 REPORT_N=1000000 MANDATE_TRUCKS=120000 AGE_SIZE=$((1024 * 1024 * 1024))
if [ "${BENCH_QUICK:-}" = 1 ]; then
	TREE_N=100000 APPEND_N=100000 N_1M=100000 N_10M=1000000 PROOFS=1000 REPS=3 ENV_N=2500 TAXII_N=10000 REPORT_N=100000 MANDATE_TRUCKS=12000 AGE_SIZE=$((AGE_SIZE / 10))
	echo "# BENCH_QUICK=1: every size divided by 10; these are not the published figures"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/parley-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The Go reference, built offline against Debian's golang.org/x/mod.
GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS=-mod=mod GOCACHE="$PWD/$BUILD/gocache" \
	go build -o "$GOBENCH" bench/go/treebench.go

val() { # val KEY FILE — the value of the last KEY=value line in FILE
	local v
	v=$(sed -n "s/^$1=//p" "$2" | tail -n 1)
	[ -n "$v" ] || { echo "bench: no $1 in the output" >&2; exit 1; }
	printf '%s\n' "$v"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a / b }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f\n", n / s }'; }

echo "# machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(date -u +%Y-%m-%dT%H:%M:%SZ)"

# --- tree: parley and Go alternately, so both see the same machine load ---
: >"$tmp/c.txt"
: >"$tmp/go.txt"
for _ in $(seq "$REPS"); do
	"$BENCH" tree "$TREE_N" >"$tmp/out.txt"
	val tree_seconds "$tmp/out.txt" >>"$tmp/c.txt"
	croot=$(val tree_root "$tmp/out.txt")
	"$GOBENCH" "$TREE_N" >"$tmp/out.txt"
	val go_tree_seconds "$tmp/out.txt" >>"$tmp/go.txt"
	goroot=$(val go_tree_root "$tmp/out.txt")
	if [ "$croot" != "$goroot" ]; then
		echo "bench: tree roots differ: parley $croot, Go $goroot" >&2
		exit 1
	fi
done
c_s=$(median <"$tmp/c.txt")
go_s=$(median <"$tmp/go.txt")
echo "# tree: $TREE_N entries, $REPS runs each; parley s: $(tr '\n' ' ' <"$tmp/c.txt"); Go s: $(tr '\n' ' ' <"$tmp/go.txt"); same root $croot"
tree_rate=$(rate "$TREE_N" "$c_s")
go_rate=$(rate "$TREE_N" "$go_s")
echo "tree_leaves_per_s=$tree_rate"
echo "go_tree_leaves_per_s=$go_rate"
echo "tree_ratio_vs_go=$(ratio "$tree_rate" "$go_rate")"

# --- append: verified, durable ingestion against raw verification ---
"$BENCH" append "$APPEND_N" "$THREADS" "$tmp/append" >"$tmp/out.txt"
grep -E '^(# |append_per_s=|ed25519_verify_per_s=|append_ratio_vs_verify=)' "$tmp/out.txt"
rm -rf "$tmp/append"

# --- peak RSS of 1 M and 10 M plain appends, each in its own process ---
"$BENCH" fill "$N_1M" "$tmp/log1m" >"$tmp/out1.txt"
rm -rf "$tmp/log1m"
"$BENCH" fill "$N_10M" "$tmp/log10m" >"$tmp/out10.txt"
kb1=$(val fill_maxrss_kb "$tmp/out1.txt")
kb10=$(val fill_maxrss_kb "$tmp/out10.txt")
echo "# rss: $N_1M plain entries appended in $(val fill_seconds "$tmp/out1.txt") s," \
	"$N_10M in $(val fill_seconds "$tmp/out10.txt") s (batches of 100000, 64-byte entries)"
echo "rss_mb_1m=$(awk -v k="$kb1" 'BEGIN { printf "%.1f\n", k / 1024 }')"
echo "rss_mb_10m=$(awk -v k="$kb10" 'BEGIN { printf "%.1f\n", k / 1024 }')"
echo "rss_ratio_10m_vs_1m=$(ratio "$kb10" "$kb1")"

# --- inclusion proofs in the 10 M-entry log ---
"$BENCH" prove "$tmp/log10m" "$PROOFS" >"$tmp/out.txt"
grep -E '^(# |prove_us=)' "$tmp/out.txt"
rm -rf "$tmp/log10m"

# --- envelopes: parse + charter check + signature against the raw signature ---
"$BUILD/bench/bench_envelope" "$ENV_N" "$THREADS" >"$tmp/out.txt"
grep -E '^(# |envelope_verify_per_s=|ed25519_verify_per_s=|envelope_verify_ratio=)' "$tmp/out.txt"

# --- TAXII: paging the desk's collection against serialising the same objects ---
"$BUILD/bench/bench_taxii" "$TAXII_N" >"$tmp/out.txt"
grep -E '^(# |taxii_objects_per_s=|serialize_objects_per_s=|taxii_ratio_vs_serialize=)' "$tmp/out.txt"

# --- report: a period's figures over two parties' logs against the raw signatures ---
"$BUILD/bench/bench_report" "$REPORT_N" "$THREADS" "$tmp/report" >"$tmp/out.txt"
grep -E '^(# |report_envelopes_per_s=|ed25519_verify_per_s=|report_ratio_vs_verify=|report_verify_envelopes_per_s=|report_verify_ratio_vs_verify=|bundle_bytes_per_envelope=|entry_bytes_mean=)' "$tmp/out.txt"
rm -rf "$tmp/report"

# --- the mandate report of a 12-month aid-crossing term at ten times the real volume, beside report on the same logs ---
"$BUILD/bench/bench_mandate" "$MANDATE_TRUCKS" "$THREADS" "$tmp/mandate" >"$tmp/out.txt"
grep -E '^(# |report_envelopes_per_s=|mandate_report_envelopes_per_s=|mandate_ratio_vs_report=)' "$tmp/out.txt"
rm -rf "$tmp/mandate"

# --- age: parley against Debian's age on the same file, in this temporary directory ---
TMPDIR=$tmp BUILD=$BUILD bash bench/age.sh "$AGE_SIZE"

# Run as root, `parley node` and `parley witness` need --allow-root (docs/operations.md, "Sandbox"):
# tests/tools/parley_root adds it. The benchmarks below start nodes.
PARLEY=${PARLEY:-$PWD/$BUILD/parley}
if [ "$(id -u)" = 0 ] && [ -z "${PARLEY_REAL:-}" ]; then
	export PARLEY_REAL=$PARLEY
	PARLEY=$PWD/tests/tools/parley_root
fi

# --- the live exchange: submissions, receipts, tiles against nginx ---
BUILD=$BUILD PARLEY=$PARLEY bash bench/node.sh


# --- the auditor's mirror: parley fetch against a plain download of the same files ---
TMPDIR=$tmp BUILD=$BUILD PARLEY=$PARLEY bash bench/fetch.sh

# --- the desk's inbox of 10,000 cases in headless Chromium against the same HTML as a static file ---
BUILD=$BUILD bash bench/desk.sh

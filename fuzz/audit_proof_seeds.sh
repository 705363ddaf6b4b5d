#!/usr/bin/env bash
# fuzz/audit_proof_seeds.sh — regenerates fuzz/corpus/fuzz_audit_proof/ with build/parley:
# fork proofs (docs/reports.md) over logs signed by the fuzz log key (fuzz_common.h):
# a same-size fork, a fork shown by a consistency proof, and two non-forks.
set -eu
cd "$(dirname "$0")/.."
P=${PARLEY:-build/parley} C=fuzz/corpus/fuzz_audit_proof D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
mklog() { # mklog NAME FIRST LAST
	mkdir -p "$D/$1" && cp fuzz/corpus/fuzz_keyfile/log.key "$D/$1/k" && chmod 600 "$D/$1/k"
	"$P" log init "$D/$1/log" --key "$D/$1/k" >/dev/null && seq "$2" "$3" | "$P" log append "$D/$1/log" --key "$D/$1/k" >/dev/null
}
mklog f2 1 2 && mklog f3 1 3 && mklog g 11 12
pf() { # pf A B [WHY]
	printf 'parley fork proof v1\n'
	[ -n "${3:-}" ] && printf 'why %s\n' "$3"
	printf 'checkpoint %d\n' "$(wc -c <"$1")"; cat "$1"
	printf 'checkpoint %d\n' "$(wc -c <"$2")"; cat "$2"
}
mkdir -p "$C"
pf "$D/g/log/checkpoint" "$D/f2/log/checkpoint" "same size, different roots" >"$C/same-size-fork"
{ pf "$D/g/log/checkpoint" "$D/f3/log/checkpoint" "size 2 not in the size-3 tree"
	printf 'root %s\n' "$(sed -n 3p "$D/f2/log/checkpoint")"; "$P" log consistency "$D/f3/log" 2; } >"$C/consistency-fork"
{ pf "$D/f2/log/checkpoint" "$D/f3/log/checkpoint"
	printf 'root %s\n' "$(sed -n 3p "$D/f2/log/checkpoint")"; "$P" log consistency "$D/f3/log" 2; } >"$C/consistent-no-fork"
pf "$D/f2/log/checkpoint" "$D/f2/log/checkpoint" >"$C/identical"

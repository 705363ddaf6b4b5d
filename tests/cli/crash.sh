#!/usr/bin/env bash
# Crash test of `parley log append`: 40 rounds of feeding it lines continuously,
# then kill -9 at a random moment (0-300 ms). After each round: recovery (an
# empty append) succeeds, the size never falls below the largest index the
# command printed + 1, and the printed indices are consecutive from the size
# before the round. Every 4th round the first and last printed index are proved
# (`log prove` + `proof verify` against their exact lines) and the log is
# audited (`log verify`). At the end every entry is read back from the bundles
# and compared with the lines fed to it, round by round, so every acknowledged
# index holds exactly its line.
. "$(dirname "$0")/../lib.sh"
ROUNDS=${CRASH_ROUNDS:-40}
D=$T_DIR/log K=$T_DIR/key
"$PARLEY" keygen --name crash.example/log --out "$K" >/dev/null || { fail setup "keygen"; exit 1; }
V=$("$PARLEY" key vkey "$K")
"$PARLEY" log init "$D" --key "$K" || { fail setup "log init"; exit 1; }

size() { "$PARLEY" log checkpoint "$D" | sed -n 2p; }

# Lines "round-R-line-L", L = 1, 2, ..., with short pauses so batches commit.
gen() {
	perl -e '$| = 1; for my $l (1 .. 1e7) { print "round-$ARGV[0]-line-$l\n";
		select(undef, undef, undef, 0.002) if $l % 7 == 0 }' "$1" 2>/dev/null
}

# All entries of a log of size N, one per line (bundles: 2-byte big-endian length, entry).
dump_entries() {
	perl -e 'my ($dir, $n) = @ARGV;
	for (my $b = 0; $b * 256 < $n; $b++) {
		my $w = $n - $b * 256; $w = 256 if $w > 256;
		my @g; my $x = $b; do { unshift @g, sprintf("%03d", $x % 1000); $x = int($x / 1000) } while ($x);
		my $p = "$dir/tile/entries/" . join("/", (map { "x$_" } @g[0 .. $#g - 1]), $g[-1]);
		my $fh;
		open($fh, "<:raw", $w < 256 ? "$p.p/$w" : $p) or open($fh, "<:raw", $p) or die "$p: $!\n";
		local $/; my $d = <$fh>; my $o = 0;
		for (1 .. $w) { my $l = unpack("n", substr($d, $o, 2)); print substr($d, $o + 2, $l), "\n"; $o += 2 + $l }
	}' "$1" "$2"
}

ok=1 total_acked=0 expected=$T_DIR/expected now=0
: >"$expected"
for r in $(seq 1 "$ROUNDS"); do
	start=$now
	out=$T_DIR/out.$r
	: >"$out"
	"$PARLEY" log append "$D" --key "$K" < <(gen "$r") >"$out" 2>"$T_DIR/err.$r" &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % 300)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# Complete lines only: a kill may cut the last one short.
	mapfile -t printed < <(perl -ne 'print if /\n\z/' "$out")
	total_acked=$((total_acked + ${#printed[@]}))
	if ! "$PARLEY" log append "$D" --key "$K" </dev/null 2>"$T_DIR/rec.err"; then
		fail "round-$r-recovery" "$(cat "$T_DIR/rec.err")"; ok=0; break
	fi
	now=$(size)
	# Printed indices are consecutive from the size at the start of the round.
	want=$start
	for i in "${printed[@]}"; do
		[ "$i" = "$want" ] || { fail "round-$r-indices" "printed $i, expected $want"; ok=0; break 2; }
		want=$((want + 1))
	done
	if [ "$now" -lt "$want" ]; then
		fail "round-$r-size" "size $now after recovery, but index $((want - 1)) was acknowledged"; ok=0; break
	fi
	# Entries [start, now) are lines 1..now-start of this round.
	[ "$now" -gt "$start" ] && seq -f "round-$r-line-%g" 1 $((now - start)) >>"$expected"
	[ $((r % 4)) = 0 ] || continue
	# A sample of acknowledged indices, proved and verified offline; a full audit.
	if [ ${#printed[@]} -gt 0 ]; then
		for i in "${printed[0]}" "${printed[-1]}"; do
			printf 'round-%s-line-%s' "$r" $((i - start + 1)) >"$T_DIR/entry"
			if ! "$PARLEY" log prove "$D" "$i" >"$T_DIR/proof" ||
				! "$PARLEY" proof verify "$T_DIR/proof" "$T_DIR/entry" --vkey "$V" >/dev/null; then
				fail "round-$r-proof" "index $i does not prove line $((i - start + 1))"; ok=0; break 2
			fi
		done
	fi
	if ! "$PARLEY" log verify "$D" --vkey "$V" >/dev/null 2>"$T_DIR/verify.err"; then
		fail "round-$r-verify" "$(cat "$T_DIR/verify.err")"; ok=0; break
	fi
done
if [ $ok = 1 ] && ! "$PARLEY" log verify "$D" --vkey "$V" >/dev/null 2>"$T_DIR/verify.err"; then
	fail "final-verify" "$(cat "$T_DIR/verify.err")"; ok=0
fi
if [ $ok = 1 ]; then
	pass "kill-9-rounds"
	echo "  $ROUNDS rounds, $total_acked indices acknowledged, final size $(size)" >&2
	if [ "$total_acked" -gt 0 ]; then pass "acknowledged-something"; else fail "acknowledged-something" "no round printed an index"; fi
	if dump_entries "$D" "$(size)" | cmp -s - "$expected"; then
		pass "every-entry-exact"
	else
		fail "every-entry-exact" "the log's entries differ from the lines fed to it"
	fi
fi

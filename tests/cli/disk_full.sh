# A full disk (issue 13, hole 5): the us node's directory on a small tmpfs that is
# then filled to the last byte. Every submission is refused; /healthz says why (503);
# nothing of a refused submission is kept or served (its body is not at /body/ and
# not a row of bodies/inline.db, before and after a restart); once there is room
# again (and after a restart) the node accepts. Needs root for mount: SKIP otherwise.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
K=$D/keys V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us)
F=$D/full
mkdir -p "$F"
if ! mount -t tmpfs -o size=3m tmpfs "$F" 2>/dev/null; then
	skip all "cannot mount a small tmpfs (needs root)"
	exit 0
fi
trap 'cleanup_nodes; umount -l "$F" 2>/dev/null' EXIT
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
"$PARLEY" node init "$F/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null || { fail setup init; exit 1; }
start_node "$F/us" us --http-timeout 5 || { fail setup "node did not start: $(tail -n 3 "$F/us.log")"; exit 1; }
n=0
send() { # send — seals a new notice (sealed before the disk fills), submits it; the status in $code
	n=$((n + 1))
	code=$(submit "$US" "$D/e$n.req")
}
# Sealed in advance: the test's own files are not on the full filesystem, but sealing takes time.
for i in $(seq 1 9); do
	"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind notice --to ru.gp \
		--case "us.fbi/2021-$(printf %04d "$i")" --body "$V/notice-minimal.json" --out "$D/e$i" >/dev/null ||
		{ fail setup "seal"; exit 1; }
	sed -n 's/^body: \([0-9a-f]*\) .*/\1/p' "$D/e$i/envelope" >"$D/h$i"
	frame "$D/e$i/envelope" "$D/e$i/body.age" >"$D/e$i.req"
done
rows() { sqlite3 "file:$F/us/bodies/inline.db?mode=ro" 'SELECT count(*) FROM body' 2>/dev/null; }
send
[ "$code" = 200 ] && pass accepts-before || fail accepts-before "HTTP $code: $(cat "$D/resp" 2>/dev/null)"
size0=$(log_size "$US")
# Fill the filesystem to the last byte.
dd if=/dev/zero of="$F/filler" bs=64k 2>/dev/null
dd if=/dev/zero of="$F/filler2" bs=1 2>/dev/null
first_refused=$((n + 1))
bad=0
for i in 1 2 3 4 5 6; do
	send
	case $code in 503) ;; *) bad=1; fail "refused-when-full-$i" "HTTP $code: $(head -c 200 "$T_DIR/resp")" ;; esac
done
[ $bad = 0 ] && pass refused-when-full
[ "$(log_size "$US")" = "$size0" ] && pass log-unchanged || fail log-unchanged "size $(log_size "$US"), was $size0"
hz=$(curl -s -o "$D/hz" -w '%{http_code}' "$US/healthz")
[ "$hz" = 503 ] && pass healthz-reports-failure || fail healthz-reports-failure "HTTP $hz: $(cat "$D/hz")"
not_served() { # not_served NAME — no refused submission's body is served
	local i code
	for i in $(seq "$first_refused" "$n"); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$US/body/$(cat "$D/h$i")")
		[ "$code" = 404 ] || { fail "$1" "body of refused submission $i: HTTP $code"; return; }
	done
	pass "$1"
}
not_served refused-bodies-not-served
if command -v sqlite3 >/dev/null; then
	r=$(rows)
	[ "$r" = 1 ] && pass refused-bodies-not-stored || fail refused-bodies-not-stored "$r rows, 1 acknowledged"
else
	skip refused-bodies-not-stored "sqlite3 is not installed"
fi
# Room again: the node accepts (at once, or after a restart if the log had failed).
rm -f "$F/filler" "$F/filler2"
send
if [ "$code" != 200 ]; then
	kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
	start_node "$F/us" us --http-timeout 5 || { fail recovers "node did not restart: $(tail -n 3 "$F/us.log")"; exit 1; }
	n=$((n - 1))
	send
fi
[ "$code" = 200 ] && pass recovers || fail recovers "HTTP $code: $(cat "$T_DIR/resp")"
hz=$(curl -s -o /dev/null -w '%{http_code}' "$US/healthz")
[ "$hz" = 200 ] && pass healthz-ok-again || fail healthz-ok-again "HTTP $hz"
kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null
start_node "$F/us" us --http-timeout 5 || { fail restart "node did not restart: $(tail -n 3 "$F/us.log")"; exit 1; }
first_refused_end=$((n - 1))
n_saved=$n; n=$first_refused_end
not_served refused-bodies-not-served-after-restart
n=$n_saved
if command -v sqlite3 >/dev/null; then
	r=$(rows)
	[ "$r" = 2 ] && pass refused-bodies-not-stored-after-restart || fail refused-bodies-not-stored-after-restart "$r rows, 2 acknowledged"
fi

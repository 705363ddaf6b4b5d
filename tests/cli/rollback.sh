# The rollback guard (docs/operations.md, "Backups and restores"): a node restarted on an
# older copy of its directory refuses to start (exit 1, naming the witness and the sizes),
# as does one whose log holds another history at a cosigned size; --accept-rollback starts
# anyway and says what it means; the latest copy starts; a partial restore is caught from
# DIR/cosigned/ alone with every witness down; with every witness down and nothing kept, the
# node starts and logs that it could not check.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D/ch" || { fail setup "could not build the test channel"; exit 1; }
K=$D/ch/keys C=$D/ch/charter V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us) RU=$(url_of ru) WIT=$(url_of witness)
"$PARLEY" node init "$D/us" --charter "$C" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$C" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$C" --key "$K/witness.key" 2>/dev/null || { fail setup init; exit 1; }
start_node "$D/us" us && start_node "$D/ru" ru && start_witness "$D/w" || { fail setup "nodes did not start"; exit 1; }
hex=$(printf '%s' us.parley.example/log | sha256sum | cut -c1-64)

send() { "$PARLEY" send notice --key "$K/us.fbi.key" --node "$US" --to ru.fsb --body "$V/notice-minimal.json" --wait 15 >/dev/null 2>&1; }
# cosigned_at URL SIZE: the latest checkpoint of the us log that URL cosigned has this size
cosigned_at() { [ "$(curl -sf "$1/checkpoints/$hex" | sed -n 2p)" = "$2" ]; }
stop_us() { kill "$NODE_PID_us"; wait "$NODE_PID_us" 2>/dev/null; }
# start_fg [ARGS] — runs the us node in the foreground for at most 10 s; its exit code, its stderr in $D/fg.err
start_fg() { timeout 10 "$PARLEY" node --dir "$D/us" --poll 1 "$@" >/dev/null 2>"$D/fg.err"; }

send && send || { fail setup "send"; exit 1; }
n1=$(log_size "$US")
wait_for cosigned_at "$WIT" "$n1" && wait_for cosigned_at "$RU" "$n1" || { fail setup "not cosigned at $n1"; exit 1; }
stop_us
cp -a "$D/us" "$D/us.old" # a backup, now
start_node "$D/us" us || { fail setup restart; exit 1; }
send && send || { fail setup "send 2"; exit 1; }
n2=$(log_size "$US")
wait_for cosigned_at "$WIT" "$n2" && wait_for cosigned_at "$RU" "$n2" || { fail setup "not cosigned at $n2"; exit 1; }
stop_us
mv "$D/us" "$D/us.new"

# the old backup restored: refused, naming a witness and both sizes; nothing served
cp -a "$D/us.old" "$D/us"
start_fg
code=$?
[ "$code" = 1 ] && grep -q "rollback guard: the log is at size $n1, but witness .* holds its checkpoint of size $n2" "$D/fg.err" &&
	pass old-copy-refused || fail old-copy-refused "exit $code: $(cat "$D/fg.err")"
grep -q -- "--accept-rollback" "$D/fg.err" && pass refusal-names-the-way-out || fail refusal-names-the-way-out
! curl -sf "$US/healthz" >/dev/null 2>&1 && pass refused-serves-nothing || fail refused-serves-nothing

# forced: it starts, and says what that means
start_node "$D/us" us --accept-rollback && pass accept-rollback-starts || fail accept-rollback-starts "$(tail -n 3 "$D/us.log")"
grep -q "starting anyway (--accept-rollback): new entries will fork" "$D/us.log" && pass accept-rollback-logged || fail accept-rollback-logged
stop_us
rm -rf "$D/us"

# the latest copy starts
cp -a "$D/us.new" "$D/us"
start_node "$D/us" us && pass latest-copy-starts || fail latest-copy-starts "$(tail -n 3 "$D/us.log")"
stop_us
rm -rf "$D/us"

# another history at a cosigned size: the old copy grown by other entries to the cosigned size
cp -a "$D/us.old" "$D/us"
seq $((n2 - n1)) | "$PARLEY" log append "$D/us/log" --key "$K/us-node.key" >/dev/null
start_fg
code=$?
[ "$code" = 1 ] && grep -q "the log's entries up to size $n2 are not those of the checkpoint witness" "$D/fg.err" &&
	pass other-history-refused || fail other-history-refused "exit $code: $(cat "$D/fg.err")"
rm -rf "$D/us"

# every witness down: a partial restore (an old log beside the newer DIR/cosigned/) is caught locally
kill "$NODE_PID_ru" "$NODE_PID_witness"; wait "$NODE_PID_ru" "$NODE_PID_witness" 2>/dev/null
cp -a "$D/us.old" "$D/us"
rm -rf "$D/us/cosigned" && cp -a "$D/us.new/cosigned" "$D/us/cosigned"
start_fg
code=$?
[ "$code" = 1 ] && grep -q "rollback guard: the log is at size $n1, but .*cosigned/.* holds its checkpoint of size" "$D/fg.err" &&
	pass partial-restore-refused-offline || fail partial-restore-refused-offline "exit $code: $(cat "$D/fg.err")"
rm -rf "$D/us"
# every witness down and nothing newer kept: starts, and logs that it could not check
cp -a "$D/us.old" "$D/us"
start_node "$D/us" us && grep -q "rollback guard: no witness of our log answered" "$D/us.log" &&
	pass unreachable-witnesses-logged || fail unreachable-witnesses-logged "$(tail -n 3 "$D/us.log")"

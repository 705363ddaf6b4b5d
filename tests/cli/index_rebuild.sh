# Derived state (issue 13, holes 3 and 4): the index is rebuilt, never fatal, and a
# rebuild gives the views of a node that never lost it. Two nodes and the witness;
# a request delivered; restarts that bring new cosignatures of the same checkpoints
# (later timestamps); then on each node the index removed, emptied, half-truncated,
# overwritten with garbage, and half-truncated with --reindex: each time the node
# starts (with a log line saying why it rebuilds) and its case and inbox views,
# as of a fixed time, are byte-identical to the views before. A damaged body store
# (not derived) stops the node with a message naming the file, and nothing is
# changed by trying.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys V=$ROOT/tests/data/cyber-mla/valid
US=$(url_of us) RU=$(url_of ru)
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" node init "$D/ru" --charter "$D/charter" --key "$K/ru-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/wit" --charter "$D/charter" --key "$K/witness.key" || { fail setup "init"; exit 1; }
start_node "$D/us" us && start_node "$D/ru" ru && start_witness "$D/wit" ||
	{ fail setup "nodes did not start: $(tail -n 3 "$D"/*.log)"; exit 1; }
"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind request --to ru.gp ru.fsb \
	--case us.fbi/2021-0007 --body "$V/mla-request-prosecutor.json" --out "$D/e1" >/dev/null &&
	frame "$D/e1/envelope" "$D/e1/body.age" >"$D/e1.req" || { fail setup seal; exit 1; }
code=$(submit "$US" "$D/e1.req")
[ "$code" = 200 ] || { fail setup "submit: HTTP $code"; exit 1; }
delivered() { curl -s "$1/case/us.fbi/2021-0007" | grep -q '"state": "delivered"'; }
settled() { # both checkpoints carry their two cosignatures, and ru recorded 'received'
	[ "$(curl -s "$US/checkpoint" | grep -c '^— ')" -ge 3 ] && [ "$(curl -s "$RU/checkpoint" | grep -c '^— ')" -ge 3 ] &&
		delivered "$US" && delivered "$RU"
}
wait_for settled || { fail setup "not delivered: $(curl -s "$US/case/us.fbi/2021-0007" | head -c 300)"; exit 1; }
at=$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)
views() { # views PARTY OUT — the case and inbox views of PARTY's node as of $at
	local url; url=$(url_of "$1")
	{ curl -s "$url/case/us.fbi/2021-0007?at=$at"; curl -s "$url/inbox/ru.gp?at=$at"; curl -s "$url/cases"; } >"$2"
}
restart() { # restart PARTY [args] — SIGTERM, then start again
	local pid; eval "pid=\$NODE_PID_$1"
	kill "$pid"; wait "$pid" 2>/dev/null
	start_node "$D/$1" "$1" "${@:2}"
}
sleep 1.1 # so that cosignatures made after the restarts carry later timestamps
# Restart both (twice): each pushes its checkpoint again and gets new cosignatures of the same sizes.
for i in 1 2; do
	restart us && restart ru || { fail setup "restart: $(tail -n 3 "$D"/us.log "$D"/ru.log)"; exit 1; }
	wait_for settled
	sleep 1.1
done
views us "$D/us.before" && views ru "$D/ru.before"
grep -q '"state": "delivered"' "$D/us.before" || { fail setup "no view: $(head -c 300 "$D/us.before")"; exit 1; }

# A peer pushing the same checkpoint again and again: each push is cosigned again, but the
# index gains no row (a later cosignature of the same checkpoint changes nothing).
if command -v sqlite3 >/dev/null; then
	cosig_rows() { sqlite3 "file:$D/ru/index.sqlite?mode=ro" 'SELECT count(*) FROM cosignatures' 2>/dev/null; }
	r0=$(cosig_rows)
	usz=$(curl -s "$US/checkpoint" | sed -n 2p)
	{ printf 'old %s\n\n' "$usz"; curl -s "$US/checkpoint" | sed '/^— /d'; curl -s "$US/checkpoint" | grep -m1 '^— us.parley.example/log '; } >"$D/push.req"
	ok=0
	for i in $(seq 30); do
		code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary @"$D/push.req" "$RU/add-checkpoint")
		[ "$code" = 200 ] && ok=$((ok + 1))
		[ "$i" = 1 ] && sleep 1.1 # a later second: a cosignature of its own
	done
	r1=$(cosig_rows)
	[ "$ok" = 30 ] && [ -n "$r0" ] && [ "$r0" = "$r1" ] && pass repeated-push-adds-no-index-row ||
		fail repeated-push-adds-no-index-row "$ok of 30 cosigned; rows $r0 then $r1"
else
	skip repeated-push-adds-no-index-row "sqlite3 is not installed"
fi

# damage DAMAGE PARTY — stops PARTY's node, damages its index as named, restarts it
damage() {
	local party=$1 how=$2 f=$D/$1/index.sqlite extra=()
	local pid; eval "pid=\$NODE_PID_$party"
	kill "$pid"; wait "$pid" 2>/dev/null
	case $how in
	removed) rm -f "$f" "$f-wal" "$f-shm" ;;
	emptied) : >"$f"; rm -f "$f-wal" "$f-shm" ;;
	half) truncate -s $(($(stat -c %s "$f") / 2)) "$f"; rm -f "$f-wal" "$f-shm" ;;
	garbage) head -c 65536 /dev/urandom | dd of="$f" bs=4096 seek=1 conv=notrunc 2>/dev/null; rm -f "$f-wal" "$f-shm" ;;
	half-reindex) truncate -s $(($(stat -c %s "$f") / 2)) "$f"; rm -f "$f-wal" "$f-shm"; extra=(--reindex) ;;
	esac
	: >"$D/$party.log.new"
	mv "$D/$party.log" "$D/$party.log.old"
	start_node "$D/$party" "$party" "${extra[@]}" || { fail "$party-$how-starts" "$(tail -n 3 "$D/$party.log")"; return 1; }
	pass "$party-$how-starts"
	grep -q "rebuil" "$D/$party.log" && pass "$party-$how-says-so" || fail "$party-$how-says-so" "$(cat "$D/$party.log")"
	wait_for settled
	views "$party" "$D/$party.after"
	cmp -s "$D/$party.before" "$D/$party.after" && pass "$party-$how-same-views" ||
		fail "$party-$how-same-views" "$(diff "$D/$party.before" "$D/$party.after" | head -c 600)"
}
for how in removed emptied half garbage half-reindex; do
	damage us "$how"
	damage ru "$how"
done

# The body store is not derived: a damaged one stops the node, with the file named.
kill "$NODE_PID_ru"; wait "$NODE_PID_ru" 2>/dev/null
db=$D/ru/bodies/inline.db
head -c 8192 /dev/urandom | dd of="$db" bs=1 seek=0 conv=notrunc 2>/dev/null
cp "$db" "$D/inline.damaged"
expect damaged-body-store-refused 2 "inline.db is damaged" "$PARLEY" node --dir "$D/ru"
cmp -s "$db" "$D/inline.damaged" && pass damaged-body-store-untouched || fail damaged-body-store-untouched

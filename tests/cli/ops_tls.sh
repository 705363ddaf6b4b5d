# TLS (issue 17): parley serves plain HTTP only, so with an https URL in the charter
# the node and the witness refuse to listen by default (which would be plain HTTP on
# the HTTPS port) and refuse an explicit --listen on that port; behind nginx with the
# documented server block (dist/nginx/parley-node.conf, ports and paths substituted)
# and a self-signed certificate, a submission goes through TLS and its proof verifies.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys b=$PORT_BASE V=$ROOT/tests/data/cyber-mla/valid
HTTPS_PORT=$((b + 1)) NODE_PORT=$((b + 4))
# the same channel with us and the witness at https URLs
sed -e "s|^party: us http://127.0.0.1:$HTTPS_PORT |party: us https://127.0.0.1:$HTTPS_PORT |" \
	-e "s|^witness: un.witness http://|witness: un.witness https://|" "$D/charter.draft" >"$D/charter"
"$PARLEY" charter sign "$D/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" charter sign "$D/charter" --key "$K/ru-node.key" 2>/dev/null &&
	grep -q "^party: us https://" "$D/charter" || { fail setup "https charter"; exit 1; }
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/wit" --charter "$D/charter" --key "$K/witness.key" || { fail setup init; exit 1; }

# ---- the refusals: exit 2, nothing listening ----
refuses() { # refuses NAME MESSAGE PORT CMD...
	local name=$1 msg=$2 port=$3; shift 3
	timeout 10 "$@" >"$D/r.out" 2>&1
	local rc=$?
	if [ $rc != 2 ]; then fail "$name" "exit $rc: $(head -c 300 "$D/r.out")"; return; fi
	grep -qF -- "$msg" "$D/r.out" || { fail "$name" "$(cat "$D/r.out")"; return; }
	curl -s "http://127.0.0.1:$port/healthz" >/dev/null && { fail "$name" "something answers on $port"; return; }
	pass "$name"
}
refuses node-https-needs-listen "is https, and parley serves plain HTTP" $HTTPS_PORT "$PARLEY" node --dir "$D/us"
grep -q 'docs/operations.md' "$D/r.out" && pass refusal-points-to-docs || fail refusal-points-to-docs
refuses node-https-port-refused "would serve plain HTTP on the HTTPS port $HTTPS_PORT" $HTTPS_PORT \
	"$PARLEY" node --dir "$D/us" --listen "0.0.0.0:$HTTPS_PORT"
refuses witness-https-needs-listen "is https, and parley serves plain HTTP" $((b + 3)) "$PARLEY" witness --dir "$D/wit"
refuses witness-https-port-refused "would serve plain HTTP on the HTTPS port $((b + 3))" $((b + 3)) \
	"$PARLEY" witness --dir "$D/wit" --listen "127.0.0.1:$((b + 3))"
# another port (behind a proxy) serves
"$PARLEY" witness --dir "$D/wit" --listen "127.0.0.1:$NODE_PORT" >"$D/w.out" 2>&1 &
pid=$!; NODE_PIDS+=($pid)
wait_up "http://127.0.0.1:$NODE_PORT" && pass witness-https-other-port-serves || fail witness-https-other-port-serves "$(cat "$D/w.out")"
kill $pid; wait $pid 2>/dev/null # (its port is the node's below)

# ---- behind nginx ----
if ! command -v nginx >/dev/null || ! command -v openssl >/dev/null; then
	skip nginx "nginx or openssl is not installed"; exit 0
fi
start_node_at() { "$PARLEY" node --dir "$D/us" --listen "127.0.0.1:$NODE_PORT" --poll 1 >>"$D/us.log" 2>&1 & NODE_PIDS+=($!); }
start_node_at
wait_up "http://127.0.0.1:$NODE_PORT" || { fail setup "node: $(cat "$D/us.log")"; exit 1; }
mkdir -p "$D/nginx"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$D/nginx/key.pem" -out "$D/nginx/cert.pem" 2>/dev/null ||
	{ fail setup "openssl"; exit 1; }
# the documented server block, with this test's ports and files
sed -e "s|listen 443 ssl;|listen 127.0.0.1:$HTTPS_PORT ssl;|" -e '/listen \[::\]:443 ssl;/d' \
	-e "s|/etc/ssl/parley/us.parley.example.crt|$D/nginx/cert.pem|" -e "s|/etc/ssl/parley/us.parley.example.key|$D/nginx/key.pem|" \
	-e "s|proxy_pass http://127.0.0.1:8080;|proxy_pass http://127.0.0.1:$NODE_PORT;|" \
	"$ROOT/dist/nginx/parley-node.conf" >"$D/nginx/server.conf"
grep -q "listen 127.0.0.1:$HTTPS_PORT ssl;" "$D/nginx/server.conf" && grep -q "proxy_pass http://127.0.0.1:$NODE_PORT;" "$D/nginx/server.conf" ||
	{ fail setup "the documented server block changed: update this test"; exit 1; }
user=""
[ "$(id -u)" = 0 ] && user="user root;"
cat >"$D/nginx/nginx.conf" <<CONF
$user
worker_processes 1;
pid $D/nginx/nginx.pid;
error_log $D/nginx/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $D/nginx/body;
	proxy_temp_path $D/nginx/proxy;
	fastcgi_temp_path $D/nginx/fastcgi;
	uwsgi_temp_path $D/nginx/uwsgi;
	scgi_temp_path $D/nginx/scgi;
	include $D/nginx/server.conf;
}
CONF
nginx -e "$D/nginx/error.log" -p "$D/nginx" -c "$D/nginx/nginx.conf" -g 'daemon off;' &
NODE_PIDS+=($!)
HTTPS=https://127.0.0.1:$HTTPS_PORT
up=0
for _ in $(seq 100); do curl -sf --cacert "$D/nginx/cert.pem" "$HTTPS/healthz" >/dev/null && { up=1; break; }; sleep 0.1; done
[ $up = 1 ] && pass nginx-tls-up || { fail nginx-tls-up "$(cat "$D/nginx/error.log")"; exit 0; }
"$PARLEY" envelope seal --key "$K/us.fbi.key" --charter "$D/charter" --kind request --to ru.gp \
	--case us.fbi/2021-0007 --body "$V/mla-request-prosecutor.json" --out "$D/e1" >/dev/null
frame "$D/e1/envelope" "$D/e1/body.age" >"$D/e1.req"
code=$(curl -s --cacert "$D/nginx/cert.pem" -o "$D/e1.proof" -w '%{http_code}' -H "Content-Type: application/x-parley-submit" \
	--data-binary @"$D/e1.req" "$HTTPS/submit")
[ "$code" = 200 ] && pass submit-through-tls || fail submit-through-tls "HTTP $code: $(head -c 300 "$D/e1.proof")"
expect proof-through-tls-verifies 0 "" "$PARLEY" proof verify "$D/e1.proof" "$D/e1/envelope" --vkey "$("$PARLEY" key vkey "$K/us-node.key")"
curl -s --cacert "$D/nginx/cert.pem" "$HTTPS/checkpoint" | head -n 1 | grep -qx "us.parley.example/log" && pass checkpoint-through-tls ||
	fail checkpoint-through-tls
# the HTTPS port never answers parley over plain HTTP
curl -s "http://127.0.0.1:$HTTPS_PORT/checkpoint" | grep -q "us.parley.example/log" && fail https-port-no-plain-http ||
	pass https-port-no-plain-http

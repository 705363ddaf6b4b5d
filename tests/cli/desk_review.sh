#!/usr/bin/env bash
# The desk's hostile review (issue 16, docs/desk.md "Security"): attacks by another user of
# the machine and by a page of another localhost port, each a regression test of a fixed hole.
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
US=$(url_of us)
K=$D/ch/keys
cleanup() { cleanup_nodes; chmod -R u+rwx "$T_DIR" 2>/dev/null; rm -rf "$T_DIR"; }
trap cleanup EXIT

make_channel "$D/ch" || { fail setup "make_channel"; exit 1; }
"$PARLEY" node init "$D/us" --charter "$D/ch/charter" --key "$K/us-node.key" 2>/dev/null &&
	"$PARLEY" witness init "$D/w" --charter "$D/ch/charter" --key "$K/witness.key" 2>/dev/null ||
	{ fail setup "init"; exit 1; }
start_node "$D/us" us && start_witness "$D/w" || { fail setup "nodes"; exit 1; }

# --- another user of the machine: a --dir others may write (e.g. /tmp/desk made first by them) ---
# Before: accepted; another user could then put a symbolic link or a 0666 file of theirs at
# DIR/taxii.journal (the decrypted evidence appended to it), or DIR/tmp (the receipts).
for mode in 0777 0775 1777; do
	mkdir "$D/ww$mode" && chmod "$mode" "$D/ww$mode"
	expect "dir-$mode-refused" 2 "others may write" timeout 10 "$PARLEY" desk --key "$K/us.doj.key" --node "$US" --dir "$D/ww$mode"
	if [ -z "$(ls -A "$D/ww$mode")" ]; then pass "dir-$mode-nothing-written"; else fail "dir-$mode-nothing-written" "$(ls -A "$D/ww$mode")"; fi
done
# a --dir another user owns (or a symbolic link to one: followed, its target's owner checked)
if [ "$(id -u)" != 0 ]; then
	ln -s / "$D/theirs" # root's
else
	mkdir -m 0700 "$D/theirs" && chown nobody "$D/theirs"
fi
expect dir-not-ours-refused 2 "not owned by" timeout 10 "$PARLEY" desk --key "$K/us.doj.key" --node "$US" --dir "$D/theirs"

# --- --allow-remote: its consequences said where the officer sees them ---
if "$PARLEY" desk --help | grep -q "in clear"; then pass help-allow-remote-consequences
else fail help-allow-remote-consequences "desk --help does not say what --allow-remote gives up"; fi
# (a second on every interface, behind the start secret, to see the warning)
timeout 2 "$PARLEY" desk --key "$K/us.doj.key" --node "$US" --listen 0.0.0.0:0 --allow-remote >"$D/remote.out" 2>"$D/remote.err"
if grep -q "warning: listening on 0.0.0.0:0, not loopback.*in clear" "$D/remote.err"; then pass allow-remote-warns
else fail allow-remote-warns "stderr: $(head -c 300 "$D/remote.err")"; fi
timeout 2 "$PARLEY" desk --key "$K/us.doj.key" --node "$US" --listen 127.0.0.1:0 --allow-remote >"$D/local.out" 2>"$D/local.err"
# (quiet: no warning; the sandbox's one info line, event=sandbox role=desk, is all it says)
if ! grep -qv 'level=info event=sandbox role=desk seccomp=on' "$D/local.err"; then pass allow-remote-loopback-quiet; else fail allow-remote-loopback-quiet "$(head -c 300 "$D/local.err")"; fi

# --- a page of another localhost port (same site: SameSite=Strict does not separate ports) ---
"$PARLEY" desk --key "$K/us.doj.key" --node "$US" --dir "$D/doj" >"$D/doj.out" 2>"$D/doj.err" &
NODE_PIDS+=($!)
for i in $(seq 100); do line=$(grep -m1 '^desk: ' "$D/doj.out" 2>/dev/null) && break; sleep 0.1; done
case ${line:-} in "desk: http://127.0.0.1:"*/start#*) ;; *) fail setup "desk: $(cat "$D/doj.err")"; exit 1 ;; esac
line=${line#desk: }
URL=${line%%/start#*} SECRET=${line#*/start#}
req() { # req PATH [curl args]: status on stdout, body in $D/body (with the session's token once there is one)
	local path=$1; shift
	curl -s -o "$D/body" -w '%{http_code}' -b "$D/jar" -c "$D/jar" ${CSRF:+-H "X-Parley-CSRF: $CSRF"} "$@" "$URL$path"
}
CSRF=
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "status $3, expected $2: $(head -c 300 "$D/body")"; fi; }
check start 200 "$(req /api/start -H 'Content-Type: application/json' --data "{\"secret\":\"$SECRET\"}")"
CSRF=$(jq -r .csrf "$D/body")
# --- another program's server on another port of 127.0.0.1: the browser sends it the cookie ---
# (cookies are not isolated by port). Before: the cookie alone read every case and the session,
# whose answer holds the CSRF token: the whole agency.
real=$(awk '$6 ~ /^parley_desk_/ {print $6"="$7}' "$D/jar")
for p in /api/session /api/inbox /api/case/us.doj%2F2021-0001 '/api/report?from=1970-01-01&to=2100-01-01' /api/receipt/us.doj%2F2021-0001; do
	check "cookie-alone-$p" 403 "$(curl -s -o "$D/body" -w '%{http_code}' -H "Cookie: $real" "$URL$p")"
done
check cookie-and-wrong-token 403 "$(curl -s -o "$D/body" -w '%{http_code}' -H "Cookie: $real" -H 'X-Parley-CSRF: x' "$URL/api/session")"
check cookie-and-token-header 200 "$(curl -s -o "$D/body" -w '%{http_code}' -H "Cookie: $real" -H "X-Parley-CSRF: $CSRF" "$URL/api/session")"
check cookie-and-token-argument 200 "$(curl -s -o "$D/body" -w '%{http_code}' -H "Cookie: $real" "$URL/api/session?csrf=$CSRF")"
check post-token-argument-not-enough 403 "$(curl -s -o "$D/body" -w '%{http_code}' -H "Cookie: $real" -H 'Content-Type: application/json' --data '{}' "$URL/api/send?csrf=$CSRF")"
check root-page-cookie-alone 200 "$(curl -s -o "$D/body" -w '%{http_code}' -H "Cookie: $real" "$URL/")"
check session-same-origin 200 "$(req /api/session -H 'Sec-Fetch-Site: same-origin')"
check session-no-fetch-metadata 200 "$(req /api/session)"
check session-typed-url 200 "$(req /api/session -H 'Sec-Fetch-Site: none')"
# Before: 200; an <img src> on http://127.0.0.1:OTHER made the desk fetch every party's log into
# --dir (a report of 1970-2100) and build receipt archives, with the officer's session.
for site in same-site cross-site; do
	check "report-$site-refused" 403 "$(req '/api/report?from=1970-01-01&to=2100-01-01' -H "Sec-Fetch-Site: $site")"
	check "receipt-$site-refused" 403 "$(req /api/receipt/us.doj%2F2021-0001 -H "Sec-Fetch-Site: $site")"
	check "session-$site-refused" 403 "$(req /api/session -H "Sec-Fetch-Site: $site")"
	check "send-$site-refused" 403 "$(req /api/send -H "Sec-Fetch-Site: $site" -H "X-Parley-CSRF: $CSRF" \
		-H 'Content-Type: application/json' --data '{}')"
done
if [ ! -e "$D/doj/logs" ]; then pass report-refused-nothing-fetched; else fail report-refused-nothing-fetched "$(ls "$D/doj/logs")"; fi
# --- oversized or malformed requests: nothing written on refusal ---
# Before: a statement handed over ({envelope, body_age}) was written to DIR/statements/<new id>
# before it was read, and stayed there when cosign or publish refused it: every refused import
# left up to 16 MiB on disk.
big=$(head -c 3000000 /dev/zero | base64 -w0)
printf '{"envelope":"not an envelope","body_age":"%s"}' "$big" >"$D/junk.json"
for step in cosign publish; do
	st=$(req /api/statement/$step -H "X-Parley-CSRF: $CSRF" -H 'Content-Type: application/json' --data-binary @"$D/junk.json")
	case $st in 4??) pass "import-junk-$step-refused" ;; *) fail "import-junk-$step-refused" "status $st: $(head -c 300 "$D/body")" ;; esac
	if [ -z "$(ls -A "$D/doj/statements" 2>/dev/null)" ]; then pass "import-junk-$step-nothing-written"
	else fail "import-junk-$step-nothing-written" "$(ls "$D/doj/statements")"; fi
done

# --- found sound (guards): each of these was tried and refused before the review too ---
check origin-null-refused 403 "$(req /api/send -H 'Origin: null' -H "X-Parley-CSRF: $CSRF" -H 'Content-Type: application/json' --data '{}')"
check origin-other-port-refused 403 "$(req /api/send -H "Origin: http://127.0.0.1:1" -H "X-Parley-CSRF: $CSRF" -H 'Content-Type: application/json' --data '{}')"
check form-post-text-plain 415 "$(req /api/send -H 'Content-Type: text/plain' --data '{"kind":"notice"}')"
check form-post-urlencoded 415 "$(req /api/send --data 'kind=notice')"
check rebinding-host-refused 403 "$(req /api/session -H 'Host: attacker.example:80')"
check rebinding-host-with-port-refused 403 "$(req /api/session -H "Host: attacker.example:${URL##*:}")"
raw() { # raw REQUEST-TEXT: the status of a hand-written request (curl sends one Host only)
	exec 3<>"/dev/tcp/127.0.0.1/${URL##*:}" && printf '%b' "$1" >&3 && timeout 5 cat <&3 >"$D/body"
	exec 3<&-
	head -n1 "$D/body" | cut -d' ' -f2
}
P=${URL##*:}
cookie=$(awk '$6 ~ /^parley_desk_/ {print $6"="$7}' "$D/jar")
refused() { case $2 in 4??) if grep -q '"agency"' "$D/body"; then fail "$1" "served: $(head -c 200 "$D/body")"; else pass "$1"; fi ;; *) fail "$1" "status $2" ;; esac; }
refused two-hosts-refused "$(raw "GET /api/session HTTP/1.1\r\nHost: 127.0.0.1:$P\r\nHost: attacker.example:$P\r\nCookie: $cookie\r\nX-Parley-CSRF: $CSRF\r\nConnection: close\r\n\r\n")"
check raw-request-served 200 "$(raw "GET /api/session HTTP/1.1\r\nHost: 127.0.0.1:$P\r\nCookie: $cookie\r\nX-Parley-CSRF: $CSRF\r\nConnection: close\r\n\r\n")"
refused absolute-form-other-host-refused "$(raw "GET http://attacker.example:$P/api/session HTTP/1.1\r\nHost: attacker.example:$P\r\nCookie: $cookie\r\nX-Parley-CSRF: $CSRF\r\nConnection: close\r\n\r\n")"
check chunked-post-refused 411 "$(req /api/send -H 'Transfer-Encoding: chunked' -H "X-Parley-CSRF: $CSRF" -H 'Content-Type: application/json' --data '{}')"
check put-refused 405 "$(req /api/send -X PUT -H "X-Parley-CSRF: $CSRF")"
# a tossed cookie of the desk's name beside the real one: both refused (nobody gains a session)
check tossed-cookie-refused 403 "$(curl -s -o "$D/body" -w '%{http_code}' -H "Cookie: ${real%%=*}=attacker; $real" -H "X-Parley-CSRF: $CSRF" "$URL/api/session")"
check real-cookie-and-token 200 "$(curl -s -o "$D/body" -w '%{http_code}' -H "Cookie: $real" -H "X-Parley-CSRF: $CSRF" "$URL/api/session")"
# downloads are attachments that cannot be rendered as a page, whatever the case id holds
curl -s -D "$D/h" -o /dev/null -b "$D/jar" -H "X-Parley-CSRF: $CSRF" "$URL/api/receipt/us.doj%2F%22%3E%3Cscript%3E"
if grep -qi '^content-type: application/json' "$D/h" && ! grep -qi 'content-disposition' "$D/h"; then pass receipt-bad-case-id-json
else fail receipt-bad-case-id-json "$(cat "$D/h")"; fi

# the page's own requests still work
check report-same-origin 200 "$(req '/api/report?from=1970-01-01&to=2100-01-01' -H 'Sec-Fetch-Site: same-origin')"


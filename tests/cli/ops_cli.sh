# The operator's command line (issue 17, the operations kit): --help and --version on
# node, witness and the log commands (every flag listed, exit 0, on stdout), one
# version from the VERSION file, unknown flags refused with the usage (exit 2), and
# the --config file: accepted, overridden by flags, every refusal naming its line
# with nothing started.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
want_version=$(cat "$ROOT/VERSION")

# ---- version: one place ----
for form in --version version; do
	out=$("$PARLEY" $form 2>/dev/null) && [ "$out" = "parley $want_version" ] && pass "version-$form" ||
		fail "version-$form" "'$out', expected 'parley $want_version'"
done
for cmd in node witness; do
	out=$("$PARLEY" $cmd --version 2>/dev/null) && [ "$out" = "parley $want_version" ] && pass "$cmd-version" ||
		fail "$cmd-version" "'$out'"
done

# ---- --help: exit 0, on stdout, nothing on stderr, every flag the command takes ----
# help_ok NAME CMD... — CMD exits 0 with a usage on stdout and nothing on stderr (the text in $D/help.out)
help_ok() {
	local name=$1; shift
	if ! "$@" >"$D/help.out" 2>"$D/help.err"; then fail "$name" "exit $?"; return 1; fi
	if [ -s "$D/help.err" ] || ! grep -q '^usage: ' "$D/help.out"; then fail "$name" "stderr: $(head -c 200 "$D/help.err")"; return 1; fi
	pass "$name"
}
for cmd in node witness; do
	help_ok "$cmd-help" "$PARLEY" $cmd --help || continue
	flags=$(grep -o '^  --[a-z-]*' "$D/help.out" | tr -d ' ')
	# every option of the table is listed: those the old usage named, and the new ones
	case $cmd in
	node) need="--dir --listen --poll --max-skew --http-timeout --http-connections --reindex --accept-rollback --log-format --config --help --version" ;;
	witness) need="--dir --listen --log-format --config --help --version" ;;
	esac
	missing=
	for f in $need; do grep -qx -- "$f" <<<"$flags" || missing="$missing $f"; done
	[ -z "$missing" ] && pass "$cmd-help-lists-every-flag" || fail "$cmd-help-lists-every-flag" "missing:$missing"
	# and every listed flag is one the command knows (no stale help): given without its value, it is never "unknown"
	bad=
	for f in $flags; do
		case $f in --help | --version) continue ;; esac
		"$PARLEY" $cmd "$f" >/dev/null 2>"$D/f.err"
		grep -q "unknown option" "$D/f.err" && bad="$bad $f"
	done
	[ -z "$bad" ] && pass "$cmd-help-flags-are-parsed" || fail "$cmd-help-flags-are-parsed" "unknown:$bad"
done
"$PARLEY" node --help >"$D/node.help"
nodef=0
for f in listen poll max-skew http-timeout http-connections reindex accept-rollback log-format config; do
	sed -n "/^  --$f[ ]/,/^  --[a-z]/p" "$D/node.help" | sed '$d' | grep -q 'Default' || { nodef=1; echo "  --$f: no default" >&2; }
done
[ $nodef = 0 ] && pass node-help-gives-defaults || fail node-help-gives-defaults
help_ok node-init-help "$PARLEY" node init --help
help_ok witness-init-help "$PARLEY" witness init --help
help_ok log-help "$PARLEY" log --help
for sub in init append prove consistency verify checkpoint; do
	grep -q "^parley log $sub" "$D/help.out" || fail "log-help-lists-$sub"
done
help_ok log-prove-help "$PARLEY" log prove --help
help_ok log-init-help "$PARLEY" log init DIR --help
grep -q -- '--key FILE' "$D/help.out" && pass log-init-help-names-key || fail log-init-help-names-key
help_ok parley-help "$PARLEY" --help

# ---- unknown flags: exit 2 with the usage, on stderr ----
expect node-unknown-flag 2 "unknown option '--bogus'" "$PARLEY" node --dir "$D/x" --bogus
grep -q '^usage: parley node' "$T_ERR" && pass node-unknown-flag-usage || fail node-unknown-flag-usage "$(cat "$T_ERR")"
expect witness-unknown-flag 2 "unknown option '--bogus'" "$PARLEY" witness --bogus
expect node-bad-value 2 "--poll: '0' is not a number from 1 to 3600" "$PARLEY" node --dir "$D/x" --poll 0
expect node-missing-value 2 "--listen needs a value" "$PARLEY" node --dir "$D/x" --listen
expect node-bad-log-format 2 "'xml' is not a log format" "$PARLEY" node --dir "$D/x" --log-format xml
expect node-no-dir 2 "--dir is required" "$PARLEY" node
expect log-unknown-sub 2 "unknown subcommand 'bogus'" "$PARLEY" log bogus
expect version-extra 2 "unexpected argument" "$PARLEY" version x

# ---- the configuration file ----
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
K=$D/keys
"$PARLEY" node init "$D/us" --charter "$D/charter" --key "$K/us-node.key" 2>/dev/null || { fail setup init; exit 1; }
US=$(url_of us)
ALT=$((PORT_BASE + 4))
# refusals: exit 2, the file and the line named, nothing listening afterwards
conf_refused() { # conf_refused NAME MESSAGE TEXT
	printf '%b' "$3" >"$D/bad.conf"
	"$PARLEY" node --config "$D/bad.conf" >"$D/c.out" 2>"$D/c.err" &
	local pid=$! i
	for i in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	if kill -0 $pid 2>/dev/null; then kill -9 $pid; fail "$1" "still running"; return; fi
	wait $pid; local rc=$?
	if [ $rc != 2 ]; then fail "$1" "exit $rc: $(cat "$D/c.err")"; return; fi
	grep -qF -- "$D/bad.conf" "$D/c.err" && grep -qF -- "$2" "$D/c.err" || { fail "$1" "$(cat "$D/c.err")"; return; }
	curl -s "$US/healthz" >/dev/null && { fail "$1" "a node answers"; return; }
	pass "$1"
}
conf_refused conf-unknown-key "line 2: unknown key 'lisen'" "dir = $D/us\nlisen = 127.0.0.1:1\n"
conf_refused conf-duplicate "line 3: poll is given twice (first on line 2)" "dir = $D/us\npoll = 2\npoll = 3\n"
conf_refused conf-bad-number "line 2: poll: 'often' is not a number from 1 to 3600" "dir = $D/us\npoll = often\n"
conf_refused conf-bad-flag "line 2: reindex: 'yes' is neither true nor false" "dir = $D/us\nreindex = yes\n"
conf_refused conf-bad-format "line 2: log-format: 'xml' is not a log format" "dir = $D/us\nlog-format = xml\n"
conf_refused conf-crlf "line 1: carriage return" "dir = $D/us\r\n"
conf_refused conf-no-value "line 2: listen: no value" "dir = $D/us\nlisten =\n"
conf_refused conf-not-a-setting "line 1: expected '=' or ':' after 'dir'" "dir $D/us\n"
conf_refused conf-flag-syntax "line 1: expected 'key = value'" "--dir = $D/us\n"
conf_refused conf-config-in-config "line 2: unknown key 'config'" "dir = $D/us\nconfig = /etc/x\n"
conf_refused conf-binary "line 1: control character 0x00" "dir = $D/us\0\n"
conf_refused conf-no-accept-rollback "line 2: accept-rollback is a flag of one start (--accept-rollback), not a setting" \
	"dir = $D/us\naccept-rollback = true\n"
expect conf-missing-file 2 "$D/none.conf" "$PARLEY" node --config "$D/none.conf"
expect conf-twice 2 "--config is given twice" "$PARLEY" node --config "$D/a" --config "$D/b"

# accepted, and flags override it: the file says listen on ALT, the flag on the charter's port
cat >"$D/us.conf" <<CONF
# the us node
dir = $D/us
listen = 127.0.0.1:$ALT
poll: 1
http-timeout = 5
reindex = false
log-format = json
CONF
"$PARLEY" node --config "$D/us.conf" >"$D/us.log" 2>&1 &
pid=$!; NODE_PIDS+=($pid)
wait_up "http://127.0.0.1:$ALT" && pass conf-starts-node || fail conf-starts-node "$(cat "$D/us.log")"
head -n 1 "$D/us.log" | jq -e '.event' >/dev/null 2>&1 && pass conf-log-format-applies || fail conf-log-format-applies "$(head -n 2 "$D/us.log")"
kill $pid; wait $pid 2>/dev/null
"$PARLEY" node --config "$D/us.conf" --listen "127.0.0.1:$((PORT_BASE + 1))" --log-format kv >"$D/us2.log" 2>&1 &
pid=$!; NODE_PIDS+=($pid)
if wait_up "$US" && ! curl -s "http://127.0.0.1:$ALT/healthz" >/dev/null; then pass conf-flag-overrides-file; else
	fail conf-flag-overrides-file "$(cat "$D/us2.log")"; fi
grep -q '^time=[^ ]* level=info event=start ' "$D/us2.log" && pass conf-flag-overrides-log-format ||
	fail conf-flag-overrides-log-format "$(head -n 2 "$D/us2.log")"
kill $pid; wait $pid 2>/dev/null

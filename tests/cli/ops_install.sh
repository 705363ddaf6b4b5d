# make install (PREFIX, DESTDIR): the binary, the man pages, the systemd units (their
# ExecStart naming PREFIX/bin/parley) and the examples; the man pages render without
# a warning; the units pass systemd-analyze verify and carry the hardening, Type=notify
# and the watchdog.
. "$ROOT/tests/lib.sh"
D=$T_DIR
R=$D/root
if ! make -s -C "$ROOT" install PREFIX=/opt/parley DESTDIR="$R" ${SANITIZE:+SANITIZE=$SANITIZE} >"$D/make.out" 2>&1; then
	fail make-install "$(tail -n 5 "$D/make.out")"; exit 0
fi
P=$R/opt/parley
ok=1
for f in bin/parley:755 share/man/man1/parley.1:644 share/man/man8/parley-node.8:644 share/man/man8/parley-witness.8:644 \
	lib/systemd/system/parley-node@.service:644 lib/systemd/system/parley-witness@.service:644 \
	share/doc/parley/node.conf.example:644 share/doc/parley/nginx-parley-node.conf:644; do
	mode=$(stat -c %a "$P/${f%:*}" 2>/dev/null)
	[ "$mode" = "${f#*:}" ] || { ok=0; echo "  ${f%:*}: mode '$mode'" >&2; }
done
[ $ok = 1 ] && pass install-files || fail install-files
[ "$("$P/bin/parley" --version)" = "parley $(cat "$ROOT/VERSION")" ] && pass installed-version || fail installed-version
for m in man1/parley.1 man8/parley-node.8 man8/parley-witness.8; do
	if groff -man -ww -z "$P/share/man/$m" >"$D/groff.out" 2>&1 && [ ! -s "$D/groff.out" ]; then pass "man-$(basename "$m")"; else
		fail "man-$(basename "$m")" "$(head -c 300 "$D/groff.out")"; fi
done
# every node option is in the man page
missing=
for f in $("$P/bin/parley" node --help | grep -o '^  --[a-z-]*' | tr -d ' '); do
	grep -q -- "$(sed 's/-/\\\\-/g' <<<"$f")" "$P/share/man/man8/parley-node.8" || missing="$missing $f"
done
[ -z "$missing" ] && pass man-node-lists-every-flag || fail man-node-lists-every-flag "missing:$missing"
for u in node witness; do
	f=$P/lib/systemd/system/parley-$u@.service
	grep -qx "ExecStart=/opt/parley/bin/parley $u --config /etc/parley/$u-%i.conf" "$f" && pass "unit-$u-execstart" ||
		fail "unit-$u-execstart" "$(grep ExecStart "$f")"
	missing=
	for d in Type=notify WatchdogSec= NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes ReadWritePaths=/var/lib/parley \
		ProtectHome=yes CapabilityBoundingSet= SystemCallFilter=@system-service User=parley; do
		grep -q "^$d" "$f" || missing="$missing $d"
	done
	[ -z "$missing" ] && pass "unit-$u-hardening" || fail "unit-$u-hardening" "missing:$missing"
	if command -v systemd-analyze >/dev/null; then
		# verify an instance whose ExecStart names the installed binary (it must exist)
		sed "s|/opt/parley/bin/parley|$P/bin/parley|" "$f" >"$D/parley-$u@test.service"
		if systemd-analyze verify --man=no "$D/parley-$u@test.service" >"$D/verify.out" 2>&1 && ! grep -v '^$' "$D/verify.out" | grep -q .; then
			pass "unit-$u-verifies"; else fail "unit-$u-verifies" "$(head -c 400 "$D/verify.out")"; fi
	else
		skip "unit-$u-verifies" "systemd-analyze is not installed"
	fi
done
# the example configuration is one the node accepts (up to the missing directory)
"$P/bin/parley" node --config "$P/share/doc/parley/node.conf.example" >"$D/ex.out" 2>&1
grep -q "/var/lib/parley/us" "$D/ex.out" && ! grep -q "line [0-9]" "$D/ex.out" && pass example-config-parses ||
	fail example-config-parses "$(cat "$D/ex.out")"

# parley body template: every type listed prints a body that the profile checker accepts for
# the envelope kind it goes with; --profile selects between the types both profiles have
# (ack, close); an unknown type or profile exits 2 printing nothing on stdout.
. "$ROOT/tests/lib.sh"
D=$T_DIR
expect list 0 "" "$PARLEY" body template
[ "$(wc -l <"$T_OUT")" -eq 14 ] && pass list-every-type || fail list-every-type "$(cat "$T_OUT")"
kind_of() { case $1 in notice | consignment) echo notice ;; mla-request | preservation-request) echo request ;;
	inspection | crossing | update) echo update ;; *) echo "$1" ;; esac; }
while read -r profile type _; do
	"$PARLEY" body template "$type" --profile "$profile" >"$D/$profile-$type.json" &&
		[ "$(jq -r .profile "$D/$profile-$type.json")" = "$profile" ] &&
		"$PARLEY" profile check --kind "$(kind_of "$type")" "$D/$profile-$type.json" >/dev/null 2>&1 &&
		pass "valid-$profile-$type" || fail "valid-$profile-$type" "$(head -c 200 "$D/$profile-$type.json")"
done <"$T_OUT"
expect aid-only 0 "" "$PARLEY" body template --profile aid-crossing
! grep -q cyber-mla "$T_OUT" && [ "$(wc -l <"$T_OUT")" -eq 5 ] && pass aid-only-listed || fail aid-only-listed "$(cat "$T_OUT")"
expect ack-default-cyber 0 "" "$PARLEY" body template ack
[ "$(jq -r .profile "$T_OUT")" = cyber-mla ] && pass ack-is-cyber-by-default || fail ack-is-cyber-by-default
expect unknown-type 2 "no body type 'nope'" "$PARLEY" body template nope
[ ! -s "$T_OUT" ] && pass unknown-type-prints-nothing || fail unknown-type-prints-nothing
expect unknown-profile 2 "unknown profile" "$PARLEY" body template ack --profile other
expect consignment-not-cyber 2 "in cyber-mla" "$PARLEY" body template consignment --profile cyber-mla
expect no-subcommand 2 "usage" "$PARLEY" body

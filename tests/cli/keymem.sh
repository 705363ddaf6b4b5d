# Key text does not stay in a running witness's memory (issue 13 hole 8): after
# `parley witness` has started, neither the secret part of its key file's
# PRIVATE+KEY line nor that of its AGE-SECRET-KEY line is in any readable page of
# the process (/proc/PID/mem, read with dd; needs root or ptrace rights, else SKIP).
# A string the witness does keep (its log origins) is found, so the scan works.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/fixture.sh"
. "$ROOT/tests/node_lib.sh"
D=$T_DIR
make_channel "$D" || { fail setup "could not build the test channel"; exit 1; }
"$PARLEY" witness init "$D/wit" --charter "$D/charter" --key "$D/keys/witness.key" 2>/dev/null ||
	{ fail setup "witness init"; exit 1; }
start_witness "$D/wit" || { fail setup "the witness did not start: $(tail -n 3 "$D/wit.log")"; exit 1; }
PID=$NODE_PID_witness

# dump_memory PID — every readable mapping of PID on stdout (not [vvar]/[vsyscall], nor those over 4 GiB).
dump_memory() {
	local range perms rest lo hi
	while read -r range perms rest; do
		case $perms in r*) ;; *) continue ;; esac
		case $rest in *'[vvar]'* | *'[vsyscall]'*) continue ;; esac
		lo=$((16#${range%-*})) hi=$((16#${range#*-}))
		[ $((hi - lo)) -le $((1 << 32)) ] || continue # sanitizer shadow memory, terabytes of it
		dd if="/proc/$1/mem" bs=4096 skip=$((lo / 4096)) count=$(((hi - lo) / 4096)) 2>/dev/null
	done <"/proc/$1/maps"
}
# count_in_memory PID STRING — how many times STRING (case-insensitive) is in PID's memory.
count_in_memory() { dump_memory "$1" | grep -aoiF -- "$2" | wc -l; }

if ! dd if="/proc/$PID/mem" bs=1 count=0 2>/dev/null || [ "$(count_in_memory "$PID" us.parley.example/log)" -eq 0 ]; then
	skip witness-memory "cannot read /proc/$PID/mem (run as root or with ptrace rights)"
	exit 0
fi
pass memory-scan-finds-the-log-origins
# The secret parts of the two key lines (the base64 may hold '+': cut after the name and hash).
seed=$(sed -n 's/^PRIVATE+KEY+[^+]*+[0-9a-f]*+//p' "$D/keys/witness.key")
age=$(sed -n 's/^AGE-SECRET-KEY-1//p' "$D/keys/witness.key")
[ ${#seed} -ge 40 ] && [ ${#age} -ge 50 ] || { fail setup "cannot read the key lines of $D/keys/witness.key"; exit 1; }
n=$(count_in_memory "$PID" "$seed")
[ "$n" -eq 0 ] && pass witness-memory-has-no-signing-key-text || fail witness-memory-has-no-signing-key-text "$n copies"
n=$(count_in_memory "$PID" "$age")
[ "$n" -eq 0 ] && pass witness-memory-has-no-age-key-text || fail witness-memory-has-no-age-key-text "$n copies"
curl -sf "$(url_of witness)/healthz" >/dev/null && pass witness-still-serves || fail witness-still-serves

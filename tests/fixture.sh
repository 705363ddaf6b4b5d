# A channel for tests: keys for two parties' nodes, four agencies and a witness, and
# the charter signed by both parties. Source after tests/lib.sh; call make_channel DIR.
# The nodes' URLs use ports PORT_BASE+1 (us), +2 (ru) and +3 (witness). Unless the
# caller sets PORT_BASE, a base whose three ports nobody listens on is picked at
# random, so test runs on the same machine (several checkouts, CI) do not collide.

# free_port_base — prints a base B such that B+1..B+4 accept no connection now (+4 is
# for a bench's nginx). Bases stay below 32768, where Linux's ephemeral ports begin
# (ip_local_port_range), so no client connection can be holding one of them.
free_port_base() {
	local b p used
	for _ in $(seq 50); do
		b=$((20000 + (RANDOM % 1270) * 10))
		used=0
		for p in 1 2 3 4; do
			if (exec 3<>/dev/tcp/127.0.0.1/$((b + p))) 2>/dev/null; then used=1; fi
		done
		[ $used = 0 ] && { echo $b; return 0; }
	done
	return 1
}
PORT_BASE=${PORT_BASE:-$(free_port_base)}
make_channel() {
	local d=$1
	mkdir -p "$d/keys"
	local k n
	for k in us-node:us.parley.example/log ru-node:ru.parley.example/log us.fbi:us.fbi us.doj:us.doj \
		ru.fsb:ru.fsb ru.gp:ru.gp witness:un.witness; do
		n=${k#*:}
		"$PARLEY" keygen --name "$n" --out "$d/keys/${k%%:*}.key" >/dev/null || return 1
	done
	local K=$d/keys b=$PORT_BASE
	{
		echo "parley charter v1"
		echo "name: US-RU expert consultation mechanism on cybersecurity"
		echo "legal-basis: Treaty on Mutual Legal Assistance in Criminal Matters (1999)"
		echo "party: us http://127.0.0.1:$((b + 1)) $("$PARLEY" key vkey "$K/us-node.key")"
		echo "party: ru http://127.0.0.1:$((b + 2)) $("$PARLEY" key vkey "$K/ru-node.key")"
		for a in us.fbi us.doj ru.fsb ru.gp; do
			echo "agency: $a $("$PARLEY" key vkey "$K/$a.key") $("$PARLEY" key age-recipient "$K/$a.key")"
		done
		echo "witness: un.witness http://127.0.0.1:$((b + 3)) $("$PARLEY" key vkey "$K/witness.key" --cosigner)"
		echo "profiles: cyber-mla"
		echo "ack: 24h"
		echo "answer: 30d"
		echo "urgent-ack: 4h"
		echo "urgent-answer: 72h"
		echo "term: 2021-07-09T00:00:00Z 2022-01-09T00:00:00Z"
		echo "reporting-period: 30d"
	} >"$d/charter.draft"
	cp "$d/charter.draft" "$d/charter"
	"$PARLEY" charter sign "$d/charter" --key "$K/us-node.key" 2>/dev/null &&
		"$PARLEY" charter sign "$d/charter" --key "$K/ru-node.key" 2>/dev/null
}

# sign_text KEYFILE TEXTFILE — prints TEXTFILE as a signed note with one Ed25519
# signature by KEYFILE's signing key, made with openssl alone (not parley), so tests
# can sign texts parley itself would refuse to write: malformed, oversized, or
# signed by a key other than the one the text names.
sign_text() {
	local line name id b64 tmp
	line=$(grep '^PRIVATE+KEY+' "$1") || return 1
	# Split by hand: the base64 may hold '+' too, and `IFS=+ read` drops a final one.
	line=${line#PRIVATE+KEY+}
	name=${line%%+*} line=${line#*+}
	id=${line%%+*} b64=${line#*+}
	tmp=$(mktemp -d "$T_DIR/sign.XXXXXX")
	# PKCS#8 wrapping of the 32-byte Ed25519 seed (the key string holds 0x01 || seed).
	{ printf '\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20'; base64 -d <<<"$b64" | tail -c 32; } >"$tmp/key.der"
	openssl pkeyutl -sign -rawin -keyform DER -inkey "$tmp/key.der" -in "$2" -out "$tmp/sig" || return 1
	cat "$2"
	printf '\n\xe2\x80\x94 %s %s\n' "$name" "$({ xxd -r -p <<<"$id"; cat "$tmp/sig"; } | base64 -w0)"
	rm -rf "$tmp"
}

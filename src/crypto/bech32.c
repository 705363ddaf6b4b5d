#include "crypto/bech32.h"
#include "base/err.h"

#include <string.h>

static const char bech32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t chk, uint8_t v)
{
	static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
	uint32_t top = chk >> 25;
	chk = (chk & 0x1ffffff) << 5 ^ v;
	for (int i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

/* The checksum state after the expanded human-readable part (lowercase). */
static uint32_t polymod_hrp(const char *hrp, size_t n)
{
	uint32_t chk = 1;
	for (size_t i = 0; i < n; i++)
		chk = polymod_step(chk, (uint8_t)hrp[i] >> 5);
	chk = polymod_step(chk, 0);
	for (size_t i = 0; i < n; i++)
		chk = polymod_step(chk, (uint8_t)hrp[i] & 31);
	return chk;
}

static char to_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

int bech32_encode(char *out, size_t outsz, const char *hrp, const uint8_t *data, size_t n, int upper)
{
	size_t hlen = strlen(hrp);
	if (hlen < 1 || hlen > 83)
		return err_set(ERR_USAGE, "bech32: human-readable part must be 1 to 83 characters");
	for (size_t i = 0; i < hlen; i++)
		if (hrp[i] < 33 || hrp[i] > 126 || (hrp[i] >= 'A' && hrp[i] <= 'Z'))
			return err_set(ERR_USAGE, "bech32: invalid human-readable part");
	size_t groups = (n * 8 + 4) / 5;
	size_t total = hlen + 1 + groups + 6;
	if (total > BECH32_MAX_LEN || total + 1 > outsz)
		return err_set(ERR_LIMIT, "bech32: string would be %zu characters, too long", total);
	uint32_t chk = polymod_hrp(hrp, hlen);
	size_t o = 0;
	for (size_t i = 0; i < hlen; i++)
		out[o++] = hrp[i];
	out[o++] = '1';
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n) {
			acc = acc << 8 | data[i];
			bits += 8;
		} else if (bits > 0) {
			acc <<= 5 - bits; /* zero padding bits */
			bits = 5;
		}
		while (bits >= 5) {
			bits -= 5;
			uint8_t v = (uint8_t)((acc >> bits) & 31);
			chk = polymod_step(chk, v);
			out[o++] = bech32_charset[v];
		}
	}
	for (int i = 0; i < 6; i++)
		chk = polymod_step(chk, 0);
	chk ^= 1;
	for (int i = 0; i < 6; i++)
		out[o++] = bech32_charset[(chk >> (5 * (5 - i))) & 31];
	for (size_t i = 0; upper && i < o; i++)
		out[i] = to_upper(out[i]);
	out[o] = 0;
	return 0;
}

int bech32_decode(const char *s, size_t slen, char *hrp, size_t hrpsz, uint8_t *out, size_t outmax,
		  size_t *outlen)
{
	if (slen > BECH32_MAX_LEN)
		return err_set(ERR_LIMIT, "bech32: string longer than %d characters", BECH32_MAX_LEN);
	int lower = 0, upper = 0;
	size_t sep = slen;
	for (size_t i = 0; i < slen; i++) {
		char c = s[i];
		if (c < 33 || c > 126)
			return err_set(ERR_FORMAT, "bech32: invalid character");
		lower |= c >= 'a' && c <= 'z';
		upper |= c >= 'A' && c <= 'Z';
		if (c == '1')
			sep = i;
	}
	if (lower && upper)
		return err_set(ERR_FORMAT, "bech32: mixed case");
	if (sep == slen || sep < 1 || slen - sep - 1 < 6)
		return err_set(ERR_FORMAT, "bech32: missing separator or checksum");
	if (sep + 1 > hrpsz)
		return err_set(ERR_LIMIT, "bech32: human-readable part too long");
	for (size_t i = 0; i < sep; i++)
		hrp[i] = to_lower(s[i]);
	hrp[sep] = 0;
	uint32_t chk = polymod_hrp(hrp, sep);
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0, ndata = slen - sep - 1 - 6;
	for (size_t i = sep + 1; i < slen; i++) {
		const char *p = strchr(bech32_charset, to_lower(s[i]));
		if (!p || !*p)
			return err_set(ERR_FORMAT, "bech32: invalid data character");
		uint8_t v = (uint8_t)(p - bech32_charset);
		chk = polymod_step(chk, v);
		if (i - sep - 1 >= ndata)
			continue; /* checksum characters */
		acc = (acc << 5 | v) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outmax)
				return err_set(ERR_LIMIT, "bech32: data longer than %zu bytes", outmax);
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (chk != 1)
		return err_set(ERR_FORMAT, "bech32: bad checksum");
	if (bits >= 5 || (acc & ((1u << bits) - 1)))
		return err_set(ERR_FORMAT, "bech32: invalid padding");
	*outlen = o;
	return 0;
}

#include "base/enc.h"
#include "base/err.h"

#include <string.h>

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

size_t b64_len_nopad(size_t n)
{
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

static size_t encode(char *out, const uint8_t *in, size_t n, int pad)
{
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = 0;
	return o;
}

void b64_encode(char *out, const uint8_t *in, size_t n)
{
	encode(out, in, n, 1);
}

void b64_encode_nopad(char *out, const uint8_t *in, size_t n)
{
	encode(out, in, n, 0);
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int decode(uint8_t *out, size_t outmax, size_t *outlen, const char *text, size_t tlen, int pad)
{
	size_t body = tlen;
	if (pad) {
		if (tlen % 4)
			return err_set(ERR_FORMAT, "base64 length is not a multiple of 4");
		if (body && text[body - 1] == '=')
			body--;
		if (body && text[body - 1] == '=')
			body--;
	} else if (tlen % 4 == 1) {
		return err_set(ERR_FORMAT, "base64 has an impossible length");
	}
	size_t n = body / 4 * 3 + (body % 4 ? body % 4 - 1 : 0);
	if (n > outmax)
		return err_set(ERR_LIMIT, "base64 value is longer than %zu bytes", outmax);
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < body; i++) {
		int v = b64_value(text[i]);
		if (v < 0)
			return err_set(ERR_FORMAT, "invalid base64 character");
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits && (acc & ((1u << bits) - 1)))
		return err_set(ERR_FORMAT, "base64 is not canonical (nonzero trailing bits)");
	*outlen = o;
	return 0;
}

int b64_decode(uint8_t *out, size_t outmax, size_t *outlen, const char *text, size_t tlen)
{
	return decode(out, outmax, outlen, text, tlen, 1);
}

int b64_decode_nopad(uint8_t *out, size_t outmax, size_t *outlen, const char *text, size_t tlen)
{
	for (size_t i = 0; i < tlen; i++)
		if (text[i] == '=')
			return err_set(ERR_FORMAT, "unexpected base64 padding");
	return decode(out, outmax, outlen, text, tlen, 0);
}

void hex_encode(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int hex_decode(uint8_t *out, size_t n, const char *text, size_t tlen)
{
	if (tlen != 2 * n)
		return err_set(ERR_FORMAT, "expected %zu lowercase hex digits", 2 * n);
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return err_set(ERR_FORMAT, "invalid hex digit (lowercase 0-9a-f only)");
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int dec_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return err_set(ERR_FORMAT, "not a decimal number without leading zeros");
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return err_set(ERR_FORMAT, "not a decimal number without leading zeros");
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return err_set(ERR_FORMAT, "number too large");
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

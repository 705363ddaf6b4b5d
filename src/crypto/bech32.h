/*
 * bech32 — the Bech32 text encoding of BIP-173, as age uses it: no length
 * limit on the data part beyond BECH32_MAX_LEN, and the string must be all
 * lowercase or all uppercase (the checksum is always computed over the
 * lowercase form).
 */
#ifndef PARLEY_BECH32_H
#define PARLEY_BECH32_H

#include <stddef.h>
#include <stdint.h>

/* Longest Bech32 string accepted or produced (age hybrid recipients are ~1950). */
#define BECH32_MAX_LEN 4096

/*
 * Encodes hrp (lowercase ASCII 33..126, 1..83 characters) and n data bytes as
 * Bech32 into out (room for outsz bytes, NUL-terminated); with upper, the
 * whole string is uppercase. Returns 0, ERR_USAGE (bad hrp) or ERR_LIMIT
 * (the string would not fit in outsz or exceed BECH32_MAX_LEN).
 */
int bech32_encode(char *out, size_t outsz, const char *hrp, const uint8_t *data, size_t n, int upper);

/*
 * Decodes the Bech32 string s[0..slen). The human-readable part is written
 * lowercased into hrp (room for hrpsz bytes, NUL-terminated) and the data,
 * converted from 5-bit groups to bytes with zero padding bits checked, into
 * out (room for outmax bytes); *outlen receives its size. Mixed case, a bad
 * checksum, characters outside the alphabet, or non-zero padding fail with
 * ERR_FORMAT; too long input or output with ERR_LIMIT.
 */
int bech32_decode(const char *s, size_t slen, char *hrp, size_t hrpsz, uint8_t *out, size_t outmax,
		  size_t *outlen);

#endif

/*
 * enc — strict text encodings of binary data: base64 (RFC 4648, standard
 * alphabet) and lowercase hex.
 *
 * Decoders accept only the canonical encoding: the right padding (or none,
 * for the unpadded variant), no whitespace, and zero bits in the unused
 * positions of the last character, so every value has exactly one text form.
 */
#ifndef PARLEY_ENC_H
#define PARLEY_ENC_H

#include <stddef.h>
#include <stdint.h>

/* Length of the padded / unpadded base64 text for n bytes (without NUL). */
size_t b64_len(size_t n);
size_t b64_len_nopad(size_t n);

/* Writes the base64 text and a NUL into out, which holds b64_len(n)+1 bytes. */
void b64_encode(char *out, const uint8_t *in, size_t n);
void b64_encode_nopad(char *out, const uint8_t *in, size_t n);

/*
 * Decodes text[0..tlen) into out (room for outmax bytes); *outlen receives
 * the decoded size. Returns 0 or ERR_FORMAT (not canonical base64) or
 * ERR_LIMIT (decodes to more than outmax bytes).
 */
int b64_decode(uint8_t *out, size_t outmax, size_t *outlen, const char *text, size_t tlen);
int b64_decode_nopad(uint8_t *out, size_t outmax, size_t *outlen, const char *text, size_t tlen);

/*
 * Parses s[0..n) as a canonical unsigned decimal: digits only, no leading
 * zero (except "0" itself), no overflow. 0 or ERR_FORMAT.
 */
int dec_u64(const char *s, size_t n, uint64_t *out);

/* Lowercase hex of n bytes into out (2n+1 bytes with NUL). */
void hex_encode(char *out, const uint8_t *in, size_t n);
/* Exactly 2n lowercase hex digits into n bytes. 0 or ERR_FORMAT. */
int hex_decode(uint8_t *out, size_t n, const char *text, size_t tlen);

#endif

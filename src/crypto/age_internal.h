/*
 * age_internal — pieces of the age implementation shared between its files
 * (age.c, age_header.c, age_armor.c, age_keys.c) and the fuzz targets. Not an
 * API for other modules: use age.h.
 */
#ifndef PARLEY_AGE_INTERNAL_H
#define PARLEY_AGE_INTERNAL_H

#include "crypto/age.h"

#include <stddef.h>
#include <stdint.h>

/* ---- header (age_header.c) ---- */

struct age_stanza {
	const char *arg[AGE_MAX_ARGS]; /* point into the parsed text, not NUL-terminated */
	size_t arglen[AGE_MAX_ARGS];
	size_t nargs;
	uint8_t *body;                 /* decoded body, malloc'd (NULL when empty) */
	size_t body_len;
};

struct age_header {
	struct age_stanza *stanzas;
	size_t n;
	size_t mac_len;                /* the MAC covers text[0..mac_len): up to and including "---" */
	uint8_t mac[32];
};

/* 1 if stanza argument i equals the NUL-terminated string s. */
int age_stanza_arg_is(const struct age_stanza *s, size_t i, const char *str);

/*
 * Parses a complete v1 header text[0..n): the version line, one or more
 * stanzas and the MAC line, ending exactly after the MAC line's LF. Checks
 * every rule of the grammar (canonical unpadded base64, 64-column body lines
 * ending with a short line, arguments of VCHARs separated by single spaces)
 * and the structure of the stanza types parley knows: X25519 (two arguments,
 * a 32-byte share, a 32-byte body) and scrypt (three arguments, a 16-byte
 * salt, a decimal work factor without leading zeros in 1..64, a 32-byte body,
 * and no other stanza in the header). h keeps pointers into text. 0,
 * AGE_ERR_HEADER (with the reason) or ERR_NOMEM. Free h with age_header_free().
 */
int age_header_parse(const uint8_t *text, size_t n, struct age_header *h);
void age_header_free(struct age_header *h);

/*
 * Appends the stanza "-> args...\n" + body wrapped at 64 columns (always
 * ending with a short, possibly empty, line) to out.
 */
int age_stanza_write(struct buf *out, const char *const *args, size_t nargs, const uint8_t *body,
		     size_t body_len);

/* ---- primitives (age_keys.c) ---- */

/* HKDF-SHA-256 with a 32-byte output. 0 or ERR_NOMEM (OpenSSL failure). */
int age_hkdf(uint8_t out[32], const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
	     const char *info);

/*
 * Wraps file_key for r as a stanza appended to the header text out. Secrets
 * pass through sodium_malloc memory. 0 or a negative ERR_* code.
 */
int age_stanza_wrap(struct buf *out, const struct age_recipient *r, const uint8_t file_key[AGE_FILE_KEY_LEN]);

/*
 * Tries to unwrap the file key from the header's stanzas with id. 0 with the
 * key in file_key, AGE_ERR_NO_MATCH if no stanza is for this identity, or
 * AGE_ERR_HEADER (all-zero X25519 secret, scrypt work factor above the limit).
 */
int age_stanza_unwrap(const struct age_header *h, const struct age_identity *id,
		      uint8_t file_key[AGE_FILE_KEY_LEN]);

/* ---- armor (age_armor.c) ---- */

#define AGE_ARMOR_RAW_BUF 65536

/*
 * A source that reads raw from src and passes binary age input (anything that
 * starts with a prefix of "age-encryption.org/", or is empty) through
 * unchanged; anything else must be the strict PEM armor, which it decodes.
 * Armor errors are reported as AGE_ERR_ARMOR.
 */
struct age_armor_reader {
	struct age_source *src;
	uint8_t raw[AGE_ARMOR_RAW_BUF];
	size_t rpos, rlen;
	int reof;
	int mode;                      /* 0 undecided, 1 plain, 2 armored, 3 armor finished */
	uint8_t dec[48];               /* decoded bytes of the current line not yet returned */
	size_t dpos, dlen;
};
void age_armor_reader_init(struct age_armor_reader *a, struct age_source *src);
/* The reader as a source. */
void age_armor_reader_source(struct age_armor_reader *a, struct age_source *s);
/* 1 once the reader has seen armor. */
int age_armor_reader_armored(const struct age_armor_reader *a);

/* A sink that armors what it is given and writes it to dst. Call finish once. */
struct age_armor_writer {
	struct age_sink *dst;
	uint8_t pend[48];
	size_t npend;
	int started;
	char line[8192];               /* whole lines of text waiting to be written */
	size_t nline;
};
void age_armor_writer_init(struct age_armor_writer *w, struct age_sink *dst);
void age_armor_writer_sink(struct age_armor_writer *w, struct age_sink *s);
int age_armor_writer_finish(struct age_armor_writer *w);

#endif

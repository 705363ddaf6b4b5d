/*
 * note — c2sp.org/signed-note: text signed by one or more keys.
 *
 * Supported signature types: Ed25519 (0x01, signs the note text) and
 * timestamped Ed25519 cosignatures (0x04, c2sp.org/tlog-cosignature, signs
 * "cosignature/v1\ntime <T>\n" followed by the note text).
 *
 * Parsing is strict: the whole note must be valid UTF-8 with no control
 * characters but newline, the text must end in a newline, the signature
 * block follows the last blank line, every signature line is
 * "— <name> <base64(keyid || sig)>\n" with a canonical base64, and sizes and
 * counts are capped. Verification follows the spec: signatures by unknown
 * keys are ignored; a signature whose name and key ID match a known key must
 * verify, or the whole note is rejected; at least one known key must sign.
 */
#ifndef PARLEY_NOTE_H
#define PARLEY_NOTE_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

#define NOTE_MAX_SIZE (1u << 20)   /* largest note accepted, bytes */
#define NOTE_MAX_SIGS 64           /* most signature lines accepted */
#define NOTE_NAME_MAX 255          /* longest key name, bytes */
#define NOTE_SIG_MAX 5000          /* longest decoded signature (key ID included) */

enum note_key_type {
	NOTE_ED25519 = 0x01,
	NOTE_COSIGNATURE = 0x04,
};

/* A public key as carried in a verifier-key string "name+hash+base64". */
struct note_verifier {
	char name[NOTE_NAME_MAX + 1];
	uint8_t type;       /* enum note_key_type */
	uint32_t id;        /* key ID: SHA-256(name || 0x0A || type || pub)[:4] */
	uint8_t pub[32];
};

/* A secret key; the seed-expanded key lives in sodium_malloc'd memory. */
struct note_signer {
	char name[NOTE_NAME_MAX + 1];
	uint8_t type;
	uint32_t id;
	uint8_t pub[32];
	uint8_t *sk;        /* 64 bytes (libsodium seed || pub), guarded memory */
};

struct note_sig {
	const char *name;   /* NUL-terminated copy of the key name (owned by the note) */
	uint32_t id;
	const uint8_t *sig; /* the signature bytes after the key ID */
	size_t sig_len;
};

struct note {
	char *data;          /* private copy of the whole note, NUL-terminated */
	size_t len;
	size_t text_len;     /* the text is data[0..text_len), ending in '\n' */
	struct note_sig sigs[NOTE_MAX_SIGS];
	size_t nsigs;
	uint8_t *sigbytes;   /* backing store for the decoded signatures */
	char *names;         /* backing store for the signature names */
};

/* 1 if name is a valid key name: non-empty, UTF-8, no spaces, no '+', no control characters. */
int note_name_valid(const char *name, size_t len);

/* Key ID for a name, type and 32-byte public key. */
uint32_t note_key_id(const char *name, uint8_t type, const uint8_t pub[32]);

/* Parses "name+hash+base64(type||pub)"; checks the hash. 0 or ERR_FORMAT. */
int note_verifier_parse(struct note_verifier *v, const char *s, size_t len);
/* Formats v as a verifier-key string into out (at least 512 bytes). */
void note_verifier_format(const struct note_verifier *v, char *out, size_t outsz);
/* The verifier for a signer's public half, optionally as another type. */
void note_verifier_from_signer(struct note_verifier *v, const struct note_signer *s, uint8_t type);

/* A new random Ed25519 signer. 0 or ERR_USAGE (bad name) / ERR_NOMEM. */
int note_signer_generate(struct note_signer *s, const char *name, uint8_t type);
/* Parses "PRIVATE+KEY+name+hash+base64(type||seed)". */
int note_signer_parse(struct note_signer *s, const char *text, size_t len);
/* Formats the secret key string into a sodium_malloc'd string (caller: sodium_free). */
char *note_signer_format(const struct note_signer *s);
/* The same key, as a signer of another type (0x01 <-> 0x04). */
int note_signer_retype(struct note_signer *dst, const struct note_signer *src, uint8_t type);
/* Wipes and frees the secret. Safe on a zeroed struct. */
void note_signer_release(struct note_signer *s);

/* Parses a signed note strictly. On success n owns a private copy. */
int note_parse(struct note *n, const uint8_t *data, size_t len);
void note_release(struct note *n);

/*
 * Checks the note's signatures against the known verifiers. For each
 * verifier that signed validly, sets ok[i] = 1 (ok may be NULL) and, for a
 * cosignature, times[i] to its timestamp (times may be NULL).
 * Returns 0 if at least one known key signed and no known key's signature
 * failed; ERR_VERIFY otherwise, naming the key.
 */
int note_verify(const struct note *n, const struct note_verifier *vs, size_t nv,
		int *ok, uint64_t *times);

/*
 * Like note_verify, but succeeds even if no known key signed: returns
 * ERR_VERIFY only when a known key's signature fails. *good receives the
 * number of valid signatures by known keys.
 */
int note_check_sigs(const struct note *n, const struct note_verifier *vs, size_t nv,
		    int *ok, uint64_t *times, size_t *good);

/*
 * Verifies signature line i of the note with v (whose name and key ID must
 * match the line). For a cosignature, *time receives its timestamp (may be
 * NULL). 0 or ERR_VERIFY.
 */
int note_verify_sig(const struct note *n, size_t i, const struct note_verifier *v, uint64_t *time);

/* Checks the text for note rules (UTF-8, no control characters, non-empty, ends in '\n'). */
int note_text_valid(const char *text, size_t len);

/*
 * Appends one signature line "— name base64\n" for text to out.
 * For a cosigner (type 0x04) the timestamp is signed too.
 */
int note_sign_line(struct buf *out, const char *text, size_t text_len,
		   const struct note_signer *s, uint64_t timestamp);

/* Which of a cosigner's valid lines note_select() keeps (bits; an Ed25519 key keeps its first). */
#define NOTE_KEEP_EARLIEST 1u  /* the cosignature with the earliest timestamp */
#define NOTE_KEEP_NEWEST 2u    /* the cosignature with the latest timestamp */

/*
 * Rebuilds a signed note from a chosen subset of its verified signature lines:
 * appends to out the text, the blank line, and, for each key of vs in order,
 * its lines that verify: an Ed25519 key's first one; a cosigner's line with
 * the earliest and/or the newest timestamp, as keep says (once if they are the
 * same line). Every other line is dropped: unknown keys, lines that do not
 * parse or do not verify, repeats. Unlike note_parse() it takes any number of
 * signature lines (within NOTE_MAX_SIZE), so state written with too many can
 * be read back; the result has at most 2 * nv lines. ok[k] (ok may be NULL)
 * is set to 1 if a line by vs[k] was kept; *dropped (may be NULL) receives the
 * number of lines dropped. Returns 0; ERR_FORMAT or ERR_LIMIT if data is not a
 * note (bad encoding, no blank line, bad text); ERR_VERIFY if no line by vs
 * verifies. On error out is unchanged.
 */
int note_select(struct buf *out, const uint8_t *data, size_t len, const struct note_verifier *vs, size_t nv,
		unsigned keep, int *ok, size_t *dropped);

/* A complete note: text, blank line, and one signature line per signer. */
int note_sign(struct buf *out, const char *text, size_t text_len,
	      const struct note_signer *signers, size_t nsigners, uint64_t timestamp);

#endif

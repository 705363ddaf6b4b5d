/*
 * age — the age v1 file encryption format (c2sp.org/age, age-encryption.org/v1).
 *
 * Implemented: X25519 recipients (age1... / AGE-SECRET-KEY-1...), scrypt
 * (passphrase) recipients, the STREAM payload (64 KiB ChaCha20-Poly1305
 * chunks), the header MAC, and the ASCII armor (strict PEM, label
 * "AGE ENCRYPTED FILE"). Not implemented: the ML-KEM hybrid and tagged
 * recipient types and plugins; their stanzas are ignored like any unknown one.
 *
 * Everything streams: encryption and decryption hold at most about 12 MiB of
 * buffers whatever the input size. Key material lives in sodium_malloc()
 * memory and is wiped when freed.
 *
 * Threads: an input larger than one 2 MiB batch of chunks is processed by a
 * short-lived pipeline (on machines with more than one CPU): the caller's
 * thread reads from the source, worker threads (one per CPU, at most 8)
 * encrypt or decrypt the chunks of a batch in parallel, and a writer thread
 * calls the sink, one batch at a time and in order. So a sink may be called
 * from a thread other than the caller's (never concurrently with itself);
 * the source is always called from the caller's thread. Smaller inputs are
 * handled entirely on the caller's thread.
 *
 * Decryption failures are classified. Each of these codes comes with an
 * err_set() message giving the reason:
 *   AGE_ERR_ARMOR    the ASCII armor is malformed (leading or trailing garbage,
 *                    bad line lengths, non-canonical base64, wrong label...)
 *   AGE_ERR_HEADER   the header is malformed or violates a stanza rule (also:
 *                    an X25519 share giving an all-zero secret, an scrypt work
 *                    factor above the limit, a missing or short payload nonce)
 *   AGE_ERR_NO_MATCH the header is well-formed but no identity unwraps the key
 *   AGE_ERR_HMAC     a file key was unwrapped but the header MAC is wrong
 *   AGE_ERR_PAYLOAD  a payload chunk fails to authenticate, the stream is
 *                    truncated, has no final chunk, an empty final chunk, or
 *                    data after the final chunk
 * Other failures use the base codes: ERR_IO (read/write), ERR_NOMEM,
 * ERR_LIMIT (output larger than a buffer's max), ERR_USAGE (bad arguments).
 * None of them is ERR_VERIFY: callers map them with age_err_kind().
 *
 * Release of plaintext: decryption writes a chunk's plaintext to the sink only
 * after that chunk's Poly1305 tag verified, in order. A stream cut short at a
 * chunk boundary is detected only at its end (no final chunk), so a sink that
 * is a pipe or terminal may already have received a verified prefix when
 * AGE_ERR_PAYLOAD is returned. Callers that need all-or-nothing use
 * age_decrypt_to_path() (temporary file, renamed only after the final chunk
 * authenticated) or age_decrypt_buf() (the buffer is emptied on failure).
 */
#ifndef PARLEY_AGE_H
#define PARLEY_AGE_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

#define AGE_FILE_KEY_LEN 16
#define AGE_KEY_LEN 32               /* X25519 scalars and points */
#define AGE_CHUNK_SIZE 65536         /* plaintext bytes per STREAM chunk */
#define AGE_TAG_LEN 16
#define AGE_RECIPIENT_TEXT_MAX 64    /* "age1" + 59 characters + NUL */
#define AGE_IDENTITY_TEXT_MAX 80     /* "AGE-SECRET-KEY-1" + 58 characters + NUL */
#define AGE_SCRYPT_DEFAULT_WORK_FACTOR 18  /* log2(N) used when encrypting */
#define AGE_SCRYPT_MAX_WORK_FACTOR 22      /* largest log2(N) accepted when decrypting */
#define AGE_HEADER_MAX (1u << 20)    /* longest header accepted, bytes */
#define AGE_MAX_STANZAS 1024         /* most stanzas in a header */
#define AGE_MAX_ARGS 32              /* most arguments in one stanza */

enum {
	AGE_ERR_HEADER = -64,
	AGE_ERR_HMAC = -65,
	AGE_ERR_NO_MATCH = -66,
	AGE_ERR_PAYLOAD = -67,
	AGE_ERR_ARMOR = -68,
};

/*
 * The kind of an age decryption failure as text ("header failure", "HMAC
 * failure", "no match", "payload failure", "armor failure"), or NULL if rc is
 * not one of the AGE_ERR_* codes.
 */
const char *age_err_kind(int rc);

enum age_type {
	AGE_TYPE_X25519 = 1,
	AGE_TYPE_SCRYPT = 2,
};

/* Someone a file is encrypted to. Plain data: no cleanup needed. */
struct age_recipient {
	enum age_type type;
	uint8_t pk[AGE_KEY_LEN];       /* X25519: public key */
	const char *passphrase;        /* scrypt: borrowed, passphrase_len bytes */
	size_t passphrase_len;
	int work_factor;               /* scrypt: log2(N); 0 = AGE_SCRYPT_DEFAULT_WORK_FACTOR */
};

/* A key that may decrypt a file. Free with age_identity_free(). */
struct age_identity {
	enum age_type type;
	uint8_t *sk;                   /* X25519: 32-byte secret in sodium_malloc memory, owned */
	const char *passphrase;        /* scrypt: borrowed, passphrase_len bytes */
	size_t passphrase_len;
	int max_work_factor;           /* scrypt: 0 = AGE_SCRYPT_MAX_WORK_FACTOR */
};

/* ---- keys ---- */

/* A new random X25519 identity. 0 or ERR_NOMEM. */
int age_identity_generate(struct age_identity *id);
/* An X25519 identity holding a copy of the 32-byte secret. 0 or ERR_NOMEM. */
int age_identity_from_secret(struct age_identity *id, const uint8_t sk[AGE_KEY_LEN]);
/* A passphrase identity; pass is borrowed. max_work_factor 0 means the default. */
void age_identity_passphrase(struct age_identity *id, const char *pass, size_t n, int max_work_factor);
/*
 * Parses "AGE-SECRET-KEY-1..." (uppercase Bech32, 32 bytes) from s[0..n).
 * 0, ERR_FORMAT (with the reason) or ERR_NOMEM.
 */
int age_identity_decode(struct age_identity *id, const char *s, size_t n);
/*
 * Writes the identity's "AGE-SECRET-KEY-1..." text into out (NUL-terminated).
 * The text is secret: wipe it with sodium_memzero() after use. 0 or ERR_USAGE
 * (not an X25519 identity).
 */
int age_identity_encode(const struct age_identity *id, char out[AGE_IDENTITY_TEXT_MAX]);
/* Wipes and frees the secret; id is zeroed. Safe on a zeroed identity. */
void age_identity_free(struct age_identity *id);

/* The recipient of an identity (X25519: its public key; scrypt: the passphrase). */
int age_recipient_from_identity(struct age_recipient *r, const struct age_identity *id);
/* Parses "age1..." (lowercase Bech32, 32 bytes). 0 or ERR_FORMAT. */
int age_recipient_decode(struct age_recipient *r, const char *s, size_t n);
/* Writes "age1..." into out (NUL-terminated). 0 or ERR_USAGE (not X25519). */
int age_recipient_encode(const struct age_recipient *r, char out[AGE_RECIPIENT_TEXT_MAX]);
/* A passphrase recipient; pass is borrowed. work_factor 0 means the default. */
void age_recipient_passphrase(struct age_recipient *r, const char *pass, size_t n, int work_factor);

/*
 * Parses an identity file: one identity per line, LF line ends (the last line
 * may lack one), empty lines and lines starting with '#' ignored. Any other
 * line must be exactly one AGE-SECRET-KEY-1... string (no surrounding spaces,
 * no CR); a line with anything else fails with ERR_FORMAT naming its number.
 * At least one identity is required. On success *ids is an array of *count
 * identities to free with age_identities_free().
 */
int age_identities_parse(const char *text, size_t n, struct age_identity **ids, size_t *count);
/*
 * Reads the file at path ("-": standard input), at most 64 KiB, with
 * secret_read_file (straight into wiped sodium_malloc memory), and parses it.
 */
int age_identities_load(const char *path, struct age_identity **ids, size_t *count);
void age_identities_free(struct age_identity *ids, size_t count);

/* ---- streams ---- */

/*
 * A byte source: read() stores up to n bytes at p and their number in *got
 * (0 only at end of input); returns 0 or a negative ERR_* code.
 */
struct age_source {
	int (*read)(void *ctx, uint8_t *p, size_t n, size_t *got);
	void *ctx;
};

/* A byte sink: write() takes all n bytes or returns a negative ERR_* code. */
struct age_sink {
	int (*write)(void *ctx, const uint8_t *p, size_t n);
	void *ctx;
};

/* Sources and sinks over a file descriptor, a memory region and a struct buf. */
struct age_mem_source {
	const uint8_t *p;
	size_t n;
};
void age_source_fd(struct age_source *s, int *fd);
void age_source_mem(struct age_source *s, struct age_mem_source *m, const void *p, size_t n);
void age_sink_fd(struct age_sink *s, int *fd);
void age_sink_buf(struct age_sink *s, struct buf *b);

/* ---- encryption ---- */

/*
 * Encrypts everything read from in to the n recipients and writes the age
 * file to out, ASCII-armored if armor is set. A scrypt recipient must be the
 * only one (ERR_USAGE otherwise). 0 or a negative ERR_* code.
 */
int age_encrypt(struct age_source *in, struct age_sink *out, const struct age_recipient *r, size_t n,
		int armor);
int age_encrypt_fd(int in_fd, int out_fd, const struct age_recipient *r, size_t n, int armor);
/*
 * Encrypts in_fd into the file path through a temporary file beside it
 * (mode 0600), renamed over path only when everything was written and
 * fsync'd; on failure path is untouched and the temporary file removed.
 */
int age_encrypt_to_path(int in_fd, const char *path, const struct age_recipient *r, size_t n, int armor);
/* Encrypts in[0..len) into out (reset first; fails with ERR_LIMIT past out->max). */
int age_encrypt_buf(const void *in, size_t len, const struct age_recipient *r, size_t n, int armor,
		    struct buf *out);

/* ---- decryption ---- */

/*
 * Two steps, so that a caller can refuse to create its output before the
 * header is known good. age_decrypt_begin() reads the input up to the payload:
 * it detects ASCII armor (input that does not start with "age-encryption.org/"
 * must be armor, optionally preceded by whitespace), parses the header, unwraps the file key with the first identity
 * that matches, checks the header MAC and reads the payload nonce. It fails
 * with AGE_ERR_ARMOR, AGE_ERR_HEADER, AGE_ERR_NO_MATCH, AGE_ERR_HMAC, ERR_IO
 * or ERR_NOMEM, and *d is then NULL. age_decrypt_payload() decrypts the
 * payload into out (see "Release of plaintext" above); it may fail with
 * AGE_ERR_PAYLOAD, AGE_ERR_ARMOR (armor error after the header), ERR_IO or a
 * sink error. age_decrypt_free() releases d in any state (NULL is fine).
 */
struct age_decryptor;
int age_decrypt_begin(struct age_decryptor **d, struct age_source *in, const struct age_identity *ids,
		      size_t n);
int age_decrypt_payload(struct age_decryptor *d, struct age_sink *out);
void age_decrypt_free(struct age_decryptor *d);

/* Both steps. */
int age_decrypt(struct age_source *in, struct age_sink *out, const struct age_identity *ids, size_t n);
/* Both steps from in_fd to out_fd (verified chunks reach out_fd as they verify). */
int age_decrypt_fd(int in_fd, int out_fd, const struct age_identity *ids, size_t n);
/*
 * Decrypts in_fd into the file path, all or nothing: nothing is created when
 * the header fails; the plaintext goes to a temporary file (mode 0600) beside
 * path, which is fsync'd and renamed over path only after the final chunk
 * authenticated, and unlinked on any failure.
 */
int age_decrypt_to_path(int in_fd, const char *path, const struct age_identity *ids, size_t n);
/* Decrypts in[0..len) into out (reset first). On failure out is wiped and emptied. */
int age_decrypt_buf(const void *in, size_t len, const struct age_identity *ids, size_t n, struct buf *out);

#endif

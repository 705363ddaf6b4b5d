/*
 * keyfile — a party's or agency's secret key file, written by `parley keygen`.
 *
 * A text file, mode 0600, of '#' comment lines and one key per line:
 *
 *   # parley secret key for us.fbi — keep it private
 *   PRIVATE+KEY+us.fbi+1a2b3c4d+AY...      Ed25519 signing key (signed-note form)
 *   AGE-SECRET-KEY-1...                     X25519 age identity (decrypts bodies)
 *
 * Both lines are required; the age line can be given to the standard `age`
 * tool as an identity file (`parley key age-identity` prints it alone).
 * The secret parts live in sodium_malloc memory and are wiped on release, and
 * so does the file's text while it is read (crypto/secret.h): no stack, stdio
 * or realloc'd buffer ever holds it.
 * Reading refuses a file that others can read, as ssh does.
 */
#ifndef PARLEY_KEYFILE_H
#define PARLEY_KEYFILE_H

#include "crypto/age.h"
#include "crypto/note.h"

#define KEYFILE_MAX_SIZE 8192

struct keyfile {
	struct note_signer sign;   /* Ed25519, type 0x01; its name is the key's name */
	struct age_identity age;   /* X25519 */
};

/* New random keys for name. */
int keyfile_generate(struct keyfile *k, const char *name);
/* Writes the key file with mode 0600; refuses to overwrite an existing file. */
int keyfile_write(const struct keyfile *k, const char *path);
/* Reads and checks a key file. */
int keyfile_read(struct keyfile *k, const char *path);
/* Parses key file contents (used by keyfile_read and the fuzzer). */
int keyfile_parse(struct keyfile *k, const char *text, size_t len);
void keyfile_release(struct keyfile *k);
/*
 * Copies the key file at from ("-": standard input), at most KEYFILE_MAX_SIZE
 * bytes, to a new file to (mode 0600, durably; ERR_CONFLICT if it exists). The
 * bytes pass only through wiped memory (crypto/secret.h). It does not parse
 * them: the caller reads the copy with keyfile_read.
 */
int keyfile_copy(const char *from, const char *to);

#endif

/*
 * checkpoint — c2sp.org/tlog-checkpoint: the signed tree head.
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n[extension lines]
 *
 * signed as a note by the log's key (whose name is the origin) and possibly
 * cosigned by witnesses. The parser is strict: non-empty origin of UTF-8
 * without control characters (even in bare text, not yet a note), decimal size
 * without leading zeros, canonical base64 of exactly 32 bytes, non-empty
 * extension lines.
 */
#ifndef PARLEY_CHECKPOINT_H
#define PARLEY_CHECKPOINT_H

#include "base/buf.h"
#include "crypto/merkle.h"
#include "crypto/note.h"

#include <stdint.h>

#define CHECKPOINT_MAX_SIZE 65536 /* largest signed checkpoint accepted, bytes */

struct checkpoint {
	char origin[NOTE_NAME_MAX + 1];
	uint64_t size;
	merkle_hash root;
};

/* Parses checkpoint note text (without signatures). 0 or ERR_FORMAT. */
int checkpoint_parse_text(struct checkpoint *cp, const char *text, size_t len);

/* Appends the text form "origin\nsize\nroot\n" to out. */
int checkpoint_format_text(const struct checkpoint *cp, struct buf *out);

/*
 * Parses a signed checkpoint, verifies the log's signature (log_key must be
 * an Ed25519 key whose name equals the origin), and fills cp. If note is not
 * NULL it receives the parsed note (release with note_release). Returns 0,
 * ERR_FORMAT, ERR_LIMIT or ERR_VERIFY.
 */
int checkpoint_open(struct checkpoint *cp, const uint8_t *data, size_t len,
		    const struct note_verifier *log_key, struct note *note);

/*
 * The same with a set of keys the log may be signed by (a party's node keys
 * around a rotation, docs/amendments.md): each must be an Ed25519 key named
 * the origin; at least one must have signed, and none of their lines may fail.
 */
int checkpoint_open_keys(struct checkpoint *cp, const uint8_t *data, size_t len, const struct note_verifier *keys,
			 size_t nkeys, struct note *note);

/* Parses a signed checkpoint without checking signatures (for local, trusted files). */
int checkpoint_parse_unverified(struct checkpoint *cp, const uint8_t *data, size_t len);

/* Signs cp with the log key: the complete note into out. */
int checkpoint_sign(const struct checkpoint *cp, const struct note_signer *log_key, struct buf *out);

#endif

/*
 * proof — c2sp.org/tlog-proof@v1: an offline-verifiable proof that an entry
 * is in a log, carrying the checkpoint (with any witness cosignatures).
 *
 *   c2sp.org/tlog-proof@v1
 *   [extra <base64>]
 *   index <N>
 *   <base64 hash>...          (inclusion proof, leaf's sibling first)
 *   <empty line>
 *   <signed checkpoint, verbatim>
 */
#ifndef PARLEY_PROOF_H
#define PARLEY_PROOF_H

#include "base/buf.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "tlog/checkpoint.h"

#include <stdint.h>

#define TLOG_PROOF_MAX_SIZE (CHECKPOINT_MAX_SIZE + 8192)
#define TLOG_PROOF_EXTRA_MAX 4096

struct tlog_proof {
	uint64_t index;
	merkle_hash path[MERKLE_MAX_PROOF];
	size_t n;
	uint8_t extra[TLOG_PROOF_EXTRA_MAX];
	size_t extra_len;
	int has_extra;
	const uint8_t *checkpoint; /* points into the parsed input */
	size_t checkpoint_len;
};

/*
 * Appends the part that tlog-proof files and tlog-witness requests share: one
 * base64 hash per line, an empty line, then the checkpoint verbatim.
 */
int tlog_hashes_and_checkpoint(struct buf *out, const merkle_hash *hashes, size_t n, const uint8_t *checkpoint,
			       size_t checkpoint_len);

/* What tlog_hashes_and_checkpoint_parse() found wrong, if anything. */
enum tlog_hashes_status {
	TLOG_HASHES_OK = 0,
	TLOG_HASHES_NO_EMPTY_LINE, /* the input ends before the empty line */
	TLOG_HASHES_TOO_MANY,      /* a hash line after max of them */
	TLOG_HASHES_BAD_LINE,      /* hash line *n + 1 is not the canonical base64 of 32 bytes */
	TLOG_HASHES_NO_CHECKPOINT, /* nothing after the empty line */
};

/*
 * Parses what tlog_hashes_and_checkpoint() appends, from data[pos] to the end
 * of data: up to max hash lines (hashes has room for max), the empty line, a
 * non-empty rest that is the checkpoint (not looked at). *n receives the
 * number of hashes parsed, also on failure; on success *checkpoint and
 * *checkpoint_len the rest, which points into data. Sets no err_set()
 * message and no ERR_* code: tlog-proof files and tlog-witness requests word
 * their errors differently, so each caller turns the status into its own.
 */
enum tlog_hashes_status tlog_hashes_and_checkpoint_parse(const uint8_t *data, size_t len, size_t pos,
							 merkle_hash *hashes, size_t max, size_t *n,
							 const uint8_t **checkpoint, size_t *checkpoint_len);

/* Appends a proof file; extra may be NULL. */
int tlog_proof_format(struct buf *out, uint64_t index, const merkle_hash *path, size_t n,
		      const uint8_t *checkpoint, size_t checkpoint_len, const uint8_t *extra, size_t extra_len);

/* Parses a proof strictly; p->checkpoint points into data, which must outlive p. */
int tlog_proof_parse(struct tlog_proof *p, const uint8_t *data, size_t len);

/*
 * Verifies a parsed proof for entry: the checkpoint is signed by log_key,
 * carries a valid cosignature of every witness (cosig_times[i] receives each
 * timestamp; may be NULL), and the inclusion proof leads from the entry's
 * leaf hash to the checkpoint's root. cp receives the checkpoint.
 */
int tlog_proof_verify(const struct tlog_proof *p, const uint8_t *entry, size_t entry_len,
		      const struct note_verifier *log_key, const struct note_verifier *witnesses, size_t nwitnesses,
		      uint64_t *cosig_times, struct checkpoint *cp);

#endif

/*
 * forkproof — a portable proof that a log signed two histories (layer 3: pure).
 *
 * One text file, written by `parley audit` and kept by every witness in its
 * conflicts/ (src/witness/witness.h), checked offline by `parley audit verify`
 * (docs/reports.md, "A fork proof"):
 *
 *   parley fork proof v1\n
 *   why <text>\n                 optional: what the finder saw (not checked)
 *   checkpoint <length>\n
 *   <length bytes: a signed checkpoint, the log's signature line only>
 *   checkpoint <length>\n
 *   <length bytes: another checkpoint of the same log, its size >= the first's>
 *   root <base64>\n              only when the sizes differ: the root the second
 *                                checkpoint's tree had at the first's size
 *   <base64>\n ...               the consistency proof from that root to the
 *                                second checkpoint's (0 to 63 hashes)
 *
 * It shows a fork when both checkpoints carry a valid signature by the log's
 * key, and either they have the same size and different roots, or the second
 * log's tree at the first's size (the root line, bound to the second
 * checkpoint by the consistency proof) is not the first's root. Nothing else
 * is trusted: the why line is the finder's words only.
 */
#ifndef PARLEY_FORKPROOF_H
#define PARLEY_FORKPROOF_H

#include "base/buf.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "tlog/checkpoint.h"

#include <stddef.h>
#include <stdint.h>

#define FORKPROOF_MAX_HASHES 63
#define FORKPROOF_WHY_MAX 512
/* Largest proof file accepted: two checkpoints, the root and proof lines, the header. */
#define FORKPROOF_MAX (2 * CHECKPOINT_MAX_SIZE + (FORKPROOF_MAX_HASHES + 1) * 50 + FORKPROOF_WHY_MAX + 128)

struct forkproof {
	const uint8_t *note[2];      /* the two checkpoints, pointing into the parsed data */
	size_t note_len[2];
	struct checkpoint cp[2];     /* parsed, signatures not yet checked; cp[0].size <= cp[1].size */
	int has_root;                /* sizes differ: root and proof below */
	merkle_hash root;            /* the second tree's root at cp[0].size */
	merkle_hash proof[FORKPROOF_MAX_HASHES];
	size_t n;
	char why[FORKPROOF_WHY_MAX + 1];
};

/*
 * Parses a proof file strictly (data may be NULL when len is 0): the layout
 * above, nothing before or after, canonical base64, the checkpoints in size
 * order, the root line present exactly when the sizes differ. Signatures are
 * not checked here. 0, ERR_FORMAT or ERR_LIMIT, with the reason.
 */
int forkproof_parse(struct forkproof *p, const uint8_t *data, size_t len);

/*
 * Appends a proof to out. a and b are signed checkpoints of one log (any
 * order; they are written smaller first), each reduced here to the log's
 * signature line only (log_key). When the sizes differ, root is the larger
 * tree's root at the smaller size and proof its consistency proof to the
 * larger; both are ignored (may be NULL) when the sizes are equal. why (may
 * be NULL) is one line of text. 0, ERR_FORMAT, ERR_VERIFY (a checkpoint not
 * signed by log_key), ERR_USAGE (sizes differ and root is NULL) or ERR_LIMIT.
 */
int forkproof_format(struct buf *out, const struct note_verifier *log_key, const uint8_t *a, size_t a_len,
		     const uint8_t *b, size_t b_len, const merkle_hash root, const merkle_hash *proof, size_t n,
		     const char *why);
/*
 * The same with the keys the log has had (a rotated node key, docs/amendments.md):
 * each checkpoint is reduced to the line of the first of keys[0..nkeys) that
 * signed it (so the two may be signed by different keys of the log).
 */
int forkproof_format_keys(struct buf *out, const struct note_verifier *keys, size_t nkeys, const uint8_t *a,
			  size_t a_len, const uint8_t *b, size_t b_len, const merkle_hash root, const merkle_hash *proof,
			  size_t n, const char *why);

/*
 * Checks a parsed proof against the logs' keys (Ed25519, named by origin;
 * a log may have several keys of its name, each checkpoint then needs a
 * signature by one of them: which keys of a rotated log count is the
 * caller's choice). Returns 0 when it shows a fork (*log receives the index
 * of the first key of the log in logs);
 * ERR_VERIFY when it does not, with the reason: an unknown origin, a
 * signature that does not verify or a line other than the log's, two
 * checkpoints of different logs, the same root, a consistency proof that
 * fails, or a root at the smaller size that is the smaller checkpoint's (the
 * two are consistent).
 */
int forkproof_verify(const struct forkproof *p, const struct note_verifier *logs, size_t nlogs, size_t *log);

#endif

/*
 * cosig — the cosignatures a signed checkpoint carries, checked against the
 * charter (c2sp.org/tlog-cosignature): the one place that decides which
 * cosignature lines count. The node records what it returns into its case
 * state (node_record_note_cosignatures); `parley report` and `parley entries`
 * (src/report/) do the same from a log directory.
 *
 * The cosigners of a log are the other parties' nodes and the charter's
 * neutral witnesses (charter_cosigners_of_log). A line whose key name and key
 * ID are one of theirs must verify; each line is judged on its own (a
 * witness may cosign the same size more than once, with different times).
 * Lines by other keys (the log's own signature, keys the charter does not
 * name) are skipped. The log's own signature is NOT checked here: callers
 * that need it use checkpoint_open first.
 */
#ifndef PARLEY_COSIG_H
#define PARLEY_COSIG_H

#include "crypto/note.h"
#include "exchange/charter.h"
#include "exchange/history.h"
#include "tlog/checkpoint.h"
#include "tlog/proof.h"

#include <stdint.h>

struct cosig_line {
	const char *name;     /* the cosigner's key name (points into the charter) */
	int cosigner;         /* charter_cosigner_index: parties' nodes, then witnesses */
	int64_t time;         /* the cosignature's timestamp, Unix seconds */
};

struct cosig_set {
	struct checkpoint cp;               /* the checkpoint's text, parsed */
	struct cosig_line ok[NOTE_MAX_SIGS]; /* the lines that verified, in note order */
	size_t nok;
	size_t nbad;                        /* lines by a cosigner's key that did not verify */
	char bad[NOTE_NAME_MAX + 1];        /* the first such line's key name */
};

/*
 * Parses the signed checkpoint note and checks every cosignature line by a
 * cosigner of its log against the charter (borrowed: out's names point into
 * it). Returns 0 (out filled; out->nbad may be non-zero: the caller decides
 * whether a bad line is fatal), or ERR_FORMAT / ERR_LIMIT if the note or its
 * checkpoint text does not parse, or ERR_NOTFOUND if the origin is no
 * party's log.
 */
int cosig_check_note(const struct charter *ch, const uint8_t *note, size_t len, struct cosig_set *out);

/*
 * The same for a channel with amendments: a line counts when it verifies
 * with a key that the charter in force at the line's own timestamp names as
 * a cosigner of the log (so a rotated witness's lines count under its old
 * key before the rotation and its new key after; a retired key's later lines
 * are skipped like a stranger's). Names and indices are the roster's
 * (history_roster).
 */
int cosig_check_note_history(const struct charter_history *h, const uint8_t *note, size_t len, struct cosig_set *out);

/*
 * Every key that has been a cosigner of origin's log in some charter of the
 * history (each once, at most cap) into v; returns how many.
 */
size_t cosig_keys_of_log(const struct charter_history *h, const char *origin, struct note_verifier *v, size_t cap);

/*
 * Opens a stored checkpoint of a party's log under the history (its log
 * signature; docs/amendments.md, "Rotating a node key"): the note must carry
 * a valid signature by one of the party's node keys (history_node_keys). A
 * key an amendment retired at T counts only if the note also carries a
 * cosignature that counts (as cosig_check_note_history judges) timestamped
 * before T: the proof that the key signed while it was in force, so a stolen
 * retired key cannot sign the party's log afterwards. A signature by a key in
 * force (or brought in later) counts as it is. A line by one of the party's
 * node keys that does not verify is refused, as checkpoint_open refuses one by
 * its key. Fills cp. Returns 0;
 * ERR_FORMAT or ERR_LIMIT if the note or its checkpoint does not parse,
 * ERR_NOTFOUND if its origin is no party's log, ERR_VERIFY naming why.
 */
int cosig_open_checkpoint(const struct charter_history *h, const uint8_t *note, size_t len, struct checkpoint *cp);

/*
 * Verifies a parsed tlog-proof of entry in a party's log under the history,
 * as a stored checkpoint (receipts, `parley proof verify --charter`): its
 * checkpoint opens with cosig_open_checkpoint, its origin is origin's (NULL:
 * any party's log), and the inclusion proof leads from the entry's leaf to
 * its root. With cosigner (a key name: a party's log origin or a witness id),
 * the checkpoint must also carry a cosignature by it that counts
 * (cosig_check_note_history), and no line by it that fails; *time (may be
 * NULL) receives the earliest such. Fills cp. 0; ERR_VERIFY naming what
 * failed; ERR_FORMAT, ERR_LIMIT, ERR_NOTFOUND as cosig_open_checkpoint;
 * ERR_NOMEM.
 */
int cosig_verify_proof(const struct charter_history *h, const struct tlog_proof *p, const uint8_t *entry,
		       size_t entry_len, const char *origin, const char *cosigner, int64_t *time, struct checkpoint *cp);

#endif

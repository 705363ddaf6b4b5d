/*
 * history — a channel's founding charter and its amendments, in force one
 * after the other (docs/amendments.md).
 *
 * The amendments form one chain (each names the one before it, by number and
 * id); each must be complete (signed by every key amendment_signers names)
 * and valid against the charter in force before it. The charter in force at
 * time T is the one carried by the last amendment whose effective time is at
 * most T, or the founding charter before the first. Every verifier judges an
 * entry under the charter in force at the entry's signed time.
 */
#ifndef PARLEY_HISTORY_H
#define PARLEY_HISTORY_H

#include "exchange/amendment.h"
#include "exchange/charter.h"

#include <stddef.h>
#include <stdint.h>

#define HISTORY_MAX 1024 /* amendments a channel may have */

struct charter_history {
	const struct charter *founding;  /* the caller's; must outlive the history */
	struct amendment **am;           /* am[i] is number i + 1 */
	size_t n, cap;
	struct charter roster;           /* see history_roster */
};

/* An empty history of founding (a complete charter). */
void history_init(struct charter_history *h, const struct charter *founding);
void history_release(struct charter_history *h);

/*
 * Adds the amendment data[0..len), which must be the next one (number n + 1),
 * complete and valid. An amendment already in the history (same number, same
 * id) is accepted again and changes nothing (*added = 0); another complete,
 * valid amendment with a number already taken is ERR_CONFLICT (two
 * histories: both ids named), an incomplete or invalid one the error that
 * says why. 0 (*added = 1 when new; added may be NULL); ERR_FORMAT, ERR_VERIFY
 * (a bad signature, or one missing: the parties that have not signed are
 * named), ERR_LIMIT (also when the channel would have named more than
 * CHARTER_MAX_AGENCIES agencies or CHARTER_MAX_WITNESSES witnesses over its
 * life: the roster keeps every one), or ERR_NOTFOUND for a number beyond the next (an
 * amendment before it is missing).
 */
int history_add(struct charter_history *h, const uint8_t *data, size_t len, int *added);

/*
 * Adds amendments given in any order (data[i][0..len[i])): sorted by number,
 * each then added as history_add does. 0 or the first error, naming the
 * amendment (by its position in the arguments when it does not parse).
 */
int history_add_all(struct charter_history *h, const uint8_t *const *data, const size_t *len, size_t count);

/*
 * A copy of src for a reader that must not see it change: dst shares src's
 * amendments (immutable once added) and may be extended with history_add
 * without touching src. Release with history_release_shared (the array
 * only) while src, or a later copy, owns the shared amendments; the last
 * copy is released with history_release. 0 or ERR_NOMEM.
 */
int history_clone(struct charter_history *dst, const struct charter_history *src);
void history_release_shared(struct charter_history *h);

/*
 * Adds every file of DIR/amendments/ (any names but hidden ones and the
 * NAME.tmp.PID an interrupted atomic write leaves; the directory may be
 * absent: nothing added), as history_add_all does. 0 or the first error,
 * naming the file.
 */
int history_load_dir(struct charter_history *h, const char *dir);

/*
 * Writes each amendment of h to DIR/amendments/<number, 4 digits> (durably,
 * created if absent), the signed note as it was added. 0 or ERR_IO.
 */
int history_save_dir(const struct charter_history *h, const char *dir);

/* The charter in force at time t (Unix seconds). */
const struct charter *history_at(const struct charter_history *h, int64_t t);
/* The charter in force after the last amendment. */
const struct charter *history_latest(const struct charter_history *h);
/* The amendment in force at t, or NULL before the first. */
const struct amendment *history_amendment_at(const struct charter_history *h, int64_t t);
/*
 * Everyone the channel has ever named, with indices that never change: the
 * latest charter's parties and settings, the agencies of the founding charter
 * in its order and then each agency an amendment added, after them, in the
 * order they were added (each with its latest keys); the same for witnesses.
 * For a history without amendments, the founding charter itself. Verifiers
 * keep agency and cosigner indices into the roster (charter_agency,
 * charter_cosigner_index) and judge each entry with history_at. Valid until
 * the next history_add. Its text and signatures are empty.
 */
const struct charter *history_roster(const struct charter_history *h);

/*
 * Node keys over time (docs/amendments.md, "Rotating a node key"). A party's
 * node key signs its log's checkpoints, which carry no time: a verifier that
 * meets one learns from the history which keys the party has had and when.
 * Span i of a party is in force from `from` (the effective time of the
 * amendment that brought the key; INT64_MIN for the founding key) until
 * `until` (the effective time of the amendment that replaced it; INT64_MAX
 * while in force). A key brought back later is a new span.
 */
#define HISTORY_NODE_KEYS_MAX 32 /* node keys a party may have over a channel's life */
#define NODE_KEY_HANDOVER 900    /* seconds either side of a rotation when both keys sign and count */

struct node_key_span {
	struct note_verifier key; /* Ed25519 (0x01), named the log's origin */
	int64_t from, until;
};

/*
 * The spans of the party whose log is origin, oldest first, at most cap
 * (HISTORY_NODE_KEYS_MAX is always enough: history_add refuses more), into
 * out. Returns how many; 0 when origin is no party's log.
 */
size_t history_node_keys(const struct charter_history *h, const char *origin, struct node_key_span *out, size_t cap);

/*
 * The node keys of origin's log a live verifier accepts at time t: each
 * whose span meets [t - slack, t + slack] (two around a rotation, else one),
 * into out (at most cap). Returns how many.
 */
size_t history_node_keys_near(const struct charter_history *h, const char *origin, int64_t t, int64_t slack,
			      struct note_verifier *out, size_t cap);

/* What the next amendment follows (for amendment_check, _sign, _draft). */
struct amendment_base history_base(const struct charter_history *h);

#endif

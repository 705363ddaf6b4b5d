/*
 * amendment — a signed change to the charter in force (docs/amendments.md).
 *
 * An amendment is a signed note whose text is a header and, after it, the
 * whole charter in force from its effective time (the charter's lines
 * without their first line):
 *
 *   parley amendment v1
 *   channel: <the founding charter's id, 64 hex>
 *   number: <1, 2, ...: one more than the amendment it follows>
 *   previous: <id of the amendment it follows, or the channel id for number 1>
 *   effective: <RFC 3339 UTC time from which it is in force>
 *   reason: <one line, optional>
 *   name: ...                       (the charter's lines, canonical, in order)
 *   ...
 *
 * Its id is the SHA-256 of its text (without signatures). The charter it
 * carries keeps the founding charter's channel id. It must be signed by the
 * node key, in the charter it amends, of every party, and by the new node key
 * of every party whose node key it changes (proof that the party holds it).
 *
 * What an amendment may change: agencies (keys, recipients, added,
 * removed), neutral witnesses (keys, URLs, added, removed), node keys and
 * URLs, name, legal basis, profiles, deadlines, witness policy, heartbeat,
 * term and reporting period. What it may not: the parties (ids and order) and
 * the name of each party's log (its origin), the channel id, or the past: it
 * takes effect at a time later than the amendment it follows, and every
 * entry is judged under the charter in force at the entry's signed time.
 *
 * A draft (no signature yet) may hold '#' comments and blank lines, dropped
 * at parse; a signed amendment must be canonical. At most AMENDMENT_MAX_SIZE
 * bytes with its signatures: it is recorded as one entry of every log.
 */
#ifndef PARLEY_AMENDMENT_H
#define PARLEY_AMENDMENT_H

#include "base/buf.h"
#include "exchange/charter.h"

#include <stdint.h>

#define AMENDMENT_FIRST_LINE "parley amendment v1"
#define AMENDMENT_MAX_SIZE 65535u     /* one tlog-tiles entry */
#define AMENDMENT_MAX_NUMBER 65535u
#define AMENDMENT_REASON_MAX 300      /* bytes */
/* Signers: every party's node key, plus each new one. */
#define AMENDMENT_MAX_SIGNERS (2 * CHARTER_MAX_PARTIES)

struct amendment {
	struct buf text;               /* canonical text, without signatures */
	uint8_t id[32];                /* SHA-256 of text */
	char id_hex[65];
	uint8_t channel[32];           /* the founding charter's id */
	unsigned number;
	uint8_t previous[32];
	int64_t effective;             /* Unix seconds */
	char reason[AMENDMENT_REASON_MAX + 1];
	struct charter charter;        /* the charter in force from effective; its id is channel */
	struct buf note;               /* the signed note as given (text, blank line, signature lines), or empty for a draft */
};

/*
 * Parses an amendment: a draft or a signed note. Checks the header and the
 * charter it carries (charter_parse's rules); not the signatures, which need
 * the charter it amends (amendment_check). 0; ERR_FORMAT naming the line or
 * rule; ERR_LIMIT over AMENDMENT_MAX_SIZE. Release with amendment_release().
 */
int amendment_parse(struct amendment *a, const uint8_t *data, size_t len);
void amendment_release(struct amendment *a);

/* 1 if data starts with the amendment's first line (to tell an amendment from a charter or an envelope). */
int amendment_is(const uint8_t *data, size_t len);

/*
 * What the amendment must follow: the charter in force before it (the
 * founding charter for number 1) and the amendment before it (NULL for
 * number 1).
 */
struct amendment_base {
	const struct charter *founding;
	const struct charter *in_force;
	const struct amendment *prev;
};

/*
 * The keys that must sign a, in order: for each party, its node key in the
 * charter in force, then, if a changes it, its new one. Returns how many
 * (at most AMENDMENT_MAX_SIGNERS); party[i] receives the party's index.
 */
size_t amendment_signers(const struct amendment *a, const struct amendment_base *b,
			 struct note_verifier out[AMENDMENT_MAX_SIGNERS], size_t party[AMENDMENT_MAX_SIGNERS]);

/*
 * Checks a against what it follows: the channel, number, previous id, an
 * effective time later than the previous amendment's, the parties and their
 * log names unchanged; and its signatures: a line by a key that is not one
 * of amendment_signers is refused, a signer's line must verify. signed_by[i]
 * (may be NULL) is set for each signer whose line verifies; *complete to 1
 * when every signer signed. 0 if the content and every signature present are
 * valid (complete or not); ERR_FORMAT for a rule broken; ERR_VERIFY for a
 * bad or foreign signature.
 */
int amendment_check(const struct amendment *a, const struct amendment_base *b, int signed_by[AMENDMENT_MAX_SIGNERS],
		    int *complete);

/*
 * The signed note with key's signature added: key must be one of
 * amendment_signers and not have signed yet (ERR_USAGE, ERR_CONFLICT). The
 * caller has checked a (amendment_check).
 */
int amendment_sign(const struct amendment *a, const struct amendment_base *b, const struct note_signer *key,
		   struct buf *out);

/*
 * A draft of the next amendment: the header (number and previous following
 * b->prev, the effective time, the reason if not NULL) and the charter in
 * force (b->in_force) for the parties to edit, with comments saying how.
 */
int amendment_draft(const struct amendment_base *b, int64_t effective, const char *reason, struct buf *out);

#endif

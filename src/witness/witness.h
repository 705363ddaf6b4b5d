/*
 * witness — the c2sp.org/tlog-witness add-checkpoint protocol, HTTP-free.
 *
 * A witness trusts a fixed set of logs (origin and Ed25519 keys over time:
 * see "Keys" below) and keeps, for each, the latest checkpoint it cosigned,
 * durably, in a state directory.
 * witness_add_checkpoint() takes a request body and returns the HTTP status
 * and response body the spec prescribes:
 *
 *   200  cosignature line(s)           checkpoint consistent with the last cosigned one
 *   400  reason                        malformed request, or old size > checkpoint size
 *   403  reason                        no signature by a key of the log in force near
 *                                      the witness's clock verifies (see "Keys" below)
 *   404  reason                        unknown origin
 *   409  "<latest cosigned size>\n"    old size is not the latest cosigned size
 *        (Content-Type text/x.tlog.size), or same size with a different root
 *   422  reason                        the consistency proof does not verify
 *
 * Checking the old size and persisting the new checkpoint happen under one
 * lock, and the new state is on stable storage before the cosignature is
 * returned.
 *
 * The state directory (every file a signed note that `parley note verify`
 * accepts, with one signature line per key; nothing in it is written from a
 * request's other lines, so no request can make the state unreadable):
 *
 *   logs/<sha256(origin) hex>      the latest checkpoint cosigned: the log's
 *                                  signature and our cosignature, nothing else
 *   history/<origin hex>/<size>    every checkpoint cosigned: the log's signature
 *                                  and our first cosignature of it (when we first
 *                                  vouched for it; not replaced when cosigned again)
 *   history/.bounded               marks that the history files are all bounded
 *   conflicts/<origin hex>/<id>/   evidence that the log signed two checkpoints
 *                                  that cannot both be true:
 *       recorded                   the one this witness recorded (cosigned)
 *       shown                      the one shown, contradicting it
 *       why                        the reason, and "shown at <RFC 3339 UTC time>"
 *       proof                      the two as one fork proof (witness/forkproof.h),
 *                                  what `parley audit verify` checks
 *
 * Evidence is kept only when it is signed: recorded and shown each carry just
 * the log's signature (`parley note verify FILE --vkey <log key>` checks each)
 * and either have the same size and different root hashes, or shown is smaller
 * than the latest cosigned and its root differs from the one in history/ at that
 * size. A failing consistency proof is refused (422) but not kept: nobody signs
 * a proof, so it proves nothing about the log. <id> is a hash of the two
 * checkpoints, so the same evidence shown again writes nothing; at most
 * WITNESS_CONFLICTS_PER_LOG pieces per log and WITNESS_CONFLICTS_MAX in all.
 *
 * State written by older versions (files carrying every signature line of the
 * request, possibly more than a note may hold) is loaded from the lines that
 * verify and rewritten cleanly at open, with a line on stderr.
 *
 * Keys. Each log has its node keys over time (spans, as history_node_keys
 * gives them, docs/amendments.md "Rotating a node key"). A checkpoint carries
 * no time: add-checkpoint accepts one signed by any key of the log in force
 * at some instant within the hand-over (WITNESS_KEY_HANDOVER seconds unless
 * witness_set_handover says otherwise: a node's witness uses its --max-skew)
 * of `now` (the caller's clock), so around a rotation both keys count and a key retired longer ago
 * than that, or one an amendment brings in later than that, signs nothing
 * this witness cosigns. What this witness stored itself (logs/, history/,
 * the evidence it keeps) was cosigned under the keys of its time, and is
 * read back with every key the log has had. The state is keyed by origin,
 * which a rotation does not change.
 *
 * A node witnessing its peers passes a before_cosign hook, which must have
 * fetched and durably stored the peer's entries up to the new size before it
 * returns 0 (principle 2 of DESIGN.md: cosignature is receipt).
 */
#ifndef PARLEY_WITNESS_H
#define PARLEY_WITNESS_H

#include "base/buf.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "tlog/checkpoint.h"

#include <stdint.h>

#define WITNESS_MAX_LOGS 64
#define WITNESS_REQUEST_MAX (CHECKPOINT_MAX_SIZE + 64 * 48 + 64)
#define WITNESS_CONFLICTS_PER_LOG 16  /* pieces of evidence kept per log */
#define WITNESS_CONFLICTS_MAX 256     /* and in all */

struct witness_request {
	uint64_t old_size;
	merkle_hash proof[63];
	size_t n;
	const uint8_t *checkpoint;   /* points into the request body */
	size_t checkpoint_len;
};

/* Parses an add-checkpoint body strictly (body may be NULL when len is 0). 0 or ERR_FORMAT/ERR_LIMIT. */
int witness_request_parse(struct witness_request *r, const uint8_t *body, size_t len);
/* Formats an add-checkpoint body. */
int witness_request_format(struct buf *out, uint64_t old_size, const merkle_hash *proof, size_t n,
			   const uint8_t *checkpoint, size_t checkpoint_len);

/* As NODE_KEY_HANDOVER and HISTORY_NODE_KEYS_MAX of exchange/history.h (a check there keeps them equal). */
#define WITNESS_KEY_HANDOVER 900     /* seconds either side of a rotation when both keys count: the default */
#define WITNESS_HANDOVER_MAX 86400   /* the largest hand-over witness_set_handover takes */
#define WITNESS_LOG_KEYS_MAX 32      /* key spans per log */

/*
 * One node key of a log over time, the fields of history.h's node_key_span:
 * in force from `from` (INT64_MIN: since the founding charter) until `until`
 * (INT64_MAX: still in force). key is Ed25519, named the log's origin.
 */
struct witness_key_span {
	struct note_verifier key;
	int64_t from, until;
};

struct witness_log {
	struct note_verifier key;    /* Ed25519; its name is the log's origin; in force always when nspans is 0 */
	const struct witness_key_span *spans; /* or NULL: the log's keys over time (copied at open; key unused) */
	size_t nspans;               /* at most WITNESS_LOG_KEYS_MAX; 0: key alone */
};

/*
 * Called after every check passed and before the new checkpoint is persisted
 * and cosigned, WITHOUT the witness's lock (it may take long: a node fetches
 * the log's tiles; other logs are witnessed meanwhile). old is NULL for the
 * first checkpoint. Return 0 to cosign; non-zero refuses with 503 and the
 * err_msg() reason. If another request advanced the same log while the hook
 * ran, the request is answered 409 with the size cosigned now.
 */
typedef int (*witness_hook_fn)(void *ctx, const struct checkpoint *old, const struct checkpoint *cp,
			       const uint8_t *note, size_t note_len);

struct witness;

/*
 * Opens (creating if needed) the state directory. The cosigner key is borrowed.
 * Fails only if a state file exists and no signature by its log's key verifies
 * in it (damage, not anything a request can cause) or on I/O errors.
 */
int witness_open(struct witness **w, const char *state_dir, const struct note_signer *cosigner,
		 const struct witness_log *logs, size_t nlogs);
void witness_set_hook(struct witness *w, witness_hook_fn fn, void *ctx);

/*
 * A cosigner held elsewhere (the node's keeper, src/node/keeper.h): called
 * with the lock held, after the hook, with the checkpoint as the request
 * carried it (note, note_len: the log's signature and any other lines);
 * appends our cosignature line ("— name base64\n") to line, or fails (the
 * request then gets 503 with the reason, nothing is persisted).
 */
typedef int (*witness_cosign_fn)(void *ctx, const struct checkpoint *old, const struct checkpoint *cp,
				 const uint8_t *note, size_t note_len, struct buf *line);
/* witness_open with the public half me (0x04) only: cosignatures come from cosign. */
int witness_open_remote(struct witness **w, const char *state_dir, const struct note_verifier *me,
			witness_cosign_fn cosign, void *ctx, const struct witness_log *logs, size_t nlogs);
void witness_close(struct witness *w);

/*
 * Replaces the key spans of origin's log (1 to WITNESS_LOG_KEYS_MAX, each an
 * Ed25519 key named origin, from <= until), as witness_log's spans: after an
 * amendment rotated the log's key. Takes the witness's lock: safe while
 * requests are answered, from the hook (a node adopting an amendment met
 * while syncing a peer's log) and from the cosigner; the request under way
 * keeps the keys it was judged with. 0, ERR_NOTFOUND (an origin the witness does not
 * follow) or ERR_USAGE (bad spans; nothing changed).
 */
int witness_set_log_keys(struct witness *w, const char *origin, const struct witness_key_span *spans, size_t n);

/*
 * The hand-over: seconds either side of a rotation when both keys count
 * (default WITNESS_KEY_HANDOVER; a node passes its --max-skew, which the
 * keeper's double signing uses too). Safe while requests are answered, and
 * from the hook. 0, or ERR_USAGE outside 0..WITNESS_HANDOVER_MAX.
 */
int witness_set_handover(struct witness *w, int64_t seconds);

/*
 * Our own cosigner keys over time (a node's witness: its party's cosigner key
 * in each version of the charter), by which a stored cosignature is known as
 * ours (history/<size> keeps our first one). 1 to WITNESS_LOG_KEYS_MAX keys;
 * until called, the key the witness was opened with alone. Safe while
 * requests are answered, and from the hook. 0, or ERR_USAGE.
 */
int witness_set_own_keys(struct witness *w, const struct note_verifier *keys, size_t n);

/*
 * Handles one add-checkpoint request. Fills *status (an HTTP status code),
 * *content_type ("text/plain; charset=utf-8" or "text/x.tlog.size") and
 * response. Returns 0 when a status was determined (even a refusal); an
 * ERR_* code only if the witness itself failed (I/O), with *status 500.
 */
int witness_add_checkpoint(struct witness *w, const uint8_t *body, size_t len, uint64_t now, int *status,
			   const char **content_type, struct buf *response);

/* The directory holding origin's history (see above) into out. */
void witness_history_dir(const struct witness *w, const char *origin, char *out, size_t outsz);

/* The latest cosigned checkpoint of origin (size 0 and no note if none). */
int witness_latest(struct witness *w, const char *origin, struct checkpoint *cp, struct buf *note);

/*
 * Keeps evidence that origin's log signed two histories, found outside
 * add-checkpoint (a node's mirror sync): recorded is the checkpoint held,
 * shown the contradicting one, both signed by the log (other lines are
 * dropped). Equal sizes: root and proof are ignored (NULL, 0). Otherwise root
 * is the larger tree's root at the smaller size and proof the consistency
 * proof from it to the larger checkpoint: the caller has checked that root
 * differs from the smaller checkpoint's. Written like add-checkpoint's
 * evidence (conflicts/, bounded, counted, logged). 0, or ERR_NOTFOUND for an
 * origin the witness does not follow.
 */
int witness_keep_evidence(struct witness *w, const char *origin, const uint8_t *recorded, size_t recorded_len,
			  const uint8_t *shown, size_t shown_len, const merkle_hash root, const merkle_hash *proof,
			  size_t n, uint64_t now, const char *why);

/*
 * The latest checkpoint cosigned of the log whose id (64 lowercase hex
 * digits: SHA-256 of its origin, as in logs/) is given: the log's signature
 * and this witness's newest cosignature. What a witness serves at
 * GET /checkpoints/<id>. 0, or ERR_NOTFOUND (unknown id, or none cosigned yet).
 */
int witness_latest_by_id(struct witness *w, const char *id, size_t id_len, struct buf *note);

struct tlog;
/*
 * A node's mirror sync met a checkpoint of the mirrored log (signed by the
 * log: the caller checked) whose size the mirror holds but whose root is not
 * the mirror's at that size: keeps the evidence with witness_keep_evidence(),
 * the mirror's checkpoint as recorded and, when it is smaller, the mirror's
 * root at the shown size with the consistency proof from it (local reads of
 * the mirror's tiles only). 0, or ERR_USAGE if shown is not such a checkpoint.
 */
int witness_keep_mirror_fork(struct witness *w, struct tlog *mirror, const uint8_t *shown, size_t shown_len,
			     uint64_t now);

/* Forks of origin's log met since the witness opened (every one, kept or not: for /metrics). */
uint64_t witness_forks_seen(struct witness *w, const char *origin);

/* The origins the witness follows, in the order given at open (at most max into origins). */
size_t witness_origins(const struct witness *w, const char **origins, size_t max);

#endif

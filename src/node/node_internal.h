/*
 * node_internal — what the node's rooms share; not for use outside src/node/node*.c.
 *
 * The node is split along its seams, one file each:
 *   node.c        start and stop: the directory, the files, the threads
 *   node_state.c  derived state: the case state in memory and the index on disk,
 *                 fed after each commit and mirror sync, rebuilt from the logs
 *   node_http.c   the HTTP side: views, submissions, bodies, metrics, health
 *   node_peers.c  peers: mirroring their logs and the bodies addressed to us,
 *                 witnessing them (add-checkpoint), recording deliveries
 *   node_push.c   pushing our checkpoints to every witness, keeping cosignatures
 *
 * Locks, outermost first: a peer's lock (its mirror), then cases_lock (the
 * derived state), then log_lock (the published checkpoint). The sequencer takes
 * log_lock itself around each commit.
 */
#ifndef PARLEY_NODE_INTERNAL_H
#define PARLEY_NODE_INTERNAL_H

#include "base/logline.h"
#include "cases/cases.h"
#include "crypto/note.h"
#include "exchange/charter.h"
#include "index/index.h"
#include "node/bodies.h"
#include "httpd/http.h"
#include "node/keeper_client.h"
#include "node/node.h"
#include "node/sequencer.h"
#include "tlog/store.h"
#include "witness/witness.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#define MAX_PEERS CHARTER_MAX_PARTIES
#define MAX_TARGETS (CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES)

struct peer {
	const struct charter_party *party;
	char dir[PATH_MAX];
	struct tlog *mirror;
	pthread_mutex_t lock;      /* serialises syncing this mirror; guards the fields below */
	uint64_t received_upto;    /* its envelopes below this index are handled for 'received' */
	uint64_t remote_size;      /* the latest size seen at the peer */
	/* For /metrics, read without the lock (it is held across network I/O): stored with node_publish_sizes. */
	uint64_t shown_remote, shown_mirrored;
	uint64_t sync_failures;    /* polls that failed (atomic, for /metrics) */
	int sync_failing;          /* the poller's: the last poll failed (logged once per change) */
};

struct target {
	char name[NOTE_NAME_MAX + 1];
	char url[SYNTAX_URL_MAX + 1];
	struct note_verifier key[2]; /* its cosigner (0x04) keys in force near now: two around a rotation (the pusher's) */
	size_t nkeys;
	int party;                 /* its index in the charter if a peer node, else -1 */
	uint64_t cosigned;         /* the size it last cosigned, as far as we know */
	int known;
	int64_t retry_at;
	int failing;               /* the pusher's: 0 the last push worked, 1 it failed (I/O), 2 a wrong answer: logged at each change */
	uint64_t failures;         /* failed pushes (atomic, for /metrics) */
	int64_t last_cosig;        /* Unix time of its last cosignature received (atomic, for /metrics; 0: none) */
	int is_witness;            /* a neutral witness, not a peer node */
};

/* Counters, only ever touched with node_count() and node_counter() (atomics: many threads add). */
#define SUBMIT_BUCKETS 12 /* the submission latency histogram's upper bounds: node_http.c */
struct metrics {
	uint64_t accepted, refused[6], received_made, cosigs, push_failures, sync_failures;
	uint64_t submit_ns_total, submit_count;
	uint64_t submit_le[SUBMIT_BUCKETS]; /* submissions answered within each bound (not cumulative) */
	int64_t overdue_at;        /* when overdue was counted (under cases_lock) */
	uint64_t overdue[CHARTER_MAX_PARTIES][2];
};

struct node {
	struct node_options o;
	char dir[PATH_MAX - 512]; /* room for the longest path below it */
	struct charter charter;
	struct keeper_client *keeper; /* holds the keys: docs/keeper.md */
	struct note_verifier logkey;  /* our log's key (Ed25519), as the keeper told */
	const struct charter_party *me;
	struct tlog *log;
	pthread_mutex_t log_lock;
	struct sequencer *seq;
	struct witness *witness;
	struct http_server *http;
	struct http_route routes[20];
	size_t nroutes;
	struct peer peers[MAX_PEERS];
	size_t npeers;
	struct target targets[MAX_TARGETS];
	size_t ntargets;
	int log_fd;
	struct bodies *bodies;
	int syncfs;                /* the log, the mirrors and the bodies share a filesystem: one syncfs per batch */
	pthread_t pusher, poller, recorder;
	int started_pusher, started_poller, started_recorder;
	pthread_mutex_t rec_lock;  /* the recorder: 'received' envelopes after a cosignature */
	pthread_cond_t rec_cond;
	int rec_pending;
	pthread_mutex_t push_lock;
	pthread_cond_t push_cond;
	int stopping;
	struct metrics m;
	struct index *ix;          /* derived state, on disk */
	struct cases cases;        /* derived state, in memory */
	pthread_mutex_t cases_lock;
	struct node_history *history; /* the charter and its amendments (node_amend.c): read with node_history() */
	pthread_mutex_t amend_lock;   /* one adoption at a time */
	long peer_lock_wait_ms;       /* node_lock_peer_for_witness's bound; 0: NODE_PEER_LOCK_WAIT_MS */
	int64_t handover_retry_at;    /* the pusher's: no hand-over re-sign before this time (after one that failed) */
};

/* ---- node.c: shared helpers ---- */

int64_t node_now(void);
/*
 * The node's log (base/logline.h: one event per line on stderr, key=value or
 * JSON). node_log is a free-form message (event=message msg="..."); node_event
 * an event with its own keys: const char * pairs ended by LOGLINE_END.
 */
void node_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void node_event(enum logline_level level, const char *event, ...) __attribute__((sentinel));
/* The log's signer (tlog_open_signed): the keeper signs our checkpoint. */
int node_sign_checkpoint(void *ctx, const uint8_t *text, size_t len, struct buf *note);
/* Opens the mirror of p, synced like our own log. */
int node_open_mirror(struct node *n, struct peer *p);
/* Publishes p's sizes for /metrics (call with p->lock held, after the mirror changed). */
void node_publish_sizes(struct peer *p);
/*
 * Takes p->lock for the witness's callers (node_cosign, which the witness
 * calls with its lock held; node_witness_hook, called without it since the
 * hook may take long, but bounded alike). The poller holds p->lock
 * while it may take the witness's (an adoption's witness_follow_history, a
 * fork's witness_keep_mirror_fork): an unbounded wait here stopped both
 * threads, and with them our witness, for good. Waits at most
 * n->peer_lock_wait_ms (0: NODE_PEER_LOCK_WAIT_MS), then ERR_CONFLICT ("busy"):
 * the witness answers 503 and the peer's pusher tries again.
 */
#define NODE_PEER_LOCK_WAIT_MS 10000
int node_lock_peer_for_witness(struct node *n, struct peer *p);
/* The peer whose log has this origin, or NULL. */
struct peer *node_peer_by_origin(struct node *n, const char *origin);

static inline void node_count(uint64_t *counter, uint64_t add)
{
	__atomic_add_fetch(counter, add, __ATOMIC_RELAXED);
}

static inline uint64_t node_counter(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* ---- node_amend.c: the channel's amendments ---- */

/* The current history (a snapshot that never changes; see node_amend.c). */
const struct charter_history *node_history(const struct node *n);
/* The charter in force at t. */
const struct charter *node_charter_at(const struct node *n, int64_t t);
/* Loads DIR/amendments/ at start (before the case state). 0 or the error, naming the file. */
int node_history_open(struct node *n);
void node_history_close(struct node *n);
/* Appends to our log the amendments not yet recorded there (after the sequencer started). */
int node_history_record(struct node *n);
/*
 * Adopts a signed amendment shown by an operator (POST /amendment) or found
 * in a peer's log (from_peer): the next one, complete and valid; saved to
 * DIR/amendments/, in force for every check, recorded in our log. Returns an
 * HTTP status with the reason in err_msg(): 200 adopted or already in force;
 * 409 another amendment with its number, or one before it missing; 422
 * invalid, incomplete, a node-key rotation, or (from an operator) taking
 * effect within the clock skew; 413 a limit; 500/503 I/O or memory.
 */
int node_adopt_amendment(struct node *n, const uint8_t *data, size_t len, int from_peer);

/* ---- node_rollback.c: the rollback guard ---- */

/*
 * Before serving: 0 if the log holds every checkpoint cosigned for it (the
 * newest in DIR/cosigned/, and the latest each reachable witness of the log
 * cosigned); ERR_VERIFY naming the witness and the sizes if the log is behind
 * or holds another history, unless o.accept_rollback (then logged, and 0).
 * An unreachable witness is logged and skipped.
 */
int node_check_rollback(struct node *n);

/* ---- node_state.c: derived state ---- */

/* Entries whose envelopes were verified already, so indexing them need not check signatures again. */
struct verified {
	uint64_t first, n;         /* entries [first, first + n) of the log */
	const uint8_t *bits;       /* bit i set: entry first + i verified; NULL: every one of them */
};

/*
 * Opens the index and loads the case state from it, or rebuilds both from
 * the logs and the kept cosignatures (one path for --reindex, a missing, an
 * empty, an unreadable or a corrupt index), then catches up on every log.
 */
int node_state_open(struct node *n);
void node_state_close(struct node *n);
/*
 * Reads entries [first, first + k) of t (k <= NODE_RUN_MAX) into all, one
 * bundle read per 256 entries: data[i]/len[i] point into all until its next
 * change. 0, or tlog_read_entries' error.
 */
#define NODE_RUN_MAX 256
int node_read_run(struct tlog *t, uint64_t first, size_t k, struct buf *all, const uint8_t **data, size_t *len);
/* Feeds what the index lacks of a log, a chunk at a time. Call with cases_lock held. */
int node_catch_up(struct node *n, const char *origin, struct tlog *t, const struct verified *v);
/* Records one cosignature of origin's checkpoint of this size, in memory and in the index. */
void node_record_cosignature(struct node *n, const char *origin, uint64_t size, const char *cosigner, int64_t when);
/* Records every valid cosignature (by a party's node or a witness) that the signed checkpoint carries. */
void node_record_note_cosignatures(struct node *n, const uint8_t *note, size_t len);
/* Sets each peer's received_upto from the 'received' envelopes already in our log. */
void node_scan_received(struct node *n);
/* Takes cases_lock once every submission answered so far is indexed. */
void node_lock_settled_cases(struct node *n);
/* The sequencer's hooks. */
int node_identify(void *ctx, const uint8_t *entry, size_t len, merkle_hash id);
int node_seen_leaf(void *ctx, const merkle_hash id);
int node_flush_bodies(void *ctx);
void node_on_committed(void *ctx, const struct sequencer_entry *b, size_t count, const struct buf *cp);

/* ---- node_http.c: the HTTP side ---- */

/* Fills n->routes and n->nroutes. */
void node_http_routes(struct node *n);

/* ---- node_peers.c: peers, witnessing them, deliveries ---- */

/* The witness's before_cosign hook: mirrors the peer's log up to the checkpoint. */
int node_witness_hook(void *ctx, const struct checkpoint *old, const struct checkpoint *cp, const uint8_t *note,
		      size_t len);
/*
 * The witness's cosigner (witness_open_remote): asks the keeper, with the
 * consistency proof from the size it cosigned last, read from the mirror.
 */
int node_cosign(void *ctx, const struct checkpoint *old, const struct checkpoint *cp, const uint8_t *note,
		size_t note_len, struct buf *line);
/* POST /add-checkpoint: witnesses a peer's checkpoint, then wakes the recorder. */
void node_h_add_checkpoint(void *ctx, const struct http_request *req, struct http_response *resp);
/* Appends 'received' for each envelope of p addressed to this party, up to size upto. */
void node_make_received(struct node *n, struct peer *p, uint64_t upto);
/*
 * The keys that may sign origin's checkpoints: the log's node keys in force
 * near now (two around a rotation: docs/amendments.md, "Rotating a node
 * key") first, then the cosigners of that log in the charter in force now,
 * then those of the latest amendment (one still to take effect: the keys in
 * force go on cosigning until it does), then, room permitting, the log's
 * retired node keys and the cosigner keys earlier charters named (so a receipt
 * by a key retired since is not dropped when its kept file is merged again);
 * each key once, at most NODE_LOG_SIGNERS_MAX into vs.
 */
#define NODE_LOG_SIGNERS_MAX (2 + 2 * (CHARTER_MAX_PARTIES - 1 + CHARTER_MAX_WITNESSES))
size_t node_log_signers(const struct node *n, const char *origin, struct note_verifier *vs);
/* Every node key origin's log has had (history_node_keys), into vs (HISTORY_NODE_KEYS_MAX); how many. */
size_t node_log_keys(const struct node *n, const char *origin, struct note_verifier *vs);
/* The node keys of origin's log a live check accepts now (history_node_keys_near), into vs; how many. */
size_t node_log_keys_now(const struct node *n, const char *origin, struct note_verifier *vs);
/* Our party's cosigner (0x04) keys over the history, each once, into vs (HISTORY_NODE_KEYS_MAX); how many. */
size_t node_own_cosigners(const struct node *n, struct note_verifier *vs);
/* Appends the lines of `lines` that look like signature lines ("— " ... "\n"): a note's, or bare ones. */
int node_append_sig_lines(struct buf *out, const uint8_t *lines, size_t len);
/*
 * Merges the signature lines of `lines` into the checkpoint kept at
 * <dir>/<size> (created from note if absent or unreadable); merged receives
 * the result, which is also written there. Only lines that verify with vs
 * (see node_log_signers) are kept: the log's signature, and per cosigner its
 * earliest cosignature (the receipt: never lost or replaced), one line per key.
 */
int node_merge_kept(const char *dir, uint64_t size, const uint8_t *note, size_t note_len, const uint8_t *lines,
		    size_t lines_len, const struct note_verifier *vs, size_t nv, struct buf *merged);
/* At start: rewrites kept checkpoints an older version left unbounded (once; see node_peers.c). */
void node_clean_kept(struct node *n);
void *node_recorder_main(void *arg);
void *node_poller_main(void *arg);

/* ---- node_push.c: our checkpoints to the witnesses ---- */

void *node_pusher_main(void *arg);

#endif

/*
 * sequencer — turns concurrent submissions into group commits.
 *
 * Any number of threads call sequencer_submit(); each blocks until its entry
 * is durable in the log (or refused). Or they queue with sequencer_enqueue()
 * and are called back, which holds no thread while the batch commits. One committer thread takes everything
 * queued, appends it as one batch, commits once (one flush), and then wakes
 * every waiter of that batch with its index. While a batch commits the next
 * one fills, so durability costs one flush per batch, not per entry.
 *
 * Duplicates are refused (ERR_CONFLICT): an entry whose identity is queued,
 * being committed, or reported by the seen() callback (the committed index).
 * The identity is what the identify() hook says (the node: the hash of the
 * envelope's signed text, so a copy with its signature lines re-shaped is a
 * duplicate too), or the leaf hash.
 * After each commit the waiters are answered first; then committed() receives
 * the batch (to index it), and only after it returns do the batch's leaf
 * hashes leave the pending set, so a replay can never slip between the log
 * and the index. Indexing is not part of durability (an index is rebuilt from
 * the log), so it stays off the answers' path; a reader that must see every
 * answered entry indexed calls sequencer_wait_settled() first.
 */
#ifndef PARLEY_SEQUENCER_H
#define PARLEY_SEQUENCER_H

#include "crypto/merkle.h"
#include "tlog/store.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct sequencer_entry {
	const uint8_t *data;
	size_t len;
	merkle_hash leaf;
	merkle_hash id;            /* identity: identify()'s, or the leaf hash */
	uint64_t index;
};

struct sequencer_hooks {
	/*
	 * If set, the identity of an entry into id (0), or non-zero to use its
	 * leaf hash. Two entries with one identity are the same entry.
	 */
	int (*identify)(void *ctx, const uint8_t *entry, size_t len, merkle_hash id);
	/* 1 if an entry with this identity is already committed. */
	int (*seen)(void *ctx, const merkle_hash id);
	/*
	 * If set, called by the committer before it appends a batch: to write what
	 * the batch's entries rely on (their bodies) so that the batch's one flush
	 * makes it durable too. Non-zero fails the batch (its waiters get ERR_IO;
	 * the log is untouched and the next batch tries again).
	 */
	int (*before_commit)(void *ctx);
	/*
	 * Called by the committer after the batch is durable and its waiters are
	 * answered: n entries with their indices (copies, valid during the call).
	 * The next batch commits after it returns.
	 */
	void (*committed)(void *ctx, const struct sequencer_entry *batch, size_t n, const struct buf *checkpoint);
	void *ctx;
	/* If set, held around every use of the log, so others may use it between batches. */
	pthread_mutex_t *log_lock;
};

struct sequencer;

/* Starts the committer thread over an open, writable log (borrowed). */
int sequencer_start(struct sequencer **s, struct tlog *log, const struct sequencer_hooks *hooks, size_t max_batch);
/* Stops after the queued entries are committed; joins the thread. */
void sequencer_stop(struct sequencer *s);

/*
 * Appends entry and waits until it is durable. 0 with *index set; ERR_CONFLICT
 * for a duplicate; ERR_LIMIT if too large; ERR_IO if the commit failed (the
 * log is then read-only until the node restarts and recovers).
 */
int sequencer_submit(struct sequencer *s, const uint8_t *entry, size_t len, uint64_t *index);

/* The same; when it returns 0, checkpoint (reset by the caller) holds the signed
 * checkpoint its batch published: the first that covers the entry. */
int sequencer_submit_checkpoint(struct sequencer *s, const uint8_t *entry, size_t len, uint64_t *index,
				struct buf *checkpoint);

/*
 * Appends n entries, in this order, and waits until every one is durable or
 * refused: rcs[i] as sequencer_submit would return it, index[i] set where 0.
 * They are queued together, so they share the batches (one flush for all of
 * them rather than one each). Returns the first rcs[i] that is neither 0 nor
 * ERR_CONFLICT (with its message in err_msg()), else ERR_CONFLICT if an entry
 * was a duplicate, else 0.
 */
int sequencer_submit_many(struct sequencer *s, size_t n, const uint8_t *const *entry, const size_t *len,
			  uint64_t *index, int *rcs);

/*
 * Called once per entry queued by sequencer_enqueue, on the committer thread,
 * after its batch is durable (rc 0, index set, checkpoint the batch's signed
 * checkpoint, valid during the call) or failed (rc ERR_IO, msg the reason).
 * It must not block: the next batch commits after it returns.
 */
typedef void (*sequencer_done_fn)(void *arg, int rc, const char *msg, uint64_t index, const struct buf *checkpoint);

/*
 * Queues entry without waiting; done(arg, ...) tells the outcome later. entry
 * must stay valid until then. A refusal known at once is returned here and
 * done is never called: ERR_CONFLICT (a duplicate), ERR_LIMIT (too large),
 * ERR_IO (stopping), ERR_NOMEM.
 */
int sequencer_enqueue(struct sequencer *s, const uint8_t *entry, size_t len, sequencer_done_fn done, void *arg);

/*
 * Waits until every batch answered so far has been through committed(): a
 * view of the index then includes every entry a submitter has been told of.
 */
void sequencer_wait_settled(struct sequencer *s);

/*
 * 1 if a commit failed (the log is then read-only until the node restarts and
 * recovers; every submission is refused with ERR_IO), with the reason in why;
 * 0 if the log accepts.
 */
int sequencer_failed(struct sequencer *s, char *why, size_t whysz);
/*
 * For health checks: 0 if the latest batch committed (or none was tried), 1
 * if it failed but the log still accepts (e.g. its bodies could not be
 * written: a full disk; the next batch tries again), 2 as sequencer_failed.
 * why receives the reason when not 0.
 */
int sequencer_health(struct sequencer *s, char *why, size_t whysz);

/* Batches committed and entries appended since start (for metrics); the
 * commit time runs from taking a batch to answering it (indexing excluded). */
void sequencer_stats(struct sequencer *s, uint64_t *batches, uint64_t *entries, uint64_t *commit_ns_total);

#endif

#include "node/sequencer.h"
#include "base/err.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct waiter {
	struct sequencer_entry e;
	struct buf *checkpoint;    /* if set, receives the checkpoint of the entry's batch */
	sequencer_done_fn done_fn; /* set: queued by sequencer_enqueue, owned and freed by the committer */
	void *done_arg;
	int rc;
	int done;
	char msg[256];
	struct waiter *next;
};

/* Open-addressing set of pending leaf hashes (power-of-two table, tombstones). */
struct leafset {
	merkle_hash *slots;
	uint8_t *state; /* 0 empty, 1 used, 2 deleted */
	size_t cap, used;
};

struct sequencer {
	struct tlog *log;
	struct sequencer_hooks hooks;
	size_t max_batch;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake_committer;
	pthread_cond_t wake_waiters;
	struct waiter *head, *tail; /* queued, not yet taken */
	size_t queued;
	struct leafset pending;
	int stopping;
	int failed;                 /* a commit failed: the log is read-only until a restart (guarded by lock) */
	char failure[256];          /* why */
	int last_failed;            /* the latest batch failed, even before touching the log (guarded by lock) */
	char last_failure[256];
	uint64_t batches, entries, commit_ns;
	uint64_t answered, settled; /* batches answered, and those of them through committed() */
	/* answered batches waiting for committed(), oldest first, on the indexer thread */
	pthread_t indexer;
	pthread_cond_t wake_indexer;
	struct settling *settle_head, *settle_tail;
	size_t settling;
	int committer_done;
};

/* An answered batch on its way to committed(): copies of its entries. */
struct settling {
	struct settling *next;
	size_t n;
	struct buf cp;
	struct sequencer_entry *e;
	uint8_t data[];
};

/* At most this many answered batches wait for the indexer before the committer waits too. */
#define MAX_SETTLING 2

static size_t slot_of(const merkle_hash h, size_t cap)
{
	uint64_t v;
	memcpy(&v, h, sizeof v);
	return (size_t)v & (cap - 1);
}

static int leafset_has(const struct leafset *s, const merkle_hash h)
{
	if (!s->cap)
		return 0;
	for (size_t i = slot_of(h, s->cap), n = 0; n < s->cap; i = (i + 1) & (s->cap - 1), n++) {
		if (s->state[i] == 0)
			return 0;
		if (s->state[i] == 1 && !memcmp(s->slots[i], h, MERKLE_HASH))
			return 1;
	}
	return 0;
}

static int leafset_grow(struct leafset *s)
{
	struct leafset g = {0};
	size_t live = 0;
	for (size_t i = 0; i < s->cap; i++)
		live += s->state[i] == 1;
	/* Sized for the live entries, so tombstones never make the table grow forever. */
	g.cap = 1024;
	while (g.cap < 4 * (live + 1))
		g.cap *= 2;
	g.slots = malloc(g.cap * sizeof *g.slots);
	g.state = calloc(g.cap, 1);
	if (!g.slots || !g.state) {
		free(g.slots);
		free(g.state);
		return err_set(ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < s->cap; i++) {
		if (s->state[i] != 1)
			continue;
		size_t j = slot_of(s->slots[i], g.cap);
		while (g.state[j])
			j = (j + 1) & (g.cap - 1);
		memcpy(g.slots[j], s->slots[i], MERKLE_HASH);
		g.state[j] = 1;
		g.used++;
	}
	free(s->slots);
	free(s->state);
	*s = g;
	return 0;
}

static int leafset_add(struct leafset *s, const merkle_hash h)
{
	if ((s->used + 1) * 2 > s->cap) {
		int rc = leafset_grow(s);
		if (rc)
			return rc;
	}
	size_t i = slot_of(h, s->cap);
	while (s->state[i] == 1)
		i = (i + 1) & (s->cap - 1);
	memcpy(s->slots[i], h, MERKLE_HASH);
	s->state[i] = 1;
	s->used++;
	return 0;
}

static void leafset_del(struct leafset *s, const merkle_hash h)
{
	for (size_t i = slot_of(h, s->cap), n = 0; n < s->cap; i = (i + 1) & (s->cap - 1), n++) {
		if (s->state[i] == 0)
			return;
		if (s->state[i] == 1 && !memcmp(s->slots[i], h, MERKLE_HASH)) {
			s->state[i] = 2;
			return; /* used stays counted until the next grow: tombstones need room too */
		}
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A settling record of the batch (copies of its entries and checkpoint); NULL if out of memory. */
static struct settling *make_settling(const struct sequencer_entry *batch, size_t n, const struct buf *cp)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += batch[i].len;
	struct settling *st = malloc(sizeof *st + total);
	struct sequencer_entry *e = malloc(n * sizeof *e);
	if (!st || !e) {
		free(st);
		free(e);
		return NULL;
	}
	st->next = NULL;
	st->n = n;
	st->e = e;
	buf_init(&st->cp, CHECKPOINT_MAX_SIZE);
	if (buf_append(&st->cp, cp->data, cp->len)) {
		free(st);
		free(e);
		return NULL;
	}
	uint8_t *p = st->data;
	for (size_t i = 0; i < n; i++) {
		e[i] = batch[i];
		memcpy(p, batch[i].data, batch[i].len);
		e[i].data = p;
		p += batch[i].len;
	}
	return st;
}

/* Done with a batch's committed(): its leaves leave the pending set. Call with s->lock held. */
static void settled_locked(struct sequencer *s, const struct sequencer_entry *batch, size_t n)
{
	for (size_t i = 0; i < n; i++)
		leafset_del(&s->pending, batch[i].id);
	s->settled++;
	pthread_cond_broadcast(&s->wake_waiters);
	pthread_cond_broadcast(&s->wake_committer);
}

/* Runs committed() for each answered batch in order, while the committer goes on with the next. */
static void *indexer(void *arg)
{
	struct sequencer *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->settle_head && !s->committer_done)
			pthread_cond_wait(&s->wake_indexer, &s->lock);
		struct settling *st = s->settle_head;
		if (!st)
			break;
		pthread_mutex_unlock(&s->lock);
		s->hooks.committed(s->hooks.ctx, st->e, st->n, &st->cp);
		pthread_mutex_lock(&s->lock);
		s->settle_head = st->next;
		if (!s->settle_head)
			s->settle_tail = NULL;
		s->settling--;
		settled_locked(s, st->e, st->n);
		buf_release(&st->cp);
		free(st->e);
		free(st);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void *committer(void *arg)
{
	struct sequencer *s = arg;
	struct sequencer_entry *batch = malloc(s->max_batch * sizeof *batch);
	struct waiter **ws = malloc(s->max_batch * sizeof *ws);
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->head && !s->stopping)
			pthread_cond_wait(&s->wake_committer, &s->lock);
		if (!s->head && s->stopping)
			break;
		size_t n = 0;
		while (s->head && n < s->max_batch) {
			ws[n] = s->head;
			s->head = s->head->next;
			n++;
		}
		if (!s->head)
			s->tail = NULL;
		s->queued -= n;
		pthread_mutex_unlock(&s->lock);

		/* Outside the lock: submitters keep queueing the next batch. */
		int rc = s->failed ? err_set(ERR_IO, "the log failed earlier (%s); restart the node", s->failure) : 0;
		uint64_t t0 = now_ns();
		int before = 0; /* the batch failed before the log was touched: the next one may go on */
		if (!rc && s->hooks.before_commit && s->hooks.before_commit(s->hooks.ctx))
			rc = before = err_wrap(ERR_IO, "before the commit");
		if (s->hooks.log_lock)
			pthread_mutex_lock(s->hooks.log_lock);
		for (size_t i = 0; i < n && !rc; i++)
			rc = tlog_add(s->log, ws[i]->e.data, ws[i]->e.len, &ws[i]->e.index);
		if (!rc)
			rc = tlog_commit(s->log);
		if (rc && !before && !s->failed) {
			tlog_discard(s->log);
			pthread_mutex_lock(&s->lock);
			snprintf(s->failure, sizeof s->failure, "%s", err_msg());
			s->failed = 1;
			pthread_mutex_unlock(&s->lock);
		} else if (!rc) {
			for (size_t i = 0; i < n; i++)
				batch[i] = ws[i]->e;
		}
		struct buf cp;
		buf_init(&cp, CHECKPOINT_MAX_SIZE);
		if (!rc)
			buf_append(&cp, tlog_checkpoint_note(s->log)->data, tlog_checkpoint_note(s->log)->len);
		if (s->hooks.log_lock)
			pthread_mutex_unlock(s->hooks.log_lock);
		/*
		 * committed() runs on the indexer thread after the answers, on copies of
		 * the entries (the submitters' buffers go with their answers). Without
		 * memory for the copies, it runs here, before them, once the batches
		 * ahead of this one are through.
		 */
		struct settling *st = NULL;
		if (!rc && s->hooks.committed && !(st = make_settling(batch, n, &cp))) {
			pthread_mutex_lock(&s->lock);
			while (s->settling)
				pthread_cond_wait(&s->wake_committer, &s->lock);
			pthread_mutex_unlock(&s->lock);
			s->hooks.committed(s->hooks.ctx, batch, n, &cp);
		}
		uint64_t dt = now_ns() - t0;

		pthread_mutex_lock(&s->lock);
		s->last_failed = rc != 0;
		if (rc)
			snprintf(s->last_failure, sizeof s->last_failure, "%s", err_msg());
		if (!rc) {
			s->batches++;
			s->entries += n;
			s->commit_ns += dt;
			s->answered++;
			if (!st)
				settled_locked(s, batch, n);
		}
		size_t nasync = 0;
		for (size_t i = 0; i < n; i++) {
			if (rc)
				leafset_del(&s->pending, ws[i]->e.id); /* refused: may come again */
			ws[i]->rc = rc;
			if (rc)
				snprintf(ws[i]->msg, sizeof ws[i]->msg, "%s", err_msg());
			if (ws[i]->done_fn) {
				ws[nasync++] = ws[i]; /* answered below, outside the lock */
				continue;
			}
			if (!rc && ws[i]->checkpoint)
				buf_append(ws[i]->checkpoint, cp.data, cp.len);
			ws[i]->done = 1; /* the submitter may free it from here on */
		}
		pthread_cond_broadcast(&s->wake_waiters);
		pthread_mutex_unlock(&s->lock);
		for (size_t i = 0; i < nasync; i++) {
			ws[i]->done_fn(ws[i]->done_arg, ws[i]->rc, ws[i]->msg, ws[i]->e.index, &cp);
			free(ws[i]);
		}
		buf_release(&cp);

		/* Hand the batch to the indexer; its leaves stay pending until indexed, so no replay slips through. */
		pthread_mutex_lock(&s->lock);
		if (st) {
			if (s->settle_tail)
				s->settle_tail->next = st;
			else
				s->settle_head = st;
			s->settle_tail = st;
			s->settling++;
			pthread_cond_signal(&s->wake_indexer);
			while (s->settling >= MAX_SETTLING) /* the index must not fall far behind */
				pthread_cond_wait(&s->wake_committer, &s->lock);
		}
	}
	s->committer_done = 1;
	pthread_cond_signal(&s->wake_indexer);
	pthread_mutex_unlock(&s->lock);
	free(batch);
	free(ws);
	return NULL;
}

int sequencer_start(struct sequencer **out, struct tlog *log, const struct sequencer_hooks *hooks, size_t max_batch)
{
	struct sequencer *s = calloc(1, sizeof *s);
	if (!s)
		return err_set(ERR_NOMEM, "out of memory");
	s->log = log;
	if (hooks)
		s->hooks = *hooks;
	s->max_batch = max_batch ? max_batch : 8192;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake_committer, NULL);
	pthread_cond_init(&s->wake_waiters, NULL);
	pthread_cond_init(&s->wake_indexer, NULL);
	if (pthread_create(&s->indexer, NULL, indexer, s) != 0) {
		free(s);
		return err_set(ERR_IO, "cannot start the indexer thread");
	}
	if (pthread_create(&s->thread, NULL, committer, s) != 0) {
		pthread_mutex_lock(&s->lock);
		s->committer_done = 1;
		pthread_cond_signal(&s->wake_indexer);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->indexer, NULL);
		free(s);
		return err_set(ERR_IO, "cannot start the committer thread");
	}
	*out = s;
	return 0;
}

void sequencer_stop(struct sequencer *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_signal(&s->wake_committer);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_join(s->indexer, NULL); /* after the committer: it indexes every answered batch first */
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake_indexer);
	pthread_cond_destroy(&s->wake_committer);
	pthread_cond_destroy(&s->wake_waiters);
	free(s->pending.slots);
	free(s->pending.state);
	free(s);
}

/* Sets e's leaf hash, and its identity: the identify hook's, else the leaf hash. */
static void identify(const struct sequencer *s, struct sequencer_entry *e)
{
	merkle_leaf_hash(e->data, e->len, e->leaf);
	if (!s->hooks.identify || s->hooks.identify(s->hooks.ctx, e->data, e->len, e->id))
		memcpy(e->id, e->leaf, MERKLE_HASH);
}

/*
 * Queues w (its entry, leaf hash and identity set), or refuses it: a duplicate, or the
 * sequencer stopping. Returns 0 if queued; else the error, also in w->rc and
 * w->msg, with w->done set. Call with s->lock held.
 */
static int queue_locked(struct sequencer *s, struct waiter *w)
{
	int rc = 0;
	if (s->stopping)
		rc = err_set(ERR_IO, "the node is stopping");
	else if (s->failed)
		rc = err_set(ERR_IO, "the log failed earlier (%s); restart the node", s->failure);
	else if (leafset_has(&s->pending, w->e.id) || (s->hooks.seen && s->hooks.seen(s->hooks.ctx, w->e.id)))
		rc = err_set(ERR_CONFLICT, "this envelope is already in the log (replay)");
	else
		rc = leafset_add(&s->pending, w->e.id);
	if (rc) {
		w->rc = rc;
		w->done = 1;
		snprintf(w->msg, sizeof w->msg, "%s", err_msg());
		return rc;
	}
	if (s->tail)
		s->tail->next = w;
	else
		s->head = w;
	s->tail = w;
	s->queued++;
	return 0;
}

int sequencer_enqueue(struct sequencer *s, const uint8_t *entry, size_t len, sequencer_done_fn done, void *arg)
{
	if (len > TLOG_ENTRY_MAX)
		return err_set(ERR_LIMIT, "entry of %zu bytes exceeds the limit of %d bytes", len, TLOG_ENTRY_MAX);
	struct waiter *w = calloc(1, sizeof *w);
	if (!w)
		return err_set(ERR_NOMEM, "out of memory");
	w->e.data = entry;
	w->e.len = len;
	w->done_fn = done;
	w->done_arg = arg;
	identify(s, &w->e);
	pthread_mutex_lock(&s->lock);
	int rc = queue_locked(s, w);
	if (!rc)
		pthread_cond_signal(&s->wake_committer);
	pthread_mutex_unlock(&s->lock);
	if (rc) {
		rc = err_set(w->rc, "%s", w->msg);
		free(w);
	}
	return rc;
}

/* sequencer_submit_many; the first entry's batch checkpoint goes to checkpoint if set. */
static int submit(struct sequencer *s, size_t n, const uint8_t *const *entry, const size_t *len, uint64_t *index,
		  int *rcs, struct buf *checkpoint)
{
	struct waiter *w = calloc(n ? n : 1, sizeof *w);
	if (!w) {
		for (size_t i = 0; i < n; i++)
			rcs[i] = ERR_NOMEM;
		return err_set(ERR_NOMEM, "out of memory");
	}
	if (n)
		w[0].checkpoint = checkpoint;
	for (size_t i = 0; i < n; i++) {
		w[i].e.data = entry[i];
		w[i].e.len = len[i];
		if (len[i] > TLOG_ENTRY_MAX) {
			w[i].rc = ERR_LIMIT;
			w[i].done = 1;
			snprintf(w[i].msg, sizeof w[i].msg, "entry of %zu bytes exceeds the limit of %d bytes", len[i],
				 TLOG_ENTRY_MAX);
			continue;
		}
		identify(s, &w[i].e);
	}
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < n; i++)
		if (!w[i].done)
			queue_locked(s, &w[i]); /* w lives until the committer marks every entry done; we wait for that below */
	pthread_cond_signal(&s->wake_committer);
	for (size_t i = 0; i < n; i++)
		while (!w[i].done)
			pthread_cond_wait(&s->wake_waiters, &s->lock);
	pthread_mutex_unlock(&s->lock);
	int first = 0, conflict = 0;
	for (size_t i = 0; i < n; i++) {
		rcs[i] = w[i].rc;
		if (!w[i].rc)
			index[i] = w[i].e.index;
		else if (w[i].rc == ERR_CONFLICT)
			conflict = 1;
		else if (!first)
			first = err_set(w[i].rc, "%s", w[i].msg);
	}
	if (!first && conflict)
		first = err_set(ERR_CONFLICT, "this envelope is already in the log (replay)");
	free(w);
	return first;
}

int sequencer_submit_many(struct sequencer *s, size_t n, const uint8_t *const *entry, const size_t *len,
			  uint64_t *index, int *rcs)
{
	return submit(s, n, entry, len, index, rcs, NULL);
}

int sequencer_submit_checkpoint(struct sequencer *s, const uint8_t *entry, size_t len, uint64_t *index,
				struct buf *checkpoint)
{
	int rc;
	submit(s, 1, &entry, &len, index, &rc, checkpoint);
	return rc;
}

int sequencer_submit(struct sequencer *s, const uint8_t *entry, size_t len, uint64_t *index)
{
	return sequencer_submit_checkpoint(s, entry, len, index, NULL);
}

void sequencer_wait_settled(struct sequencer *s)
{
	pthread_mutex_lock(&s->lock);
	uint64_t want = s->answered;
	while (s->settled < want)
		pthread_cond_wait(&s->wake_waiters, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

void sequencer_stats(struct sequencer *s, uint64_t *batches, uint64_t *entries, uint64_t *commit_ns_total)
{
	pthread_mutex_lock(&s->lock);
	*batches = s->batches;
	*entries = s->entries;
	*commit_ns_total = s->commit_ns;
	pthread_mutex_unlock(&s->lock);
}

int sequencer_failed(struct sequencer *s, char *why, size_t whysz)
{
	pthread_mutex_lock(&s->lock);
	int failed = s->failed;
	if (failed && why)
		snprintf(why, whysz, "%s", s->failure);
	pthread_mutex_unlock(&s->lock);
	return failed;
}

int sequencer_health(struct sequencer *s, char *why, size_t whysz)
{
	pthread_mutex_lock(&s->lock);
	int state = s->failed ? 2 : s->last_failed ? 1 : 0;
	if (state && why)
		snprintf(why, whysz, "%s", s->failed ? s->failure : s->last_failure);
	pthread_mutex_unlock(&s->lock);
	return state;
}

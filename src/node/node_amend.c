/*
 * node_amend — the channel's amendments in a node (docs/amendments.md, "In a
 * node"): loaded from DIR/amendments/ at start, adopted when an operator
 * posts one or a peer's log records one, saved, recorded in our log, and in
 * force for every check from their effective time.
 *
 * Readers (submissions on event loops, peer syncs, the case state) take the
 * current history with node_history(): a snapshot that never changes. An
 * adoption builds the next snapshot beside it and publishes it with one
 * atomic store; older snapshots stay allocated until the node stops (there
 * are at most HISTORY_MAX), so no reader ever holds a freed one.
 */
#include "node/node_internal.h"
#include "node/witness_server.h"

#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct node_history {
	struct charter_history h;
	struct node_history *older;
};

const struct charter_history *node_history(const struct node *n)
{
	const struct node_history *s = __atomic_load_n(&n->history, __ATOMIC_ACQUIRE);
	return &s->h;
}

const struct charter *node_charter_at(const struct node *n, int64_t t)
{
	return history_at(node_history(n), t);
}

/* DIR/amendments/.recorded: how many amendments our log holds (written after each is durable in it). */
static uint64_t recorded_count(const struct node *n)
{
	char path[PATH_MAX];
	struct buf b;
	uint64_t v = 0;
	snprintf(path, sizeof path, "%s/amendments/.recorded", n->dir);
	buf_init(&b, 32);
	if (file_read(path, 32, &b) == 0 && b.len > 1 && b.data[b.len - 1] == '\n')
		dec_u64((const char *)b.data, b.len - 1, &v);
	buf_release(&b);
	return v;
}

static int save_recorded(const struct node *n, uint64_t count)
{
	char path[PATH_MAX], text[32];
	snprintf(path, sizeof path, "%s/amendments/.recorded", n->dir);
	int len = snprintf(text, sizeof text, "%" PRIu64 "\n", count);
	return file_write_atomic(path, text, (size_t)len, 0644, 0);
}

int node_history_open(struct node *n)
{
	struct node_history *s = calloc(1, sizeof *s);
	if (!s)
		return err_set(ERR_NOMEM, "out of memory");
	history_init(&s->h, &n->charter);
	int rc = history_load_dir(&s->h, n->dir);
	if (rc) {
		history_release(&s->h);
		free(s);
		return err_wrap(rc, "%s/amendments", n->dir);
	}
	n->history = s;
	return 0;
}

void node_history_close(struct node *n)
{
	struct node_history *s = n->history, *older;
	if (!s)
		return;
	history_release(&s->h); /* the newest owns every amendment */
	for (s = s->older; s; s = older) {
		older = s->older;
		history_release_shared(&s->h);
		free(s);
	}
	free(n->history);
	n->history = NULL;
}

/* Appends amendments [from, to) of h to our log, in order; then counts them recorded. */
static int record_in_log(struct node *n, const struct charter_history *h, size_t from, size_t to)
{
	int rc = 0;
	for (size_t i = from; i < to && !rc; i++) {
		uint64_t index;
		const struct buf *note = &h->am[i]->note;
		rc = sequencer_submit(n->seq, note->data, note->len, &index);
		if (rc == ERR_CONFLICT)
			rc = 0; /* already there */
		else if (!rc)
			node_log("amendment %u recorded in our log at %" PRIu64, h->am[i]->number, index);
	}
	if (!rc && to > from)
		rc = save_recorded(n, to);
	return rc;
}

int node_history_record(struct node *n)
{
	const struct charter_history *h = node_history(n);
	uint64_t done = recorded_count(n);
	if (done >= h->n)
		return 0;
	int rc = record_in_log(n, h, (size_t)done, h->n);
	if (rc)
		node_log("amendments %" PRIu64 " to %zu are not yet recorded in our log (%s): tried again at the next "
			 "start", done + 1, h->n, err_msg());
	return rc;
}

/* Our new node key if the amendment's charter b rotates it (a: the charter before), else NULL. */
static const struct note_verifier *rotates_our_key(const struct node *n, const struct charter *a, const struct charter *b)
{
	size_t i = (size_t)(n->me - n->charter.parties);
	return memcmp(a->parties[i].node_key.pub, b->parties[i].node_key.pub, 32) ? &b->parties[i].node_key : NULL;
}

/*
 * After an adoption: our log's keys follow the history (docs/amendments.md,
 * "Rotating a node key"), and the keeper reads the amendments again. (A
 * mirror's keys follow at its next sync, under its own lock: an adoption may
 * come from a sync that holds it. Our witness's keys follow in
 * witness_follow_keys, after the adoption lock.)
 */
static void follow_node_keys(struct node *n)
{
	struct note_verifier keys[HISTORY_NODE_KEYS_MAX];
	size_t nk = node_log_keys(n, n->logkey.name, keys);
	pthread_mutex_lock(&n->log_lock);
	if (tlog_set_keys(n->log, keys, nk))
		node_log("our log's keys: %s", err_msg());
	pthread_mutex_unlock(&n->log_lock);
	if (keeper_client_reload(n->keeper))
		node_event(LOGLINE_ERROR, "keeper_reload", "error", err_msg(), LOGLINE_END);
}

/*
 * Our witness's keys of the peers' logs, and its own (our cosigner keys),
 * follow the newest history. Called
 * without amend_lock: it takes the witness's lock, and the witness's cosigner
 * runs under that lock (when the hook also ran under it, it adopted what a
 * peer's log records under amend_lock: holding both in the other order
 * deadlocked an operator's POST /amendment with a peer's push). Each call applies the newest history, so two adoptions
 * finishing out of order leave the newest.
 */
static void witness_follow_keys(struct node *n)
{
	struct note_verifier own[HISTORY_NODE_KEYS_MAX];
	if (n->witness && witness_follow_history(n->witness, node_history(n)))
		node_log("our witness's keys of the peers' logs: %s", err_msg());
	if (n->witness && witness_set_own_keys(n->witness, own, node_own_cosigners(n, own)))
		node_log("our witness's own keys: %s", err_msg());
}

static int save_amendment(const struct node *n, const struct amendment *a)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/amendments", n->dir);
	if (mkdir(path, 0755) && errno != EEXIST)
		return err_set(ERR_IO, "%s: %s", path, strerror(errno));
	snprintf(path, sizeof path, "%s/amendments/%04u", n->dir, a->number);
	return file_write_atomic(path, a->note.data, a->note.len, 0644, 0);
}

int node_adopt_amendment(struct node *n, const uint8_t *data, size_t len, int from_peer)
{
	pthread_mutex_lock(&n->amend_lock);
	struct node_history *cur = n->history, *next = calloc(1, sizeof *next);
	int added = 0, status, rc = next ? history_clone(&next->h, &cur->h) : err_set(ERR_NOMEM, "out of memory");
	if (!rc)
		rc = history_add(&next->h, data, len, &added);
	if (rc) {
		status = rc == ERR_CONFLICT || rc == ERR_NOTFOUND ? 409 : rc == ERR_LIMIT ? 413 : rc == ERR_NOMEM ? 503 : 422;
		goto drop;
	}
	if (!added) {
		status = 200;
		err_set(ERR_OK, "amendment already in force here");
		goto drop;
	}
	const struct amendment *a = next->h.am[next->h.n - 1];
	char when[21], number[16];
	snprintf(number, sizeof number, "%u", a->number);
	syntax_format_time(a->effective, when);
	const struct note_verifier *ours = rotates_our_key(n, history_latest(&cur->h), &a->charter);
	char why[600] = ""; /* the keeper's own reason when its RELOAD failed (a node.key.next it cannot take) */
	int reload_failed = ours && keeper_client_reload(n->keeper);
	if (reload_failed)
		snprintf(why, sizeof why, " (the keeper's reload: %.500s)", err_msg());
	if (ours && (reload_failed || !keeper_client_holds(n->keeper, ours->pub))) {
		/* our log's next key must be in the keeper's hands before the rotation is in force here */
		char v[600];
		note_verifier_format(ours, v, sizeof v);
		if (!from_peer) {
			status = 422;
			err_set(ERR_USAGE, "amendment %u rotates this node's key to %s, which the keeper does not hold: put it "
					   "at %s/node.key.next first (docs/amendments.md, \"Rotating a node key\")%s",
				a->number, v, n->dir, why);
			goto undo;
		}
		/* met in a peer's log: in force whatever we hold; say loudly what will fail */
		node_event(LOGLINE_ERROR, "node_key_missing", "number", number, "key", v, "msg",
			   "an amendment rotates this node's key to one the keeper does not hold: put it at DIR/node.key.next "
			   "before the amendment takes effect, or no checkpoint of ours will be accepted",
			   LOGLINE_END);
	}
	if (!from_peer && a->effective <= node_now() + n->o.max_skew) {
		/* entries already accepted could fall under it: every node must have it before it takes effect */
		status = 422;
		err_set(ERR_USAGE, "amendment %u takes effect at %s, too soon: give it to every node at least %" PRId64
				   " seconds before it takes effect", a->number, when, n->o.max_skew);
		goto undo;
	}
	if ((rc = save_amendment(n, a))) {
		status = 500;
		goto undo;
	}
	next->older = cur;
	__atomic_store_n(&n->history, next, __ATOMIC_RELEASE);
	pthread_mutex_lock(&n->cases_lock);
	cases_set_history(&n->cases, &next->h);
	pthread_mutex_unlock(&n->cases_lock);
	follow_node_keys(n);
	node_event(LOGLINE_INFO, "amendment_adopted", "number", number, "from", from_peer ? "peer" : "operator",
		   "in_force_from", when, LOGLINE_END);
	if (a->effective <= node_now() + n->o.max_skew)
		node_log("amendment %u took effect before it reached this node: entries already indexed keep how they "
			 "were judged until the index is rebuilt (parley node --reindex)", a->number);
	/* no case lock is held here: the sequencer's commit hook takes it */
	if (record_in_log(n, &next->h, (size_t)recorded_count(n), next->h.n))
		node_log("amendment %u is not yet recorded in our log (%s): tried again at the next start", a->number,
			 err_msg());
	pthread_mutex_unlock(&n->amend_lock);
	witness_follow_keys(n);
	err_set(ERR_OK, "amendment %u in force from %s", a->number, when);
	return 200;
undo:
	/* the amendment this copy added is its own: release it with the copy */
	amendment_release(next->h.am[next->h.n - 1]);
	free(next->h.am[next->h.n - 1]);
	next->h.n--;
drop:
	if (next)
		history_release_shared(&next->h);
	free(next);
	pthread_mutex_unlock(&n->amend_lock);
	return status;
}

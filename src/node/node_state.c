/*
 * The node's derived state: the case state in memory (struct cases) and the
 * index on disk (DIR/index.sqlite), both a pure function of the logs and the
 * kept cosignatures. Fed after each commit and each mirror sync; caught up
 * from the logs at start; rebuilt whole when it is missing, empty, of another
 * schema, unreadable or corrupt, or on --reindex (one code path).
 */
#include "node/node_internal.h"
#include "base/err.h"
#include "base/fileio.h"
#include "cases/cosig.h"
#include "exchange/envelope.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FEED_CHUNK 256

static int is_verified(const struct verified *v, uint64_t index)
{
	if (!v || index < v->first || index - v->first >= v->n)
		return 0;
	uint64_t i = index - v->first;
	return !v->bits || (v->bits[i / 8] >> (i % 8) & 1);
}

/* Evaluates and records entries [first, first+n) of origin's log; data[i]/len[i] are the entries. */
static int feed(struct node *n, const char *origin, uint64_t first, const uint8_t *const *data, const size_t *len,
		size_t count, const struct verified *v)
{
	struct cases_record *rec = malloc(FEED_CHUNK * sizeof *rec);
	int rc = 0;
	if (!rec)
		return err_set(ERR_NOMEM, "out of memory");
	for (size_t done = 0; done < count && !rc;) {
		size_t k = count - done < FEED_CHUNK ? count - done : FEED_CHUNK;
		for (size_t i = 0; i < k && !rc; i++) {
			uint64_t at = first + done + i;
			rc = is_verified(v, at) ? cases_evaluate_verified(&n->cases, origin, at, data[done + i], len[done + i], &rec[i])
						: cases_evaluate(&n->cases, origin, at, data[done + i], len[done + i], &rec[i]);
			if (!rc)
				rc = cases_add_record(&n->cases, &rec[i]);
		}
		if (!rc)
			rc = index_add_entries(n->ix, rec, k); /* one transaction per chunk */
		done += k;
	}
	free(rec);
	return rc;
}

struct run_fill {
	struct buf *all;
	size_t *off, *len, k;
};

static int run_add(void *ctx, uint64_t index, const uint8_t *entry, size_t len)
{
	struct run_fill *f = ctx;
	(void)index;
	f->off[f->k] = f->all->len;
	f->len[f->k++] = len;
	return buf_append(f->all, entry, len);
}

int node_read_run(struct tlog *t, uint64_t first, size_t k, struct buf *all, const uint8_t **data, size_t *len)
{
	size_t off[NODE_RUN_MAX];
	if (k > NODE_RUN_MAX)
		return err_set(ERR_USAGE, "node_read_run: %zu entries, at most %d", k, NODE_RUN_MAX);
	struct run_fill f = {all, off, len, 0};
	buf_reset(all);
	int rc = tlog_read_entries(t, first, k, run_add, &f);
	for (size_t i = 0; !rc && i < k; i++)
		data[i] = all->data + off[i]; /* after the appends: the buffer may have moved */
	return rc;
}

_Static_assert(FEED_CHUNK <= NODE_RUN_MAX, "a feed chunk is read as one run");

int node_catch_up(struct node *n, const char *origin, struct tlog *t, const struct verified *v)
{
	uint64_t have;
	int rc = index_size(n->ix, origin, &have);
	struct buf all;
	const uint8_t *data[FEED_CHUNK];
	size_t len[FEED_CHUNK];
	buf_init(&all, (size_t)FEED_CHUNK * TLOG_ENTRY_MAX);
	while (!rc && have < tlog_size(t)) {
		uint64_t left = tlog_size(t) - have;
		size_t k = left < FEED_CHUNK ? (size_t)left : FEED_CHUNK;
		if ((rc = node_read_run(t, have, k, &all, data, len)))
			break;
		rc = feed(n, origin, have, data, len, k, v);
		have += k;
	}
	buf_release(&all);
	if (rc)
		node_log("indexing %s: %s", origin, err_msg());
	return rc;
}

void node_record_cosignature(struct node *n, const char *origin, uint64_t size, const char *cosigner, int64_t when)
{
	pthread_mutex_lock(&n->cases_lock);
	/* a dominated record (the same checkpoint cosigned again) changes nothing: no index row for it */
	if (!cases_cosignature_known(&n->cases, origin, size, cosigner, when) &&
	    cases_add_cosignature(&n->cases, origin, size, cosigner, when) == 0)
		index_add_cosignature(n->ix, origin, size, cosigner, when);
	pthread_mutex_unlock(&n->cases_lock);
}

void node_record_note_cosignatures(struct node *n, const uint8_t *note, size_t len)
{
	struct cosig_set *cs = malloc(sizeof *cs);
	/* the same check as an auditor's report (src/cases/cosig.c); a line that does not verify is ignored here */
	if (cs && cosig_check_note_history(node_history(n), note, len, cs) == 0)
		for (size_t i = 0; i < cs->nok; i++)
			node_record_cosignature(n, cs->cp.origin, cs->cp.size, cs->ok[i].name, cs->ok[i].time);
	free(cs);
}

/* Re-reads the cosignatures kept on disk: ours on peers' logs, and those collected for ours. */
static void reload_cosignatures(struct node *n)
{
	char dir[PATH_MAX];
	struct buf b;
	buf_init(&b, CHECKPOINT_MAX_SIZE + 65536);
	/* our cosignatures on each peer, the peers' checkpoints we kept, the cosignatures on ours */
	size_t np = n->npeers;
	for (size_t k = 0; k <= 2 * np; k++) {
		if (k < np)
			witness_history_dir(n->witness, n->peers[k].party->node_key.name, dir, sizeof dir);
		else if (k < 2 * np)
			snprintf(dir, sizeof dir, "%s.checkpoints", n->peers[k - np].dir);
		else
			snprintf(dir, sizeof dir, "%s/cosigned", n->dir);
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char path[PATH_MAX + 300];
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (file_read(path, b.max, &b) == 0)
				node_record_note_cosignatures(n, b.data, b.len);
		}
		if (d)
			closedir(d);
	}
	buf_release(&b);
}

/* The sequencer's identify hook: an envelope is its signed text (DESIGN.md principle 6). */
int node_identify(void *ctx, const uint8_t *entry, size_t len, merkle_hash id)
{
	(void)ctx;
	return envelope_identity(entry, len, id);
}

/* The sequencer's seen hook: a valid entry of any log has this identity (so this one would be a replay). */
int node_seen_leaf(void *ctx, const merkle_hash id)
{
	struct node *n = ctx;
	pthread_mutex_lock(&n->cases_lock);
	int r = cases_has_id(&n->cases, id); /* the in-memory state holds every valid entry of every log */
	pthread_mutex_unlock(&n->cases_lock);
	return r;
}

/* ---- the sequencer's hooks ---- */

/* The sequencer's before_commit: the batch's bodies, staged before its entries were queued. */
int node_flush_bodies(void *ctx)
{
	struct node *n = ctx;
	return bodies_flush(n->bodies);
}

void node_on_committed(void *ctx, const struct sequencer_entry *b, size_t count, const struct buf *cp)
{
	struct node *n = ctx;
	(void)cp;
	const uint8_t **data = malloc(count * sizeof *data);
	size_t *len = malloc(count * sizeof *len);
	pthread_mutex_lock(&n->cases_lock);
	if (data && len) {
		for (size_t i = 0; i < count; i++)
			data[i] = b[i].data, len[i] = b[i].len;
		/* every entry was verified before it was queued (or is our own 'received' envelope) */
		struct verified all = {b[0].index, count, NULL};
		if (feed(n, n->logkey.name, b[0].index, data, len, count, &all))
			node_log("indexing the batch at %" PRIu64 ": %s (the index catches up at restart)", b[0].index, err_msg());
	}
	pthread_mutex_unlock(&n->cases_lock);
	free(data);
	free(len);
	pthread_mutex_lock(&n->push_lock);
	pthread_cond_signal(&n->push_cond);
	pthread_mutex_unlock(&n->push_lock);
}


/*
 * Case views wait until every submission answered so far is indexed (the
 * committer indexes a batch just after answering it): an officer who was told
 * "sent" then sees it.
 */
void node_lock_settled_cases(struct node *n)
{
	sequencer_wait_settled(n->seq);
	pthread_mutex_lock(&n->cases_lock);
}

/* A 'received' envelope of ours names entry ref_index of the log of party (NULL: none): handled up to there. */
static void mark_received(struct node *n, const struct charter_party *party, uint64_t ref_index)
{
	for (size_t k = 0; party && k < n->npeers; k++)
		if (n->peers[k].party == party && ref_index + 1 > n->peers[k].received_upto)
			n->peers[k].received_upto = ref_index + 1;
}

void node_scan_received(struct node *n)
{
	/* What the case state holds of our log (after catch_up: all of it), without reading the log again */
	uint64_t held = cases_log_size(&n->cases, n->logkey.name), size = tlog_size(n->log);
	for (uint64_t i = 0; i < held; i++) {
		const struct cases_env *e = cases_entry(&n->cases, n->logkey.name, i);
		if (e->valid && e->kind == ENV_RECEIVED && e->has_ref && e->ref_log >= 0)
			mark_received(n, &n->charter.parties[e->ref_log], e->ref_index);
	}
	/* and the rest, should indexing have failed part way */
	struct buf entry;
	buf_init(&entry, TLOG_ENTRY_MAX);
	for (uint64_t i = held; i < size; i++) {
		struct envelope e;
		if (tlog_read_entry(n->log, i, &entry) || envelope_parse(&e, entry.data, entry.len))
			continue;
		if (e.f.kind == ENV_RECEIVED && e.f.has_ref)
			for (size_t k = 0; k < n->npeers; k++)
				if (!strcmp(n->peers[k].party->node_key.name, e.f.ref.origin))
					mark_received(n, n->peers[k].party, e.f.ref.index);
		envelope_release(&e);
	}
	buf_release(&entry);
}

/* Removes the index's files (the database, its WAL and shared memory, a rollback journal). */
static void remove_index_files(const char *path)
{
	static const char *const sides[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
		char p[PATH_MAX + 80];
		snprintf(p, sizeof p, "%s%s", path, sides[i]);
		if (unlink(p) && errno != ENOENT)
			node_log("cannot remove %s: %s", p, strerror(errno));
	}
}

/*
 * Loads the index if it is whole and complete; 0 if loaded, else non-zero
 * with the reason logged (the caller rebuilds).
 */
static int load_index(struct node *n, const char *path)
{
	int rc = index_open(&n->ix, path);
	if (rc)
		node_log("the index cannot be opened (%s): rebuilding it from the logs", err_msg());
	else if ((rc = index_check(n->ix)))
		node_log("the index is damaged (%s): rebuilding it from the logs", err_msg());
	else if (!index_complete(n->ix))
		node_log("the index is new, empty or was not finished: building it from the logs");
	else if ((rc = index_load(n->ix, &n->cases)))
		node_log("the index does not load (%s): rebuilding it from the logs", err_msg());
	return rc ? rc : !index_complete(n->ix);
}

int node_state_open(struct node *n)
{
	char path[PATH_MAX + 64];
	int rc;
	snprintf(path, sizeof path, "%s/index.sqlite", n->dir);
	if ((rc = cases_init_history(&n->cases, node_history(n))))
		return rc;
	/*
	 * One path for every rebuild (--reindex; a missing, new, empty, half-built,
	 * unreadable, damaged or other-version index): a new index fed from the
	 * logs, then every kept cosignature, then marked complete. The views are
	 * then byte for byte those of a node that never lost its index.
	 */
	int rebuild = n->o.reindex;
	if (rebuild)
		node_log("--reindex: rebuilding the index from the logs");
	else
		rebuild = load_index(n, path) != 0;
	if (rebuild) {
		index_close(n->ix);
		n->ix = NULL;
		cases_release(&n->cases);
		remove_index_files(path);
		if ((rc = cases_init_history(&n->cases, node_history(n))))
			return rc;
		if ((rc = index_open(&n->ix, path)))
			return err_wrap(rc, "cannot create a new index");
	}
	int fed = node_catch_up(n, n->logkey.name, n->log, NULL);
	for (size_t i = 0; i < n->npeers; i++)
		fed |= node_catch_up(n, n->peers[i].party->node_key.name, n->peers[i].mirror, NULL);
	if (rebuild)
		reload_cosignatures(n); /* whatever happened to one log, the others' deliveries stand */
	if (rebuild && fed) {
		node_log("the index could not be fed to the end: it is rebuilt again at the next start");
	} else if (rebuild) {
		if (index_set_complete(n->ix))
			node_log("%s (it is rebuilt again at the next start)", err_msg());
		else
			node_log("the index is rebuilt");
	}
	node_scan_received(n);
	return 0;
}

void node_state_close(struct node *n)
{
	index_close(n->ix);
	n->ix = NULL;
	cases_release(&n->cases);
}

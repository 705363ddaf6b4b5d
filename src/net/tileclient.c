#include "net/tileclient.h"
#include "base/err.h"
#include "exchange/syntax.h"
#include "tlog/tilepath.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(TLOG_BUNDLE_MAX <= TLOG_BATCH_MAX_BYTES, "a bundle must fit a batch");

struct feed {
	struct tlog *mirror;
	const struct tileclient_hooks *h;
	unsigned skip, limit; /* entries of the bundle already mirrored; entries the checkpoint covers */
	uint64_t at;          /* log index of the bundle's entry 0 */
};

static int feed_entry(void *ctx, unsigned i, const uint8_t *entry, size_t len)
{
	struct feed *f = ctx;
	if (i < f->skip || i >= f->limit)
		return 0;
	int rc = tlog_add(f->mirror, entry, len, NULL);
	if (!rc && f->h && f->h->entry)
		rc = f->h->entry(f->h->ctx, f->at + i, entry, len);
	return rc;
}

#define AHEAD 4 /* bundles requested ahead of the one being checked */

/* One bundle as the fetching thread got it. */
struct slot {
	struct buf b;
	struct tile_id id;
	long status;
	int rc, ready;
	unsigned requests;
	char url[SYNTAX_URL_MAX + TILE_PATH_MAX + 8];
	char err[512]; /* err_msg() is per thread: the fetching thread's reason, for the caller */
};

/*
 * The bundles are fetched by a thread of their own, up to AHEAD ahead of the
 * one being checked and fed, so the network and the disk work overlap (over a
 * long link the fetch is bound by round trips, not by either).
 */
struct ahead {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct client_session *cs;
	const char *base;
	uint64_t first, end, size; /* bundle indexes [first, end); the checkpoint's size */
	uint64_t taken;            /* bundles the checker is done with */
	int stop;
	struct slot slots[AHEAD];
};

/* GET one bundle into sl: the width the checkpoint covers, or the full one if that partial is gone. */
static void fetch_bundle(struct ahead *a, uint64_t bi, struct slot *sl)
{
	unsigned want = (bi + 1) * TILE_WIDTH > a->size ? (unsigned)(a->size - bi * TILE_WIDTH) : TILE_WIDTH;
	sl->id = (struct tile_id){TILE_LEVEL_ENTRIES, bi, want};
	sl->requests = 0;
	for (;;) {
		char rel[TILE_PATH_MAX];
		tilepath_format(&sl->id, rel, sizeof rel);
		sl->rc = client_url(sl->url, sizeof sl->url, a->base, rel);
		if (!sl->rc)
			sl->rc = client_session_get(a->cs, sl->url, &sl->b, &sl->status, 30);
		sl->requests++;
		/* the partial bundle may have been replaced by the full one: only its first entries belong to cp */
		if (sl->rc || sl->status != 404 || sl->id.width == TILE_WIDTH)
			break;
		sl->id.width = TILE_WIDTH;
	}
	if (!sl->rc && sl->status != 200)
		sl->rc = err_set(ERR_IO, "%s: HTTP %ld", sl->url, sl->status);
	if (sl->rc)
		snprintf(sl->err, sizeof sl->err, "%s", err_msg());
}

static void *ahead_main(void *arg)
{
	struct ahead *a = arg;
	for (uint64_t bi = a->first; bi < a->end; bi++) {
		struct slot *sl = &a->slots[bi % AHEAD];
		pthread_mutex_lock(&a->mu);
		while (!a->stop && bi - a->taken >= AHEAD)
			pthread_cond_wait(&a->cv, &a->mu);
		int stop = a->stop;
		pthread_mutex_unlock(&a->mu);
		if (stop)
			break;
		fetch_bundle(a, bi, sl); /* the slot is ours: the checker is done with its previous bundle */
		pthread_mutex_lock(&a->mu);
		sl->ready = 1;
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
		if (sl->rc)
			break; /* the checker stops at it */
	}
	return NULL;
}

/* Waits for bundle bi; its slot stays the checker's until ahead_done(). */
static struct slot *ahead_take(struct ahead *a, uint64_t bi)
{
	struct slot *sl = &a->slots[bi % AHEAD];
	pthread_mutex_lock(&a->mu);
	while (!sl->ready)
		pthread_cond_wait(&a->cv, &a->mu);
	pthread_mutex_unlock(&a->mu);
	return sl;
}

static void ahead_done(struct ahead *a, struct slot *sl)
{
	pthread_mutex_lock(&a->mu);
	sl->ready = 0;
	a->taken++;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

int tileclient_sync(struct tlog *mirror, struct client_session *cs, const char *base, const struct checkpoint *cp,
		    const uint8_t *cpnote, size_t cplen, const uint8_t *commit_note, size_t commit_len,
		    const struct tileclient_hooks *hooks, struct tileclient_stats *stats)
{
	struct tileclient_stats dummy = {0};
	struct tileclient_stats *st = stats ? stats : &dummy;
	memset(st, 0, sizeof *st);
	uint64_t have = tlog_size(mirror);
	int rc = 0;
	if (cp->size <= have) {
		merkle_hash root;
		if ((rc = tlog_root_at(mirror, cp->size, root)))
			return rc;
		if (memcmp(root, cp->root, MERKLE_HASH) != 0)
			return err_set(ERR_VERIFY, "the checkpoint of size %" PRIu64 " is not in the log of size %" PRIu64
						   " held here: the log forked", cp->size, have);
		return 0;
	}
	struct ahead *a = calloc(1, sizeof *a);
	if (!a)
		return err_set(ERR_NOMEM, "out of memory");
	*a = (struct ahead){.cs = cs, .base = base, .first = have / TILE_WIDTH,
			    .end = (cp->size + TILE_WIDTH - 1) / TILE_WIDTH, .size = cp->size, .taken = have / TILE_WIDTH};
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	for (int i = 0; i < AHEAD; i++)
		buf_init(&a->slots[i].b, TLOG_BUNDLE_MAX);
	pthread_t th;
	if (pthread_create(&th, NULL, ahead_main, a) != 0) {
		rc = err_set(ERR_NOMEM, "cannot start a thread");
		goto out;
	}
	for (uint64_t bi = a->first; !rc && bi < a->end; bi++) {
		struct slot *sl = ahead_take(a, bi);
		st->requests += sl->requests;
		if (sl->rc) {
			rc = err_set(sl->rc, "%s", sl->err);
			break;
		}
		st->bundles++;
		st->bytes += sl->b.len;
		unsigned want = (bi + 1) * TILE_WIDTH > cp->size ? (unsigned)(cp->size - bi * TILE_WIDTH) : TILE_WIDTH;
		struct feed f = {mirror, hooks, bi == have / TILE_WIDTH ? (unsigned)(have % TILE_WIDTH) : 0, want,
				 bi * TILE_WIDTH};
		if ((rc = tile_bundle_parse(sl->b.data, sl->b.len, sl->id.width, feed_entry, &f)))
			rc = err_wrap(rc, "%s", sl->url);
		ahead_done(a, sl);
		if (!rc && hooks && hooks->bundle)
			rc = hooks->bundle(hooks->ctx, f.at + f.skip, want - f.skip);
		/* into the mirror's tree at once: the hashing and the tile writes overlap the next bundles' fetch,
		   and a catch-up of any size fits a batch */
		if (!rc)
			rc = tlog_flush_mirror(mirror);
	}
	pthread_mutex_lock(&a->mu);
	a->stop = 1; /* after a failure: nothing more is asked for (one request may still be under way) */
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(th, NULL);
out:
	for (int i = 0; i < AHEAD; i++)
		buf_release(&a->slots[i].b);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a);
	if (rc)
		return rc;
	if (hooks && hooks->before_commit && (rc = hooks->before_commit(hooks->ctx)))
		return rc;
	rc = commit_note ? tlog_commit_mirror(mirror, commit_note, commit_len) : tlog_commit_mirror(mirror, cpnote, cplen);
	if (rc == ERR_VERIFY)
		return err_set(ERR_VERIFY, "the entries fetched from %s do not hash to the root of its checkpoint of "
					   "size %" PRIu64 " together with the %" PRIu64 " entries held here "
					   "(entries altered, or the log forked)", base, cp->size, have);
	if (!rc)
		st->entries = cp->size - have;
	return rc;
}

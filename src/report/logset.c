/* logset — every party's log of a channel, read from a directory and checked against the charter. */
#include "report/logset.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "cases/cosig.h"
#include "crypto/sha256.h"
#include "tlog/tilepath.h"
#include "tlog/tiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 2048        /* entries in a batch: evaluated in parallel while the one before is added */
#define THREADS_MAX 64

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int add_point(struct logset_log *L, const struct logset_point *p)
{
	if (L->npoints == L->cappoints) {
		size_t cap = L->cappoints ? 2 * L->cappoints : 64;
		struct logset_point *n = realloc(L->points, cap * sizeof *n);
		if (!n)
			return err_set(ERR_NOMEM, "out of memory");
		L->points = n;
		L->cappoints = cap;
	}
	L->points[L->npoints++] = *p;
	return 0;
}

/*
 * Reads one signed checkpoint file of party p's log: the log's signature must
 * verify with one of the party's node keys as cosig_open_checkpoint judges
 * (docs/amendments.md, "Rotating a node key"), every cosignature by a
 * cosigner of the log must verify. Its cosignatures become points. ERR_NOTFOUND if absent.
 */
static int read_checkpoint_file(struct logset *s, int p, const char *path, struct checkpoint *cp)
{
	const struct charter_party *party = &s->charter->parties[p];
	struct buf b;
	struct cosig_set *cs = malloc(sizeof *cs);
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	int rc = cs ? file_read(path, b.max, &b) : err_set(ERR_NOMEM, "out of memory");
	if (rc)
		goto out;
	/* one of the party's node keys over time; a retired one only with a cosignature from before (cosig.h) */
	if (cosig_open_checkpoint(&s->history, b.data, b.len, cp)) {
		rc = err_set(ERR_VERIFY, "%s: not a checkpoint signed by %s's node key (%s)", path, party->id, err_msg());
		goto out;
	}
	if (strcmp(cp->origin, party->node_key.name)) {
		rc = err_set(ERR_VERIFY, "%s: not a checkpoint signed by %s's node key (a checkpoint of the log %s)", path,
			     party->id, cp->origin);
		goto out;
	}
	if ((rc = cosig_check_note_history(&s->history, b.data, b.len, cs))) {
		rc = err_set(ERR_VERIFY, "%s: %s", path, err_msg());
		goto out;
	}
	if (cs->nbad) {
		rc = err_set(ERR_VERIFY, "%s: the cosignature by %s does not verify", path, cs->bad);
		goto out;
	}
	for (size_t i = 0; i < cs->nok && !rc; i++) {
		struct logset_point pt = {cp->size, {0}, cs->ok[i].cosigner, cs->ok[i].time};
		memcpy(pt.root, cp->root, sizeof pt.root);
		rc = add_point(&s->logs[p], &pt);
	}
out:
	free(cs);
	buf_release(&b);
	return rc;
}

/* Every file of a kept-checkpoint directory (absent: nothing). */
static int read_kept_dir(struct logset *s, int p, const char *dir)
{
	struct logset_log *L = &s->logs[p];
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;
	if (L->nkept < 2)
		snprintf(L->kept[L->nkept++], sizeof L->kept[0], "%s", dir); /* for bundles: where they came from */
	if (!d)
		return errno == ENOENT ? 0 : err_set(ERR_IO, "%s: %s", dir, strerror(errno));
	while (!rc && (e = readdir(d))) {
		char path[PATH_MAX + 300];
		struct checkpoint cp;
		if (e->d_name[0] == '.' || strchr(e->d_name, '.'))
			continue; /* ".", "..", hidden and temporary files */
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		rc = read_checkpoint_file(s, p, path, &cp);
	}
	closedir(d);
	return rc;
}

static int point_cmp(const void *pa, const void *pb)
{
	const struct logset_point *a = pa, *b = pb;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return (a->cosigner > b->cosigner) - (a->cosigner < b->cosigner);
}

/* The closing checkpoint of log L for a period ending at to (docs/reports.md "Time you can prove"). */
static void find_closing(const struct logset *s, struct logset_log *L, int64_t to)
{
	int64_t after = to + LOGSET_SLACK;
	const struct charter *policy = history_at(&s->history, to); /* the witness policy in force at the period's end */
	size_t k = policy->witness_quorum ? policy->witness_quorum : 1;
	for (size_t i = 0; i < L->npoints;) {
		size_t j = i;
		struct logset_closing c;
		memset(&c, 0, sizeof c);
		c.size = L->points[i].size;
		/* points of one size are sorted by time: the first at or after `after` per cosigner */
		for (; j < L->npoints && L->points[j].size == c.size; j++) {
			const struct logset_point *p = &L->points[j];
			int seen = 0;
			if (p->time < after)
				continue;
			for (size_t m = 0; m < c.ncosigners; m++)
				seen |= c.cosigners[m] == p->cosigner;
			if (!seen && c.ncosigners < LOGSET_COSIGNERS) {
				c.cosigners[c.ncosigners++] = p->cosigner;
				if (c.ncosigners == k)
					c.witnessed_at = p->time;
			}
		}
		if (c.ncosigners >= k && c.size <= L->cp.size) {
			L->closed = 1;
			L->closing = c;
			return;
		}
		i = j;
	}
}

/* ---- reading entries: a compact range for the root, signatures checked in parallel ---- */

struct range {
	merkle_hash h[64];
	uint64_t size;
	int n;
};

static void range_add(struct range *r, const merkle_hash leaf)
{
	memcpy(r->h[r->n++], leaf, sizeof(merkle_hash));
	/* merge full subtrees: one merge per trailing 1 bit of the old size */
	for (uint64_t s = r->size; s & 1; s >>= 1, r->n--)
		merkle_node_hash(r->h[r->n - 2], r->h[r->n - 1], r->h[r->n - 2]);
	r->size++;
}

static void range_root(const struct range *r, merkle_hash out)
{
	if (r->n == 0) {
		merkle_empty_root(out);
		return;
	}
	memcpy(out, r->h[r->n - 1], sizeof(merkle_hash));
	for (int i = r->n - 2; i >= 0; i--)
		merkle_node_hash(r->h[i], out, out);
}

/*
 * A batch of entries of one log: read from the entry bundles by the main
 * thread, evaluated (parsed, signatures checked, hashed) on worker threads,
 * then added to cases in log order by the main thread — while the workers
 * evaluate the next batch. cases_evaluate reads only the charter of struct
 * cases, which cases_add_record never changes, so the two overlap safely.
 */
struct batch {
	uint64_t first;
	size_t n;
	struct buf all;               /* the entries' bytes */
	size_t off[CHUNK], len[CHUNK];
	const uint8_t *data[CHUNK];
	struct cases_record rec[CHUNK];
};

/*
 * The evaluation of one batch: worker threads, and the main thread once it
 * has added the batch before, take pieces of PIECE entries from a shared
 * counter until none are left. No thread waits on a fixed share while
 * another is descheduled (the machine may be shared), and a thread that did
 * not start costs nothing but its help.
 */
#define PIECE 32

struct eval_job;

struct worker {
	struct eval_job *j;
	int rc;
	char msg[256];
};

struct eval_job {
	const struct cases *cases;
	const char *origin;
	struct batch *b;
	atomic_size_t next;
	pthread_t th[THREADS_MAX];
	struct worker w[THREADS_MAX + 1]; /* the last one is the main thread's */
	int running[THREADS_MAX];
	int n;
};

static void *eval_work(void *arg)
{
	struct worker *w = arg;
	struct eval_job *j = w->j;
	struct batch *b = j->b;
	for (;;) {
		size_t lo = atomic_fetch_add(&j->next, PIECE);
		if (lo >= b->n)
			break;
		size_t hi = lo + PIECE < b->n ? lo + PIECE : b->n;
		for (size_t i = lo; i < hi; i++)
			if (!w->rc && (w->rc = cases_evaluate(j->cases, j->origin, b->first + i, b->data[i], b->len[i], &b->rec[i])))
				snprintf(w->msg, sizeof w->msg, "%s", err_msg());
	}
	return NULL;
}

static void eval_start(struct eval_job *j, const struct cases *c, const char *origin, struct batch *b, int threads)
{
	j->cases = c;
	j->origin = origin;
	j->b = b;
	atomic_store(&j->next, 0);
	j->n = threads;
	for (int t = 0; t <= j->n; t++)
		j->w[t] = (struct worker){j, 0, ""};
	for (int t = 0; t < j->n; t++)
		j->running[t] = pthread_create(&j->th[t], NULL, eval_work, &j->w[t]) == 0;
}

/* The main thread helps with what is left, then waits for the workers. */
static int eval_join(struct eval_job *j)
{
	int rc = 0;
	eval_work(&j->w[j->n]);
	for (int t = 0; t < j->n; t++)
		if (j->running[t])
			pthread_join(j->th[t], NULL);
	for (int t = 0; t <= j->n && !rc; t++)
		if (j->w[t].rc)
			rc = err_set(j->w[t].rc, "%s", j->w[t].msg);
	return rc;
}

struct bundle_ctx {
	struct batch *b;
	size_t want;
};

static int bundle_take(void *ctx, unsigned i, const uint8_t *entry, size_t len)
{
	struct bundle_ctx *bc = ctx;
	struct batch *b = bc->b;
	(void)i;
	if (!bc->want)
		return 0; /* beyond what is read */
	bc->want--;
	b->off[b->n] = b->all.len;
	b->len[b->n] = len;
	b->n++;
	return buf_append(&b->all, entry, len);
}

/* Reads up to CHUNK entries of L from first (whole bundles: CHUNK is a multiple of the tile width). */
static int read_batch(const struct logset_log *L, int dirfd, struct buf *bundle, struct batch *b, uint64_t first)
{
	int rc = 0;
	b->first = first;
	b->n = 0;
	buf_reset(&b->all);
	while (!rc && b->n < CHUNK && first + b->n < L->read) {
		uint64_t at = first + b->n;
		struct tile_id id = {TILE_LEVEL_ENTRIES, at / TILE_WIDTH, TILE_WIDTH};
		if ((id.index + 1) * TILE_WIDTH > L->cp.size)
			id.width = (unsigned)(L->cp.size - id.index * TILE_WIDTH); /* the partial bundle at the checkpoint */
		rc = tile_read_file(dirfd, &id, bundle);
		if (rc == ERR_NOTFOUND && id.width < TILE_WIDTH) {
			/* a running node may have replaced the partial bundle by the full one since */
			id.width = TILE_WIDTH;
			rc = tile_read_file(dirfd, &id, bundle);
		}
		if (rc)
			return err_set(rc == ERR_NOTFOUND ? ERR_VERIFY : rc, "%s: entry bundle %llu: %s", L->dir,
				       (unsigned long long)id.index, err_msg());
		uint64_t left = L->read - at;
		size_t before = b->n;
		struct bundle_ctx bc = {b, left < TILE_WIDTH ? (size_t)left : TILE_WIDTH};
		if ((rc = tile_bundle_parse(bundle->data, bundle->len, id.width, bundle_take, &bc)))
			return err_set(ERR_VERIFY, "%s: entry bundle %llu: %s", L->dir, (unsigned long long)id.index, err_msg());
		if (b->n == before)
			return err_set(ERR_VERIFY, "%s: entry bundle %llu is empty", L->dir, (unsigned long long)id.index);
	}
	for (size_t i = 0; i < b->n; i++)
		b->data[i] = b->all.data + b->off[i]; /* after the appends: the buffer may have moved */
	return 0;
}

static int root_error(const struct logset_log *L, uint64_t size)
{
	return err_set(ERR_VERIFY, "%s: the entries do not hash to the root of its signed checkpoint of size %llu (an entry was altered, or the log has shown two histories)",
		       L->dir, (unsigned long long)size);
}

/*
 * An amendment recorded in a log (docs/amendments.md, "Recorded in the
 * logs") must be in the history the entries are judged under: one that is
 * complete and valid at its number but not the one DIR/amendments holds there
 * (missing, or another: two histories) is ERR_VERIFY, or a directory or
 * bundle could leave out an amendment and be judged as if it never was. An
 * entry that is no complete amendment of this channel is only listed as such.
 */
static int check_logged_amendment(struct logset *s, const struct logset_log *L, uint64_t index, const uint8_t *data,
				  size_t len)
{
	struct amendment a;
	if (amendment_parse(&a, data, len))
		return 0;
	unsigned k = a.number;
	int known = k <= s->history.n && !memcmp(s->history.am[k - 1]->id, a.id, 32);
	char id[65];
	memcpy(id, a.id_hex, sizeof id);
	amendment_release(&a);
	if (known)
		return 0;
	struct charter_history *h = malloc(sizeof *h); /* the history up to amendment k - 1, to check this one against */
	int added = 0, rc = h ? history_clone(h, &s->history) : err_set(ERR_NOMEM, "out of memory");
	if (rc) {
		free(h);
		return rc;
	}
	if (h->n > k - 1)
		h->n = k - 1;
	if (history_add(h, data, len, &added) == 0 && added) {
		amendment_release(h->am[h->n - 1]); /* the clone's own */
		free(h->am[h->n - 1]);
		rc = err_set(ERR_VERIFY, "%s: entry %llu is amendment %u (%s), signed by every party, %s", L->dir,
			     (unsigned long long)index, k, id,
			     k <= s->history.n ? "but the amendments given hold another with that number (two histories)"
					       : "which the amendments given (DIR/amendments) lack");
	} else {
		rc = 0;
	}
	history_release_shared(h);
	free(h);
	return rc;
}

/* Adds an evaluated batch in log order, checking the kept roots on the way (*pi: the next point to check). */
static int feed_batch(struct logset *s, const struct logset_log *L, struct range *r, size_t *pi, struct batch *b)
{
	merkle_hash root;
	int rc = 0;
	for (size_t i = 0; i < b->n && !rc; i++) {
		/* the kept checkpoints of this size must have the root of what was read so far */
		for (; *pi < L->npoints && L->points[*pi].size <= r->size && !rc; (*pi)++) {
			if (L->points[*pi].size < r->size)
				continue;
			range_root(r, root);
			if (memcmp(root, L->points[*pi].root, sizeof root))
				rc = root_error(L, r->size);
		}
		if (rc)
			break;
		range_add(r, b->rec[i].leaf);
		if (amendment_is(b->data[i], b->len[i]) &&
		    (rc = check_logged_amendment(s, L, b->first + i, b->data[i], b->len[i])))
			break;
		rc = cases_add_record(&s->cases, &b->rec[i]);
	}
	return rc;
}

/* Reads entries [0, L->read) of party p's log, checks them against the kept roots and feeds them to cases. */
static int read_entries(struct logset *s, int p, int threads)
{
	struct logset_log *L = &s->logs[p];
	const char *origin = s->charter->parties[p].node_key.name;
	struct range r = {0};
	struct buf bundle;
	struct batch *bt = malloc(2 * sizeof *bt);
	struct eval_job *job = malloc(sizeof *job);
	size_t pi = 0;
	int rc = 0, dirfd = -1;
	merkle_hash root;
	buf_init(&bundle, TLOG_BUNDLE_MAX);
	if (!bt || !job) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	buf_init(&bt[0].all, (size_t)CHUNK * (TLOG_ENTRY_MAX + 2));
	buf_init(&bt[1].all, (size_t)CHUNK * (TLOG_ENTRY_MAX + 2));
	if (L->read && (dirfd = open(L->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = err_set(ERR_IO, "%s: %s", L->dir, strerror(errno));
		goto release;
	}
	struct batch *cur = &bt[0], *next = &bt[1];
	if (L->read && !(rc = read_batch(L, dirfd, &bundle, cur, 0))) {
		eval_start(job, &s->cases, origin, cur, threads);
		rc = eval_join(job);
	}
	while (!rc && L->read) {
		uint64_t after = cur->first + cur->n;
		int more = after < L->read;
		if (more && !(rc = read_batch(L, dirfd, &bundle, next, after)))
			eval_start(job, &s->cases, origin, next, threads); /* evaluated while cur is added */
		else
			more = 0;
		int rc2 = rc ? rc : feed_batch(s, L, &r, &pi, cur);
		if (more)
			rc = eval_join(job);
		rc = rc2 ? rc2 : rc;
		if (!more)
			break;
		struct batch *t = cur;
		cur = next;
		next = t;
	}
	if (rc)
		goto release;
	/* the checkpoints at the size read; then the root the log's checkpoint (or the closing one) names */
	range_root(&r, root);
	for (; pi < L->npoints && L->points[pi].size <= r.size && !rc; pi++)
		if (L->points[pi].size == r.size && memcmp(root, L->points[pi].root, sizeof root))
			rc = root_error(L, r.size);
	if (!rc && r.size != L->read)
		rc = err_set(ERR_VERIFY, "%s: %llu entries read of %llu", L->dir, (unsigned long long)r.size,
			     (unsigned long long)L->read);
	if (!rc && r.size == L->cp.size && memcmp(root, L->cp.root, sizeof root))
		rc = err_set(ERR_VERIFY, "%s: the entries do not hash to the root of its checkpoint (an entry was altered or is missing)", L->dir);
release:
	buf_release(&bt[0].all);
	buf_release(&bt[1].all);
out:
	if (dirfd >= 0)
		close(dirfd);
	buf_release(&bundle);
	free(bt);
	free(job);
	return rc;
}

/* ---- the layouts ---- */

static int load_party(struct logset *s, const char *dir, int p, int threads)
{
	const struct charter_party *party = &s->charter->parties[p];
	struct logset_log *L = &s->logs[p];
	char path[PATH_MAX + 64], kept[PATH_MAX + 64], id[sizeof party->id];
	int rc;
	memcpy(id, party->id, sizeof id); /* a copy: L->dir and party->id are both in *s */
	if (!s->node_layout)
		snprintf(L->dir, sizeof L->dir, "%s/logs/%s", dir, id);
	else if (p == s->own)
		snprintf(L->dir, sizeof L->dir, "%s/log", dir);
	else
		snprintf(L->dir, sizeof L->dir, "%s/peers/%s", dir, id);
	snprintf(path, sizeof path, "%s/checkpoint", L->dir);
	rc = read_checkpoint_file(s, p, path, &L->cp);
	if (rc == ERR_NOTFOUND) {
		/* no copy of this log: empty, and never closed */
		memset(&L->cp, 0, sizeof L->cp);
		memcpy(L->cp.origin, party->node_key.name, sizeof L->cp.origin);
		return 0;
	}
	if (rc)
		return rc;
	L->present = 1;
	if (!s->node_layout || p != s->own) {
		snprintf(kept, sizeof kept, "%s.checkpoints", L->dir);
		rc = read_kept_dir(s, p, kept);
	} else {
		snprintf(kept, sizeof kept, "%s/cosigned", dir);
		rc = read_kept_dir(s, p, kept);
	}
	if (!rc && s->node_layout && p != s->own) {
		/* our own cosignatures on the peer's log, kept by the node's witness */
		uint8_t h[32];
		char hex[65];
		sha256(party->node_key.name, strlen(party->node_key.name), h);
		hex_encode(hex, h, 32);
		snprintf(kept, sizeof kept, "%s/witness/history/%s", dir, hex);
		rc = read_kept_dir(s, p, kept);
	}
	if (rc)
		return rc;
	if (L->npoints)
		qsort(L->points, L->npoints, sizeof *L->points, point_cmp);
	for (size_t i = 1; i < L->npoints; i++)
		if (L->points[i].size == L->points[i - 1].size &&
		    memcmp(L->points[i].root, L->points[i - 1].root, sizeof(merkle_hash)))
			return err_set(ERR_VERIFY, "%s: two signed checkpoints of size %llu with different roots: the log has shown two histories",
				       L->dir, (unsigned long long)L->points[i].size);
	if (s->has_to)
		find_closing(s, L, s->to);
	L->read = L->closed ? L->closing.size : L->cp.size;
	if ((rc = read_entries(s, p, threads)))
		return rc;
	/* the cosignatures on checkpoints proven to be prefixes of what was read */
	for (size_t i = 0; i < L->npoints && !rc; i++)
		if (L->points[i].size <= L->read)
			rc = cases_add_cosignature(&s->cases, party->node_key.name, L->points[i].size,
						   logset_cosigner_name(s, L->points[i].cosigner),
						   L->points[i].time);
	return rc;
}

/* Node layout: the party whose node key signed DIR/log/checkpoint. */
static int find_own(struct logset *s, const char *dir)
{
	char path[PATH_MAX + 64];
	struct buf b;
	struct checkpoint cp;
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	snprintf(path, sizeof path, "%s/log/checkpoint", dir);
	int rc = file_read(path, b.max, &b);
	if (!rc && checkpoint_parse_unverified(&cp, b.data, b.len))
		rc = err_set(ERR_VERIFY, "%s: %s", path, err_msg());
	if (!rc) {
		const struct charter_party *p = charter_party_of_log(s->charter, cp.origin);
		if (!p)
			rc = err_set(ERR_VERIFY, "%s: the log '%s' is no party's of the charter", path, cp.origin);
		else
			s->own = (int)(p - s->charter->parties);
	}
	buf_release(&b);
	return rc;
}

int logset_open(struct logset *s, const char *dir, const struct logset_options *o)
{
	char path[PATH_MAX + 64];
	int threads = o->threads;
	memset(s, 0, sizeof *s);
	s->has_to = o->has_to;
	s->to = o->to;
	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (int)n : 1;
	}
	if (threads > THREADS_MAX)
		threads = THREADS_MAX;
	snprintf(path, sizeof path, "%s/charter", dir);
	int rc = charter_load(&s->founding, path);
	if (rc)
		return err_wrap(rc, "%s", path);
	if (!charter_complete(&s->founding)) {
		rc = err_set(ERR_VERIFY, "%s: not signed by every party", path);
		charter_release(&s->founding);
		return rc;
	}
	history_init(&s->history, &s->founding);
	if ((rc = history_load_dir(&s->history, dir))) {
		if (rc == ERR_FORMAT || rc == ERR_CONFLICT || rc == ERR_NOTFOUND || rc == ERR_LIMIT)
			rc = ERR_VERIFY; /* the amendments a directory holds are part of what it proves */
		rc = err_wrap(rc, "%s/amendments", dir);
		history_release(&s->history);
		charter_release(&s->founding);
		return rc;
	}
	s->charter = history_roster(&s->history);
	cases_init_history(&s->cases, &s->history);
	snprintf(path, sizeof path, "%s/logs", dir);
	if (!is_dir(path)) {
		snprintf(path, sizeof path, "%s/log", dir);
		if (!is_dir(path)) {
			rc = err_set(ERR_NOTFOUND, "%s: neither a `parley fetch` directory (logs/) nor a node's (log/)", dir);
			goto out;
		}
		s->node_layout = 1;
		if ((rc = find_own(s, dir)))
			goto out;
	}
	for (size_t p = 0; p < s->charter->nparties && !rc; p++)
		rc = load_party(s, dir, (int)p, threads);
out:
	if (rc)
		logset_close(s);
	return rc;
}

void logset_close(struct logset *s)
{
	for (size_t p = 0; p < CHARTER_MAX_PARTIES; p++)
		free(s->logs[p].points);
	cases_release(&s->cases);
	history_release(&s->history);
	charter_release(&s->founding);
	memset(s, 0, sizeof *s);
}

const char *logset_cosigner_name(const struct logset *s, int cosigner)
{
	if (cosigner >= 0 && (size_t)cosigner < s->charter->nparties)
		return s->charter->parties[cosigner].node_key.name;
	if (cosigner >= 0 && (size_t)cosigner < s->charter->nparties + s->charter->nwitnesses)
		return s->charter->witnesses[(size_t)cosigner - s->charter->nparties].id;
	return "";
}

int logset_party_of_origin(const struct logset *s, const char *origin)
{
	const struct charter_party *p = charter_party_of_log(s->charter, origin);
	return p ? (int)(p - s->charter->parties) : -1;
}

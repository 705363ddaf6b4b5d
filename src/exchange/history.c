/* history — the founding charter and its amendments in force one after the other (see history.h). */
#include "exchange/history.h"

#include "base/err.h"
#include "base/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void history_init(struct charter_history *h, const struct charter *founding)
{
	memset(h, 0, sizeof *h);
	h->founding = founding;
}

void history_release(struct charter_history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		amendment_release(h->am[i]);
		free(h->am[i]);
	}
	free(h->am);
	h->am = NULL;
	h->n = h->cap = 0;
}

int history_clone(struct charter_history *dst, const struct charter_history *src)
{
	memset(dst, 0, sizeof *dst);
	dst->founding = src->founding;
	dst->cap = src->n + 4;
	if (!(dst->am = malloc(dst->cap * sizeof *dst->am)))
		return err_set(ERR_NOMEM, "out of memory");
	if (src->n) /* an empty history has no array: no memcpy from NULL */
		memcpy(dst->am, src->am, src->n * sizeof *dst->am);
	dst->n = src->n;
	dst->roster = src->roster;
	return 0;
}

void history_release_shared(struct charter_history *h)
{
	free(h->am);
	h->am = NULL;
	h->n = h->cap = 0;
}

struct amendment_base history_base(const struct charter_history *h)
{
	struct amendment_base b = {h->founding, history_latest(h), h->n ? h->am[h->n - 1] : NULL};
	return b;
}

/* The parties (by id) whose keys have not signed a, into out. */
static void missing_signers(const struct amendment *a, const struct amendment_base *b, const int *signed_by,
			    char *out, size_t outsz)
{
	struct note_verifier keys[AMENDMENT_MAX_SIGNERS];
	size_t party[AMENDMENT_MAX_SIGNERS], used = 0;
	size_t nk = amendment_signers(a, b, keys, party);
	out[0] = 0;
	for (size_t i = 0; i < nk && used < outsz; i++) {
		if (signed_by[i])
			continue;
		int old = !i || party[i - 1] != party[i]; /* a party's first key is its node key in force */
		int w = snprintf(out + used, outsz - used, "%s%s (%s node key)", used ? ", " : "",
				 b->in_force->parties[party[i]].id, old ? "its" : "its new");
		used += w > 0 ? (size_t)w : 0;
	}
}

/*
 * The roster after adding a to h (docs in history.h) into out: ERR_LIMIT when
 * the agencies or witnesses ever named would overflow the charter's lists.
 */
/* How many node keys party i has had by the end of h (a change of key opens a span). */
static size_t spans_of(const struct charter_history *h, size_t i)
{
	size_t n = 1;
	const struct charter *prev = h->founding;
	for (size_t k = 0; k < h->n; prev = &h->am[k++]->charter)
		n += memcmp(prev->parties[i].node_key.pub, h->am[k]->charter.parties[i].node_key.pub, 32) != 0;
	return n;
}

/* ERR_LIMIT if a would give a party more than HISTORY_NODE_KEYS_MAX node keys over the channel's life. */
static int node_keys_bounded(const struct charter_history *h, const struct amendment *a)
{
	const struct charter *last = history_latest(h);
	for (size_t i = 0; i < last->nparties; i++)
		if (memcmp(last->parties[i].node_key.pub, a->charter.parties[i].node_key.pub, 32) &&
		    spans_of(h, i) >= HISTORY_NODE_KEYS_MAX)
			return err_set(ERR_LIMIT, "amendment %u would give %s a node key for the %zuth time: a party has at "
						  "most %d over a channel's life",
				       a->number, last->parties[i].id, spans_of(h, i) + 1, HISTORY_NODE_KEYS_MAX);
	return 0;
}

static int build_roster(const struct charter_history *h, const struct amendment *a, struct charter *out)
{
	const struct charter *latest = &a->charter;
	const struct charter *prev = h->n ? &h->roster : h->founding;
	*out = *latest;
	memset(&out->text, 0, sizeof out->text);
	memset(&out->signatures, 0, sizeof out->signatures);
	out->nagencies = prev->nagencies;
	memcpy(out->agencies, prev->agencies, prev->nagencies * sizeof prev->agencies[0]);
	out->nwitnesses = prev->nwitnesses;
	memcpy(out->witnesses, prev->witnesses, prev->nwitnesses * sizeof prev->witnesses[0]);
	for (size_t i = 0; i < latest->nagencies; i++) {
		const struct charter_agency *ag = &latest->agencies[i];
		const struct charter_agency *have = charter_agency(out, ag->name, strlen(ag->name));
		if (have) {
			out->agencies[have - out->agencies] = *ag; /* its latest keys */
		} else if (out->nagencies == CHARTER_MAX_AGENCIES) {
			return err_set(ERR_LIMIT, "amendment %u: a channel can name at most %d agencies over its life",
				       a->number, CHARTER_MAX_AGENCIES);
		} else {
			out->agencies[out->nagencies++] = *ag;
		}
	}
	for (size_t i = 0; i < latest->nwitnesses; i++) {
		const struct charter_witness *w = &latest->witnesses[i];
		const struct charter_witness *have = charter_witness(out, w->id);
		if (have) {
			out->witnesses[have - out->witnesses] = *w;
		} else if (out->nwitnesses == CHARTER_MAX_WITNESSES) {
			return err_set(ERR_LIMIT, "amendment %u: a channel can name at most %d witnesses over its life",
				       a->number, CHARTER_MAX_WITNESSES);
		} else {
			out->witnesses[out->nwitnesses++] = *w;
		}
	}
	return 0;
}

/* a valid and complete against b: 0, or amendment_check's error, or ERR_VERIFY naming who has not signed. */
static int check_complete(const struct amendment *a, const struct amendment_base *b)
{
	int signed_by[AMENDMENT_MAX_SIGNERS], complete;
	int rc = amendment_check(a, b, signed_by, &complete);
	if (rc || complete)
		return rc;
	char who[1024];
	missing_signers(a, b, signed_by, who, sizeof who);
	return err_set(ERR_VERIFY, "amendment %u is not signed by %s", a->number, who);
}

const struct charter *history_roster(const struct charter_history *h)
{
	return h->n ? &h->roster : h->founding;
}

int history_add(struct charter_history *h, const uint8_t *data, size_t len, int *added)
{
	if (added)
		*added = 0;
	struct amendment *a = calloc(1, sizeof *a);
	if (!a)
		return err_set(ERR_NOMEM, "out of memory");
	int rc = amendment_parse(a, data, len);
	if (rc) {
		free(a);
		return rc;
	}
	if (a->number <= h->n) {
		const struct amendment *have = h->am[a->number - 1];
		unsigned k = a->number;
		/* another amendment with a number taken is a second history only if it is complete and valid there */
		struct amendment_base at = {h->founding, k > 1 ? &h->am[k - 2]->charter : h->founding,
					    k > 1 ? h->am[k - 2] : NULL};
		if (memcmp(have->id, a->id, 32) && !(rc = check_complete(a, &at)))
			rc = err_set(ERR_CONFLICT, "two amendments number %u: %s and %s", a->number, have->id_hex, a->id_hex);
		goto drop;
	}
	if (a->number > h->n + 1) {
		rc = err_set(ERR_NOTFOUND, "amendment %u follows amendment %u, which is missing", a->number, a->number - 1);
		goto drop;
	}
	if (h->n == HISTORY_MAX) {
		rc = err_set(ERR_LIMIT, "a channel has at most %d amendments", HISTORY_MAX);
		goto drop;
	}
	struct amendment_base b = history_base(h);
	if ((rc = check_complete(a, &b)) || (rc = node_keys_bounded(h, a)))
		goto drop;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 8;
		struct amendment **m = realloc(h->am, cap * sizeof *m);
		if (!m) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto drop;
		}
		h->am = m;
		h->cap = cap;
	}
	/* the roster is built aside (it is large), and replaces the old one only once a is in */
	struct charter *roster = malloc(sizeof *roster);
	if (!roster || (rc = build_roster(h, a, roster))) {
		rc = roster ? rc : err_set(ERR_NOMEM, "out of memory");
		free(roster);
		goto drop;
	}
	h->roster = *roster;
	free(roster);
	h->am[h->n++] = a;
	if (added)
		*added = 1;
	return 0;
drop:
	amendment_release(a);
	free(a);
	return rc;
}

struct numbered {
	unsigned number;
	size_t arg;
};

static int by_number(const void *x, const void *y)
{
	const struct numbered *a = x, *b = y;
	return a->number < b->number ? -1 : a->number > b->number ? 1 : a->arg < b->arg ? -1 : a->arg > b->arg;
}

int history_add_all(struct charter_history *h, const uint8_t *const *data, const size_t *len, size_t count)
{
	struct numbered *order = calloc(count ? count : 1, sizeof *order);
	if (!order)
		return err_set(ERR_NOMEM, "out of memory");
	int rc = 0;
	for (size_t i = 0; i < count && !rc; i++) {
		struct amendment a;
		if ((rc = amendment_parse(&a, data[i], len[i]))) {
			err_wrap(rc, "amendment %zu given", i + 1);
			break;
		}
		order[i].number = a.number;
		order[i].arg = i;
		amendment_release(&a);
	}
	if (!rc)
		qsort(order, count, sizeof *order, by_number);
	for (size_t i = 0; i < count && !rc; i++)
		rc = history_add(h, data[order[i].arg], len[order[i].arg], NULL);
	free(order);
	return rc;
}

const struct amendment *history_amendment_at(const struct charter_history *h, int64_t t)
{
	/* effective times increase along the chain: the last one at or before t */
	size_t lo = 0, hi = h->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->am[mid]->effective <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? h->am[lo - 1] : NULL;
}

const struct charter *history_at(const struct charter_history *h, int64_t t)
{
	const struct amendment *a = history_amendment_at(h, t);
	return a ? &a->charter : h->founding;
}

const struct charter *history_latest(const struct charter_history *h)
{
	return h->n ? &h->am[h->n - 1]->charter : h->founding;
}

/* 1 for NAME.tmp.PID: what an interrupted file_write_atomic leaves (a crash while saving an amendment). */
static int leftover_tmp(const char *name)
{
	const char *t = strstr(name, ".tmp.");
	if (!t || t == name)
		return 0;
	t += 5;
	if (!*t)
		return 0;
	for (; *t; t++)
		if (*t < '0' || *t > '9')
			return 0;
	return 1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * One file of DIR/amendments/, at most AMENDMENT_MAX_SIZE + 1 bytes (one more
 * than history_add takes, so a larger file is refused there by size). Only a
 * regular file: the network side writes this directory and the keeper reads
 * it, and open() of a FIFO waits for a writer forever (O_NONBLOCK: it
 * returns at once, and the type is checked before any read).
 */
static int read_regular(const char *path, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_set(errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: %s", path, strerror(errno));
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st))
		rc = err_set(ERR_IO, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = err_set(ERR_IO, "%s: not a regular file (an amendment is a file written by parley)", path);
	else if ((rc = fd_read_all(fd, AMENDMENT_MAX_SIZE + 1, out)))
		err_wrap(rc, "%s", path);
	close(fd);
	return rc;
}

int history_load_dir(struct charter_history *h, const char *dir)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/amendments", dir) >= (int)sizeof path)
		return err_set(ERR_USAGE, "%s: path too long", dir);
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : err_set(ERR_IO, "%s: %s", path, strerror(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.' || leftover_tmp(e->d_name))
			continue;
		if (n == HISTORY_MAX) {
			rc = err_set(ERR_LIMIT, "%s: more than %d files", path, HISTORY_MAX);
		} else if (n == cap) {
			char **m = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof *m);
			rc = m ? 0 : err_set(ERR_NOMEM, "out of memory");
			names = m ? m : names;
		}
		if (!rc && !(names[n++] = strdup(e->d_name)))
			rc = err_set(ERR_NOMEM, "out of memory");
	}
	closedir(d);
	struct buf *bufs = rc ? NULL : calloc(n ? n : 1, sizeof *bufs);
	const uint8_t **data = rc ? NULL : calloc(n ? n : 1, sizeof *data);
	size_t *len = rc ? NULL : calloc(n ? n : 1, sizeof *len);
	if (!rc && (!bufs || !data || !len))
		rc = err_set(ERR_NOMEM, "out of memory");
	if (!rc && n) /* names is NULL for an empty directory: qsort must not see it */
		qsort(names, n, sizeof *names, by_name); /* error messages in a stable order */
	for (size_t i = 0; i < n && !rc; i++) {
		char f[PATH_MAX + 256];
		snprintf(f, sizeof f, "%s/%s", path, names[i]);
		buf_init(&bufs[i], AMENDMENT_MAX_SIZE + 1);
		rc = read_regular(f, &bufs[i]);
		data[i] = bufs[i].data;
		len[i] = bufs[i].len;
	}
	if (!rc)
		rc = history_add_all(h, data, len, n);
	for (size_t i = 0; i < n; i++) {
		if (bufs)
			buf_release(&bufs[i]);
		free(names[i]);
	}
	free(names);
	free(bufs);
	free(data);
	free(len);
	return rc;
}

int history_save_dir(const struct charter_history *h, const char *dir)
{
	char path[PATH_MAX], f[PATH_MAX + 16];
	if (snprintf(path, sizeof path, "%s/amendments", dir) >= (int)sizeof path)
		return err_set(ERR_USAGE, "%s: path too long", dir);
	if (h->n && mkdir(path, 0755) && errno != EEXIST)
		return err_set(ERR_IO, "%s: %s", path, strerror(errno));
	int rc = 0;
	for (size_t i = 0; i < h->n && !rc; i++) {
		snprintf(f, sizeof f, "%s/%04u", path, h->am[i]->number);
		rc = file_write_atomic(f, h->am[i]->note.data, h->am[i]->note.len, 0644, 0);
	}
	return rc;
}

size_t history_node_keys(const struct charter_history *h, const char *origin, struct node_key_span *out, size_t cap)
{
	const struct charter_party *p = charter_party_of_log(h->founding, origin);
	if (!p || cap == 0)
		return 0;
	size_t i = (size_t)(p - h->founding->parties), n = 0;
	out[n++] = (struct node_key_span){p->node_key, INT64_MIN, INT64_MAX};
	for (size_t k = 0; k < h->n; k++) {
		const struct note_verifier *key = &h->am[k]->charter.parties[i].node_key;
		if (!memcmp(out[n - 1].key.pub, key->pub, 32))
			continue;
		out[n - 1].until = h->am[k]->effective;
		if (n == cap)
			break;
		out[n++] = (struct node_key_span){*key, h->am[k]->effective, INT64_MAX};
	}
	return n;
}

size_t history_node_keys_near(const struct charter_history *h, const char *origin, int64_t t, int64_t slack,
			      struct note_verifier *out, size_t cap)
{
	struct node_key_span s[HISTORY_NODE_KEYS_MAX];
	size_t ns = history_node_keys(h, origin, s, HISTORY_NODE_KEYS_MAX), n = 0;
	/* in force at some instant of [t - slack, t + slack]: from <= t + slack and until > t - slack */
	for (size_t i = 0; i < ns && n < cap; i++)
		if ((s[i].from == INT64_MIN || s[i].from - slack <= t) && (s[i].until == INT64_MAX || s[i].until + slack > t))
			out[n++] = s[i].key;
	return n;
}

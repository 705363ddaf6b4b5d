/* history — the founding charter and its amendments in force one after the other (see history.h). */
#include "exchange/history.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		if (memcmp(have->id, a->id, 32))
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
	int signed_by[AMENDMENT_MAX_SIGNERS], complete;
	if ((rc = amendment_check(a, &b, signed_by, &complete)))
		goto drop;
	if (!complete) {
		char who[1024];
		missing_signers(a, &b, signed_by, who, sizeof who);
		rc = err_set(ERR_VERIFY, "amendment %u is not signed by %s", a->number, who);
		goto drop;
	}
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

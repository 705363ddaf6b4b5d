#include "cases/cases.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/utf8.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- charter lookups ---------- */

static int party_of_origin(const struct charter *ch, const char *origin)
{
	const struct charter_party *p = charter_party_of_log(ch, origin);
	return p ? (int)(p - ch->parties) : -1;
}

/* Cosigners are numbered: parties' nodes 0..nparties-1, then witnesses. */
static int cosigner_index(const struct charter *ch, const char *name)
{
	return charter_cosigner_index(ch, name);
}

static int agency_index(const struct charter *ch, const char *name)
{
	const struct charter_agency *a = charter_agency(ch, name, strlen(name));
	return a ? (int)(a - ch->agencies) : -1;
}

static int party_index(const struct charter *ch, const char *id)
{
	const struct charter_party *p = charter_party(ch, id, strlen(id));
	return p ? (int)(p - ch->parties) : -1;
}

/* The party that sent e. */
static int sender_party(const struct charter *ch, const struct cases_env *e)
{
	return e->kind == ENV_RECEIVED ? e->from : ch->agencies[e->from].party;
}

static int has_agency(const struct cases_env *e, int a)
{
	return (e->to[a / 64] >> (a % 64)) & 1;
}

/* Bit set of the parties of e's recipients other than the sender's party. */
static uint32_t foreign_parties(const struct charter *ch, const struct cases_env *e)
{
	uint32_t m = 0;
	for (size_t a = 0; a < ch->nagencies; a++)
		if (has_agency(e, (int)a))
			m |= 1u << ch->agencies[a].party;
	return m & ~(1u << sender_party(ch, e));
}

/* The agency a case id names (the part before the '/'), or -1. */
static int case_owner(const struct charter *ch, const char *case_id)
{
	const char *slash = strchr(case_id, '/');
	const struct charter_agency *a = slash ? charter_agency(ch, case_id, (size_t)(slash - case_id)) : NULL;
	return a ? (int)(a - ch->agencies) : -1;
}

/* ---------- hash tables (open addressing, power-of-two capacity) ---------- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static uint64_t hash_leaf(const merkle_hash leaf)
{
	uint64_t h;
	memcpy(&h, leaf, sizeof h); /* a SHA-256 output: already uniform */
	return h;
}

static struct cases_case **case_slot(struct cases_case **t, size_t cap, const char *id)
{
	size_t i = hash_str(id) & (cap - 1);
	while (t[i] && strcmp(t[i]->id, id))
		i = (i + 1) & (cap - 1);
	return &t[i];
}

static struct cases_env **id_slot(struct cases_env **t, size_t cap, const uint8_t id[32])
{
	size_t i = hash_leaf(id) & (cap - 1);
	while (t[i] && memcmp(t[i]->id, id, 32))
		i = (i + 1) & (cap - 1);
	return &t[i];
}

/* The waiting chain of position (log, index): its slot (key set on first use; never deleted). */
static struct cases_wait *wait_slot(struct cases_wait *t, size_t cap, int log, uint64_t index)
{
	size_t i = (size_t)((index * 0x9E3779B97F4A7C15ull) ^ (uint64_t)log) & (cap - 1);
	while (t[i].used && (t[i].log != log || t[i].index != index))
		i = (i + 1) & (cap - 1);
	return &t[i];
}

/* Makes room for one more element in table (*t of *cap slots, n used); rehashes. */
static int case_table_reserve(struct cases *c)
{
	if ((c->ncases + 1) * 2 <= c->table_cap)
		return 0;
	size_t cap = c->table_cap ? c->table_cap * 2 : 64;
	struct cases_case **t = calloc(cap, sizeof *t);
	if (!t)
		return err_set(ERR_NOMEM, "cases: out of memory");
	for (size_t i = 0; i < c->table_cap; i++)
		if (c->table[i])
			*case_slot(t, cap, c->table[i]->id) = c->table[i];
	free(c->table);
	c->table = t;
	c->table_cap = cap;
	return 0;
}

int cases_has_id(const struct cases *c, const uint8_t id[32])
{
	return c->ids_cap && *id_slot(c->ids, c->ids_cap, id) != NULL;
}

static int id_table_reserve(struct cases *c)
{
	if ((c->nids + 1) * 2 <= c->ids_cap)
		return 0;
	size_t cap = c->ids_cap ? c->ids_cap * 2 : 256;
	struct cases_env **t = calloc(cap, sizeof *t);
	if (!t)
		return err_set(ERR_NOMEM, "cases: out of memory");
	for (size_t i = 0; i < c->ids_cap; i++)
		if (c->ids[i])
			*id_slot(t, cap, c->ids[i]->id) = c->ids[i];
	free(c->ids);
	c->ids = t;
	c->ids_cap = cap;
	return 0;
}

static int wait_table_reserve(struct cases *c)
{
	if ((c->nwait + 1) * 2 <= c->wait_cap)
		return 0;
	size_t cap = c->wait_cap ? c->wait_cap * 2 : 64;
	struct cases_wait *t = calloc(cap, sizeof *t);
	if (!t)
		return err_set(ERR_NOMEM, "cases: out of memory");
	for (size_t i = 0; i < c->wait_cap; i++)
		if (c->wait[i].used)
			*wait_slot(t, cap, c->wait[i].log, c->wait[i].index) = c->wait[i];
	free(c->wait);
	c->wait = t;
	c->wait_cap = cap;
	return 0;
}

/* Grows *arr (of elements of size sz) so that it holds n + 1. */
static int grow(void *arr, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 8;
	void *p = realloc(*(void **)arr, nc * sz);
	if (!p)
		return err_set(ERR_NOMEM, "cases: out of memory");
	*(void **)arr = p;
	*cap = nc;
	return 0;
}

/* ---------- life cycle ---------- */

int cases_init(struct cases *c, const struct charter *charter)
{
	memset(c, 0, sizeof *c);
	c->charter = charter;
	return 0;
}

int cases_init_history(struct cases *c, const struct charter_history *h)
{
	memset(c, 0, sizeof *c);
	c->history = h;
	c->charter = history_roster(h);
	return 0;
}

void cases_set_history(struct cases *c, const struct charter_history *h)
{
	c->history = h;
	c->charter = history_roster(h);
}

/* The charter an entry dated t is judged under. */
static const struct charter *in_force(const struct cases *c, int64_t t)
{
	return c->history ? history_at(c->history, t) : c->charter;
}

void cases_release(struct cases *c)
{
	for (size_t l = 0; l < CHARTER_MAX_PARTIES; l++) {
		struct cases_log *L = &c->logs[l];
		for (uint64_t i = 0; i < L->n; i++) {
			free(L->envs[i]->reason);
			free(L->envs[i]);
		}
		free(L->envs);
		for (size_t k = 0; k < CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES; k++)
			free(L->cosig[k]);
	}
	for (size_t i = 0; i < c->table_cap; i++)
		if (c->table[i]) {
			free(c->table[i]->envs);
			free(c->table[i]);
		}
	free(c->table);
	free(c->ids);
	free(c->wait);
	memset(c, 0, sizeof *c);
}

/* ---------- entries ---------- */

static void set_reason(struct cases_record *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_reason(struct cases_record *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	r->reason[utf8_invalid_at(r->reason, strlen(r->reason))] = 0; /* never cut a character in two */
	r->valid = 0;
}

static int evaluate(const struct cases *c, const char *origin, uint64_t index, const uint8_t *data, size_t len,
		    int verify, struct cases_record *r)
{
	const struct charter *ch = c->charter;
	struct envelope e;
	memset(r, 0, sizeof *r);
	int party = party_of_origin(ch, origin);
	if (party < 0)
		return err_set(ERR_NOTFOUND, "cases: '%s' is not the log of a party of the charter", origin);
	snprintf(r->origin, sizeof r->origin, "%s", origin);
	r->index = index;
	merkle_leaf_hash(data, len, r->leaf);
	if (amendment_is(data, len)) { /* recorded in the logs for everyone to see; not an envelope */
		set_reason(r, "a charter amendment (docs/amendments.md), not an envelope");
		r->has_id = envelope_identity(data, len, r->id) == 0;
		return 0;
	}
	if (envelope_parse(&e, data, len)) {
		set_reason(r, "%s", err_msg());
		/* a re-shaped copy of an envelope is still known by its signed text */
		r->has_id = envelope_identity(data, len, r->id) == 0;
		return 0;
	}
	envelope_id(&e, r->id);
	r->has_id = 1;
	r->parsed = 1;
	r->f = e.f;
	r->valid = 1;
	if (verify && envelope_verify(&e, in_force(c, e.f.time))) {
		set_reason(r, "%s", err_msg());
	} else {
		const struct envelope_fields *f = &e.f;
		int from_party = f->kind == ENV_RECEIVED ? party_index(ch, f->from)
							 : ch->agencies[agency_index(ch, f->from)].party;
		if (from_party != party)
			set_reason(r, "sent by %s of party %s, but in the log of party %s", f->from,
				   ch->parties[from_party].id, ch->parties[party].id);
	}
	envelope_release(&e);
	return 0;
}

int cases_evaluate(const struct cases *c, const char *origin, uint64_t index, const uint8_t *data, size_t len,
		   struct cases_record *r)
{
	return evaluate(c, origin, index, data, len, 1, r);
}

int cases_evaluate_verified(const struct cases *c, const char *origin, uint64_t index, const uint8_t *data, size_t len,
			    struct cases_record *r)
{
	return evaluate(c, origin, index, data, len, 0, r);
}

/* Fills e (a zeroed env) from the record; ERR_FORMAT if a valid record names what the charter lacks. */
/*
 * aid_store: where the aid figures are kept when the record has an aid line
 * (the caller's: beside the entry it allocates, or on its stack for a
 * candidate that is only judged); NULL when the record has none.
 */
static int env_from_record(const struct charter *ch, const struct cases_record *r, int party, struct cases_env *e,
			   struct envelope_aid *aid_store)
{
	const struct envelope_fields *f = &r->f;
	e->log = party;
	e->index = r->index;
	memcpy(e->leaf, r->leaf, MERKLE_HASH);
	memcpy(e->id, r->id, sizeof e->id);
	e->valid = r->valid;
	if (!r->valid)
		return 0; /* time stays 0: invalid entries sort by log and index */
	if (!r->parsed || f->nto > ENVELOPE_MAX_TO || (unsigned)f->kind >= ENV_KIND_COUNT)
		return err_set(ERR_FORMAT, "cases: a valid record without its fields");
	e->kind = f->kind;
	e->time = f->time;
	e->from = f->kind == ENV_RECEIVED ? party_index(ch, f->from) : agency_index(ch, f->from);
	if (e->from < 0)
		return err_set(ERR_FORMAT, "cases: record from '%s', unknown to the charter", f->from);
	for (size_t i = 0; i < f->nto; i++) {
		int a = agency_index(ch, f->to[i]);
		if (a < 0)
			return err_set(ERR_FORMAT, "cases: record to '%s', unknown to the charter", f->to[i]);
		e->to[a / 64] |= 1ull << (a % 64);
	}
	e->has_ref = f->has_ref;
	if (f->has_ref) {
		e->ref_log = party_of_origin(ch, f->ref.origin);
		e->ref_index = f->ref.index;
		memcpy(e->ref_leaf, f->ref.leaf, MERKLE_HASH);
	}
	e->has_body = f->has_body;
	memcpy(e->body_hash, f->body_hash, sizeof e->body_hash);
	e->body_size = f->body_size;
	snprintf(e->handling, sizeof e->handling, "%s", f->handling);
	e->urgent = f->urgent;
	if (f->aid.type != ENV_AID_NONE) {
		if (!aid_store)
			return err_set(ERR_USAGE, "cases: no room for the aid figures");
		*aid_store = f->aid;
		e->aid = aid_store;
	}
	return 0;
}

static void settle_new(struct cases *c, struct cases_env *e);

int cases_add_record(struct cases *c, struct cases_record *r)
{
	const struct charter *ch = c->charter;
	struct cases_case *k = NULL, *newk = NULL;
	struct cases_env *e = NULL;
	int party = party_of_origin(ch, r->origin), rc;
	if (party < 0)
		return err_set(ERR_NOTFOUND, "cases: '%s' is not the log of a party of the charter", r->origin);
	struct cases_log *L = &c->logs[party];
	if (r->index != L->n)
		return err_set(ERR_CONFLICT, "cases: entry %llu of %s given, expected entry %llu",
			       (unsigned long long)r->index, r->origin, (unsigned long long)L->n);
	/*
	 * A replay: the signed text of an earlier valid entry (DESIGN.md
	 * principle 6), however its signature lines are laid out. A valid
	 * envelope sits only in its sender's log, so the earlier one is in this
	 * log whenever this one could be valid; a copy in another log is judged
	 * by its place (sent by ... but in the log of ...). Either way only this
	 * log's earlier entries decide, whatever order the logs are fed in.
	 */
	if (r->has_id && c->ids_cap) {
		struct cases_env *prev = *id_slot(c->ids, c->ids_cap, r->id);
		if (prev && prev->log == party)
			set_reason(r, "replay of entry %llu of %s", (unsigned long long)prev->index,
				   ch->parties[prev->log].node_key.name);
	}
	/* an aid line is held in the same allocation, after the entry: no cost to entries without one */
	int has_aid = r->valid && r->parsed && r->f.aid.type != ENV_AID_NONE;
	if (!(e = calloc(1, sizeof *e + (has_aid ? sizeof(struct envelope_aid) : 0))) ||
	    (!r->valid && !(e->reason = strdup(r->reason)))) {
		rc = err_set(ERR_NOMEM, "cases: out of memory");
		goto out;
	}
	if ((rc = env_from_record(ch, r, party, e, has_aid ? (struct envelope_aid *)(e + 1) : NULL)))
		goto out;
	/* Reserve everything first, so that an error changes nothing. */
	if ((rc = grow(&L->envs, &L->cap, (size_t)L->n, sizeof *L->envs)))
		goto out;
	if ((rc = id_table_reserve(c)) || (rc = case_table_reserve(c)) || (rc = wait_table_reserve(c)))
		goto out;
	if (r->parsed) {
		k = *case_slot(c->table, c->table_cap, r->f.case_id);
		if (!k) {
			if (!(newk = k = calloc(1, sizeof *k))) {
				rc = err_set(ERR_NOMEM, "cases: out of memory");
				goto out;
			}
			snprintf(k->id, sizeof k->id, "%s", r->f.case_id);
			k->owner = case_owner(ch, k->id);
		}
		if ((rc = grow(&k->envs, &k->cap, k->n, sizeof *k->envs)))
			goto out;
	}
	if (newk) {
		*case_slot(c->table, c->table_cap, newk->id) = newk;
		c->ncases++;
		newk = NULL;
	}
	if (k) {
		e->kase = k;
		k->envs[k->n++] = e;
	}
	if (e->valid) {
		*id_slot(c->ids, c->ids_cap, e->id) = e;
		c->nids++;
	}
	L->envs[L->n++] = e;
	settle_new(c, e);
	e = NULL;
	rc = 0;
out:
	if (newk) {
		free(newk->envs);
		free(newk);
	}
	if (e) {
		free(e->reason);
		free(e);
	}
	return rc;
}

int cases_add_entry(struct cases *c, const char *origin, uint64_t index, const uint8_t *data, size_t len)
{
	struct cases_record *r = malloc(sizeof *r);
	if (!r)
		return err_set(ERR_NOMEM, "cases: out of memory");
	int rc = cases_evaluate(c, origin, index, data, len, r);
	if (!rc)
		rc = cases_add_record(c, r);
	free(r);
	return rc;
}

const struct cases_env *cases_entry(const struct cases *c, const char *origin, uint64_t index)
{
	int p = party_of_origin(c->charter, origin);
	return p < 0 || index >= c->logs[p].n ? NULL : c->logs[p].envs[index];
}

uint64_t cases_log_size(const struct cases *c, const char *origin)
{
	int p = party_of_origin(c->charter, origin);
	return p < 0 ? 0 : c->logs[p].n;
}

/* ---------- cosignatures ---------- */

/*
 * Per log and cosigner only the records no other record dominates are kept:
 * (s, t) is dominated by (s2, t2) if s2 >= s and t2 <= t, because any entry
 * the first covers the second covers no later. The kept records have sizes
 * and times both strictly ascending, so the first cosignature covering entry
 * i is the first kept record of size > i. The set kept does not depend on
 * the order the records came in.
 */
int cases_add_cosignature(struct cases *c, const char *origin, uint64_t size, const char *cosigner, int64_t time)
{
	const struct charter *ch = c->charter;
	int l = party_of_origin(ch, origin), k = cosigner_index(ch, cosigner);
	if (l < 0)
		return err_set(ERR_NOTFOUND, "cases: '%s' is not the log of a party of the charter", origin);
	if (k < 0)
		return err_set(ERR_NOTFOUND, "cases: '%s' is not a cosigner of the charter", cosigner);
	if (k == l)
		return err_set(ERR_FORMAT, "cases: a log's own node does not cosign it (%s)", origin);
	if (time < 0)
		return err_set(ERR_FORMAT, "cases: cosignature time %lld is before 1970", (long long)time);
	struct cases_log *L = &c->logs[l];
	struct cases_cosig *f = L->cosig[k];
	size_t n = L->ncosig[k], p = 0, r;
	while (p < n && f[p].size < size)
		p++;
	if (p < n && f[p].time <= time)
		return 0; /* dominated */
	size_t end = p + (p < n && f[p].size == size); /* records [r, end) are dominated by the new one */
	for (r = p; r > 0 && f[r - 1].time >= time; r--)
		;
	if (r == end) {
		int rc = grow(&L->cosig[k], &L->capcosig[k], n, sizeof *f);
		if (rc)
			return rc;
		f = L->cosig[k];
		memmove(&f[r + 1], &f[r], (n - r) * sizeof *f);
		n++;
	} else {
		memmove(&f[r + 1], &f[end], (n - end) * sizeof *f);
		n -= end - r - 1;
	}
	f[r] = (struct cases_cosig){size, time};
	L->ncosig[k] = n;
	return 0;
}

int cases_cosignature_known(const struct cases *c, const char *origin, uint64_t size, const char *cosigner,
			    int64_t time)
{
	int l = party_of_origin(c->charter, origin), k = cosigner_index(c->charter, cosigner);
	if (l < 0 || k < 0 || k == l)
		return 0;
	const struct cases_cosig *f = c->logs[l].cosig[k];
	size_t n = c->logs[l].ncosig[k], p = 0;
	while (p < n && f[p].size < size)
		p++;
	return p < n && f[p].time <= time;
}

int cases_first_cosigned(const struct cases *c, const char *origin, const char *cosigner, uint64_t index,
			 uint64_t *size)
{
	int l = party_of_origin(c->charter, origin), k = cosigner_index(c->charter, cosigner);
	if (l < 0 || k < 0)
		return err_set(ERR_NOTFOUND, "cases: no log '%s' or no cosigner '%s' in the charter", origin, cosigner);
	const struct cases_cosig *f = c->logs[l].cosig[k];
	size_t lo = 0, hi = c->logs[l].ncosig[k]; /* the first record with size > index */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f[mid].size > index)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == c->logs[l].ncosig[k])
		return err_set(ERR_NOTFOUND, "no checkpoint covering entry %llu carries a cosignature by %s yet",
			       (unsigned long long)index, cosigner);
	*size = f[lo].size;
	return 0;
}

/* Time of the first cosignature by cosigner k on a checkpoint of e's log covering e, if at or before now. */
static int first_cosig(const struct cases *c, const struct cases_env *e, int k, int64_t now, int64_t *t)
{
	const struct cases_log *L = &c->logs[e->log];
	size_t lo = 0, hi = L->ncosig[k];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (L->cosig[k][mid].size > e->index)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == L->ncosig[k] || L->cosig[k][lo].time > now)
		return 0;
	*t = L->cosig[k][lo].time;
	return 1;
}

int cases_delivered_to(const struct cases *c, const struct cases_env *e, int party, int64_t now, int64_t *at)
{
	if (party < 0 || (size_t)party >= c->charter->nparties || !e->valid)
		return 0;
	if (party == sender_party(c->charter, e)) /* its own node delivers it */
		return (*at = e->time) <= now;
	return first_cosig(c, e, party, now, at);
}

uint32_t cases_recipient_parties(const struct cases *c, const struct cases_env *e)
{
	return e->valid ? foreign_parties(c->charter, e) : 0;
}

/* Deemed delivered to every recipient party by now: at the latest of those times (*t). */
static int effective(const struct cases *c, const struct cases_env *e, int64_t now, int64_t *t)
{
	uint32_t m = foreign_parties(c->charter, e);
	int64_t latest = INT64_MIN, d;
	if (!m) /* only agencies of its own party: its own node delivers it */
		return (*t = e->time) <= now;
	for (int p = 0; p < CHARTER_MAX_PARTIES; p++)
		if ((m >> p) & 1) {
			if (!first_cosig(c, e, p, now, &d))
				return 0;
			if (d > latest)
				latest = d;
		}
	*t = latest;
	return 1;
}

/* Receipt outstanding since: the first cosignature by anyone covering e, else its envelope time. */
static int64_t outstanding_since(const struct cases *c, const struct cases_env *e, int64_t now)
{
	int64_t best = e->time, t;
	int found = 0;
	size_t nk = c->charter->nparties + c->charter->nwitnesses;
	for (size_t k = 0; k < nk; k++)
		if (first_cosig(c, e, (int)k, now, &t) && (!found || t < best)) {
			best = t;
			found = 1;
		}
	return best;
}

/* ---------- references and clocks ---------- */

enum ref_state { REF_NONE, REF_RESOLVED, REF_PENDING, REF_MISMATCH, REF_INVALID, REF_OTHER_CASE, REF_UNKNOWN_LOG };
static const char *const ref_state_names[] = {"none", "resolved", "pending", "mismatch", "invalid", "other-case",
					      "unknown-log"};

/* 1 if e is valid and stands in its case (docs/cases.md "Case namespaces"): it counts for state. */
static int counts(const struct cases_env *e)
{
	return e->valid && e->standing == CASES_STANDS;
}

int cases_counts(const struct cases_env *e)
{
	return counts(e);
}

/*
 * e's ref as seen from case k. With intrinsic set, a target counts if it is
 * valid (its standing is looked at by the caller); else only if it counts.
 */
static enum ref_state resolve_in(const struct cases *c, const struct cases_env *e, const struct cases_case *k,
				 int intrinsic, const struct cases_env **target)
{
	*target = NULL;
	if (!e->has_ref)
		return REF_NONE;
	if (e->ref_log < 0)
		return REF_UNKNOWN_LOG;
	const struct cases_log *L = &c->logs[e->ref_log];
	if (e->ref_index >= L->n)
		return REF_PENDING;
	const struct cases_env *t = L->envs[e->ref_index];
	if (memcmp(t->leaf, e->ref_leaf, MERKLE_HASH))
		return REF_MISMATCH;
	*target = t;
	if (intrinsic ? !t->valid : !counts(t))
		return REF_INVALID;
	if (t->kase != k)
		return REF_OTHER_CASE;
	return REF_RESOLVED;
}

static enum ref_state resolve(const struct cases *c, const struct cases_env *e, const struct cases_env **target)
{
	return resolve_in(c, e, e->kase, 0, target);
}

/* ---------- case namespaces ---------- */

/* The party that sends e (an agency's party, or the party of a node's 'received'). */
static int sending_party(const struct charter *ch, const struct cases_env *e)
{
	return sender_party(ch, e);
}

/* 1 if target names e's sender: from it or to it (a 'received': to an agency of its party). */
static int names_sender(const struct charter *ch, const struct cases_env *target, const struct cases_env *e)
{
	if (e->kind != ENV_RECEIVED)
		return (target->kind != ENV_RECEIVED && target->from == e->from) || has_agency(target, e->from);
	for (size_t a = 0; a < ch->nagencies; a++)
		if (has_agency(target, (int)a) && ch->agencies[a].party == e->from)
			return 1;
	return 0;
}

/*
 * The standing of a valid entry e in case k (k may be a case not created
 * yet: NULL), the rule of docs/cases.md "Case namespaces":
 *   - from the case's agency (its owner): it stands;
 *   - from another agency of the owner's party, or that party's node: it
 *     stands if the owner has opened the case earlier in this same log;
 *   - from another party: never a 'close'; otherwise it stands if its ref
 *     resolves to an envelope of the case that stands and names the sender.
 * *why gets the reason code when it does not stand; *wait_on the entry it
 * waits for (pending). Only e's own log's earlier entries and what its ref
 * names decide, so the result does not depend on how logs are interleaved.
 */
static enum cases_standing standing_of(const struct cases *c, const struct cases_env *e, const struct cases_case *k,
				       int owner, int opened, int *why)
{
	const struct charter *ch = c->charter;
	*why = CASES_WHY_NONE;
	if (owner < 0) { /* cannot happen for a verified envelope: its case names an agency of the charter */
		*why = CASES_WHY_NOT_OPEN;
		return CASES_REFUSED;
	}
	if (e->kind != ENV_RECEIVED && e->from == owner)
		return CASES_STANDS;
	if (sending_party(ch, e) == ch->agencies[owner].party) {
		if (opened)
			return CASES_STANDS;
		*why = CASES_WHY_NOT_OPEN;
		return CASES_REFUSED;
	}
	if (e->kind == ENV_CLOSE) {
		*why = CASES_WHY_CLOSE;
		return CASES_REFUSED;
	}
	if (!e->has_ref) {
		*why = CASES_WHY_NO_REF;
		return CASES_REFUSED;
	}
	const struct cases_env *t;
	enum ref_state rs = resolve_in(c, e, k, 1, &t);
	if (rs == REF_PENDING) {
		*why = CASES_WHY_WAIT;
		return CASES_PENDING;
	}
	if (rs != REF_RESOLVED) {
		*why = CASES_WHY_REF;
		return CASES_REFUSED;
	}
	if (t->standing == CASES_PENDING) {
		*why = CASES_WHY_WAIT;
		return CASES_PENDING;
	}
	if (t->standing == CASES_REFUSED) {
		*why = CASES_WHY_TARGET;
		return CASES_REFUSED;
	}
	if (!names_sender(ch, t, e)) {
		*why = CASES_WHY_UNNAMED;
		return CASES_REFUSED;
	}
	return CASES_STANDS;
}

/* Decides e's standing; a pending entry joins the chain of the position its ref names (slot reserved). */
static void decide(struct cases *c, struct cases_env *e)
{
	int why;
	if (!e->valid || !e->kase) {
		e->standing = CASES_REFUSED; /* not an envelope of a case: it never counts (its reason says why) */
		return;
	}
	e->standing = standing_of(c, e, e->kase, e->kase->owner, e->kase->opened, &why);
	e->why = why;
	if (e->standing == CASES_PENDING) {
		struct cases_wait *w = wait_slot(c->wait, c->wait_cap, e->ref_log, e->ref_index);
		if (!w->used) {
			*w = (struct cases_wait){.used = 1, .log = e->ref_log, .index = e->ref_index};
			c->nwait++;
		}
		e->wait_next = w->head;
		w->head = e;
	}
}

/*
 * Wakes the entries waiting for entry e (just fed, or just decided), then
 * those waiting for them, with a work list threaded through the entries: no
 * recursion, no allocation. Each entry is decided once, so this ends.
 */
static void wake(struct cases *c, struct cases_env *e)
{
	struct cases_env *work = e;
	e->work_next = NULL;
	while (work) {
		struct cases_env *d = work;
		work = d->work_next;
		if (!c->wait_cap)
			return;
		struct cases_wait *w = wait_slot(c->wait, c->wait_cap, d->log, d->index);
		struct cases_env *chain = w->used ? w->head : NULL;
		if (w->used)
			w->head = NULL;
		while (chain) {
			struct cases_env *x = chain;
			chain = x->wait_next;
			x->wait_next = NULL;
			decide(c, x); /* d is fed: x is decided now, or waits again for d (still pending) */
			if (x->standing != CASES_PENDING) {
				x->work_next = work;
				work = x;
			}
		}
	}
}

/* After e is fed: its own standing, then whoever waited for its position. */
static void settle_new(struct cases *c, struct cases_env *e)
{
	if (e->valid && e->kase && e->kind != ENV_RECEIVED && e->from == e->kase->owner)
		e->kase->opened = 1; /* before deciding e: the owner's envelope stands */
	decide(c, e);
	if (e->standing != CASES_PENDING)
		wake(c, e);
}

static int refers_to(const struct cases *c, const struct cases_env *e, const struct cases_env *target)
{
	const struct cases_env *t;
	return resolve(c, e, &t) == REF_RESOLVED && t == target;
}

/* Fixed order of envelopes: envelope time, then log (charter order), then index. */
static int env_before(const struct cases_env *a, const struct cases_env *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	if (a->log != b->log)
		return a->log < b->log;
	return a->index < b->index;
}

static int env_cmp(const void *pa, const void *pb)
{
	const struct cases_env *a = *(const struct cases_env *const *)pa, *b = *(const struct cases_env *const *)pb;
	return env_before(a, b) ? -1 : env_before(b, a) ? 1 : 0;
}

static const char *const clock_names[] = {"not-started", "due", "overdue", "sent", "met", "closed"};

const char *cases_clock_name(enum cases_clock s)
{
	return (unsigned)s <= CASES_CLOSED ? clock_names[s] : NULL;
}

/* The earliest valid close in the case deemed delivered by now. */
static const struct cases_env *case_close(const struct cases *c, const struct cases_case *k, int64_t now, int64_t *at)
{
	const struct cases_env *best = NULL;
	int64_t t;
	for (size_t i = 0; i < k->n; i++) {
		const struct cases_env *e = k->envs[i];
		if (counts(e) && e->kind == ENV_CLOSE && effective(c, e, now, &t) &&
		    (!best || t < *at || (t == *at && env_before(e, best)))) {
			best = e;
			*at = t;
		}
	}
	return best;
}

struct candidates {
	const struct cases_env *met, *sent;
	int64_t met_at;
};

static void consider(struct candidates *cd, const struct cases_env *e, int eff, int64_t t)
{
	if (eff) {
		if (!cd->met || t < cd->met_at || (t == cd->met_at && env_before(e, cd->met))) {
			cd->met = e;
			cd->met_at = t;
		}
	} else if (!cd->sent || env_before(e, cd->sent)) {
		cd->sent = e;
	}
}

static void settle(struct cases_deadline *d, const struct candidates *cd, int started, int64_t due,
		   const struct cases_env *close, int64_t close_at, int64_t now)
{
	memset(d, 0, sizeof *d);
	d->started = started;
	d->due = started ? due : 0;
	if (cd->met) {
		d->state = CASES_MET;
		d->at = cd->met_at;
		d->by = cd->met;
	} else if (cd->sent) {
		d->state = CASES_SENT;
		d->at = cd->sent->time;
		d->by = cd->sent;
	} else if (!started) {
		d->state = CASES_NOT_STARTED;
	} else if (close) {
		d->state = CASES_CLOSED;
		d->at = close_at;
		d->by = close;
	} else if (now < due) {
		d->state = CASES_DUE;
	} else {
		d->state = CASES_OVERDUE;
		d->at = due;
	}
	d->late = started && (d->state == CASES_MET || d->state == CASES_CLOSED) && d->at > due;
}

static int is_consignment(const struct cases_env *e)
{
	return e->kind == ENV_NOTICE && e->aid && e->aid->type == ENV_AID_CONSIGNMENT;
}

int cases_has_obligations(const struct cases_env *e)
{
	return counts(e) && (e->kind == ENV_REQUEST || is_consignment(e));
}

/* cross-by minus the advance notice in force at the notice's time (ack, urgent-ack). */
static int64_t advance_due(const struct cases *c, const struct cases_env *e)
{
	const struct charter *rules = in_force(c, e->time);
	return e->aid->time - (int64_t)(e->urgent ? rules->urgent_ack : rules->ack);
}

int cases_advance_due(const struct cases *c, const struct cases_env *e, int64_t *due)
{
	if (!counts(e) || !is_consignment(e))
		return err_set(ERR_USAGE, "cases: entry %llu is not a valid consignment notice", (unsigned long long)e->index);
	*due = advance_due(c, e);
	return 0;
}

int cases_notice_on_time(const struct cases *c, const struct cases_env *e)
{
	return counts(e) && is_consignment(e) && e->time <= advance_due(c, e);
}

const struct cases_env *cases_ref_target(const struct cases *c, const struct cases_env *e)
{
	const struct cases_env *t;
	return e->kase && resolve(c, e, &t) == REF_RESOLVED ? t : NULL;
}

static void obligation(const struct cases *c, const struct cases_env *req, int party, int64_t now,
		       struct cases_obligation *o)
{
	const struct charter *ch = c->charter;
	const struct cases_case *k = req->kase;
	struct candidates ack = {0}, ans = {0};
	int64_t t, close_at = 0;
	memset(o, 0, sizeof *o);
	o->party = party;
	o->delivered = first_cosig(c, req, party, now, &o->delivered_at);
	for (size_t i = 0; i < k->n; i++) {
		const struct cases_env *e = k->envs[i];
		if (!counts(e) || (e->kind != ENV_ACK && e->kind != ENV_ANSWER && e->kind != ENV_DECLINE) ||
		    ch->agencies[e->from].party != party || e->time > now || !refers_to(c, e, req))
			continue;
		int eff = effective(c, e, now, &t);
		consider(&ack, e, eff, t);
		if (e->kind != ENV_ACK)
			consider(&ans, e, eff, t);
		o->answers += e->kind == ENV_ANSWER;
	}
	const struct cases_env *close = case_close(c, k, now, &close_at);
	int64_t d = o->delivered_at;
	if (is_consignment(req)) {
		/* an absolute deadline: the advance notice before crossing; nothing is answered */
		settle(&o->ack, &ack, o->delivered, advance_due(c, req), close, close_at, now);
		return;
	}
	o->has_answer = 1;
	const struct charter *rules = in_force(c, req->time); /* the deadlines of the day it was sent */
	settle(&o->ack, &ack, o->delivered, d + (int64_t)(req->urgent ? rules->urgent_ack : rules->ack), close,
	       close_at, now);
	settle(&o->answer, &ans, o->delivered, d + (int64_t)(req->urgent ? rules->urgent_answer : rules->answer),
	       close, close_at, now);
}

int cases_status(const struct cases *c, const struct cases_env *request, const char *party, int64_t now,
		 struct cases_obligation *out)
{
	int p = party_index(c->charter, party);
	if (!cases_has_obligations(request))
		return err_set(ERR_USAGE, "cases: entry %llu is not a valid request or consignment notice",
			       (unsigned long long)request->index);
	if (p < 0 || !((foreign_parties(c->charter, request) >> p) & 1))
		return err_set(ERR_USAGE, "cases: '%s' is not a recipient party of the request", party);
	obligation(c, request, p, now, out);
	return 0;
}

void cases_count_overdue(const struct cases *c, int64_t now, uint64_t counts_out[CHARTER_MAX_PARTIES][2])
{
	memset(counts_out, 0, sizeof(uint64_t) * CHARTER_MAX_PARTIES * 2);
	for (size_t l = 0; l < CHARTER_MAX_PARTIES; l++)
		for (uint64_t i = 0; i < c->logs[l].n; i++) {
			const struct cases_env *e = c->logs[l].envs[i];
			if (!e || !counts(e) || e->kind != ENV_REQUEST)
				continue;
			uint32_t to = foreign_parties(c->charter, e);
			for (int p = 0; p < CHARTER_MAX_PARTIES; p++) {
				if (!((to >> p) & 1))
					continue;
				struct cases_obligation o;
				obligation(c, e, p, now, &o);
				counts_out[p][0] += o.ack.state == CASES_OVERDUE;
				counts_out[p][1] += o.answer.state == CASES_OVERDUE;
			}
		}
}

/* Why e (valid, of case case_id owned by agency owner) does not stand, as text into out. */
static void why_text(const struct cases *c, const struct cases_env *e, const struct cases_case *k, const char *case_id,
		     int owner, int why, char *out, size_t n)
{
	const struct charter *ch = c->charter;
	const char *who = e->kind == ENV_RECEIVED ? ch->parties[e->from].id : ch->agencies[e->from].name;
	const char *own = owner >= 0 ? ch->agencies[owner].name : "?";
	const char *home = owner >= 0 ? ch->parties[ch->agencies[owner].party].id : "?";
	const char *ref_log = e->has_ref && e->ref_log >= 0 ? ch->parties[e->ref_log].node_key.name : "?";
	const struct cases_env *t;
	switch (why) {
	case CASES_WHY_NOT_OPEN:
		snprintf(out, n, "case %s is not open: %s opens it before other agencies of %s write in it", case_id, own,
			 home);
		break;
	case CASES_WHY_CLOSE:
		snprintf(out, n, "%s cannot close case %s: only %s (the case's party) closes it", who, case_id, home);
		break;
	case CASES_WHY_NO_REF:
		snprintf(out, n, "%s is not a party to case %s (opened by %s): another party's envelope in it must ref "
				 "an envelope of the case that names its sender", who, case_id, own);
		break;
	case CASES_WHY_REF:
		snprintf(out, n, "%s is not a party to case %s (opened by %s): its ref is %s, not an envelope of the case",
			 who, case_id, own, ref_state_names[resolve_in(c, e, k, 1, &t)]);
		break;
	case CASES_WHY_TARGET:
		snprintf(out, n, "%s is not a party to case %s: entry %llu of %s, which its ref names, does not stand in it",
			 who, case_id, (unsigned long long)e->ref_index, ref_log);
		break;
	case CASES_WHY_UNNAMED:
		snprintf(out, n, "%s is not a party to case %s: entry %llu of %s, which its ref names, is neither from nor to it",
			 who, case_id, (unsigned long long)e->ref_index, ref_log);
		break;
	default: /* CASES_WHY_WAIT */
		snprintf(out, n, "pending: %s shows it is a party to case %s only once entry %llu of %s, which its ref "
				 "names, is fed and stands in the case", who, case_id, (unsigned long long)e->ref_index, ref_log);
		break;
	}
	out[utf8_invalid_at(out, strlen(out))] = 0;
}

const char *cases_reason(const struct cases *c, const struct cases_env *e, char *out, size_t n)
{
	if (!e->valid)
		return e->reason;
	if (counts(e) || !e->kase || !n)
		return "";
	why_text(c, e, e->kase, e->kase->id, e->kase->owner, e->why, out, n);
	return out;
}

int cases_admit(const struct cases *c, const struct envelope *env)
{
	const struct charter *ch = c->charter;
	struct cases_record *r = calloc(1, sizeof *r);
	struct cases_env e;
	struct envelope_aid aid; /* the candidate's aid figures, if it has an aid line */
	char why_s[CASES_REASON_MAX];
	int rc = 0, why;
	memset(&e, 0, sizeof e);
	if (!r)
		return err_set(ERR_NOMEM, "cases: out of memory");
	r->f = env->f;
	r->parsed = r->valid = 1;
	const struct cases_case *k = cases_find(c, env->f.case_id);
	int owner = k ? k->owner : case_owner(ch, env->f.case_id);
	if ((rc = env_from_record(ch, r, 0, &e, &aid)))
		goto out;
	e.log = sender_party(ch, &e);
	e.index = c->logs[e.log].n; /* where it would go */
	enum cases_standing st = standing_of(c, &e, k, owner, k ? k->opened : 0, &why);
	if (st == CASES_STANDS)
		goto out;
	why_text(c, &e, k, env->f.case_id, owner, why, why_s, sizeof why_s);
	rc = err_set(st == CASES_PENDING || why == CASES_WHY_NOT_OPEN ? ERR_CONFLICT : ERR_VERIFY, "%s", why_s);
out:
	free(r);
	return rc;
}

/* ---------- lookups ---------- */

const struct cases_case *cases_find(const struct cases *c, const char *case_id)
{
	return c->table_cap ? *case_slot(c->table, c->table_cap, case_id) : NULL;
}

size_t cases_count(const struct cases *c)
{
	return c->ncases;
}

static int case_cmp(const void *pa, const void *pb)
{
	return strcmp((*(const struct cases_case *const *)pa)->id, (*(const struct cases_case *const *)pb)->id);
}

int cases_list(const struct cases *c, const struct cases_case ***out, size_t *n)
{
	*n = 0;
	if (!(*out = malloc((c->ncases ? c->ncases : 1) * sizeof **out)))
		return err_set(ERR_NOMEM, "cases: out of memory");
	for (size_t i = 0; i < c->table_cap; i++)
		if (c->table[i])
			(*out)[(*n)++] = c->table[i];
	qsort(*out, *n, sizeof **out, case_cmp);
	return 0;
}

int cases_inbox(const struct cases *c, const char *agency, const struct cases_env ***out, size_t *n)
{
	int a = agency_index(c->charter, agency);
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	if (a < 0)
		return err_set(ERR_NOTFOUND, "cases: '%s' is not an agency of the charter", agency);
	for (size_t l = 0; l < c->charter->nparties; l++)
		for (uint64_t i = 0; i < c->logs[l].n; i++) {
			const struct cases_env *e = c->logs[l].envs[i];
			if (!counts(e) || e->kind == ENV_RECEIVED || !has_agency(e, a))
				continue;
			if (grow(out, &cap, *n, sizeof **out)) {
				free(*out);
				*out = NULL;
				*n = 0;
				return ERR_NOMEM;
			}
			(*out)[(*n)++] = e;
		}
	if (*n)
		qsort(*out, *n, sizeof **out, env_cmp);
	return 0;
}

/* ---------- JSON ---------- */

/* Builders that remember the first failure, so that a rendering is checked once at the end. */
struct jb {
	int failed;
};

static json_t *jchk(struct jb *b, json_t *v)
{
	if (!v)
		b->failed = 1;
	return v;
}

static void jset(struct jb *b, json_t *o, const char *key, json_t *v)
{
	if (!o || !v || json_object_set_new(o, key, v))
		b->failed = 1;
}

static void jpush(struct jb *b, json_t *a, json_t *v)
{
	if (!a || !v || json_array_append_new(a, v))
		b->failed = 1;
}

static json_t *jtime(struct jb *b, int64_t t)
{
	char s[21];
	syntax_format_time(t, s);
	return jchk(b, json_string(s));
}

static json_t *jleaf(struct jb *b, const merkle_hash h)
{
	char s[48];
	b64_encode(s, h, MERKLE_HASH);
	return jchk(b, json_string(s));
}

static const char *log_name(const struct cases *c, int l)
{
	return c->charter->parties[l].node_key.name;
}

/* {"log", "index", "kind"} naming an envelope. */
static json_t *jpos(struct jb *b, const struct cases *c, const struct cases_env *e)
{
	if (!e)
		return json_null();
	json_t *o = jchk(b, json_object());
	jset(b, o, "log", json_string(log_name(c, e->log)));
	jset(b, o, "index", json_integer((json_int_t)e->index));
	jset(b, o, "kind", json_string(envelope_kind_name(e->kind)));
	return o;
}

static json_t *jdeadline(struct jb *b, const struct cases *c, const struct cases_deadline *d)
{
	json_t *o = jchk(b, json_object());
	jset(b, o, "state", json_string(cases_clock_name(d->state)));
	jset(b, o, "due", d->started ? jtime(b, d->due) : json_null());
	jset(b, o, "at", d->state == CASES_NOT_STARTED || d->state == CASES_DUE ? json_null() : jtime(b, d->at));
	jset(b, o, "late", json_boolean(d->late));
	jset(b, o, "by", jpos(b, c, d->by));
	return o;
}

/* The public figures of e's aid line, and for a consignment its advance-notice deadline. */
static json_t *jaid(struct jb *b, const struct cases *c, const struct cases_env *e)
{
	const struct envelope_aid *a = e->aid;
	json_t *o = jchk(b, json_object());
	static const char *const types[] = {"none", "consignment", "inspection", "crossing"};
	jset(b, o, "type", json_string(types[a->type <= ENV_AID_CROSSING ? a->type : 0]));
	if (a->type == ENV_AID_CONSIGNMENT) {
		json_t *sec = jchk(b, json_object());
		jset(b, o, "crossing", json_string(a->crossing));
		jset(b, o, "cross_by", jtime(b, a->time));
		jset(b, o, "trucks", json_integer(a->trucks));
		for (int k = 0; k < AID_SECTOR_COUNT; k++)
			if (a->sector_trucks[k])
				jset(b, sec, envelope_aid_sector_name((enum envelope_aid_sector)k), json_integer(a->sector_trucks[k]));
		jset(b, o, "sectors", sec);
		jset(b, o, "beneficiaries", json_integer(a->beneficiaries));
		jset(b, o, "advance_due", jtime(b, advance_due(c, e)));
		jset(b, o, "notice_on_time", json_boolean(e->time <= advance_due(c, e)));
	} else if (a->type == ENV_AID_INSPECTION) {
		jset(b, o, "result", json_string(envelope_aid_result_name(a->result)));
		jset(b, o, "trucks", json_integer(a->trucks));
	} else if (a->type == ENV_AID_CROSSING) {
		jset(b, o, "crossed", jtime(b, a->time));
		jset(b, o, "trucks", json_integer(a->trucks));
	}
	return o;
}

static json_t *jenvelope(struct jb *b, const struct cases *c, const struct cases_env *e, int64_t now)
{
	const struct charter *ch = c->charter;
	json_t *o = jchk(b, json_object()), *a;
	const struct cases_env *target;
	char hex[65];
	int64_t t;
	jset(b, o, "log", json_string(log_name(c, e->log)));
	jset(b, o, "index", json_integer((json_int_t)e->index));
	jset(b, o, "leaf", jleaf(b, e->leaf));
	jset(b, o, "kind", json_string(envelope_kind_name(e->kind)));
	jset(b, o, "from", json_string(e->kind == ENV_RECEIVED ? ch->parties[e->from].id : ch->agencies[e->from].name));
	jset(b, o, "to", a = jchk(b, json_array()));
	for (size_t i = 0; i < ch->nagencies; i++)
		if (has_agency(e, (int)i))
			jpush(b, a, json_string(ch->agencies[i].name));
	jset(b, o, "time", jtime(b, e->time));
	jset(b, o, "urgent", json_boolean(e->urgent));
	jset(b, o, "handling", e->handling[0] ? json_string(e->handling) : json_null());
	if (e->has_body) {
		hex_encode(hex, e->body_hash, 32);
		jset(b, o, "body", json_pack("{s:s, s:I}", "sha256", hex, "size", (json_int_t)e->body_size));
	} else {
		jset(b, o, "body", json_null());
	}
	if (e->aid) /* only in aid-crossing channels: other envelopes have no "aid" member */
		jset(b, o, "aid", jaid(b, c, e));
	if (e->has_ref) {
		enum ref_state rs = resolve(c, e, &target);
		json_t *r = jchk(b, json_object());
		jset(b, r, "log", e->ref_log < 0 ? json_null() : json_string(log_name(c, e->ref_log)));
		jset(b, r, "index", json_integer((json_int_t)e->ref_index));
		jset(b, r, "leaf", jleaf(b, e->ref_leaf));
		jset(b, r, "state", json_string(ref_state_names[rs]));
		jset(b, r, "kind", target && counts(target) ? json_string(envelope_kind_name(target->kind)) : json_null());
		jset(b, o, "ref", r);
	} else {
		jset(b, o, "ref", json_null());
	}
	uint32_t m = foreign_parties(ch, e);
	jset(b, o, "delivery", a = jchk(b, json_array()));
	for (int p = 0; p < (int)ch->nparties; p++) {
		if (!((m >> p) & 1))
			continue;
		if (first_cosig(c, e, p, now, &t))
			jpush(b, a, json_pack("{s:s, s:s, s:o}", "party", ch->parties[p].id, "state", "delivered", "at",
					      jtime(b, t)));
		else
			jpush(b, a, json_pack("{s:s, s:s, s:o}", "party", ch->parties[p].id, "state", "outstanding",
					      "since", jtime(b, outstanding_since(c, e, now))));
	}
	jset(b, o, "cosigned", a = jchk(b, json_array()));
	for (size_t k = 0; k < ch->nparties + ch->nwitnesses; k++)
		if (first_cosig(c, e, (int)k, now, &t))
			jpush(b, a, json_pack("{s:s, s:s, s:o}", "by",
					      k < ch->nparties ? ch->parties[k].id : ch->witnesses[k - ch->nparties].id,
					      "role", k < ch->nparties ? "party" : "witness", "at", jtime(b, t)));
	jset(b, o, "received", a = jchk(b, json_array()));
	const struct cases_case *k = e->kase;
	const struct cases_env **sorted = malloc((k->n ? k->n : 1) * sizeof *sorted);
	if (!sorted) {
		b->failed = 1;
		return o;
	}
	memcpy(sorted, k->envs, k->n * sizeof *sorted);
	qsort(sorted, k->n, sizeof *sorted, env_cmp);
	for (size_t i = 0; i < k->n; i++) {
		const struct cases_env *r = sorted[i];
		if (counts(r) && r->kind == ENV_RECEIVED && refers_to(c, r, e))
			jpush(b, a, json_pack("{s:s, s:s, s:I, s:o}", "party", ch->parties[r->from].id, "log",
					      log_name(c, r->log), "index", (json_int_t)r->index, "time",
					      jtime(b, r->time)));
	}
	free(sorted);
	jset(b, o, "obligations", a = jchk(b, json_array()));
	for (int p = 0; (e->kind == ENV_REQUEST || is_consignment(e)) && p < (int)ch->nparties; p++) {
		if (!((m >> p) & 1))
			continue;
		struct cases_obligation ob;
		obligation(c, e, p, now, &ob);
		json_t *x = jchk(b, json_object());
		jset(b, x, "party", json_string(ch->parties[p].id));
		jset(b, x, "delivered_at", ob.delivered ? jtime(b, ob.delivered_at) : json_null());
		jset(b, x, "answers", json_integer((json_int_t)ob.answers));
		jset(b, x, "ack", jdeadline(b, c, &ob.ack));
		jset(b, x, "answer", ob.has_answer ? jdeadline(b, c, &ob.answer) : json_null());
		jpush(b, a, x);
	}
	return o;
}

/* Appends the rendering of root (consumed) to out. */
static int jfinish(struct jb *b, json_t *root, struct buf *out)
{
	char *s = NULL;
	int rc = 0;
	if (b->failed || !root || !(s = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII)))
		rc = err_set(ERR_NOMEM, "cases: out of memory rendering JSON");
	else if (!(rc = buf_append_str(out, s)))
		rc = buf_append_byte(out, '\n');
	free(s);
	json_decref(root);
	return rc;
}

int cases_case_json(const struct cases *c, const struct cases_case *k, int64_t now, struct buf *out)
{
	struct jb b = {0};
	json_t *root = jchk(&b, json_object()), *envs, *inval;
	int64_t close_at = 0;
	const struct cases_env **sorted = malloc((k->n ? k->n : 1) * sizeof *sorted);
	if (!sorted) {
		json_decref(root);
		return err_set(ERR_NOMEM, "cases: out of memory");
	}
	memcpy(sorted, k->envs, k->n * sizeof *sorted);
	qsort(sorted, k->n, sizeof *sorted, env_cmp);
	const struct cases_env *close = case_close(c, k, now, &close_at);
	jset(&b, root, "case", json_string(k->id));
	jset(&b, root, "as_of", jtime(&b, now));
	jset(&b, root, "closed_at", close ? jtime(&b, close_at) : json_null());
	jset(&b, root, "envelopes", envs = jchk(&b, json_array()));
	jset(&b, root, "invalid", inval = jchk(&b, json_array()));
	for (size_t i = 0; i < k->n; i++) {
		const struct cases_env *e = sorted[i];
		char why[CASES_REASON_MAX];
		if (counts(e))
			jpush(&b, envs, jenvelope(&b, c, e, now));
		else
			jpush(&b, inval, json_pack("{s:s, s:I, s:o, s:s}", "log", log_name(c, e->log), "index",
						   (json_int_t)e->index, "leaf", jleaf(&b, e->leaf), "reason",
						   cases_reason(c, e, why, sizeof why)));
	}
	free(sorted);
	return jfinish(&b, root, out);
}

int cases_inbox_json(const struct cases *c, const char *agency, int64_t now, struct buf *out)
{
	const struct cases_env **items;
	size_t n;
	int rc = cases_inbox(c, agency, &items, &n);
	if (rc)
		return rc;
	struct jb b = {0};
	json_t *root = jchk(&b, json_object()), *a;
	jset(&b, root, "agency", json_string(agency));
	jset(&b, root, "as_of", jtime(&b, now));
	jset(&b, root, "items", a = jchk(&b, json_array()));
	for (size_t i = 0; i < n; i++) {
		json_t *o = jenvelope(&b, c, items[i], now);
		jset(&b, o, "case", json_string(items[i]->kase->id));
		jpush(&b, a, o);
	}
	free(items);
	return jfinish(&b, root, out);
}

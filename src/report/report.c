/* report — the figures of a period over a loaded log set (docs/reports.md). */
#include "report/report.h"
#include "base/err.h"
#include "exchange/syntax.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const state_names[] = {"outstanding", "overdue", "delivered", "closed", "acknowledged", "declined",
					  "answered"};

const char *report_state_name(enum report_state s)
{
	return (unsigned)s <= REPORT_ANSWERED ? state_names[s] : "";
}

static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? 2 * *cap : 16;
	void *p = realloc(*arr, c * sz);
	if (!p)
		return err_set(ERR_NOMEM, "out of memory");
	*arr = p;
	*cap = c;
	return 0;
}

static int kind_cmp(int a, int b)
{
	return strcmp(envelope_kind_name((enum envelope_kind)a), envelope_kind_name((enum envelope_kind)b));
}

/* The pair (from, to, kind), added in sorted place if new; NULL if out of memory. */
static struct report_pair *pair_of(struct report *r, int from, int to, int kind)
{
	size_t i = 0;
	for (; i < r->npairs; i++) {
		struct report_pair *p = &r->pairs[i];
		if (p->from == from && p->to == to && p->kind == kind)
			return p;
		if (p->from > from || (p->from == from && (p->to > to || (p->to == to && kind_cmp(p->kind, kind) > 0))))
			break;
	}
	if (grow((void **)&r->pairs, &r->cappairs, r->npairs, sizeof *r->pairs))
		return NULL;
	memmove(&r->pairs[i + 1], &r->pairs[i], (r->npairs - i) * sizeof *r->pairs);
	r->npairs++;
	memset(&r->pairs[i], 0, sizeof r->pairs[i]);
	r->pairs[i].from = from;
	r->pairs[i].to = to;
	r->pairs[i].kind = kind;
	return &r->pairs[i];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* year * 12 + month - 1 of Unix time t (UTC). */
static int month_of(int64_t t)
{
	int64_t z = floor_div(t, 86400) + 719468, era = floor_div(z, 146097);
	int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
	return (int)(y * 12 + m - 1);
}

static struct report_month *month_in(struct report_pair *p, int ym)
{
	size_t i = 0;
	for (; i < p->nmonths && p->months[i].ym < ym; i++)
		;
	if (i < p->nmonths && p->months[i].ym == ym)
		return &p->months[i];
	if (grow((void **)&p->months, &p->capmonths, p->nmonths, sizeof *p->months))
		return NULL;
	memmove(&p->months[i + 1], &p->months[i], (p->nmonths - i) * sizeof *p->months);
	p->nmonths++;
	memset(&p->months[i], 0, sizeof p->months[i]);
	p->months[i].ym = ym;
	return &p->months[i];
}

static int add_value(struct report_pair *p, int which, int64_t v)
{
	if (grow((void **)&p->v[which], &p->capv[which], p->nv[which], sizeof(int64_t)))
		return ERR_NOMEM;
	p->v[which][p->nv[which]++] = v;
	return 0;
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest rank: the value at rank ceil(q/100 * n), 1-based, of the sorted values. */
static void percentiles(int64_t *v, size_t n, struct report_stat *s)
{
	memset(s, 0, sizeof *s);
	if (!n)
		return;
	qsort(v, n, sizeof *v, i64_cmp);
	s->has = 1;
	s->median = v[(n * 50 + 99) / 100 - 1];
	s->p90 = v[(n * 90 + 99) / 100 - 1];
}

static int env_cmp(const void *pa, const void *pb)
{
	const struct cases_env *a = ((const struct report_env *)pa)->e, *b = ((const struct report_env *)pb)->e;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->log != b->log)
		return a->log < b->log ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

/* Counts e towards the pair (party p to party q); updates the envelope's summary re. */
static int count(const struct logset *s, const struct report *r, const struct cases_env *e, int q,
		 struct report_env *re, struct report_pair *pr)
{
	const struct cases *c = &s->cases;
	int64_t at;
	struct report_month *m = month_in(pr, month_of(e->time));
	enum report_state st = REPORT_OUTSTANDING;
	if (!m)
		return ERR_NOMEM;
	pr->sent++;
	m->sent++;
	if (!cases_delivered_to(c, e, q, r->to, &at)) {
		pr->outstanding++;
		/* not delivered to every party counted: no delivery, acknowledgement or answer time */
		re->has_delivered = re->has_acknowledged = re->has_answered = -1;
		re->state = REPORT_OUTSTANDING;
		return 0;
	}
	pr->delivered++;
	m->delivered++;
	if (add_value(pr, 0, at - e->time))
		return ERR_NOMEM;
	if (re->has_delivered == 0 || at > re->delivered_at)
		re->delivered_at = at;
	st = REPORT_DELIVERED;
	if (e->kind == ENV_REQUEST && q != s->charter.agencies[e->from].party) {
		struct cases_obligation o;
		if (cases_status(c, e, s->charter.parties[q].id, r->to, &o))
			return err_wrap(ERR_USAGE, "report");
		if (o.ack.state == CASES_MET) {
			pr->acknowledged++;
			m->acknowledged++;
			if (add_value(pr, 1, o.ack.at - o.delivered_at))
				return ERR_NOMEM;
			if (re->has_acknowledged >= 0 && (!re->has_acknowledged || o.ack.at > re->acknowledged_at))
				re->acknowledged_at = o.ack.at, re->has_acknowledged = 1;
			st = REPORT_ACKNOWLEDGED;
		} else {
			re->has_acknowledged = -1; /* not every party: null */
		}
		if (o.answer.state == CASES_MET) {
			int answer = o.answer.by && o.answer.by->kind == ENV_ANSWER;
			answer ? pr->answered++ : pr->declined++;
			m->answered += (uint64_t)answer;
			if (add_value(pr, 2, o.answer.at - o.delivered_at))
				return ERR_NOMEM;
			if (re->has_answered >= 0 && (!re->has_answered || o.answer.at > re->answered_at))
				re->answered_at = o.answer.at, re->has_answered = 1;
			st = answer ? REPORT_ANSWERED : REPORT_DECLINED;
		} else {
			re->has_answered = -1;
		}
		if (o.ack.state == CASES_CLOSED || o.answer.state == CASES_CLOSED)
			st = st < REPORT_CLOSED ? REPORT_CLOSED : st;
		if (o.ack.state == CASES_OVERDUE || o.answer.state == CASES_OVERDUE) {
			pr->overdue++;
			st = REPORT_OVERDUE;
		}
		/* met after the due time (a clock stopped late by a close is not "met") */
		pr->late += (uint64_t)((o.ack.state == CASES_MET && o.ack.late) || (o.answer.state == CASES_MET && o.answer.late));
	}
	if (re->has_delivered == 0)
		re->has_delivered = 1;
	if (st < re->state)
		re->state = st;
	return 0;
}

int report_compute(const struct logset *s, int64_t from, int64_t to, const struct report_filter *f, struct report *r)
{
	const struct charter *ch = &s->charter;
	int rc = 0;
	memset(r, 0, sizeof *r);
	r->from = from;
	r->to = to;
	r->filter = *f;
	if (from > to)
		return err_set(ERR_USAGE, "the period ends before it starts");
	for (size_t p = 0; p < ch->nparties && !rc; p++) {
		if (f->party >= 0 && (int)p != f->party)
			continue;
		const char *origin = ch->parties[p].node_key.name;
		for (uint64_t i = 0; i < s->logs[p].read && !rc; i++) {
			const struct cases_env *e = cases_entry(&s->cases, origin, i);
			if (!e || !cases_counts(e) || e->time < from || e->time >= to || (f->kind >= 0 && (int)e->kind != f->kind))
				continue;
			uint32_t m = cases_recipient_parties(&s->cases, e);
			if (!m)
				m = 1u << p; /* addressed only to its own party: the pair (p, p) */
			if (f->to_party >= 0)
				m &= 1u << f->to_party;
			if (!m)
				continue;
			struct report_env re = {e, 0, 0, 0, 0, 0, 0, REPORT_ANSWERED};
			for (size_t q = 0; q < ch->nparties && !rc; q++) {
				if (!((m >> q) & 1))
					continue;
				struct report_pair *pr = pair_of(r, (int)p, (int)q, (int)e->kind);
				rc = pr ? count(s, r, e, (int)q, &re, pr) : ERR_NOMEM;
			}
			if (rc)
				break;
			re.has_delivered = re.has_delivered > 0;
			re.has_acknowledged = re.has_acknowledged > 0;
			re.has_answered = re.has_answered > 0;
			if (!(rc = grow((void **)&r->envs, &r->capenvs, r->nenvs, sizeof *r->envs)))
				r->envs[r->nenvs++] = re;
		}
	}
	for (size_t i = 0; i < r->npairs; i++) {
		struct report_pair *p = &r->pairs[i];
		percentiles(p->v[0], p->nv[0], &p->delivery);
		percentiles(p->v[1], p->nv[1], &p->ack);
		percentiles(p->v[2], p->nv[2], &p->answer);
	}
	if (r->nenvs)
		qsort(r->envs, r->nenvs, sizeof *r->envs, env_cmp);
	if (rc) {
		report_release(r);
		return rc == ERR_NOMEM ? err_set(ERR_NOMEM, "out of memory") : rc;
	}
	return 0;
}

void report_release(struct report *r)
{
	for (size_t i = 0; i < r->npairs; i++) {
		free(r->pairs[i].months);
		for (int k = 0; k < 3; k++)
			free(r->pairs[i].v[k]);
	}
	free(r->pairs);
	free(r->envs);
	memset(r, 0, sizeof *r);
}

void report_entry_name(const struct logset *s, const struct cases_env *e, char *out, size_t n)
{
	snprintf(out, n, "%s/%llu", s->charter.parties[e->log].id, (unsigned long long)e->index);
}

/* ---- JSON ---- */

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
	if (!v || !o || json_object_set_new(o, key, v))
		b->failed = 1;
}

static void jpush(struct jb *b, json_t *a, json_t *v)
{
	if (!v || !a || json_array_append_new(a, v))
		b->failed = 1;
}

static json_t *jtime(struct jb *b, int64_t t)
{
	char s[21];
	syntax_format_time(t, s);
	return jchk(b, json_string(s));
}

static json_t *jopt_time(struct jb *b, int has, int64_t t)
{
	return has ? jtime(b, t) : jchk(b, json_null());
}

static json_t *jstr_or_null(struct jb *b, const char *s)
{
	return jchk(b, s ? json_string(s) : json_null());
}

static json_t *jstat(struct jb *b, const struct report_stat *st)
{
	json_t *o = jchk(b, json_object());
	jset(b, o, "median", st->has ? json_integer(st->median) : json_null());
	jset(b, o, "p90", st->has ? json_integer(st->p90) : json_null());
	return o;
}

static json_t *jcount(uint64_t n)
{
	return json_integer((json_int_t)n);
}

const char *report_agency_name(const struct logset *s, const struct cases_env *e)
{
	return e->kind == ENV_RECEIVED ? s->charter.parties[e->from].id : s->charter.agencies[e->from].name;
}

int report_json(const struct logset *s, const struct report *r, struct buf *out)
{
	const struct charter *ch = &s->charter;
	struct jb b = {0};
	json_t *root = jchk(&b, json_object()), *a;
	char *text = NULL;
	int rc = 0;
	jset(&b, root, "report", json_string("parley report v1"));
	jset(&b, root, "channel", json_string(ch->id_hex));
	json_t *period = jchk(&b, json_object());
	jset(&b, period, "from", jtime(&b, r->from));
	jset(&b, period, "to", jtime(&b, r->to));
	jset(&b, root, "period", period);
	json_t *filter = jchk(&b, json_object());
	jset(&b, filter, "party", jstr_or_null(&b, r->filter.party >= 0 ? ch->parties[r->filter.party].id : NULL));
	jset(&b, filter, "to_party", jstr_or_null(&b, r->filter.to_party >= 0 ? ch->parties[r->filter.to_party].id : NULL));
	jset(&b, filter, "kind",
	     jstr_or_null(&b, r->filter.kind >= 0 ? envelope_kind_name((enum envelope_kind)r->filter.kind) : NULL));
	jset(&b, root, "filter", filter);
	jset(&b, root, "as_of", jtime(&b, r->to));
	a = jchk(&b, json_array());
	for (size_t p = 0; p < ch->nparties; p++) {
		const struct logset_log *L = &s->logs[p];
		json_t *o = jchk(&b, json_object());
		jset(&b, o, "party", json_string(ch->parties[p].id));
		jset(&b, o, "origin", json_string(ch->parties[p].node_key.name));
		jset(&b, o, "size", jcount(L->read));
		if (L->closed) {
			json_t *c = jchk(&b, json_object()), *names = jchk(&b, json_array());
			jset(&b, c, "size", jcount(L->closing.size));
			jset(&b, c, "witnessed_at", jtime(&b, L->closing.witnessed_at));
			for (size_t k = 0; k < L->closing.ncosigners; k++)
				jpush(&b, names, json_string(logset_cosigner_name(s, L->closing.cosigners[k])));
			jset(&b, c, "cosigners", names);
			jset(&b, o, "closing", c);
		} else {
			jset(&b, o, "closing", json_null());
		}
		jset(&b, o, "complete", json_boolean(L->closed));
		jpush(&b, a, o);
	}
	jset(&b, root, "logs", a);
	a = jchk(&b, json_array());
	for (size_t i = 0; i < r->npairs; i++) {
		const struct report_pair *p = &r->pairs[i];
		json_t *o = jchk(&b, json_object()), *ms = jchk(&b, json_array());
		jset(&b, o, "from", json_string(ch->parties[p->from].id));
		jset(&b, o, "to", json_string(ch->parties[p->to].id));
		jset(&b, o, "kind", json_string(envelope_kind_name((enum envelope_kind)p->kind)));
		jset(&b, o, "sent", jcount(p->sent));
		jset(&b, o, "delivered", jcount(p->delivered));
		jset(&b, o, "outstanding", jcount(p->outstanding));
		jset(&b, o, "acknowledged", jcount(p->acknowledged));
		jset(&b, o, "answered", jcount(p->answered));
		jset(&b, o, "declined", jcount(p->declined));
		jset(&b, o, "overdue", jcount(p->overdue));
		jset(&b, o, "late", jcount(p->late));
		jset(&b, o, "delivery_s", jstat(&b, &p->delivery));
		jset(&b, o, "ack_s", jstat(&b, &p->ack));
		jset(&b, o, "answer_s", jstat(&b, &p->answer));
		for (size_t k = 0; k < p->nmonths; k++) {
			const struct report_month *m = &p->months[k];
			char ym[16];
			json_t *mo = jchk(&b, json_object());
			snprintf(ym, sizeof ym, "%04d-%02d", m->ym / 12, m->ym % 12 + 1);
			jset(&b, mo, "month", json_string(ym));
			jset(&b, mo, "sent", jcount(m->sent));
			jset(&b, mo, "delivered", jcount(m->delivered));
			jset(&b, mo, "acknowledged", jcount(m->acknowledged));
			jset(&b, mo, "answered", jcount(m->answered));
			jpush(&b, ms, mo);
		}
		jset(&b, o, "months", ms);
		jpush(&b, a, o);
	}
	jset(&b, root, "pairs", a);
	a = jchk(&b, json_array());
	for (size_t i = 0; i < r->nenvs && !b.failed; i++) {
		const struct report_env *re = &r->envs[i];
		const struct cases_env *e = re->e;
		char name[64];
		json_t *o = jchk(&b, json_object()), *to = jchk(&b, json_array());
		report_entry_name(s, e, name, sizeof name);
		jset(&b, o, "entry", json_string(name));
		jset(&b, o, "from", json_string(report_agency_name(s, e)));
		for (size_t k = 0; k < ch->nagencies; k++)
			if ((e->to[k / 64] >> (k % 64)) & 1)
				jpush(&b, to, json_string(ch->agencies[k].name));
		jset(&b, o, "to", to);
		jset(&b, o, "kind", json_string(envelope_kind_name(e->kind)));
		jset(&b, o, "case", json_string(e->kase ? e->kase->id : ""));
		jset(&b, o, "time", jtime(&b, e->time));
		jset(&b, o, "delivered_at", jopt_time(&b, re->has_delivered, re->delivered_at));
		jset(&b, o, "acknowledged_at", jopt_time(&b, re->has_acknowledged, re->acknowledged_at));
		jset(&b, o, "answered_at", jopt_time(&b, re->has_answered, re->answered_at));
		jset(&b, o, "state", json_string(report_state_name(re->state)));
		jpush(&b, a, o);
	}
	jset(&b, root, "envelopes", a);
	if (b.failed || !(text = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII)))
		rc = err_set(ERR_NOMEM, "report: out of memory rendering JSON");
	else if (!(rc = buf_append_str(out, text)))
		rc = buf_append_byte(out, '\n');
	free(text);
	json_decref(root);
	return rc;
}

/* ---- CSV ---- */

static int csv_stat(struct buf *out, const struct report_stat *st)
{
	return st->has ? buf_printf(out, ",%lld,%lld", (long long)st->median, (long long)st->p90) : buf_printf(out, ",,");
}

int report_csv(const struct logset *s, const struct report *r, struct buf *out)
{
	int rc = buf_printf(out, "from,to,kind,sent,delivered,outstanding,acknowledged,answered,declined,overdue,late,"
				 "delivery_median_s,delivery_p90_s,ack_median_s,ack_p90_s,answer_median_s,answer_p90_s\r\n");
	for (size_t i = 0; i < r->npairs && !rc; i++) {
		const struct report_pair *p = &r->pairs[i];
		rc = buf_printf(out, "%s,%s,%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu", s->charter.parties[p->from].id,
				s->charter.parties[p->to].id, envelope_kind_name((enum envelope_kind)p->kind),
				(unsigned long long)p->sent, (unsigned long long)p->delivered,
				(unsigned long long)p->outstanding, (unsigned long long)p->acknowledged,
				(unsigned long long)p->answered, (unsigned long long)p->declined,
				(unsigned long long)p->overdue, (unsigned long long)p->late);
		if (!rc)
			rc = csv_stat(out, &p->delivery);
		if (!rc)
			rc = csv_stat(out, &p->ack);
		if (!rc)
			rc = csv_stat(out, &p->answer);
		if (!rc)
			rc = buf_printf(out, "\r\n");
	}
	return rc;
}

/* ---- text ---- */

static void fmt_dur(char *out, size_t n, const struct report_stat *st, int p90)
{
	if (!st->has) {
		snprintf(out, n, "-");
		return;
	}
	int64_t v = p90 ? st->p90 : st->median;
	const char *sign = v < 0 ? "-" : "";
	uint64_t a = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
	if (a >= 86400)
		snprintf(out, n, "%s%llud%02lluh", sign, (unsigned long long)(a / 86400), (unsigned long long)(a % 86400 / 3600));
	else if (a >= 3600)
		snprintf(out, n, "%s%lluh%02llum", sign, (unsigned long long)(a / 3600), (unsigned long long)(a % 3600 / 60));
	else
		snprintf(out, n, "%s%llum%02llus", sign, (unsigned long long)(a / 60), (unsigned long long)(a % 60));
}

int report_logs_text(const struct logset *s, struct buf *out)
{
	int rc = 0;
	char t[21];
	for (size_t p = 0; p < s->charter.nparties && !rc; p++) {
		const struct logset_log *L = &s->logs[p];
		const char *id = s->charter.parties[p].id;
		if (L->closed) {
			syntax_format_time(L->closing.witnessed_at, t);
			rc = buf_printf(out, "  %s's log seen at size %llu by %zu witness%s at %s (", id,
					(unsigned long long)L->closing.size, L->closing.ncosigners,
					L->closing.ncosigners == 1 ? "" : "es", t);
			for (size_t k = 0; k < L->closing.ncosigners && !rc; k++)
				rc = buf_printf(out, "%s%s", k ? ", " : "", logset_cosigner_name(s, L->closing.cosigners[k]));
			if (!rc)
				rc = buf_printf(out, ")\n");
		} else {
			syntax_format_time(s->to + LOGSET_SLACK, t);
			rc = buf_printf(out, "  %s's log: no closing checkpoint yet (none seen by %u witness%s at or after %s; %llu entries read): provisional\n",
					id, s->charter.witness_quorum, s->charter.witness_quorum == 1 ? "" : "es", t,
					(unsigned long long)L->read);
		}
	}
	return rc;
}

int report_text(const struct logset *s, const struct report *r, struct buf *out)
{
	const struct charter *ch = &s->charter;
	char f[21], t[21], d[21];
	int complete = 1, rc;
	syntax_format_time(r->from, f);
	syntax_format_time(r->to, t);
	rc = buf_printf(out, "period %s to %s (clocks as of %s)\n", f, t, t);
	if (!rc && (r->filter.party >= 0 || r->filter.to_party >= 0 || r->filter.kind >= 0))
		rc = buf_printf(out, "filter:%s%s%s%s%s%s\n", r->filter.party >= 0 ? " from party " : "",
				r->filter.party >= 0 ? ch->parties[r->filter.party].id : "",
				r->filter.to_party >= 0 ? " to party " : "",
				r->filter.to_party >= 0 ? ch->parties[r->filter.to_party].id : "",
				r->filter.kind >= 0 ? " kind " : "",
				r->filter.kind >= 0 ? envelope_kind_name((enum envelope_kind)r->filter.kind) : "");
	for (size_t p = 0; p < ch->nparties; p++)
		complete &= s->logs[p].closed;
	if (!rc && r->nenvs == 0)
		rc = buf_printf(out, "matching envelopes: none%s\n", complete ? "" : " (provisional)");
	else if (!rc)
		rc = buf_printf(out, "matching envelopes: %zu%s\n", r->nenvs, complete ? "" : " (provisional)");
	for (size_t i = 0; i < r->nenvs && !rc; i++) {
		const struct report_env *re = &r->envs[i];
		char name[64];
		report_entry_name(s, re->e, name, sizeof name);
		syntax_format_time(re->e->time, f);
		if (re->has_delivered)
			syntax_format_time(re->delivered_at, d);
		rc = buf_printf(out, "  %-10s %s  %-10s %-8s -> ", name, f, envelope_kind_name(re->e->kind),
				report_agency_name(s, re->e));
		for (size_t k = 0; k < ch->nagencies && !rc; k++)
			if ((re->e->to[k / 64] >> (k % 64)) & 1)
				rc = buf_printf(out, "%s ", ch->agencies[k].name);
		if (!rc)
			rc = buf_printf(out, " case %s  delivered %s  %s\n", re->e->kase ? re->e->kase->id : "-",
					re->has_delivered ? d : "-", report_state_name(re->state));
	}
	if (!rc)
		rc = buf_printf(out, "proved by the closing checkpoints:\n");
	if (!rc)
		rc = report_logs_text(s, out);
	if (!rc && r->npairs)
		rc = buf_printf(out, "figures:\n  %-5s %-5s %-12s %6s %6s %6s %6s %6s %6s %6s %6s  %-17s %-17s %-17s\n", "from",
				"to", "kind", "sent", "deliv", "outst", "ack'd", "answ", "decl", "overdue", "late",
				"delivery p50/p90", "ack p50/p90", "answer p50/p90");
	for (size_t i = 0; i < r->npairs && !rc; i++) {
		const struct report_pair *p = &r->pairs[i];
		char a[6][24], col[3][64];
		fmt_dur(a[0], sizeof a[0], &p->delivery, 0);
		fmt_dur(a[1], sizeof a[1], &p->delivery, 1);
		fmt_dur(a[2], sizeof a[2], &p->ack, 0);
		fmt_dur(a[3], sizeof a[3], &p->ack, 1);
		fmt_dur(a[4], sizeof a[4], &p->answer, 0);
		fmt_dur(a[5], sizeof a[5], &p->answer, 1);
		for (int k = 0; k < 3; k++)
			snprintf(col[k], sizeof col[k], "%.23s/%.23s", a[2 * k], a[2 * k + 1]);
		rc = buf_printf(out, "  %-5s %-5s %-12s %6llu %6llu %6llu %6llu %6llu %6llu %6llu %6llu  %-17s %-17s %-17s\n",
				ch->parties[p->from].id, ch->parties[p->to].id,
				envelope_kind_name((enum envelope_kind)p->kind), (unsigned long long)p->sent,
				(unsigned long long)p->delivered, (unsigned long long)p->outstanding,
				(unsigned long long)p->acknowledged, (unsigned long long)p->answered,
				(unsigned long long)p->declined, (unsigned long long)p->overdue,
				(unsigned long long)p->late, col[0], col[1], col[2]);
	}
	return rc;
}

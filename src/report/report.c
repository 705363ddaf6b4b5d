/* report — the figures of a period over a loaded log set (docs/reports.md). */
#include "report/report.h"
#include "report/jw.h"
#include "base/err.h"
#include "exchange/syntax.h"

#include <errno.h>
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
	if (e->kind == ENV_REQUEST && q != s->charter->agencies[e->from].party) {
		struct cases_obligation o;
		if (cases_status(c, e, s->charter->parties[q].id, r->to, &o))
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
	const struct charter *ch = s->charter;
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
	snprintf(out, n, "%s/%llu", s->charter->parties[e->log].id, (unsigned long long)e->index);
}

/* ---- JSON ---- */

const char *report_agency_name(const struct logset *s, const struct cases_env *e)
{
	return e->kind == ENV_RECEIVED ? s->charter->parties[e->from].id : s->charter->agencies[e->from].name;
}

void report_jw_logs(struct jw *w, const struct logset *s)
{
	const struct charter *ch = s->charter;
	jw_open(w, "logs", '[');
	for (size_t p = 0; p < ch->nparties; p++) {
		const struct logset_log *L = &s->logs[p];
		jw_open(w, NULL, '{');
		jw_kstr(w, "party", ch->parties[p].id);
		jw_kstr(w, "origin", ch->parties[p].node_key.name);
		jw_kint(w, "size", (int64_t)L->read);
		if (L->closed) {
			jw_open(w, "closing", '{');
			jw_kint(w, "size", (int64_t)L->closing.size);
			jw_ktime(w, "witnessed_at", 1, L->closing.witnessed_at);
			jw_open(w, "cosigners", '[');
			for (size_t k = 0; k < L->closing.ncosigners; k++)
				jw_kstr(w, NULL, logset_cosigner_name(s, L->closing.cosigners[k]));
			jw_close(w, ']');
			jw_close(w, '}');
		} else {
			jw_kstr(w, "closing", NULL);
		}
		jw_item(w, "complete");
		jw_raw(w, L->closed ? "true" : "false", L->closed ? 4 : 5);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

static int json_to(const struct logset *s, const struct report *r, struct buf *out, FILE *fp)
{
	const struct charter *ch = s->charter;
	struct jw w = {out, 0, {1}, 0, fp};
	jw_open(&w, NULL, '{');
	jw_kstr(&w, "report", "parley report v1");
	jw_kstr(&w, "channel", ch->id_hex);
	jw_open(&w, "period", '{');
	jw_ktime(&w, "from", 1, r->from);
	jw_ktime(&w, "to", 1, r->to);
	jw_close(&w, '}');
	jw_open(&w, "filter", '{');
	jw_kstr(&w, "party", r->filter.party >= 0 ? ch->parties[r->filter.party].id : NULL);
	jw_kstr(&w, "to_party", r->filter.to_party >= 0 ? ch->parties[r->filter.to_party].id : NULL);
	jw_kstr(&w, "kind", r->filter.kind >= 0 ? envelope_kind_name((enum envelope_kind)r->filter.kind) : NULL);
	jw_close(&w, '}');
	jw_ktime(&w, "as_of", 1, r->to);
	report_jw_logs(&w, s);
	jw_open(&w, "pairs", '[');
	for (size_t i = 0; i < r->npairs; i++) {
		const struct report_pair *p = &r->pairs[i];
		jw_open(&w, NULL, '{');
		jw_kstr(&w, "from", ch->parties[p->from].id);
		jw_kstr(&w, "to", ch->parties[p->to].id);
		jw_kstr(&w, "kind", envelope_kind_name((enum envelope_kind)p->kind));
		jw_kint(&w, "sent", (int64_t)p->sent);
		jw_kint(&w, "delivered", (int64_t)p->delivered);
		jw_kint(&w, "outstanding", (int64_t)p->outstanding);
		jw_kint(&w, "acknowledged", (int64_t)p->acknowledged);
		jw_kint(&w, "answered", (int64_t)p->answered);
		jw_kint(&w, "declined", (int64_t)p->declined);
		jw_kint(&w, "overdue", (int64_t)p->overdue);
		jw_kint(&w, "late", (int64_t)p->late);
		jw_stat(&w, "delivery_s", &p->delivery);
		jw_stat(&w, "ack_s", &p->ack);
		jw_stat(&w, "answer_s", &p->answer);
		jw_open(&w, "months", '[');
		for (size_t k = 0; k < p->nmonths; k++) {
			const struct report_month *m = &p->months[k];
			char ym[16];
			snprintf(ym, sizeof ym, "%04d-%02d", m->ym / 12, m->ym % 12 + 1);
			jw_open(&w, NULL, '{');
			jw_kstr(&w, "month", ym);
			jw_kint(&w, "sent", (int64_t)m->sent);
			jw_kint(&w, "delivered", (int64_t)m->delivered);
			jw_kint(&w, "acknowledged", (int64_t)m->acknowledged);
			jw_kint(&w, "answered", (int64_t)m->answered);
			jw_close(&w, '}');
		}
		jw_close(&w, ']');
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_open(&w, "envelopes", '[');
	for (size_t i = 0; i < r->nenvs && !w.rc; i++) {
		const struct report_env *re = &r->envs[i];
		const struct cases_env *e = re->e;
		char name[64];
		report_entry_name(s, e, name, sizeof name);
		jw_open(&w, NULL, '{');
		jw_kstr(&w, "entry", name);
		jw_kstr(&w, "from", report_agency_name(s, e));
		jw_open(&w, "to", '[');
		for (size_t k = 0; k < ch->nagencies; k++)
			if ((e->to[k / 64] >> (k % 64)) & 1)
				jw_kstr(&w, NULL, ch->agencies[k].name);
		jw_close(&w, ']');
		jw_kstr(&w, "kind", envelope_kind_name(e->kind));
		jw_kstr(&w, "case", e->kase ? e->kase->id : "");
		jw_ktime(&w, "time", 1, e->time);
		jw_ktime(&w, "delivered_at", re->has_delivered, re->delivered_at);
		jw_ktime(&w, "acknowledged_at", re->has_acknowledged, re->acknowledged_at);
		jw_ktime(&w, "answered_at", re->has_answered, re->answered_at);
		jw_kstr(&w, "state", report_state_name(re->state));
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_close(&w, '}');
	jw_raw(&w, "\n", 1);
	jw_flush(&w);
	return w.rc;
}

int report_json(const struct logset *s, const struct report *r, struct buf *out)
{
	return json_to(s, r, out, NULL);
}

int report_json_file(const struct logset *s, const struct report *r, FILE *fp)
{
	struct buf b;
	buf_init(&b, 2 * JW_FLUSH);
	int rc = json_to(s, r, &b, fp);
	if (!rc && fflush(fp))
		rc = err_set(ERR_IO, "writing the report: %s", strerror(errno));
	buf_release(&b);
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
		rc = buf_printf(out, "%s,%s,%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu", s->charter->parties[p->from].id,
				s->charter->parties[p->to].id, envelope_kind_name((enum envelope_kind)p->kind),
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
	for (size_t p = 0; p < s->charter->nparties && !rc; p++) {
		const struct logset_log *L = &s->logs[p];
		const char *id = s->charter->parties[p].id;
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
					id, s->charter->witness_quorum, s->charter->witness_quorum == 1 ? "" : "es", t,
					(unsigned long long)L->read);
		}
	}
	return rc;
}

int report_text(const struct logset *s, const struct report *r, struct buf *out)
{
	const struct charter *ch = s->charter;
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

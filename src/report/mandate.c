/* mandate — the implementation report of an aid-crossing channel's term (docs/reports.md). */
#include "report/mandate.h"
#include "base/err.h"
#include "exchange/syntax.h"
#include "report/jw.h"

#include <stdlib.h>
#include <string.h>

static const char *const ack_names[] = {"on-time", "late", "missing", "pending"};

const char *mandate_ack_name(enum mandate_ack a)
{
	return (unsigned)a <= MANDATE_ACK_PENDING ? ack_names[a] : "";
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

/* Unix time of the first second of month ym (year * 12 + month - 1), UTC. */
static int64_t month_start(int ym)
{
	int64_t y = ym / 12, m = ym % 12 + 1;
	y -= m <= 2;
	int64_t era = floor_div(y, 400), yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400;
}

void mandate_term(const struct logset *s, int64_t *start, int64_t *end, uint64_t *reporting_period)
{
	const struct charter *c = history_latest(&s->history);
	*start = c->term_start;
	*end = c->term_end;
	*reporting_period = c->reporting_period;
}

static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? 2 * *cap : 64;
	void *p = realloc(*arr, c * sz);
	if (!p)
		return err_set(ERR_NOMEM, "out of memory");
	*arr = p;
	*cap = c;
	return 0;
}

/* The months of every reporting period meeting [from, to), cut at the bounds. */
static int make_slots(struct mandate *m)
{
	size_t cap = 0, capp = 0;
	uint64_t rp = m->reporting_period ? m->reporting_period : (uint64_t)(m->term_end - m->term_start);
	for (int64_t k = m->from > m->term_start ? (m->from - m->term_start) / (int64_t)rp : 0;; k++) {
		int64_t ps = m->term_start + k * (int64_t)rp;
		if (ps >= m->to || ps >= m->term_end)
			break;
		int64_t pe = ps + (int64_t)rp > m->term_end ? m->term_end : ps + (int64_t)rp;
		if (pe <= m->from)
			continue;
		if (grow((void **)&m->periods, &capp, m->nperiods, sizeof *m->periods))
			return ERR_NOMEM;
		struct mandate_period *P = &m->periods[m->nperiods++];
		memset(P, 0, sizeof *P);
		P->number = (int)(k + 1);
		P->from = ps;
		P->to = pe;
		P->first = m->nslots;
		int64_t a = ps > m->from ? ps : m->from, b = pe < m->to ? pe : m->to;
		while (a < b) {
			int ym = month_of(a);
			int64_t e = month_start(ym + 1) < b ? month_start(ym + 1) : b;
			if (m->nslots >= MANDATE_MAX_SLOTS)
				return err_set(ERR_LIMIT, "the report would have more than %d months of reporting periods (reporting-period too short for the period)",
					       MANDATE_MAX_SLOTS);
			if (grow((void **)&m->slots, &cap, m->nslots, sizeof *m->slots))
				return ERR_NOMEM;
			struct mandate_slot *S = &m->slots[m->nslots++];
			memset(S, 0, sizeof *S);
			S->period = P->number;
			S->ym = ym;
			S->from = a;
			S->to = e;
			P->nslots++;
			a = e;
		}
	}
	return 0;
}

/* The slot holding time t (in [from, to)). */
static size_t slot_of(const struct mandate *m, int64_t t)
{
	size_t lo = 0, hi = m->nslots;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->slots[mid].from <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static int env_cmp(const void *pa, const void *pb)
{
	const struct cases_env *a = ((const struct mandate_consignment *)pa)->e,
			       *b = ((const struct mandate_consignment *)pb)->e;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->log != b->log)
		return a->log < b->log ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

static int env_before(const struct cases_env *a, const struct cases_env *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	if (a->log != b->log)
		return a->log < b->log;
	return a->index < b->index;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Open addressing from a notice to its consignment (index + 1; 0 empty). */
struct cmap {
	const struct cases_env **key;
	size_t *val, cap;
};

static size_t cmap_slot(const struct cmap *t, const struct cases_env *e)
{
	uint64_t h = (uint64_t)(uintptr_t)e * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 17) & (t->cap - 1);
	while (t->key[i] && t->key[i] != e)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static void add_figures(struct mandate_figures *f, const struct mandate_consignment *k)
{
	const struct envelope_aid *a = k->e->aid;
	f->consignments++;
	f->trucks += a->trucks;
	f->beneficiaries += a->beneficiaries;
	for (int i = 0; i < AID_SECTOR_COUNT; i++)
		f->sectors[i] += a->sector_trucks[i];
	k->on_time ? f->notices_on_time++ : f->notices_late++;
	if (k->inspection) {
		f->inspected[k->inspection->aid->result]++;
		f->confirmed += k->inspection->aid->trucks;
	} else {
		f->uninspected++;
	}
	f->crossed += k->crossed;
	for (int p = 0; p < k->nparties; p++) {
		uint64_t *x[] = {&f->ack_on_time, &f->ack_late, &f->ack_missing, &f->ack_pending};
		(*x[k->ack[p]])++;
	}
}

static int is_consignment(const struct cases_env *e)
{
	return e->kind == ENV_NOTICE && e->aid && e->aid->type == ENV_AID_CONSIGNMENT;
}

/* The acknowledgement of consignment k by each recipient party, as of to. */
static int settle_acks(const struct logset *s, const struct mandate *m, struct mandate_consignment *k)
{
	const struct cases *c = &s->cases;
	uint32_t mask = cases_recipient_parties(c, k->e);
	for (int p = 0; p < (int)s->charter->nparties; p++) {
		if (!((mask >> p) & 1))
			continue;
		struct cases_obligation o;
		if (cases_status(c, k->e, s->charter->parties[p].id, m->to, &o))
			return err_wrap(ERR_USAGE, "mandate");
		enum mandate_ack a;
		if (o.ack.state == CASES_MET)
			a = o.ack.late ? MANDATE_ACK_LATE : MANDATE_ACK_ON_TIME;
		else if (o.ack.state == CASES_OVERDUE || o.ack.state == CASES_CLOSED ||
			 (o.ack.state == CASES_NOT_STARTED && k->advance_due <= m->to))
			a = MANDATE_ACK_MISSING;
		else
			a = MANDATE_ACK_PENDING; /* due after the period's end, or sent and not yet delivered */
		k->party[k->nparties] = p;
		k->ack[k->nparties] = a;
		k->ack_at[k->nparties] = o.ack.state == CASES_MET ? o.ack.at : 0;
		k->nparties++;
	}
	return 0;
}

int mandate_compute(const struct logset *s, int64_t from, int64_t to, struct mandate *m)
{
	const struct charter *ch = s->charter;
	const struct cases *c = &s->cases;
	struct cmap map = {NULL, NULL, 0};
	char t[21];
	int rc = 0;
	memset(m, 0, sizeof *m);
	mandate_term(s, &m->term_start, &m->term_end, &m->reporting_period);
	m->from = from;
	m->to = to;
	if (!(history_latest(&s->history)->profiles & CHARTER_PROFILE_AID_CROSSING))
		return err_set(ERR_USAGE, "the charter does not enable the aid-crossing profile: no mandate report");
	if (from >= to)
		return err_set(ERR_USAGE, "the period ends before it starts");
	if (from < m->term_start) {
		syntax_format_time(m->term_start, t);
		return err_set(ERR_USAGE, "the period starts before the term (which starts %s)", t);
	}
	if (to > m->term_end) {
		syntax_format_time(m->term_end, t);
		return err_set(ERR_USAGE, "the period ends after the term (which ends %s)", t);
	}
	if ((rc = make_slots(m)))
		goto out;
	/* the consignments notified in the period */
	for (size_t p = 0; p < ch->nparties && !rc; p++) {
		const char *origin = ch->parties[p].node_key.name;
		for (uint64_t i = 0; i < s->logs[p].read && !rc; i++) {
			const struct cases_env *e = cases_entry(c, origin, i);
			if (!e || !is_consignment(e) || !cases_counts(e) || e->time < from || e->time >= to)
				continue;
			if ((rc = grow((void **)&m->cons, &m->capcons, m->ncons, sizeof *m->cons)))
				break;
			struct mandate_consignment *k = &m->cons[m->ncons++];
			memset(k, 0, sizeof *k);
			k->e = e;
			k->slot = slot_of(m, e->time);
			cases_advance_due(c, e, &k->advance_due);
			k->on_time = cases_notice_on_time(c, e);
		}
	}
	if (rc)
		goto out;
	if (m->ncons)
		qsort(m->cons, m->ncons, sizeof *m->cons, env_cmp);
	/* the crossing points, sorted */
	if (!(m->crossings = malloc((m->ncons ? m->ncons : 1) * sizeof *m->crossings))) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->ncons; i++)
		memcpy(m->crossings[i], m->cons[i].e->aid->crossing, sizeof m->crossings[i]);
	qsort(m->crossings, m->ncons, sizeof *m->crossings, name_cmp);
	for (size_t i = 0; i < m->ncons; i++)
		if (!m->ncrossings || strcmp(m->crossings[m->ncrossings - 1], m->crossings[i]))
			memmove(m->crossings[m->ncrossings++], m->crossings[i], sizeof m->crossings[i]);
	/* notice -> consignment */
	for (map.cap = 64; map.cap < 2 * m->ncons; map.cap *= 2)
		;
	map.key = calloc(map.cap, sizeof *map.key);
	map.val = calloc(map.cap, sizeof *map.val);
	if (!map.key || !map.val) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->ncons; i++) {
		struct mandate_consignment *k = &m->cons[i];
		size_t at = cmap_slot(&map, k->e);
		map.key[at] = k->e;
		map.val[at] = i + 1;
		const char(*x)[ENVELOPE_AID_CROSSING_MAX + 1] =
			bsearch(k->e->aid->crossing, m->crossings, m->ncrossings, sizeof *m->crossings, name_cmp);
		k->crossing = (size_t)(x - m->crossings);
	}
	/* inspections and crossings referencing them, dated before the period's end */
	for (size_t p = 0; p < ch->nparties && m->ncons; p++) {
		const char *origin = ch->parties[p].node_key.name;
		for (uint64_t i = 0; i < s->logs[p].read; i++) {
			const struct cases_env *e = cases_entry(c, origin, i);
			if (!e || e->kind != ENV_UPDATE || !e->aid || !cases_counts(e) || e->time >= to)
				continue;
			const struct cases_env *target = cases_ref_target(c, e);
			if (!target || !is_consignment(target))
				continue;
			size_t at = cmap_slot(&map, target);
			if (!map.key[at])
				continue; /* a consignment outside the period */
			struct mandate_consignment *k = &m->cons[map.val[at] - 1];
			if (e->aid->type == ENV_AID_INSPECTION) {
				if (!k->inspection || env_before(k->inspection, e))
					k->inspection = e; /* a later inspection supersedes */
			} else if (e->aid->type == ENV_AID_CROSSING) {
				k->crossed += e->aid->trucks; /* trucks may cross in several batches */
				k->ncrossings++;
			}
		}
	}
	for (size_t i = 0; i < m->nslots; i++)
		if (!(m->slots[i].by_crossing = calloc(m->ncrossings ? m->ncrossings : 1, sizeof(struct mandate_figures)))) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
	for (size_t i = 0; i < m->ncons && !rc; i++) {
		struct mandate_consignment *k = &m->cons[i];
		if ((rc = settle_acks(s, m, k)))
			break;
		struct mandate_slot *S = &m->slots[k->slot];
		add_figures(&S->by_crossing[k->crossing], k);
		add_figures(&S->total, k);
		add_figures(&m->total, k);
		for (size_t p = 0; p < m->nperiods; p++)
			if (m->periods[p].number == S->period)
				add_figures(&m->periods[p].total, k);
		for (int q = 0; q < k->nparties; q++) {
			struct mandate_party_acks *pa = &m->party_acks[k->party[q]];
			uint64_t *x[] = {&pa->on_time, &pa->late, &pa->missing, &pa->pending};
			(*x[k->ack[q]])++;
		}
	}
out:
	free(map.key);
	free(map.val);
	if (rc) {
		mandate_release(m);
		return rc == ERR_NOMEM ? err_set(ERR_NOMEM, "out of memory") : rc;
	}
	return 0;
}

void mandate_release(struct mandate *m)
{
	for (size_t i = 0; i < m->nslots; i++)
		free(m->slots[i].by_crossing);
	free(m->slots);
	free(m->periods);
	free(m->crossings);
	free(m->cons);
	memset(m, 0, sizeof *m);
}

/* ---- JSON ---- */

static void jw_figures(struct jw *w, const char *key, const struct mandate_figures *f)
{
	jw_open(w, key, '{');
	jw_kint(w, "consignments", (int64_t)f->consignments);
	jw_open(w, "trucks", '{');
	jw_kint(w, "notified", (int64_t)f->trucks);
	jw_kint(w, "confirmed", (int64_t)f->confirmed);
	jw_kint(w, "crossed", (int64_t)f->crossed);
	jw_close(w, '}');
	jw_open(w, "sectors", '{');
	for (int i = 0; i < AID_SECTOR_COUNT; i++)
		jw_kint(w, envelope_aid_sector_name((enum envelope_aid_sector)i), (int64_t)f->sectors[i]);
	jw_close(w, '}');
	jw_kint(w, "beneficiaries", (int64_t)f->beneficiaries);
	jw_open(w, "notices", '{');
	jw_kint(w, "on_time", (int64_t)f->notices_on_time);
	jw_kint(w, "late", (int64_t)f->notices_late);
	jw_close(w, '}');
	jw_open(w, "inspections", '{');
	for (int i = 0; i < AID_RESULT_COUNT; i++)
		jw_kint(w, envelope_aid_result_name((enum envelope_aid_result)i), (int64_t)f->inspected[i]);
	jw_kint(w, "none", (int64_t)f->uninspected);
	jw_close(w, '}');
	jw_open(w, "acknowledgements", '{');
	jw_kint(w, "on_time", (int64_t)f->ack_on_time);
	jw_kint(w, "late", (int64_t)f->ack_late);
	jw_kint(w, "missing", (int64_t)f->ack_missing);
	jw_kint(w, "pending", (int64_t)f->ack_pending);
	jw_close(w, '}');
	jw_close(w, '}');
}

static void ym_text(int ym, char out[16])
{
	snprintf(out, 16, "%04d-%02d", ym / 12, ym % 12 + 1);
}

static int json_to(const struct logset *s, const struct mandate *m, struct buf *out, FILE *fp)
{
	const struct charter *ch = s->charter;
	struct jw w = {out, 0, {1}, 0, fp};
	char ym[16], name[64];
	jw_open(&w, NULL, '{');
	jw_kstr(&w, "report", MANDATE_REPORT_NAME);
	jw_kstr(&w, "channel", ch->id_hex);
	jw_open(&w, "period", '{');
	jw_ktime(&w, "from", 1, m->from);
	jw_ktime(&w, "to", 1, m->to);
	jw_close(&w, '}');
	jw_open(&w, "term", '{');
	jw_ktime(&w, "start", 1, m->term_start);
	jw_ktime(&w, "end", 1, m->term_end);
	jw_kint(&w, "reporting_period_s", (int64_t)m->reporting_period);
	jw_close(&w, '}');
	jw_ktime(&w, "as_of", 1, m->to);
	report_jw_logs(&w, s);
	jw_open(&w, "crossings", '[');
	for (size_t i = 0; i < m->ncrossings; i++)
		jw_kstr(&w, NULL, m->crossings[i]);
	jw_close(&w, ']');
	jw_open(&w, "reporting_periods", '[');
	for (size_t p = 0; p < m->nperiods; p++) {
		const struct mandate_period *P = &m->periods[p];
		jw_open(&w, NULL, '{');
		jw_kint(&w, "number", P->number);
		jw_ktime(&w, "from", 1, P->from);
		jw_ktime(&w, "to", 1, P->to);
		jw_ktime(&w, "due", 1, P->to);
		jw_open(&w, "months", '[');
		for (size_t i = P->first; i < P->first + P->nslots; i++) {
			const struct mandate_slot *S = &m->slots[i];
			ym_text(S->ym, ym);
			jw_open(&w, NULL, '{');
			jw_kstr(&w, "month", ym);
			jw_ktime(&w, "from", 1, S->from);
			jw_ktime(&w, "to", 1, S->to);
			jw_open(&w, "crossings", '[');
			for (size_t x = 0; x < m->ncrossings; x++) {
				if (!S->by_crossing[x].consignments)
					continue;
				jw_open(&w, NULL, '{');
				jw_kstr(&w, "crossing", m->crossings[x]);
				jw_figures(&w, "figures", &S->by_crossing[x]);
				jw_close(&w, '}');
			}
			jw_close(&w, ']');
			jw_figures(&w, "total", &S->total);
			jw_close(&w, '}');
		}
		jw_close(&w, ']');
		jw_figures(&w, "total", &P->total);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_figures(&w, "total", &m->total);
	jw_open(&w, "acknowledgements_by_party", '[');
	for (size_t p = 0; p < ch->nparties; p++) {
		const struct mandate_party_acks *a = &m->party_acks[p];
		if (!a->on_time && !a->late && !a->missing && !a->pending)
			continue;
		jw_open(&w, NULL, '{');
		jw_kstr(&w, "party", ch->parties[p].id);
		jw_kint(&w, "on_time", (int64_t)a->on_time);
		jw_kint(&w, "late", (int64_t)a->late);
		jw_kint(&w, "missing", (int64_t)a->missing);
		jw_kint(&w, "pending", (int64_t)a->pending);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_open(&w, "consignments", '[');
	for (size_t i = 0; i < m->ncons && !w.rc; i++) {
		const struct mandate_consignment *k = &m->cons[i];
		const struct envelope_aid *a = k->e->aid;
		report_entry_name(s, k->e, name, sizeof name);
		jw_open(&w, NULL, '{');
		jw_kstr(&w, "entry", name);
		jw_kstr(&w, "case", k->e->kase ? k->e->kase->id : "");
		jw_kstr(&w, "from", report_agency_name(s, k->e));
		jw_ktime(&w, "time", 1, k->e->time);
		jw_kstr(&w, "crossing", a->crossing);
		jw_ktime(&w, "cross_by", 1, a->time);
		jw_item(&w, "urgent");
		jw_raw(&w, k->e->urgent ? "true" : "false", k->e->urgent ? 4 : 5);
		jw_ktime(&w, "advance_due", 1, k->advance_due);
		jw_kstr(&w, "notice", k->on_time ? "on-time" : "late");
		jw_kint(&w, "trucks", a->trucks);
		jw_open(&w, "sectors", '{');
		for (int x = 0; x < AID_SECTOR_COUNT; x++)
			if (a->sector_trucks[x])
				jw_kint(&w, envelope_aid_sector_name((enum envelope_aid_sector)x), a->sector_trucks[x]);
		jw_close(&w, '}');
		jw_kint(&w, "beneficiaries", a->beneficiaries);
		if (k->inspection) {
			report_entry_name(s, k->inspection, name, sizeof name);
			jw_open(&w, "inspection", '{');
			jw_kstr(&w, "entry", name);
			jw_kstr(&w, "result", envelope_aid_result_name(k->inspection->aid->result));
			jw_kint(&w, "trucks", k->inspection->aid->trucks);
			jw_close(&w, '}');
		} else {
			jw_kstr(&w, "inspection", NULL);
		}
		jw_kint(&w, "crossed", (int64_t)k->crossed);
		jw_open(&w, "acknowledgements", '[');
		for (int q = 0; q < k->nparties; q++) {
			jw_open(&w, NULL, '{');
			jw_kstr(&w, "party", ch->parties[k->party[q]].id);
			jw_kstr(&w, "state", mandate_ack_name(k->ack[q]));
			jw_ktime(&w, "at", k->ack[q] <= MANDATE_ACK_LATE, k->ack_at[q]);
			jw_close(&w, '}');
		}
		jw_close(&w, ']');
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_close(&w, '}');
	jw_raw(&w, "\n", 1);
	jw_flush(&w);
	return w.rc;
}

int mandate_json(const struct logset *s, const struct mandate *m, struct buf *out)
{
	return json_to(s, m, out, NULL);
}

int mandate_json_file(const struct logset *s, const struct mandate *m, FILE *fp)
{
	struct buf b;
	buf_init(&b, 2 * JW_FLUSH);
	int rc = json_to(s, m, &b, fp);
	if (!rc && fflush(fp))
		rc = err_set(ERR_IO, "writing the report: %s", strerror(errno));
	buf_release(&b);
	return rc;
}

/* ---- CSV: one row per (reporting period, month, crossing) with consignments ---- */

static int csv_row(struct buf *out, int period, const char *month, const char *crossing, const struct mandate_figures *f)
{
	int rc = buf_printf(out, "%d,%s,%s,%llu,%llu,%llu,%llu", period, month, crossing, (unsigned long long)f->consignments,
			    (unsigned long long)f->trucks, (unsigned long long)f->confirmed, (unsigned long long)f->crossed);
	for (int i = 0; i < AID_SECTOR_COUNT && !rc; i++)
		rc = buf_printf(out, ",%llu", (unsigned long long)f->sectors[i]);
	if (!rc)
		rc = buf_printf(out, ",%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu\r\n",
				(unsigned long long)f->beneficiaries, (unsigned long long)f->notices_on_time,
				(unsigned long long)f->notices_late, (unsigned long long)f->inspected[AID_CONFIRMED],
				(unsigned long long)f->inspected[AID_PARTIAL], (unsigned long long)f->inspected[AID_REJECTED],
				(unsigned long long)f->uninspected, (unsigned long long)f->ack_on_time,
				(unsigned long long)f->ack_late, (unsigned long long)f->ack_missing,
				(unsigned long long)f->ack_pending);
	return rc;
}

int mandate_csv(const struct logset *s, const struct mandate *m, struct buf *out)
{
	char ym[16];
	(void)s;
	int rc = buf_printf(out, "reporting_period,month,crossing,consignments,trucks_notified,trucks_confirmed,trucks_crossed");
	for (int i = 0; i < AID_SECTOR_COUNT && !rc; i++)
		rc = buf_printf(out, ",trucks_%s", envelope_aid_sector_name((enum envelope_aid_sector)i));
	if (!rc)
		rc = buf_printf(out, ",beneficiaries,notices_on_time,notices_late,inspections_confirmed,inspections_partial,"
				     "inspections_rejected,inspections_none,acks_on_time,acks_late,acks_missing,acks_pending\r\n");
	for (size_t i = 0; i < m->nslots && !rc; i++) {
		const struct mandate_slot *S = &m->slots[i];
		ym_text(S->ym, ym);
		for (size_t x = 0; x < m->ncrossings && !rc; x++)
			if (S->by_crossing[x].consignments)
				rc = csv_row(out, S->period, ym, m->crossings[x], &S->by_crossing[x]);
	}
	return rc;
}

/* ---- text ---- */

static int text_row(struct buf *out, const char *label, const char *crossing, const struct mandate_figures *f)
{
	return buf_printf(out, "  %-8s %-14s %5llu %6llu %6llu %6llu %5llu %5llu %5llu %5llu %5llu %5llu %9llu %4llu/%-4llu %4llu/%-4llu %4llu/%llu/%llu/%llu\n",
			  label, crossing, (unsigned long long)f->consignments, (unsigned long long)f->trucks,
			  (unsigned long long)f->confirmed, (unsigned long long)f->crossed,
			  (unsigned long long)f->sectors[0], (unsigned long long)f->sectors[1],
			  (unsigned long long)f->sectors[2], (unsigned long long)f->sectors[3],
			  (unsigned long long)f->sectors[4], (unsigned long long)f->sectors[5],
			  (unsigned long long)f->beneficiaries, (unsigned long long)f->notices_on_time,
			  (unsigned long long)f->notices_late, (unsigned long long)f->inspected[AID_REJECTED],
			  (unsigned long long)f->inspected[AID_PARTIAL], (unsigned long long)f->ack_on_time,
			  (unsigned long long)f->ack_late, (unsigned long long)f->ack_missing, (unsigned long long)f->ack_pending);
}

int mandate_text(const struct logset *s, const struct mandate *m, struct buf *out)
{
	const struct charter *ch = s->charter;
	char a[21], b[21], ym[16], name[64];
	int complete = 1, rc;
	for (size_t p = 0; p < ch->nparties; p++)
		complete &= s->logs[p].closed;
	syntax_format_time(m->term_start, a);
	syntax_format_time(m->term_end, b);
	rc = buf_printf(out, "implementation report (mandate), channel %.16s\nterm %s to %s, reporting period %llus\n",
			ch->id_hex, a, b, (unsigned long long)m->reporting_period);
	syntax_format_time(m->from, a);
	syntax_format_time(m->to, b);
	if (!rc)
		rc = buf_printf(out, "period %s to %s (as of %s)%s\nconsignments: %zu\n", a, b, b,
				complete ? "" : " (provisional)", m->ncons);
	static const char head[] = "  %-8s %-14s %5s %6s %6s %6s %5s %5s %5s %5s %5s %5s %9s %-9s %-9s %s\n";
	for (size_t p = 0; p < m->nperiods && !rc; p++) {
		const struct mandate_period *P = &m->periods[p];
		syntax_format_time(P->from, a);
		syntax_format_time(P->to, b);
		rc = buf_printf(out, "reporting period %d: %s to %s (report due %s)\n", P->number, a, b, b);
		if (!rc)
			rc = buf_printf(out, head, "month", "crossing", "cons", "trucks", "conf", "cross", "food", "shelt",
					"wash", "healt", "educ", "nutr", "benefic", "notices", "insp", "acks");
		if (!rc)
			rc = buf_printf(out, head, "", "", "", "", "", "", "", "", "", "", "", "", "", "ontime/late",
					"rej/part", "ontime/late/missing/pending");
		for (size_t i = P->first; i < P->first + P->nslots && !rc; i++) {
			const struct mandate_slot *S = &m->slots[i];
			ym_text(S->ym, ym);
			for (size_t x = 0; x < m->ncrossings && !rc; x++)
				if (S->by_crossing[x].consignments)
					rc = text_row(out, ym, m->crossings[x], &S->by_crossing[x]);
			if (!rc)
				rc = text_row(out, ym, "(all)", &S->total);
		}
		if (!rc)
			rc = text_row(out, "period", "(all)", &P->total);
	}
	if (!rc && m->nperiods > 1)
		rc = text_row(out, "total", "(all)", &m->total);
	for (size_t p = 0; p < ch->nparties && !rc; p++) {
		const struct mandate_party_acks *k = &m->party_acks[p];
		if (k->on_time || k->late || k->missing || k->pending)
			rc = buf_printf(out, "acknowledgements by %s: %llu on time, %llu late, %llu missing, %llu pending\n",
					ch->parties[p].id, (unsigned long long)k->on_time, (unsigned long long)k->late,
					(unsigned long long)k->missing, (unsigned long long)k->pending);
	}
	/* the exceptions, each by its log entry */
	for (size_t i = 0; i < m->ncons && !rc; i++) {
		const struct mandate_consignment *k = &m->cons[i];
		report_entry_name(s, k->e, name, sizeof name);
		syntax_format_time(k->e->time, a);
		syntax_format_time(k->e->aid->time, b);
		if (!k->on_time)
			rc = buf_printf(out, "  late notice: %s case %s sent %s, crossing by %s\n", name,
					k->e->kase ? k->e->kase->id : "-", a, b);
		if (!rc && k->inspection && k->inspection->aid->result != AID_CONFIRMED)
			rc = buf_printf(out, "  inspection %s: %s case %s, %u of %u trucks confirmed\n",
					envelope_aid_result_name(k->inspection->aid->result), name,
					k->e->kase ? k->e->kase->id : "-", k->inspection->aid->trucks, k->e->aid->trucks);
		for (int q = 0; q < k->nparties && !rc; q++)
			if (k->ack[q] == MANDATE_ACK_MISSING)
				rc = buf_printf(out, "  acknowledgement missing: %s case %s, by %s\n", name,
						k->e->kase ? k->e->kase->id : "-", ch->parties[k->party[q]].id);
	}
	if (!rc)
		rc = buf_printf(out, "proved by the closing checkpoints:\n");
	if (!rc)
		rc = report_logs_text(s, out);
	return rc;
}

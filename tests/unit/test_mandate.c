/*
 * The aid-crossing deadlines in the case engine (docs/cases.md "Consignment
 * notices"), the mandate report over them (docs/reports.md "The mandate
 * report"), the aid line through the index, and the term's warnings. An
 * aid-crossing channel between us (us.fbi sends the consignments, us.doj
 * monitors) and ru (ru.gp, the receiving authority), built in memory with the
 * helpers of cases_fixture.h; advance notice 24 h (the charter's ack), 4 h
 * urgent (urgent-ack).
 */
#include "cases_fixture.h"
#include "exchange/term.h"
#include "index/index.h"
#include "report/mandate.h"
#include "report/report.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

static struct fx X;
static uint64_t n_late, n_urgent, n_unacked, n_ontime;

#define CROSS "bab-al-hawa"

static void aid_charter(struct fx *x)
{
	struct buf t;
	memset(x, 0, sizeof *x);
	fx_make(&x->us_node, US_LOG, NOTE_ED25519);
	fx_make(&x->ru_node, RU_LOG, NOTE_ED25519);
	fx_make(&x->un, WITNESS, NOTE_COSIGNATURE);
	fx_make(&x->us_fbi, "us.fbi", NOTE_ED25519);
	fx_make(&x->us_doj, "us.doj", NOTE_ED25519);
	fx_make(&x->ru_fsb, "ru.fsb", NOTE_ED25519);
	fx_make(&x->ru_gp, "ru.gp", NOTE_ED25519);
	buf_init(&t, CHARTER_MAX_SIZE);
	buf_printf(&t,
		   "parley charter v1\nname: Aid test channel\nlegal-basis: UNSC resolution 2585 (2021)\n"
		   "party: us https://us.parley.example %s\nparty: ru https://ru.parley.example %s\n"
		   "agency: us.fbi %s %s\nagency: us.doj %s %s\nagency: ru.fsb %s %s\nagency: ru.gp %s %s\n"
		   "witness: un.witness https://un.example %s\n"
		   "profiles: aid-crossing\nack: 24h\nanswer: 30d\nurgent-ack: 4h\nurgent-answer: 72h\n"
		   "term: 2021-07-09T00:00:00Z 2021-10-09T00:00:00Z\nreporting-period: 30d\n",
		   x->us_node.vkey, x->ru_node.vkey, x->us_fbi.vkey, x->us_fbi.rcpt, x->us_doj.vkey, x->us_doj.rcpt,
		   x->ru_fsb.vkey, x->ru_fsb.rcpt, x->ru_gp.vkey, x->ru_gp.rcpt, x->un.vkey);
	CHECK(charter_parse(&x->charter, t.data, t.len) == 0);
	buf_release(&t);
	x->logs[0].origin = US_LOG;
	x->logs[1].origin = RU_LOG;
}

/* A consignment notice of trucks (food, health) crossing at cross_by, sent at t. */
static uint64_t consignment(struct fx *x, const char *case_id, int64_t t, int64_t cross_by, uint32_t food,
			    uint32_t health, int urgent)
{
	struct envelope_fields f;
	fx_fields(x, &f, "us.fbi", "ru.gp us.doj", case_id, ENV_NOTICE, t);
	f.urgent = urgent;
	f.aid.type = ENV_AID_CONSIGNMENT;
	snprintf(f.aid.crossing, sizeof f.aid.crossing, "%s", CROSS);
	f.aid.time = cross_by;
	f.aid.trucks = food + health;
	f.aid.sector_trucks[AID_FOOD] = food;
	f.aid.sector_trucks[AID_HEALTH] = health;
	f.aid.beneficiaries = 1000 * (food + health);
	return fx_append(x, 0, &f, &x->us_fbi.sign, 1);
}

static uint64_t inspection(struct fx *x, const char *case_id, uint64_t ref, int64_t t, enum envelope_aid_result r,
			   uint32_t trucks)
{
	struct envelope_fields f;
	fx_fields(x, &f, "us.doj", "us.fbi ru.gp", case_id, ENV_UPDATE, t);
	fx_ref(x, &f, 0, ref);
	f.aid.type = ENV_AID_INSPECTION;
	f.aid.result = r;
	f.aid.trucks = trucks;
	return fx_append(x, 0, &f, &x->us_doj.sign, 1);
}

static uint64_t crossing(struct fx *x, const char *case_id, uint64_t ref, int64_t t, uint32_t trucks)
{
	struct envelope_fields f;
	fx_fields(x, &f, "us.fbi", "ru.gp", case_id, ENV_UPDATE, t);
	fx_ref(x, &f, 0, ref);
	f.aid.type = ENV_AID_CROSSING;
	f.aid.time = t;
	f.aid.trucks = trucks;
	return fx_append(x, 0, &f, &x->us_fbi.sign, 1);
}

static uint64_t ack(struct fx *x, const char *case_id, uint64_t ref, int64_t t)
{
	struct envelope_fields f;
	fx_fields(x, &f, "ru.gp", "us.fbi", case_id, ENV_ACK, t);
	fx_ref(x, &f, 0, ref);
	return fx_append(x, 1, &f, &x->ru_gp.sign, 1);
}

/*
 * us log: 0 on time (cross-by T0+3d, 10 food + 2 health), 1 inspection partial (11) of 0,
 * 2 crossing (11) of 0, 3 late notice (cross-by T0+10h: due T0-14h), 4 urgent on time
 * (cross-by T0+6h, due T0+2h), 5 inspection rejected of 4, 6 unacknowledged (cross-by
 * T0+2d), 7 a consignment after the period (T0+40d). ru log: acks of 0, 3 (late) and 4,
 * each at T0+1h, delivered at T0+90min.
 */
static void build(struct fx *x)
{
	aid_charter(x);
	n_ontime = consignment(x, "us.fbi/BAH-1", T0, T0 + 3 * DAY, 10, 2, 0);
	inspection(x, "us.fbi/BAH-1", n_ontime, T0 + 2 * DAY, AID_PARTIAL, 11);
	crossing(x, "us.fbi/BAH-1", n_ontime, T0 + 3 * DAY, 11);
	n_late = consignment(x, "us.fbi/BAH-2", T0, T0 + 10 * HOUR, 5, 0, 0);
	n_urgent = consignment(x, "us.fbi/BAH-3", T0, T0 + 6 * HOUR, 0, 3, 1);
	inspection(x, "us.fbi/BAH-3", n_urgent, T0 + 3 * HOUR, AID_REJECTED, 0);
	n_unacked = consignment(x, "us.fbi/BAH-4", T0, T0 + 2 * DAY, 20, 0, 0);
	consignment(x, "us.fbi/BAH-5", T0 + 40 * DAY, T0 + 43 * DAY, 1, 0, 0);
	ack(x, "us.fbi/BAH-1", n_ontime, T0 + HOUR);
	ack(x, "us.fbi/BAH-2", n_late, T0 + HOUR);
	ack(x, "us.fbi/BAH-3", n_urgent, T0 + HOUR);
	/* ru's node cosigns the us log at T0 + 30 min (every consignment so far delivered), and later the rest */
	fx_cosign(x, US_LOG, 7, RU_LOG, T0 + 1800);
	fx_cosign(x, US_LOG, 8, RU_LOG, T0 + 40 * DAY + 60);
	fx_cosign(x, RU_LOG, 3, US_LOG, T0 + 90 * 60); /* the acks delivered back: BAH-3's before its due T0 + 2 h */
}

static void feed(struct cases *c)
{
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < X.logs[l].n; i++)
			CHECK(fx_feed_entry(&X, c, l, i) == 0);
	for (size_t i = 0; i < X.ncosigs; i++)
		CHECK(fx_feed_cosig(&X, c, i) == 0);
}

static void test_consignment_ack_clock(void)
{
	struct cases c;
	struct cases_obligation o;
	int64_t due;
	CHECK(cases_init(&c, &X.charter) == 0);
	feed(&c);
	const struct cases_env *on = cases_entry(&c, US_LOG, n_ontime), *late = cases_entry(&c, US_LOG, n_late),
			       *urg = cases_entry(&c, US_LOG, n_urgent), *none = cases_entry(&c, US_LOG, n_unacked);
	CHECK(cases_has_obligations(on));
	CHECK(!cases_has_obligations(cases_entry(&c, US_LOG, 1))); /* an inspection: none */
	CHECK(cases_advance_due(&c, on, &due) == 0);
	CHECK_EQ_INT(due, T0 + 2 * DAY); /* cross-by minus the charter's ack (24 h) */
	CHECK(cases_notice_on_time(&c, on));
	CHECK(!cases_notice_on_time(&c, late)); /* sent 10 h before crossing, 24 h needed */
	CHECK(cases_advance_due(&c, urg, &due) == 0);
	CHECK_EQ_INT(due, T0 + 2 * HOUR); /* urgent: urgent-ack (4 h) */
	CHECK(cases_notice_on_time(&c, urg));
	CHECK(cases_advance_due(&c, cases_entry(&c, US_LOG, 1), &due) == ERR_USAGE);

	CHECK(cases_status(&c, on, "ru", T0 + 5 * HOUR, &o) == 0);
	CHECK(!o.has_answer);
	CHECK_EQ_INT(o.ack.state, CASES_MET);
	CHECK_EQ_INT(o.ack.due, T0 + 2 * DAY);
	CHECK(!o.ack.late);
	CHECK(cases_status(&c, late, "ru", T0 + 5 * HOUR, &o) == 0);
	CHECK_EQ_INT(o.ack.state, CASES_MET);
	CHECK(o.ack.late); /* the deadline had passed before the notice was sent */
	CHECK(cases_status(&c, none, "ru", T0 + 20 * HOUR, &o) == 0);
	CHECK_EQ_INT(o.ack.state, CASES_DUE);
	CHECK(cases_status(&c, none, "ru", T0 + 3 * DAY, &o) == 0);
	CHECK_EQ_INT(o.ack.state, CASES_OVERDUE);
	CHECK(cases_status(&c, none, "us", T0 + 3 * DAY, &o) == ERR_USAGE); /* its own party owes nothing */

	/* the case JSON: the aid figures, and an ack obligation without an answer clock */
	struct buf out;
	buf_init(&out, CASES_JSON_MAX);
	CHECK(cases_case_json(&c, cases_find(&c, "us.fbi/BAH-2"), T0 + 5 * HOUR, &out) == 0);
	json_t *j = json_loadb((const char *)out.data, out.len, 0, NULL);
	json_t *n = json_array_get(json_object_get(j, "envelopes"), 0);
	CHECK_STR(json_string_value(json_object_get(json_object_get(n, "aid"), "type")), "consignment");
	CHECK(json_is_false(json_object_get(json_object_get(n, "aid"), "notice_on_time")));
	json_t *ob = json_array_get(json_object_get(n, "obligations"), 0);
	CHECK(json_is_null(json_object_get(ob, "answer")));
	CHECK_STR(json_string_value(json_object_get(json_object_get(ob, "ack"), "state")), "met");
	CHECK(json_is_true(json_object_get(json_object_get(ob, "ack"), "late")));
	json_decref(j);
	buf_release(&out);
	cases_release(&c);
}

/* The aid line survives the index: a state loaded from it renders as one fed from the logs. */
static void test_aid_through_the_index(void)
{
	char dir[] = "/tmp/test_mandate.XXXXXX", db[64];
	struct cases c, d;
	struct index *ix;
	struct buf a, b;
	CHECK(mkdtemp(dir) != NULL);
	snprintf(db, sizeof db, "%s/index.sqlite", dir);
	buf_init(&a, CASES_JSON_MAX);
	buf_init(&b, CASES_JSON_MAX);
	CHECK(cases_init(&c, &X.charter) == 0);
	CHECK(index_open(&ix, db) == 0);
	for (int l = 0; l < 2; l++) {
		struct cases_record *batch = calloc(X.logs[l].n, sizeof *batch);
		for (size_t i = 0; i < X.logs[l].n; i++) {
			CHECK(cases_evaluate(&c, X.logs[l].origin, i, X.logs[l].e[i].data, X.logs[l].e[i].len, &batch[i]) == 0);
			CHECK(cases_add_record(&c, &batch[i]) == 0);
		}
		CHECK(index_add_entries(ix, batch, X.logs[l].n) == 0);
		free(batch);
	}
	for (size_t i = 0; i < X.ncosigs; i++) {
		CHECK(fx_feed_cosig(&X, &c, i) == 0);
		CHECK(index_add_cosignature(ix, X.cosigs[i].origin, X.cosigs[i].size, X.cosigs[i].cosigner, X.cosigs[i].time) == 0);
	}
	index_close(ix);
	CHECK(index_open(&ix, db) == 0);
	CHECK(cases_init(&d, &X.charter) == 0);
	CHECK(index_load(ix, &d) == 0);
	index_close(ix);
	fx_render_all(&X, &c, T0 + 3 * DAY, &a);
	fx_render_all(&X, &d, T0 + 3 * DAY, &b);
	CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
	CHECK(strstr((const char *)a.data, "\"advance_due\"") != NULL);
	CHECK(cases_entry(&d, US_LOG, n_ontime)->aid && cases_entry(&d, US_LOG, n_ontime)->aid->trucks == 12);
	cases_release(&c);
	cases_release(&d);
	buf_release(&a);
	buf_release(&b);
	unlink(db);
	char wal[80];
	snprintf(wal, sizeof wal, "%s-wal", db);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", db);
	unlink(wal);
	rmdir(dir);
}

/* A logset made in memory (no directory): the history of the charter, every entry fed. */
static struct logset *memory_logset(int64_t to)
{
	struct logset *s = calloc(1, sizeof *s);
	history_init(&s->history, &X.charter);
	s->charter = history_roster(&s->history);
	CHECK(cases_init_history(&s->cases, &s->history) == 0);
	feed(&s->cases);
	s->has_to = 1;
	s->to = to;
	for (int l = 0; l < 2; l++) {
		s->logs[l].present = 1;
		s->logs[l].read = X.logs[l].n;
	}
	return s;
}

static void free_logset(struct logset *s)
{
	cases_release(&s->cases);
	history_release(&s->history);
	free(s);
}

static uint64_t jint(json_t *o, const char *path)
{
	char p[128], *save = NULL;
	snprintf(p, sizeof p, "%s", path);
	for (char *k = strtok_r(p, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = json_object_get(o, k);
	return o ? (uint64_t)json_integer_value(o) : 999999;
}

static void test_mandate_figures(void)
{
	int64_t from = 1625788800 /* 2021-07-09 */, to = from + 30 * DAY;
	struct logset *s = memory_logset(to);
	struct mandate m;
	struct buf out;
	buf_init(&out, REPORT_MAX);
	CHECK(mandate_compute(s, from, to, &m) == 0);
	CHECK_EQ_INT(m.ncons, 4); /* BAH-5 is after the period */
	CHECK_EQ_INT(m.total.trucks, 12 + 5 + 3 + 20);
	CHECK_EQ_INT(m.total.confirmed, 11);
	CHECK_EQ_INT(m.total.crossed, 11);
	CHECK_EQ_INT(m.total.sectors[AID_FOOD], 35);
	CHECK_EQ_INT(m.total.sectors[AID_HEALTH], 5);
	CHECK_EQ_INT(m.total.beneficiaries, 40000);
	CHECK_EQ_INT(m.total.notices_on_time, 3);
	CHECK_EQ_INT(m.total.notices_late, 1);
	CHECK_EQ_INT(m.total.inspected[AID_PARTIAL], 1);
	CHECK_EQ_INT(m.total.inspected[AID_REJECTED], 1);
	CHECK_EQ_INT(m.total.uninspected, 2);
	CHECK_EQ_INT(m.total.ack_on_time, 2);
	CHECK_EQ_INT(m.total.ack_late, 1);
	CHECK_EQ_INT(m.total.ack_missing, 1);
	CHECK_EQ_INT(m.total.ack_pending, 0);
	/* the period 2021-07-09 to 2021-08-08 is reporting period 1 (30 d from the term's start): July and August */
	CHECK_EQ_INT(m.nperiods, 1);
	CHECK_EQ_INT(m.nslots, 2);
	CHECK_EQ_INT(m.slots[0].total.consignments, 4);
	CHECK_EQ_INT(m.slots[1].total.consignments, 0);
	CHECK(mandate_json(s, &m, &out) == 0);
	json_t *j = json_loadb((const char *)out.data, out.len, 0, NULL);
	CHECK(j != NULL);
	CHECK_STR(json_string_value(json_object_get(j, "report")), MANDATE_REPORT_NAME);
	CHECK_EQ_INT(jint(j, "total.trucks.notified"), 40);
	CHECK_EQ_INT(jint(j, "total.acknowledgements.missing"), 1);
	json_t *k = json_array_get(json_object_get(j, "consignments"), 2); /* by (time, log, index): BAH-3 */
	CHECK_STR(json_string_value(json_object_get(k, "case")), "us.fbi/BAH-3");
	CHECK_STR(json_string_value(json_object_get(json_object_get(k, "inspection"), "result")), "rejected");
	CHECK(json_is_true(json_object_get(k, "urgent")));
	json_decref(j);
	/* the same bytes again; the text names the exceptions */
	struct buf again;
	buf_init(&again, REPORT_MAX);
	CHECK(mandate_json(s, &m, &again) == 0);
	CHECK(again.len == out.len && !memcmp(again.data, out.data, out.len));
	buf_reset(&again);
	CHECK(mandate_text(s, &m, &again) == 0);
	CHECK(strstr((const char *)again.data, "late notice: us/3 case us.fbi/BAH-2") != NULL);
	CHECK(strstr((const char *)again.data, "acknowledgement missing: us/6 case us.fbi/BAH-4, by ru") != NULL);
	buf_reset(&again);
	CHECK(mandate_html(s, &m, "ar", &again) == 0);
	CHECK(strstr((const char *)again.data, "dir=\"rtl\"") != NULL);
	CHECK(mandate_html(s, &m, "fr", &again) == ERR_USAGE);
	buf_release(&again);
	mandate_release(&m);

	/* as of an earlier end, BAH-4's ack is not yet due: pending, not missing */
	CHECK(mandate_compute(s, from, T0 + 20 * HOUR, &m) == 0);
	CHECK_EQ_INT(m.total.ack_pending, 1);
	CHECK_EQ_INT(m.total.ack_missing, 0);
	CHECK_EQ_INT(m.total.crossed, 0); /* the crossing is dated after that end */
	mandate_release(&m);

	/* outside the term: refused */
	CHECK(mandate_compute(s, from - DAY, to, &m) == ERR_USAGE);
	CHECK_MSG("starts before the term");
	CHECK(mandate_compute(s, from, from + 200 * DAY, &m) == ERR_USAGE);
	CHECK_MSG("ends after the term");
	buf_release(&out);
	free_logset(s);
}

static void test_term_warnings(void)
{
	char w[1024];
	const struct charter *c = &X.charter; /* 2021-07-09 to 2021-10-09, every 30 d */
	int64_t start = 1625788800, end = 1633737600;
	CHECK_EQ_INT(term_warnings(c, start - 1, w, sizeof w), 0);
	CHECK_EQ_INT(term_warnings(c, start + DAY, w, sizeof w), 0); /* next report due in 29 d */
	CHECK_EQ_INT(term_next_due(c, start + DAY), start + 30 * DAY);
	CHECK_EQ_INT(term_warnings(c, start + 25 * DAY, w, sizeof w), 1); /* due in 5 d (< 7 d) */
	CHECK(strstr(w, "is due in 5 d 0 h") != NULL);
	CHECK_EQ_INT(term_warnings(c, end - 10 * DAY, w, sizeof w), 1); /* the term ends within 30 d; next due = end, in 10 d */
	CHECK(strstr(w, "term ends at 2021-10-09T00:00:00Z") != NULL);
	CHECK_EQ_INT(term_warnings(c, end - 2 * DAY, w, sizeof w), 2);
	CHECK_EQ_INT(term_warnings(c, end, w, sizeof w), 0);
	CHECK_EQ_INT(term_next_due(c, end), 0);
	CHECK_EQ_INT(term_warnings(c, end - 2 * DAY, w, 20), 2); /* cut, still terminated */
	CHECK(strlen(w) == 19);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	build(&X);
	RUN(test_consignment_ack_clock);
	RUN(test_aid_through_the_index);
	RUN(test_mandate_figures);
	RUN(test_term_warnings);
	fx_release(&X);
	CHECK_EXIT();
}

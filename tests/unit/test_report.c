/*
 * Reports (docs/reports.md): the figures of a period on the scenario of
 * cases_fixture.h, computed in memory; and the log-set loader on log
 * directories written here (closing checkpoints with a witness quorum of 2,
 * and what does not verify).
 */
#include "cases_fixture.h"
#include "base/fileio.h"
#include "report/report.h"
#include "tlog/store.h"

#include <sodium.h>
#include <stdlib.h>

static struct fx X;

/* A log set in memory: the fixture's charter, every entry and cosignature fed, every log read whole. */
static struct logset *memory_set(struct fx *x)
{
	struct logset *s = calloc(1, sizeof *s);
	CHECK(s != NULL);
	CHECK(charter_parse(&s->founding, x->charter.text.data, x->charter.text.len) == 0);
	history_init(&s->history, &s->founding);
	s->charter = history_roster(&s->history);
	CHECK(cases_init_history(&s->cases, &s->history) == 0);
	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < x->logs[l].n; i++)
			CHECK(fx_feed_entry(x, &s->cases, l, i) == 0);
		s->logs[l].read = x->logs[l].n;
	}
	for (size_t i = 0; i < x->ncosigs; i++)
		CHECK(fx_feed_cosig(x, &s->cases, i) == 0);
	return s;
}

static const struct report_pair *find_pair(const struct report *r, int from, int to, enum envelope_kind kind)
{
	for (size_t i = 0; i < r->npairs; i++)
		if (r->pairs[i].from == from && r->pairs[i].to == to && r->pairs[i].kind == (int)kind)
			return &r->pairs[i];
	return NULL;
}

/*
 * us -> ru requests in [T0, T0 + 20 d), as of T0 + 20 d: us 1 (delivered at
 * +540 s, acknowledged 3400 s and answered 863500 s after delivery), us 4
 * (delivered +240 s, never acknowledged: overdue), us 5 (urgent, delivered
 * +60 s, never acknowledged: overdue), us 6 (ru never cosigned it:
 * outstanding). us 7-9 are invalid and not counted.
 */
static void test_figures_of_a_period(void)
{
	struct logset *s = memory_set(&X);
	struct report r;
	struct report_filter f = {-1, -1, -1};
	CHECK(report_compute(s, T0, T0 + 20 * DAY, &f, &r) == 0);
	const struct report_pair *p = find_pair(&r, 0, 1, ENV_REQUEST);
	CHECK(p != NULL);
	if (p) {
		CHECK_EQ_INT(p->sent, 4);
		CHECK_EQ_INT(p->delivered, 3);
		CHECK_EQ_INT(p->outstanding, 1);
		CHECK_EQ_INT(p->acknowledged, 1);
		CHECK_EQ_INT(p->answered, 1);
		CHECK_EQ_INT(p->declined, 0);
		CHECK_EQ_INT(p->overdue, 2);
		CHECK_EQ_INT(p->late, 0);
		/* nearest rank over 60, 240, 540: rank ceil(1.5) = 2 and ceil(2.7) = 3 */
		CHECK(p->delivery.has && p->delivery.median == 240 && p->delivery.p90 == 540);
		CHECK(p->ack.has && p->ack.median == 3400 && p->ack.p90 == 3400);
		CHECK(p->answer.has && p->answer.median == 10 * DAY + 100 - 600 && p->answer.p90 == p->answer.median);
		CHECK_EQ_INT(p->nmonths, 1);
		if (p->nmonths == 1) {
			CHECK_EQ_INT(p->months[0].ym, 2021 * 12 + 6); /* 2021-07 */
			CHECK(p->months[0].sent == 4 && p->months[0].delivered == 3 && p->months[0].acknowledged == 1 &&
			      p->months[0].answered == 1);
		}
	}
	/* ru's responses and 'received' records, the other way */
	const struct report_pair *ack = find_pair(&r, 1, 0, ENV_ACK), *rcv = find_pair(&r, 1, 0, ENV_RECEIVED);
	CHECK(ack && ack->sent == 1 && ack->delivered == 1 && ack->delivery.median == 4000 - HOUR);
	CHECK(rcv && rcv->sent == 3);
	/* the envelopes, sorted by time: the first is us 0 (the notice), the requests are among them */
	CHECK(r.nenvs > 0 && r.envs[0].e->log == 0 && r.envs[0].e->index == 0);
	size_t nreq = 0;
	for (size_t i = 0; i < r.nenvs; i++)
		if (r.envs[i].e->kind == ENV_REQUEST) {
			nreq++;
			if (r.envs[i].e->index == 1)
				CHECK(r.envs[i].state == REPORT_ANSWERED && r.envs[i].has_delivered &&
				      r.envs[i].delivered_at == T0 + 600 && r.envs[i].answered_at == T0 + 10 * DAY + 100);
			if (r.envs[i].e->index == 4)
				CHECK(r.envs[i].state == REPORT_OVERDUE && !r.envs[i].has_acknowledged);
			if (r.envs[i].e->index == 6)
				CHECK(r.envs[i].state == REPORT_OUTSTANDING && !r.envs[i].has_delivered);
		}
	CHECK_EQ_INT(nreq, 4);
	report_release(&r);
	logset_close(s);
	free(s);
}

/* An envelope at `from` is in the period, one at `to` is out; clocks run as of `to`. */
static void test_period_boundaries(void)
{
	struct logset *s = memory_set(&X);
	struct report r;
	struct report_filter f = {0, 1, ENV_REQUEST};
	/* us 1 is at T0 + 60, us 4 at T0 + 12 d + 60 */
	CHECK(report_compute(s, T0 + 60, T0 + 12 * DAY + 60, &f, &r) == 0);
	CHECK_EQ_INT(r.nenvs, 1);
	CHECK(r.nenvs == 1 && r.envs[0].e->index == 1);
	report_release(&r);
	CHECK(report_compute(s, T0 + 61, T0 + 12 * DAY + 61, &f, &r) == 0);
	CHECK_EQ_INT(r.nenvs, 1);
	CHECK(r.nenvs == 1 && r.envs[0].e->index == 4);
	/* as of T0 + 12 d + 61, us 4 is not delivered yet (that is at + 240 s) */
	const struct report_pair *p = find_pair(&r, 0, 1, ENV_REQUEST);
	CHECK(p && p->delivered == 0 && p->outstanding == 1 && p->overdue == 0);
	report_release(&r);
	/* as of 30 s after the ack of us 1 was delivered: acknowledged, the answer not yet */
	CHECK(report_compute(s, T0, T0 + 4030, &f, &r) == 0);
	p = find_pair(&r, 0, 1, ENV_REQUEST);
	CHECK(p && p->sent == 1 && p->acknowledged == 1 && p->answered == 0);
	report_release(&r);
	/* nothing: the story's "none" */
	CHECK(report_compute(s, T0 - 30 * DAY, T0, &f, &r) == 0);
	CHECK(r.nenvs == 0 && r.npairs == 0);
	report_release(&r);
	logset_close(s);
	free(s);
}

/* An acknowledgement after its due time is late; the clock is no longer overdue. */
static void test_late_acknowledgement(void)
{
	struct fx *x = malloc(sizeof *x);
	struct envelope_fields f;
	fx_build(x);
	fx_fields(x, &f, "ru.gp", "us.doj", CASE_A, ENV_ACK, T0 + 14 * DAY); /* ru 5: acks us 4, due at 13 d + 300 s */
	fx_ref(x, &f, 0, 4);
	fx_append(x, 1, &f, &x->ru_gp.sign, 1);
	fx_cosign(x, RU_LOG, 6, US_LOG, T0 + 14 * DAY + 10);
	struct logset *s = memory_set(x);
	struct report r;
	struct report_filter flt = {0, 1, ENV_REQUEST};
	CHECK(report_compute(s, T0, T0 + 20 * DAY, &flt, &r) == 0);
	const struct report_pair *p = find_pair(&r, 0, 1, ENV_REQUEST);
	CHECK(p && p->acknowledged == 2 && p->late == 1 && p->overdue == 1);
	/* ack times 3400 and 2 d - 290: median rank 1, p90 rank 2 */
	CHECK(p && p->ack.median == 3400 && p->ack.p90 == 2 * DAY - 290);
	report_release(&r);
	logset_close(s);
	free(s);
	fx_release(x);
	free(x);
}

/* The JSON is the documented document, the same bytes each time; CSV has a header and one row per pair. */
static void test_renderings(void)
{
	struct logset *s = memory_set(&X);
	struct report r;
	struct report_filter f = {-1, 1, ENV_REQUEST};
	struct buf a, b;
	buf_init(&a, REPORT_MAX);
	buf_init(&b, REPORT_MAX);
	CHECK(report_compute(s, T0, T0 + 20 * DAY, &f, &r) == 0);
	CHECK(report_json(s, &r, &a) == 0 && report_json(s, &r, &b) == 0);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	buf_append_byte(&a, 0);
	const char *j = (const char *)a.data;
	CHECK(strstr(j, "\"report\": \"parley report v1\",\n  \"channel\"") != NULL);
	CHECK(strstr(j, "\"filter\": {\n    \"party\": null,\n    \"to_party\": \"ru\",\n    \"kind\": \"request\"\n  }") != NULL);
	CHECK(strstr(j, "\"delivery_s\": {\n        \"median\": 240,\n        \"p90\": 540\n      }") != NULL);
	CHECK(strstr(j, "\"month\": \"2021-07\"") != NULL);
	CHECK(strstr(j, "\"entry\": \"us/6\"") != NULL && strstr(j, "\"delivered_at\": null") != NULL);
	buf_reset(&b);
	CHECK(report_csv(s, &r, &b) == 0);
	buf_append_byte(&b, 0);
	CHECK(strstr((const char *)b.data, "\r\nus,ru,request,4,3,1,1,1,0,2,0,240,540,3400,3400,863500,863500\r\n") != NULL);
	buf_reset(&b);
	CHECK(report_html(s, &r, "ar", &b) == 0);
	buf_append_byte(&b, 0);
	CHECK(strstr((const char *)b.data, "<html lang=\"ar\" dir=\"rtl\">") != NULL);
	CHECK(strstr((const char *)b.data, "http") == NULL);
	CHECK(report_html(s, &r, "fr", &b) == ERR_USAGE);
	report_release(&r);
	buf_release(&a);
	buf_release(&b);
	logset_close(s);
	free(s);
}

/* ---- the loader, on directories ---- */

static char D[4096];

static void write_file(const char *rel, const struct buf *b)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", D, rel);
	CHECK(file_write_atomic(path, b->data, b->len, 0644, 0) == 0);
}

/* A checkpoint of log t at size signed by its key, cosigned by the cosigners (0x04 signers) at time. */
static void kept(const char *rel, struct tlog *t, uint64_t size, const struct note_signer *log,
		 const struct note_signer *cos, size_t ncos, uint64_t time, int wrong_root)
{
	struct checkpoint cp;
	struct buf text, note;
	struct note_signer all[4];
	buf_init(&text, CHECKPOINT_MAX_SIZE);
	buf_init(&note, CHECKPOINT_MAX_SIZE);
	snprintf(cp.origin, sizeof cp.origin, "%s", log->name);
	cp.size = size;
	CHECK(tlog_root_at(t, size, cp.root) == 0);
	cp.root[0] ^= (uint8_t)wrong_root;
	CHECK(checkpoint_format_text(&cp, &text) == 0);
	all[0] = *log;
	for (size_t i = 0; i < ncos; i++)
		all[i + 1] = cos[i];
	CHECK(note_sign(&note, (const char *)text.data, text.len, all, ncos + 1, time) == 0);
	write_file(rel, &note);
	buf_release(&text);
	buf_release(&note);
}

static int open_set(int64_t to, struct logset **out)
{
	struct logset_options o = {1, to, 2};
	*out = malloc(sizeof **out);
	int rc = logset_open(*out, D, &o);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/*
 * The fixture's keys under a charter with witness-quorum 2 (another channel,
 * so new entries): us 0-9 requests of us.fbi in its case A (the first opens
 * it), one a day from T0; ru 0 acknowledges us 1.
 */
static void quorum_channel(struct fx *x, struct buf *signed_charter)
{
	struct buf text, s1;
	struct charter draft, half;
	struct envelope_fields f;
	fx_build(x);
	buf_init(&text, CHARTER_MAX_SIZE);
	buf_init(&s1, CHARTER_MAX_SIZE + 4096);
	CHECK(buf_append(&text, x->charter.text.data, x->charter.text.len) == 0);
	CHECK(buf_append_str(&text, "witness-quorum: 2\n") == 0);
	charter_release(&x->charter);
	CHECK(charter_parse(&x->charter, text.data, text.len) == 0 && x->charter.witness_quorum == 2);
	CHECK(charter_parse(&draft, text.data, text.len) == 0 && charter_sign(&draft, &x->us_node.sign, &s1) == 0);
	CHECK(charter_parse(&half, s1.data, s1.len) == 0 && charter_sign(&half, &x->ru_node.sign, signed_charter) == 0);
	charter_release(&draft);
	charter_release(&half);
	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < x->logs[l].n; i++)
			buf_release(&x->logs[l].e[i]);
		x->logs[l].n = 0;
	}
	for (int i = 0; i < 10; i++) {
		fx_fields(x, &f, "us.fbi", "ru.gp", CASE_A, ENV_REQUEST, T0 + i * DAY);
		fx_append(x, 0, &f, &x->us_fbi.sign, 1);
	}
	fx_fields(x, &f, "ru.gp", "us.fbi", CASE_A, ENV_ACK, T0 + DAY + HOUR);
	fx_ref(x, &f, 0, 1);
	fx_append(x, 1, &f, &x->ru_gp.sign, 1);
	buf_release(&text);
	buf_release(&s1);
}

static void test_loader_closing_and_refusals(void)
{
	struct fx *x = malloc(sizeof *x);
	struct note_signer ru_cos, un_cos, us_cos;
	struct tlog *t[2];
	struct buf charter;
	char path[4400];
	buf_init(&charter, CHARTER_MAX_SIZE + 8192);
	quorum_channel(x, &charter);
	CHECK(check_tmpdir(D, sizeof D, "report") == 0);
	CHECK(note_signer_retype(&ru_cos, &x->ru_node.sign, NOTE_COSIGNATURE) == 0);
	CHECK(note_signer_retype(&us_cos, &x->us_node.sign, NOTE_COSIGNATURE) == 0);
	CHECK(note_signer_retype(&un_cos, &x->un.sign, NOTE_COSIGNATURE) == 0);
	write_file("charter", &charter);
	/* the two logs, fetch layout */
	const struct note_signer *keys[2] = {&x->us_node.sign, &x->ru_node.sign};
	const char *dirs[2] = {"logs/us", "logs/ru"};
	for (int l = 0; l < 2; l++) {
		snprintf(path, sizeof path, "%s/%s", D, dirs[l]);
		CHECK(mkdir_p(path, 0755) == 0 && tlog_create(path, keys[l]) == 0 && tlog_open(&t[l], path, keys[l]) == 0);
		for (size_t i = 0; i < x->logs[l].n; i++)
			CHECK(tlog_add(t[l], x->logs[l].e[i].data, x->logs[l].e[i].len, NULL) == 0);
		CHECK(tlog_commit(t[l]) == 0);
	}
	snprintf(path, sizeof path, "%s/logs/us.checkpoints", D);
	CHECK(mkdir_p(path, 0755) == 0);
	int64_t to = T0 + 12 * DAY;
	struct note_signer both[2] = {ru_cos, un_cos};
	kept("logs/us.checkpoints/2", t[0], 2, &x->us_node.sign, both, 2, T0 + 650, 0);
	kept("logs/us.checkpoints/5", t[0], 5, &x->us_node.sign, &ru_cos, 1, to + 1000, 0); /* one cosigner only */
	kept("logs/us.checkpoints/7", t[0], 7, &x->us_node.sign, both, 2, to + 2000, 0);   /* the closing one */
	kept("logs/us.checkpoints/10", t[0], 10, &x->us_node.sign, both, 2, to + 3000, 0);
	struct logset *s;
	CHECK(open_set(to, &s) == 0);
	if (s) {
		CHECK(!s->node_layout && s->logs[0].present && s->logs[1].present);
		CHECK(s->logs[0].closed && s->logs[0].closing.size == 7 && s->logs[0].closing.witnessed_at == to + 2000 &&
		      s->logs[0].closing.ncosigners == 2);
		CHECK_EQ_INT(s->logs[0].read, 7); /* a report is a function of the prefix up to the closing checkpoint */
		CHECK(!s->logs[1].closed && s->logs[1].read == x->logs[1].n);
		/* us 0-1 deemed delivered by ru's cosignature on size 2 */
		int64_t at = 0;
		int dd = cases_delivered_to(&s->cases, cases_entry(&s->cases, US_LOG, 1), 1, INT64_MAX, &at);
		CHECK(dd && at == T0 + 650);
		struct report r;
		struct report_filter f = {-1, -1, -1};
		struct buf j;
		buf_init(&j, REPORT_MAX);
		CHECK(report_compute(s, T0, to, &f, &r) == 0 && report_json(s, &r, &j) == 0);
		buf_append_byte(&j, 0);
		CHECK(strstr((const char *)j.data, "\"closing\": {\n        \"size\": 7,\n        \"witnessed_at\": \"2021-07-21T15:33:20Z\",\n        \"cosigners\": [\n          \"ru.parley.example/log\",\n          \"un.witness\"\n        ]\n      },\n      \"complete\": true") != NULL);
		CHECK(strstr((const char *)j.data, "\"closing\": null,\n      \"complete\": false") != NULL);
		report_release(&r);
		buf_release(&j);
		logset_close(s);
		free(s);
	}
	/* a period later than every cosignature: no closing checkpoint, the whole log is read */
	CHECK(open_set(to + 30 * DAY, &s) == 0);
	CHECK(s && !s->logs[0].closed && s->logs[0].read == x->logs[0].n);
	if (s) {
		logset_close(s);
		free(s);
	}
	/* a kept checkpoint of another history */
	kept("logs/us.checkpoints/6", t[0], 6, &x->us_node.sign, &un_cos, 1, to + 1500, 1);
	CHECK(open_set(to, &s) == ERR_VERIFY);
	CHECK_MSG("do not hash to the root of its signed checkpoint of size 6");
	/* a cosignature that does not verify (signed over another size, its line pasted) */
	kept("logs/us.checkpoints/6", t[0], 6, &x->us_node.sign, &un_cos, 1, to + 1500, 0);
	CHECK(open_set(to, &s) == 0);
	if (s) {
		logset_close(s);
		free(s);
	}
	{
		struct buf a, b2;
		buf_init(&a, CHECKPOINT_MAX_SIZE);
		buf_init(&b2, CHECKPOINT_MAX_SIZE);
		snprintf(path, sizeof path, "%s/logs/us.checkpoints/6", D);
		CHECK(file_read(path, a.max, &a) == 0);
		snprintf(path, sizeof path, "%s/logs/us.checkpoints/7", D);
		CHECK(file_read(path, b2.max, &b2) == 0);
		/* the un.witness line of size 7 replaces that of size 6 */
		const char *l6 = strstr((const char *)a.data, "\xe2\x80\x94 un.witness ");
		const char *l7 = strstr((const char *)b2.data, "\xe2\x80\x94 un.witness ");
		CHECK(l6 && l7);
		if (l6 && l7) {
			struct buf c;
			buf_init(&c, CHECKPOINT_MAX_SIZE);
			buf_append(&c, a.data, (size_t)(l6 - (const char *)a.data));
			buf_append(&c, l7, b2.len - (size_t)(l7 - (const char *)b2.data));
			write_file("logs/us.checkpoints/6", &c);
			buf_release(&c);
		}
		buf_release(&a);
		buf_release(&b2);
	}
	CHECK(open_set(to, &s) == ERR_VERIFY);
	CHECK_MSG("the cosignature by un.witness does not verify");
	/* a checkpoint signed by another key */
	kept("logs/us.checkpoints/6", t[0], 6, &x->ru_node.sign, &un_cos, 1, to + 1500, 0);
	CHECK(open_set(to, &s) == ERR_VERIFY);
	CHECK_MSG("not a checkpoint signed by us's node key");
	/* neither layout */
	snprintf(path, sizeof path, "%s/logs", D);
	char moved[4400];
	snprintf(moved, sizeof moved, "%s/elsewhere", D);
	CHECK(rename(path, moved) == 0);
	CHECK(open_set(to, &s) == ERR_NOTFOUND);
	for (int l = 0; l < 2; l++)
		tlog_close(t[l]);
	note_signer_release(&ru_cos);
	note_signer_release(&us_cos);
	note_signer_release(&un_cos);
	buf_release(&charter);
	fx_release(x);
	free(x);
	check_rmtree(D);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	fx_build(&X);
	RUN(test_figures_of_a_period);
	RUN(test_period_boundaries);
	RUN(test_late_acknowledgement);
	RUN(test_renderings);
	RUN(test_loader_closing_and_refusals);
	fx_release(&X);
	CHECK_EXIT();
}

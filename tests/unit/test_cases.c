/* Case state and deadlines: the rules of docs/cases.md on the scenario of cases_fixture.h. */
#include "cases_fixture.h"

#include <sodium.h>

static struct fx X;

/* Everything fed: the us log, the ru log, then the cosignatures. */
static void feed_all(struct cases *c)
{
	CHECK(cases_init(c, &X.charter) == 0);
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < X.logs[l].n; i++)
			CHECK(fx_feed_entry(&X, c, l, i) == 0);
	for (size_t i = 0; i < X.ncosigs; i++)
		CHECK(fx_feed_cosig(&X, c, i) == 0);
}

static const struct cases_env *env_at(const struct cases *c, const char *case_id, int log, uint64_t index)
{
	const struct cases_case *k = cases_find(c, case_id);
	for (size_t i = 0; k && i < k->n; i++)
		if (k->envs[i]->log == log && k->envs[i]->index == index)
			return k->envs[i];
	return NULL;
}

static void render(const struct cases *c, const char *case_id, int64_t now, struct buf *out)
{
	buf_reset(out);
	const struct cases_case *k = cases_find(c, case_id);
	CHECK(k != NULL);
	if (k)
		CHECK(cases_case_json(c, k, now, out) == 0);
}

static int has(const struct buf *b, const char *s)
{
	if (strstr((const char *)b->data, s))
		return 1;
	fprintf(stderr, "  JSON lacks: %s\n", s);
	return 0;
}

static const char *ts(int64_t t)
{
	static char s[4][21];
	static int i;
	i = (i + 1) % 4;
	syntax_format_time(t, s[i]);
	return s[i];
}

static void test_request_acknowledged_and_answered(void)
{
	struct cases c;
	struct cases_obligation o;
	struct buf j;
	feed_all(&c);
	buf_init(&j, CASES_JSON_MAX);
	CHECK_EQ_INT(cases_count(&c), 3);
	CHECK_EQ_INT(cases_log_size(&c, US_LOG), 10);
	CHECK_EQ_INT(cases_log_size(&c, RU_LOG), 5);
	const struct cases_env *req = env_at(&c, CASE_A, 0, 1);
	CHECK(req && req->valid && req->kind == ENV_REQUEST);
	int64_t now = T0 + 12 * DAY + HOUR;
	CHECK(cases_status(&c, req, "ru", now, &o) == 0);
	CHECK(o.delivered);
	CHECK_EQ_INT(o.delivered_at, T0 + 600); /* ru's node cosigned size 2 then; the size-1 record came later */
	CHECK_EQ_INT(o.ack.state, CASES_MET);
	CHECK_EQ_INT(o.ack.due, T0 + 600 + DAY);
	CHECK_EQ_INT(o.ack.at, T0 + 4000); /* the ack deemed delivered to us */
	CHECK(!o.ack.late);
	CHECK(o.ack.by && o.ack.by->kind == ENV_ACK);
	CHECK_EQ_INT(o.answer.state, CASES_MET);
	CHECK_EQ_INT(o.answer.due, T0 + 600 + 30 * DAY);
	CHECK_EQ_INT(o.answer.at, T0 + 10 * DAY + 100);
	CHECK_EQ_INT(o.answers, 1);
	/* before the ack was delivered back, it was only sent */
	CHECK(cases_status(&c, req, "ru", T0 + 3700, &o) == 0);
	CHECK_EQ_INT(o.ack.state, CASES_SENT);
	CHECK_EQ_INT(o.ack.at, T0 + HOUR);
	CHECK_EQ_INT(o.answer.state, CASES_DUE);
	/* before ru's node cosigned, the clock had not started */
	CHECK(cases_status(&c, req, "ru", T0 + 300, &o) == 0);
	CHECK(!o.delivered);
	CHECK_EQ_INT(o.ack.state, CASES_NOT_STARTED);
	CHECK(cases_status(&c, req, "us", now, &o) == ERR_USAGE);
	CHECK(cases_status(&c, env_at(&c, CASE_A, 0, 0), "ru", now, &o) == ERR_USAGE); /* a notice */
	render(&c, CASE_A, now, &j);
	CHECK(has(&j, "\"case\": \"us.fbi/2021-0007\""));
	CHECK(has(&j, "\"kind\": \"statement\""));
	CHECK(has(&j, "\"kind\": \"update\""));
	CHECK(has(&j, "\"state\": \"resolved\""));
	/* us 1's delivery, its received record (ru 1), and the witness that saw it */
	char want[256];
	snprintf(want, sizeof want, "\"party\": \"ru\",\n          \"state\": \"delivered\",\n          \"at\": \"%s\"",
		 ts(T0 + 600));
	CHECK(has(&j, want));
	CHECK(has(&j, "\"party\": \"ru\",\n          \"log\": \"ru.parley.example/log\",\n          \"index\": 1"));
	snprintf(want, sizeof want, "\"by\": \"un.witness\",\n          \"role\": \"witness\",\n          \"at\": \"%s\"",
		 ts(T0 + 650));
	CHECK(has(&j, want));
	buf_release(&j);
	cases_release(&c);
}

static void test_unacknowledged_request_goes_overdue(void)
{
	struct cases c;
	struct cases_obligation o;
	struct buf j;
	feed_all(&c);
	buf_init(&j, CASES_JSON_MAX);
	const struct cases_env *req = env_at(&c, CASE_A, 0, 4);
	CHECK(req && req->valid);
	int64_t delivered = T0 + 12 * DAY + 300;
	CHECK(cases_status(&c, req, "ru", T0 + 12 * DAY + HOUR, &o) == 0);
	CHECK_EQ_INT(o.delivered_at, delivered);
	CHECK_EQ_INT(o.ack.state, CASES_DUE);
	CHECK_EQ_INT(o.ack.due, delivered + DAY);
	int64_t later = T0 + 14 * DAY + HOUR;
	CHECK(cases_status(&c, req, "ru", later, &o) == 0);
	CHECK_EQ_INT(o.ack.state, CASES_OVERDUE);
	CHECK_EQ_INT(o.ack.at, delivered + DAY); /* overdue since */
	CHECK_EQ_INT(o.answer.state, CASES_DUE);
	CHECK_EQ_INT(o.answer.due, delivered + 30 * DAY);
	render(&c, CASE_A, later, &j);
	char want[128];
	snprintf(want, sizeof want, "\"state\": \"overdue\",\n            \"due\": \"%s\",\n            \"at\": \"%s\"",
		 ts(delivered + DAY), ts(delivered + DAY));
	CHECK(has(&j, want));
	buf_release(&j);
	cases_release(&c);
}

static void test_urgent_request_has_shorter_deadlines(void)
{
	struct cases c;
	struct cases_obligation o;
	feed_all(&c);
	const struct cases_env *req = env_at(&c, CASE_B, 0, 5);
	CHECK(req && req->urgent);
	int64_t delivered = T0 + 13 * DAY + 60;
	CHECK(cases_status(&c, req, "ru", T0 + 13 * DAY + HOUR, &o) == 0);
	CHECK_EQ_INT(o.ack.state, CASES_DUE);
	CHECK_EQ_INT(o.ack.due, delivered + 4 * HOUR);
	CHECK_EQ_INT(o.answer.due, delivered + 72 * HOUR);
	CHECK(cases_status(&c, req, "ru", delivered + 5 * HOUR, &o) == 0);
	CHECK_EQ_INT(o.ack.state, CASES_OVERDUE);
	CHECK_EQ_INT(o.answer.state, CASES_DUE);
	cases_release(&c);
}

static void test_receipt_outstanding_without_the_recipients_cosignature(void)
{
	struct cases c;
	struct cases_obligation o;
	struct buf j;
	feed_all(&c);
	buf_init(&j, CASES_JSON_MAX);
	/* ru's node cosigned size 6, which does not cover entry 6; only the neutral witness cosigned size 7 */
	const struct cases_env *req = env_at(&c, CASE_C, 0, 6);
	CHECK(req != NULL);
	int64_t later = T0 + 20 * DAY;
	CHECK(cases_status(&c, req, "ru", later, &o) == 0);
	CHECK(!o.delivered);
	CHECK_EQ_INT(o.ack.state, CASES_NOT_STARTED);
	CHECK_EQ_INT(o.answer.state, CASES_NOT_STARTED);
	render(&c, CASE_C, later, &j);
	char want[160];
	snprintf(want, sizeof want, "\"state\": \"outstanding\",\n          \"since\": \"%s\"", ts(T0 + 14 * DAY + 30));
	CHECK(has(&j, want));
	CHECK(has(&j, "\"by\": \"un.witness\""));
	CHECK(!strstr((const char *)j.data, "\"by\": \"ru\"")); /* ru's size-6 cosignature does not cover it */
	CHECK(has(&j, "\"delivered_at\": null"));
	/* before the witness saw it, outstanding since the envelope's own time */
	render(&c, CASE_C, T0 + 14 * DAY + 10, &j);
	snprintf(want, sizeof want, "\"state\": \"outstanding\",\n          \"since\": \"%s\"", ts(T0 + 14 * DAY));
	CHECK(has(&j, want));
	CHECK(has(&j, "\"cosigned\": []"));
	buf_release(&j);
	cases_release(&c);
}

static void test_invalid_entries_are_listed_and_ignored(void)
{
	struct cases c;
	struct buf j;
	struct cases_obligation o;
	feed_all(&c);
	buf_init(&j, CASES_JSON_MAX);
	const struct cases_env *forged = env_at(&c, CASE_A, 0, 7), *misplaced = env_at(&c, CASE_A, 0, 8),
			       *replay = env_at(&c, CASE_A, 0, 9);
	CHECK(forged && !forged->valid && strstr(forged->reason, "not the key of us.fbi"));
	CHECK(misplaced && !misplaced->valid && strstr(misplaced->reason, "in the log of party us"));
	CHECK(replay && !replay->valid && strstr(replay->reason, "replay of entry 1"));
	/* the node's replay check: valid entries only (a forged one is no precedent) */
	merkle_hash other;
	merkle_leaf_hash("not an entry", 12, other);
	CHECK(cases_has_id(&c, env_at(&c, CASE_A, 0, 1)->id) == 1 && cases_has_id(&c, replay->id) == 1);
	CHECK(cases_has_id(&c, forged->id) == 0 && cases_has_id(&c, other) == 0);
	/* the misplaced ack of us 4 does not acknowledge it */
	CHECK(cases_status(&c, env_at(&c, CASE_A, 0, 4), "ru", T0 + 20 * DAY, &o) == 0);
	CHECK_EQ_INT(o.ack.state, CASES_OVERDUE);
	render(&c, CASE_A, T0 + 20 * DAY, &j);
	CHECK(has(&j, "\"invalid\": [\n    {\n      \"log\": \"us.parley.example/log\",\n      \"index\": 7"));
	CHECK(has(&j, "\"reason\": \"replay of entry 1 of us.parley.example/log\""));
	/* an unparseable entry is recorded too, in no case */
	CHECK(cases_add_entry(&c, RU_LOG, 5, (const uint8_t *)"junk\n", 5) == 0);
	CHECK_EQ_INT(cases_log_size(&c, RU_LOG), 6);
	CHECK_EQ_INT(cases_count(&c), 3);
	buf_release(&j);
	cases_release(&c);
}

/* The last signature line of log entry (l, i) appended once more, as raw bytes: the same signed text re-shaped. */
static void append_with_last_line_twice(struct fx *x, int l, uint64_t i)
{
	const struct buf *src = &x->logs[l].e[i];
	size_t last = src->len - 1;
	while (last > 0 && src->data[last - 1] != '\n')
		last--;
	struct buf b;
	buf_init(&b, ENVELOPE_MAX_SIZE);
	CHECK(buf_append(&b, src->data, src->len) == 0 && buf_append(&b, src->data + last, src->len - last) == 0);
	fx_append_raw(x, l, b.data, b.len);
	buf_release(&b);
}

/*
 * Hole 2 of issue 13: an envelope is its signed text (DESIGN.md principle 6).
 * A copy with a signature line duplicated, or a statement with its
 * co-signatures reordered, has new bytes (a new leaf hash) but is the same
 * envelope: a replay, never a second request with its own clocks.
 */
static void test_reshaped_copies_are_replays(void)
{
	struct fx *x = calloc(1, sizeof *x);
	struct envelope_fields f;
	struct cases c;
	struct buf j;
	buf_init(&j, CASES_JSON_MAX);
	fx_build(x);
	append_with_last_line_twice(x, 0, 1); /* us 10: the request of us 1, its signature line twice */
	/* us 11: a statement signed in the order it names its agencies; us 12: the same, co-signatures swapped */
	fx_fields(x, &f, "us.fbi", "ru.fsb ru.gp", CASE_A, ENV_STATEMENT, T0 + 13 * DAY);
	struct note_signer canon[3] = {x->us_fbi.sign, x->ru_fsb.sign, x->ru_gp.sign};
	struct note_signer swapped[3] = {x->us_fbi.sign, x->ru_gp.sign, x->ru_fsb.sign};
	CHECK_EQ_INT(fx_append(x, 0, &f, canon, 3), 11);
	CHECK_EQ_INT(fx_append(x, 0, &f, swapped, 3), 12);
	CHECK(cases_init(&c, &x->charter) == 0);
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < x->logs[l].n; i++)
			CHECK(fx_feed_entry(x, &c, l, i) == 0);
	const struct cases_env *req = env_at(&c, CASE_A, 0, 1), *dup = env_at(&c, CASE_A, 0, 10),
			       *st = env_at(&c, CASE_A, 0, 11), *st2 = env_at(&c, CASE_A, 0, 12);
	CHECK(req && req->valid && st && st->valid);
	CHECK(dup && !dup->valid && strstr(dup->reason, "replay of entry 1 of us.parley.example/log"));
	CHECK(st2 && !st2->valid && strstr(st2->reason, "replay of entry 11 of us.parley.example/log"));
	/* the node's replay check finds the copy by its signed text */
	uint8_t id[32];
	CHECK(envelope_identity(x->logs[0].e[10].data, x->logs[0].e[10].len, id) == 0);
	CHECK(cases_has_id(&c, id) == 1);
	/* one set of clocks for ru: the copy is no second request */
	render(&c, CASE_A, T0 + 20 * DAY, &j);
	const char *p = (const char *)j.data;
	size_t requests = 0;
	while ((p = strstr(p, "\"kind\": \"request\",\n      \"from\": \"us.fbi\"")))
		requests++, p++;
	CHECK_EQ_INT(requests, 1);
	buf_release(&j);
	cases_release(&c);
	fx_release(x);
	free(x);
}

/*
 * Hole 11 of issue 13: case namespaces (docs/cases.md). A case id names the
 * agency that opens it; another agency of its party writes in it once it is
 * open, another party only by a ref to an envelope of the case that names it,
 * and never closes it. Whatever breaks that is listed as invalid, with the
 * reason, however it got into a log; the rest of the case is unchanged.
 */
static void test_case_namespaces(void)
{
	struct fx *x = calloc(1, sizeof *x);
	struct envelope_fields f;
	struct cases c;
	struct buf j, all1, all2;
	buf_init(&j, CASES_JSON_MAX);
	buf_init(&all1, CASES_JSON_MAX);
	buf_init(&all2, CASES_JSON_MAX);
	fx_build(x);
	/* us 10: us.fbi opens a case under ru.gp's id */
	fx_fields(x, &f, "us.fbi", "ru.gp", "ru.gp/2021-0001", ENV_REQUEST, T0 + 15 * DAY);
	CHECK_EQ_INT(fx_append(x, 0, &f, &x->us_fbi.sign, 1), 10);
	/* us 11: us.doj writes in a us.fbi case nobody opened */
	fx_fields(x, &f, "us.doj", "ru.gp", "us.fbi/2021-0100", ENV_NOTICE, T0 + 15 * DAY);
	CHECK_EQ_INT(fx_append(x, 0, &f, &x->us_doj.sign, 1), 11);
	/* ru 5: ru.gp writes in case A without a ref; ru 6: ru.gp closes case A (ref to the request it got) */
	fx_fields(x, &f, "ru.gp", "us.fbi", CASE_A, ENV_NOTICE, T0 + 15 * DAY);
	CHECK_EQ_INT(fx_append(x, 1, &f, &x->ru_gp.sign, 1), 5);
	fx_fields(x, &f, "ru.gp", "us.fbi", CASE_A, ENV_CLOSE, T0 + 15 * DAY);
	fx_ref(x, &f, 0, 1);
	CHECK_EQ_INT(fx_append(x, 1, &f, &x->ru_gp.sign, 1), 6);
	/* ru 7: ru.fsb answers the us.doj request (us 4), which was addressed to ru.gp only */
	fx_fields(x, &f, "ru.fsb", "us.doj", CASE_A, ENV_ANSWER, T0 + 15 * DAY);
	fx_ref(x, &f, 0, 4);
	CHECK_EQ_INT(fx_append(x, 1, &f, &x->ru_fsb.sign, 1), 7);
	/* ru 8: ru.gp answers us 10 in its own case: it stands (its owner), its ref does not resolve */
	fx_fields(x, &f, "ru.gp", "us.fbi", "ru.gp/2021-0001", ENV_ANSWER, T0 + 15 * DAY);
	fx_ref(x, &f, 0, 10);
	CHECK_EQ_INT(fx_append(x, 1, &f, &x->ru_gp.sign, 1), 8);
	/* ru 9: ru.gp updates its own answer of case A (ru 3): a chain of refs back to us.fbi's request */
	fx_fields(x, &f, "ru.gp", "us.fbi", CASE_A, ENV_UPDATE, T0 + 15 * DAY);
	fx_ref(x, &f, 1, 3);
	CHECK_EQ_INT(fx_append(x, 1, &f, &x->ru_gp.sign, 1), 9);
	/* ru 10: ru.fsb follows up its own answer of ru 7, which does not stand */
	fx_fields(x, &f, "ru.fsb", "us.doj", CASE_A, ENV_UPDATE, T0 + 15 * DAY);
	fx_ref(x, &f, 1, 7);
	CHECK_EQ_INT(fx_append(x, 1, &f, &x->ru_fsb.sign, 1), 10);
	for (int order = 0; order < 2; order++) { /* us then ru, and ru then us: the same views */
		CHECK(cases_init(&c, &x->charter) == 0);
		for (int k = 0; k < 2; k++) {
			int l = order ? 1 - k : k;
			for (size_t i = 0; i < x->logs[l].n; i++)
				CHECK(fx_feed_entry(x, &c, l, i) == 0);
		}
		for (size_t i = 0; i < x->ncosigs; i++)
			CHECK(fx_feed_cosig(x, &c, i) == 0);
		fx_render_all(x, &c, T0 + 20 * DAY, order ? &all2 : &all1);
		render(&c, "ru.gp/2021-0001", T0 + 20 * DAY, &j);
		CHECK(has(&j, "\"envelopes\": [\n    {\n      \"log\": \"ru.parley.example/log\",\n      \"index\": 8,"));
		CHECK(has(&j, "\"state\": \"invalid\""));
		CHECK(has(&j, "\"reason\": \"us.fbi is not a party to case ru.gp/2021-0001 (opened by ru.gp): another party's envelope in it must ref an envelope of the case that names its sender\""));
		render(&c, "us.fbi/2021-0100", T0 + 20 * DAY, &j);
		CHECK(has(&j, "\"reason\": \"case us.fbi/2021-0100 is not open: us.fbi opens it before other agencies of us write in it\""));
		render(&c, CASE_A, T0 + 20 * DAY, &j);
		CHECK(has(&j, "\"reason\": \"ru.gp is not a party to case us.fbi/2021-0007 (opened by us.fbi): another party's envelope in it must ref"));
		CHECK(has(&j, "\"reason\": \"ru.gp cannot close case us.fbi/2021-0007: only us (the case's party) closes it\""));
		CHECK(has(&j, "\"reason\": \"ru.fsb is not a party to case us.fbi/2021-0007: entry 4 of us.parley.example/log, which its ref names, is neither from nor to it\""));
		CHECK(has(&j, "\"reason\": \"ru.fsb is not a party to case us.fbi/2021-0007: entry 7 of ru.parley.example/log, which its ref names, does not stand in it\""));
		CHECK(has(&j, "\"closed_at\": null"));
		/* the update of ru 9 stands: ru 3 answers us 1, which names ru.gp */
		CHECK(has(&j, "\"index\": 9,\n      \"leaf\""));
		cases_release(&c);
	}
	CHECK(all1.len == all2.len && !memcmp(all1.data, all2.data, all1.len));
	buf_release(&j);
	buf_release(&all1);
	buf_release(&all2);
	fx_release(x);
	free(x);
}

static void test_close_stops_the_clocks(void)
{
	struct fx *x = calloc(1, sizeof *x);
	struct envelope_fields f;
	struct cases c;
	struct cases_obligation o;
	fx_build(x);
	fx_fields(x, &f, "us.fbi", "ru.fsb", CASE_B, ENV_CLOSE, T0 + 13 * DAY + 2 * HOUR); /* us 10 */
	fx_ref(x, &f, 0, 5);
	CHECK_EQ_INT(fx_append(x, 0, &f, &x->us_fbi.sign, 1), 10);
	fx_cosign(x, US_LOG, 11, RU_LOG, T0 + 13 * DAY + 2 * HOUR + 10);
	CHECK(cases_init(&c, &x->charter) == 0);
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < x->logs[l].n; i++)
			CHECK(fx_feed_entry(x, &c, l, i) == 0);
	for (size_t i = 0; i < x->ncosigs; i++)
		CHECK(fx_feed_cosig(x, &c, i) == 0);
	const struct cases_env *req = env_at(&c, CASE_B, 0, 5);
	CHECK(cases_status(&c, req, "ru", T0 + 20 * DAY, &o) == 0);
	CHECK_EQ_INT(o.ack.state, CASES_CLOSED);
	CHECK_EQ_INT(o.ack.at, T0 + 13 * DAY + 2 * HOUR + 10);
	CHECK(!o.ack.late);
	CHECK_EQ_INT(o.answer.state, CASES_CLOSED);
	cases_release(&c);
	fx_release(x);
	free(x);
}

static void test_refusals_change_nothing(void)
{
	struct cases c;
	CHECK(cases_init(&c, &X.charter) == 0);
	CHECK_EQ_INT(fx_feed_entry(&X, &c, 0, 1), ERR_CONFLICT); /* not in index order */
	CHECK_MSG("expected entry 0");
	CHECK_EQ_INT(cases_add_entry(&c, "cn.parley.example/log", 0, X.logs[0].e[0].data, X.logs[0].e[0].len),
		     ERR_NOTFOUND);
	CHECK_EQ_INT(cases_add_cosignature(&c, US_LOG, 1, "cn.witness", T0), ERR_NOTFOUND);
	CHECK_EQ_INT(cases_add_cosignature(&c, US_LOG, 1, US_LOG, T0), ERR_FORMAT);
	CHECK_EQ_INT(cases_add_cosignature(&c, US_LOG, 1, RU_LOG, -1), ERR_FORMAT);
	CHECK_EQ_INT(cases_log_size(&c, US_LOG), 0);
	CHECK_EQ_INT(cases_count(&c), 0);
	CHECK(cases_find(&c, CASE_A) == NULL);
	const struct cases_env **items;
	size_t n;
	CHECK_EQ_INT(cases_inbox(&c, "ru.mvd", &items, &n), ERR_NOTFOUND);
	/* a ref to an entry not fed yet is pending, then resolved */
	struct buf j;
	buf_init(&j, CASES_JSON_MAX);
	for (size_t i = 0; i < 3; i++)
		CHECK(fx_feed_entry(&X, &c, 1, i) == 0);
	render(&c, CASE_A, T0 + DAY, &j);
	/* ru's entries show they belong to the case only through their refs: pending until us is fed */
	CHECK(has(&j, "\"reason\": \"pending: ru.gp shows it is a party to case us.fbi/2021-0007 only once entry 1"));
	for (size_t i = 0; i < 2; i++)
		CHECK(fx_feed_entry(&X, &c, 0, i) == 0);
	render(&c, CASE_A, T0 + DAY, &j);
	CHECK(!strstr((const char *)j.data, "\"pending\""));
	buf_release(&j);
	cases_release(&c);
}

/*
 * Feeds the logs in the order given by pattern, repeated: 'u' the next us
 * entry, 'r' the next ru entry, 'c' the next cosignature; a source that is
 * used up gives way to the first that is not.
 */
static void feed_pattern(struct cases *c, const char *pattern, int reverse_cosigs)
{
	size_t next[3] = {0, 0, 0}, end[3] = {X.logs[0].n, X.logs[1].n, X.ncosigs};
	CHECK(cases_init(c, &X.charter) == 0);
	for (size_t step = 0; next[0] < end[0] || next[1] < end[1] || next[2] < end[2]; step++) {
		char ch = pattern[step % strlen(pattern)];
		int s = ch == 'u' ? 0 : ch == 'r' ? 1 : 2;
		while (next[s] == end[s])
			s = (s + 1) % 3;
		size_t i = next[s]++;
		if (s < 2)
			CHECK(fx_feed_entry(&X, c, s, i) == 0);
		else
			CHECK(fx_feed_cosig(&X, c, reverse_cosigs ? X.ncosigs - 1 - i : i) == 0);
	}
}

static void test_interleavings_give_identical_json(void)
{
	static const char *patterns[] = {"u", "r", "c", "ur", "ruc", "cru", "uuurc", "rrcu", "cccru"};
	int64_t nows[] = {T0 + 700, T0 + 12 * DAY + HOUR, T0 + 14 * DAY + HOUR};
	struct buf first, other;
	buf_init(&first, CASES_JSON_MAX);
	buf_init(&other, CASES_JSON_MAX);
	for (size_t t = 0; t < sizeof nows / sizeof nows[0]; t++) {
		struct cases c;
		feed_all(&c);
		fx_render_all(&X, &c, nows[t], &first);
		cases_release(&c);
		CHECK(first.len > 1000);
		for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
			for (int rev = 0; rev < 2; rev++) {
				feed_pattern(&c, patterns[i], rev);
				fx_render_all(&X, &c, nows[t], &other);
				if (other.len != first.len || memcmp(other.data, first.data, first.len)) {
					fprintf(stderr, "  pattern %s (reversed cosignatures %d) differs\n", patterns[i], rev);
					CHECK(0);
				}
				cases_release(&c);
			}
	}
	buf_release(&first);
	buf_release(&other);
}

static void test_inbox_lists_what_is_addressed(void)
{
	struct cases c;
	struct buf j;
	const struct cases_env **items;
	size_t n;
	feed_all(&c);
	buf_init(&j, CASES_JSON_MAX);
	CHECK(cases_inbox(&c, "ru.gp", &items, &n) == 0);
	CHECK_EQ_INT(n, 3); /* request us 1, update us 2, request us 4 (not the forged us 7) */
	CHECK(n == 3 && items[0]->index == 1 && items[1]->index == 2 && items[2]->index == 4);
	free(items);
	CHECK(cases_inbox(&c, "us.doj", &items, &n) == 0);
	CHECK_EQ_INT(n, 0); /* 'received' records are not inbox items */
	free(items);
	CHECK(cases_inbox_json(&c, "ru.fsb", T0 + 14 * DAY + HOUR, &j) == 0);
	CHECK(has(&j, "\"agency\": \"ru.fsb\""));
	CHECK(has(&j, "\"case\": \"us.fbi/2021-0009\""));
	buf_release(&j);
	cases_release(&c);
}

/* The node's lookups: the first cosigned size over an entry, an entry as fed, and evaluation of verified entries. */
static void test_lookups_for_the_node(void)
{
	struct cases c;
	uint64_t size = 0;
	CHECK(cases_init(&c, &X.charter) == 0);
	CHECK_EQ_INT(cases_first_cosigned(&c, US_LOG, RU_LOG, 0, &size), ERR_NOTFOUND);
	CHECK(cases_add_cosignature(&c, US_LOG, 5, RU_LOG, T0 + 100) == 0);
	CHECK(cases_add_cosignature(&c, US_LOG, 10, RU_LOG, T0 + 200) == 0);
	CHECK(cases_add_cosignature(&c, US_LOG, 8, RU_LOG, T0 + 300) == 0); /* later and smaller: not the first for any entry */
	uint64_t want[][2] = {{0, 5}, {4, 5}, {5, 10}, {7, 10}, {9, 10}};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		size = 0;
		CHECK(cases_first_cosigned(&c, US_LOG, RU_LOG, want[i][0], &size) == 0);
		CHECK_EQ_INT(size, want[i][1]);
	}
	CHECK_EQ_INT(cases_first_cosigned(&c, US_LOG, RU_LOG, 10, &size), ERR_NOTFOUND);
	CHECK_EQ_INT(cases_first_cosigned(&c, US_LOG, WITNESS, 0, &size), ERR_NOTFOUND);
	CHECK_EQ_INT(cases_first_cosigned(&c, "cn.parley.example/log", RU_LOG, 0, &size), ERR_NOTFOUND);
	CHECK(cases_entry(&c, US_LOG, 0) == NULL);
	cases_release(&c);

	feed_all(&c);
	const struct cases_env *e = cases_entry(&c, US_LOG, 7);
	CHECK(e && !e->valid && e->index == 7);
	CHECK(cases_entry(&c, US_LOG, X.logs[0].n) == NULL);
	CHECK(cases_entry(&c, "cn.parley.example/log", 0) == NULL);
	/* entry 7 of us carries a forged signature: only the verifying evaluation sees it */
	struct cases_record r;
	CHECK(cases_evaluate(&c, US_LOG, 7, X.logs[0].e[7].data, X.logs[0].e[7].len, &r) == 0);
	CHECK(!r.valid);
	CHECK(cases_evaluate_verified(&c, US_LOG, 7, X.logs[0].e[7].data, X.logs[0].e[7].len, &r) == 0);
	CHECK(r.valid);
	/* entry 8 is in the wrong party's log: that check is not skipped */
	CHECK(cases_evaluate_verified(&c, US_LOG, 8, X.logs[0].e[8].data, X.logs[0].e[8].len, &r) == 0);
	CHECK(!r.valid && strstr(r.reason, "in the log of party us"));
	cases_release(&c);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	fx_build(&X);
	RUN(test_request_acknowledged_and_answered);
	RUN(test_unacknowledged_request_goes_overdue);
	RUN(test_urgent_request_has_shorter_deadlines);
	RUN(test_receipt_outstanding_without_the_recipients_cosignature);
	RUN(test_invalid_entries_are_listed_and_ignored);
	RUN(test_reshaped_copies_are_replays);
	RUN(test_case_namespaces);
	RUN(test_close_stops_the_clocks);
	RUN(test_refusals_change_nothing);
	RUN(test_interleavings_give_identical_json);
	RUN(test_inbox_lists_what_is_addressed);
	RUN(test_lookups_for_the_node);
	fx_release(&X);
	CHECK_EXIT();
}

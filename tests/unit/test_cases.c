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

/* cases_count_overdue (the node's parley_overdue_deadlines) agrees with cases_status over every request. */
static void test_count_overdue(void)
{
	struct cases c;
	feed_all(&c);
	const int64_t nows[] = {T0, T0 + 12 * DAY + HOUR, T0 + 14 * DAY + HOUR, T0 + 20 * DAY, T0 + 60 * DAY};
	uint64_t total[5] = {0};
	for (size_t t = 0; t < 5; t++) {
		uint64_t got[CHARTER_MAX_PARTIES][2], want[CHARTER_MAX_PARTIES][2] = {{0}};
		cases_count_overdue(&c, nows[t], got);
		for (int l = 0; l < 2; l++)
			for (uint64_t i = 0; i < c.logs[l].n; i++) {
				const struct cases_env *e = c.logs[l].envs[i];
				for (int p = 0; e && p < 2; p++) {
					struct cases_obligation o;
					if (cases_status(&c, e, X.charter.parties[p].id, nows[t], &o))
						continue; /* not a standing request, or p is not its recipient */
					want[p][0] += o.ack.state == CASES_OVERDUE;
					want[p][1] += o.answer.state == CASES_OVERDUE;
				}
			}
		for (int p = 0; p < CHARTER_MAX_PARTIES; p++)
			for (int k = 0; k < 2; k++) {
				CHECK_EQ_INT(got[p][k], want[p][k]);
				total[t] += got[p][k];
			}
	}
	CHECK_EQ_INT(total[0], 0);   /* nothing delivered yet */
	CHECK(total[2] >= 1);        /* CASE_A's request, unacknowledged (test above) */
	CHECK(total[3] >= total[2]); /* the urgent one too by day 20 */
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

/* H: the scenario plus the hostile entries of issue 13 (fx_add_hostile). */
static struct fx H;

/* Feeds H's logs, us then ru (or ru then us), then its cosignatures, into a fresh c. */
static void feed_hostile(struct cases *c, int ru_first)
{
	CHECK(cases_init(c, &H.charter) == 0);
	for (int k = 0; k < 2; k++) {
		int l = ru_first ? 1 - k : k;
		for (size_t i = 0; i < H.logs[l].n; i++)
			CHECK(fx_feed_entry(&H, c, l, i) == 0);
	}
	for (size_t i = 0; i < H.ncosigs; i++)
		CHECK(fx_feed_cosig(&H, c, i) == 0);
}

/*
 * Hole 2 of issue 13: an envelope is its signed text (DESIGN.md principle 6).
 * A copy with a signature line duplicated, or a statement with its
 * co-signatures reordered, has new bytes (a new leaf hash) but is the same
 * envelope: a replay, never a second request with its own clocks.
 */
static void test_reshaped_copies_are_replays(void)
{
	struct cases c;
	struct buf j;
	buf_init(&j, CASES_JSON_MAX);
	feed_hostile(&c, 0);
	const struct cases_env *req = env_at(&c, CASE_A, 0, 1), *dup = env_at(&c, CASE_A, 0, 10),
			       *st = env_at(&c, CASE_A, 0, 11), *st2 = env_at(&c, CASE_A, 0, 12);
	CHECK(req && cases_counts(req) && st && cases_counts(st));
	CHECK(dup && !dup->valid && strstr(dup->reason, "replay of entry 1 of us.parley.example/log"));
	CHECK(st2 && !st2->valid && strstr(st2->reason, "replay of entry 11 of us.parley.example/log"));
	/* the node's replay check finds the copy by its signed text */
	uint8_t id[32];
	CHECK(envelope_identity(H.logs[0].e[10].data, H.logs[0].e[10].len, id) == 0);
	CHECK(cases_has_id(&c, id) == 1);
	/* one set of clocks for ru: the copy is no second request */
	render(&c, CASE_A, T0 + 20 * DAY, &j);
	const char *p = (const char *)j.data;
	size_t requests = 0;
	while ((p = strstr(p, "\"kind\": \"request\",\n      \"from\": \"us.fbi\"")))
		requests++, p++;
	CHECK_EQ_INT(requests, 1);
	CHECK(has(&j, "\"reason\": \"replay of entry 11 of us.parley.example/log\""));
	buf_release(&j);
	cases_release(&c);
}

/* The entry at (log, index) of case k counts for state (1), or does not and its reason holds want (0). */
static int stands(const struct cases *c, const char *k, int log, uint64_t index, const char *want)
{
	const struct cases_env *e = env_at(c, k, log, index);
	char why[CASES_REASON_MAX];
	if (!e)
		return -1;
	if (cases_counts(e))
		return 1;
	const char *r = cases_reason(c, e, why, sizeof why);
	if (want && !strstr(r, want)) {
		fprintf(stderr, "  %s %d/%llu: reason '%s' lacks '%s'\n", k, log, (unsigned long long)index, r, want);
		return -2;
	}
	return 0;
}

/*
 * Hole 11 of issue 13: case namespaces (docs/cases.md). A case id names the
 * agency that opens it; another agency of its party writes in it once it is
 * open, another party only by a ref to an envelope of the case that names it,
 * and never closes it. Whatever breaks that is listed as invalid, with the
 * reason, however it got into a log, whichever log was fed first.
 */
static void test_case_namespaces(void)
{
	struct cases c;
	struct buf j, all1, all2;
	buf_init(&j, CASES_JSON_MAX);
	buf_init(&all1, CASES_JSON_MAX);
	buf_init(&all2, CASES_JSON_MAX);
	for (int ru_first = 0; ru_first < 2; ru_first++) {
		feed_hostile(&c, ru_first);
		fx_render_all(&H, &c, T0 + 20 * DAY, ru_first ? &all2 : &all1);
		CHECK_EQ_INT(stands(&c, "ru.gp/2021-0001", 0, 13, "us.fbi is not a party to case ru.gp/2021-0001 (opened by ru.gp)"), 0);
		CHECK_EQ_INT(stands(&c, "ru.gp/2021-0001", 1, 8, NULL), 1); /* its owner; its ref is invalid */
		CHECK_EQ_INT(stands(&c, "us.fbi/2021-0100", 0, 14, "case us.fbi/2021-0100 is not open"), 0);
		CHECK_EQ_INT(stands(&c, CASE_A, 1, 5, "must ref an envelope of the case that names its sender"), 0);
		CHECK_EQ_INT(stands(&c, CASE_A, 1, 6, "ru.gp cannot close case us.fbi/2021-0007"), 0);
		CHECK_EQ_INT(stands(&c, CASE_A, 1, 7, "is neither from nor to it"), 0);
		CHECK_EQ_INT(stands(&c, CASE_A, 1, 9, NULL), 1); /* ru 3 answers us 1, which names ru.gp */
		CHECK_EQ_INT(stands(&c, CASE_A, 1, 10, "entry 7 of ru.parley.example/log, which its ref names, does not stand"), 0);
		CHECK_EQ_INT(stands(&c, CASE_A, 0, 4, NULL), 1); /* us.doj in the case us.fbi opened */
		render(&c, "ru.gp/2021-0001", T0 + 20 * DAY, &j);
		CHECK(has(&j, "\"reason\": \"us.fbi is not a party to case ru.gp/2021-0001 (opened by ru.gp): another party's envelope in it must ref an envelope of the case that names its sender\""));
		CHECK(has(&j, "\"state\": \"invalid\""));
		render(&c, CASE_A, T0 + 20 * DAY, &j);
		CHECK(has(&j, "\"reason\": \"ru.gp cannot close case us.fbi/2021-0007: only us (the case's party) closes it\""));
		CHECK(has(&j, "\"closed_at\": null"));
		cases_release(&c);
	}
	CHECK(all1.len == all2.len && !memcmp(all1.data, all2.data, all1.len));
	/* a standing that hangs on a log not fed yet is pending, then decided */
	CHECK(cases_init(&c, &H.charter) == 0);
	for (size_t i = 0; i < H.logs[1].n; i++)
		CHECK(fx_feed_entry(&H, &c, 1, i) == 0);
	CHECK_EQ_INT(stands(&c, CASE_A, 1, 9, "pending: ru.gp shows it is a party"), 0);
	CHECK_EQ_INT(stands(&c, CASE_A, 1, 10, "pending"), 0);
	for (size_t i = 0; i < H.logs[0].n; i++)
		CHECK(fx_feed_entry(&H, &c, 0, i) == 0);
	CHECK_EQ_INT(stands(&c, CASE_A, 1, 9, NULL), 1);
	CHECK_EQ_INT(stands(&c, CASE_A, 1, 10, "does not stand"), 0);
	cases_release(&c);
	buf_release(&j);
	buf_release(&all1);
	buf_release(&all2);
}

/* The node's check before sequencing (cases_admit) agrees with what the logs would make of the envelope. */
static void test_admit_follows_the_rule(void)
{
	struct cases c;
	struct envelope e;
	feed_hostile(&c, 0);
	struct { int log; uint64_t index; int want; const char *msg; } cases[] = {
		{0, 13, ERR_VERIFY, "us.fbi is not a party to case ru.gp/2021-0001"},
		{0, 14, ERR_CONFLICT, "is not open"},
		{1, 5, ERR_VERIFY, "must ref"},
		{1, 6, ERR_VERIFY, "cannot close"},
		{1, 9, 0, NULL},
		{0, 1, 0, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct buf *b = &H.logs[cases[i].log].e[cases[i].index];
		CHECK(envelope_parse(&e, b->data, b->len) == 0);
		CHECK_EQ_INT(cases_admit(&c, &e), cases[i].want);
		if (cases[i].msg)
			CHECK_MSG(cases[i].msg);
		envelope_release(&e);
	}
	cases_release(&c);
	/* ru.gp's follow-up before the us log is known: not yet (409 at the node) */
	CHECK(cases_init(&c, &H.charter) == 0);
	CHECK(envelope_parse(&e, H.logs[1].e[2].data, H.logs[1].e[2].len) == 0); /* ru 2: the ack of us 1 */
	CHECK_EQ_INT(cases_admit(&c, &e), ERR_CONFLICT);
	CHECK_MSG("pending");
	envelope_release(&e);
	cases_release(&c);
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
static void feed_pattern(struct fx *x, struct cases *c, const char *pattern, int reverse_cosigs)
{
	size_t next[3] = {0, 0, 0}, end[3] = {x->logs[0].n, x->logs[1].n, x->ncosigs};
	CHECK(cases_init(c, &x->charter) == 0);
	for (size_t step = 0; next[0] < end[0] || next[1] < end[1] || next[2] < end[2]; step++) {
		char ch = pattern[step % strlen(pattern)];
		int s = ch == 'u' ? 0 : ch == 'r' ? 1 : 2;
		while (next[s] == end[s])
			s = (s + 1) % 3;
		size_t i = next[s]++;
		if (s < 2)
			CHECK(fx_feed_entry(x, c, s, i) == 0);
		else
			CHECK(fx_feed_cosig(x, c, reverse_cosigs ? x->ncosigs - 1 - i : i) == 0);
	}
}

/* The same for the scenario x (X, or H with the hostile entries: re-shaped copies, namespace breaches). */
static void interleavings_give_identical_json(struct fx *x)
{
	static const char *patterns[] = {"u", "r", "c", "ur", "ruc", "cru", "uuurc", "rrcu", "cccru"};
	int64_t nows[] = {T0 + 700, T0 + 12 * DAY + HOUR, T0 + 14 * DAY + HOUR};
	struct buf first, other;
	buf_init(&first, CASES_JSON_MAX);
	buf_init(&other, CASES_JSON_MAX);
	for (size_t t = 0; t < sizeof nows / sizeof nows[0]; t++) {
		struct cases c;
		feed_pattern(x, &c, "u", 0); /* all of us, all of ru, then the cosignatures */
		fx_render_all(x, &c, nows[t], &first);
		cases_release(&c);
		CHECK(first.len > 1000);
		for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
			for (int rev = 0; rev < 2; rev++) {
				feed_pattern(x, &c, patterns[i], rev);
				fx_render_all(x, &c, nows[t], &other);
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

static void test_interleavings_give_identical_json(void)
{
	interleavings_give_identical_json(&X);
	interleavings_give_identical_json(&H);
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
	fx_build(&H);
	fx_add_hostile(&H);
	RUN(test_request_acknowledged_and_answered);
	RUN(test_unacknowledged_request_goes_overdue);
	RUN(test_urgent_request_has_shorter_deadlines);
	RUN(test_count_overdue);
	RUN(test_receipt_outstanding_without_the_recipients_cosignature);
	RUN(test_invalid_entries_are_listed_and_ignored);
	RUN(test_reshaped_copies_are_replays);
	RUN(test_case_namespaces);
	RUN(test_admit_follows_the_rule);
	RUN(test_close_stops_the_clocks);
	RUN(test_refusals_change_nothing);
	RUN(test_interleavings_give_identical_json);
	RUN(test_inbox_lists_what_is_addressed);
	RUN(test_lookups_for_the_node);
	fx_release(&X);
	CHECK_EXIT();
}

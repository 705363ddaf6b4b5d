/* The SQLite index: add, replay refusal, resume, and rebuilds that give the same case JSON byte for byte. */
#include "cases_fixture.h"
#include "index/index.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

static struct fx X;
static char dir[512], db[600];

/* Feeds log l's entries from index `from` through cases c (which marks replays) into the index, as one batch. */
static void index_log(struct index *ix, struct cases *c, int l, size_t from)
{
	size_t n = X.logs[l].n - from;
	struct cases_record *batch = calloc(n ? n : 1, sizeof *batch);
	for (size_t i = 0; i < n; i++) {
		const struct buf *e = &X.logs[l].e[from + i];
		CHECK(cases_evaluate(c, X.logs[l].origin, from + i, e->data, e->len, &batch[i]) == 0);
		CHECK(cases_add_record(c, &batch[i]) == 0);
	}
	CHECK(index_add_entries(ix, batch, n) == 0);
	free(batch);
}

static void index_cosigs(struct index *ix, struct cases *c)
{
	for (size_t i = 0; i < X.ncosigs; i++) {
		const struct fx_cosig *s = &X.cosigs[i];
		CHECK(cases_add_cosignature(c, s->origin, s->size, s->cosigner, s->time) == 0);
		CHECK(index_add_cosignature(ix, s->origin, s->size, s->cosigner, s->time) == 0);
	}
}

/* Renders everything at a few times into out. */
static void render(const struct cases *c, struct buf *out)
{
	static const int64_t nows[] = {T0 + 700, T0 + 12 * DAY + HOUR, T0 + 14 * DAY + HOUR};
	struct buf one;
	buf_init(&one, CASES_JSON_MAX);
	buf_reset(out);
	for (size_t i = 0; i < sizeof nows / sizeof nows[0]; i++) {
		fx_render_all(&X, c, nows[i], &one);
		CHECK(buf_append(out, one.data, one.len) == 0);
	}
	buf_release(&one);
}

/* The state loaded from the index at db renders exactly as want. */
static void check_load_equals(const struct buf *want)
{
	struct index *ix;
	struct cases c;
	struct buf got;
	buf_init(&got, CASES_JSON_MAX);
	CHECK(index_open(&ix, db) == 0);
	CHECK(cases_init(&c, &X.charter) == 0);
	CHECK(index_load(ix, &c) == 0);
	render(&c, &got);
	CHECK(got.len == want->len && !memcmp(got.data, want->data, want->len));
	cases_release(&c);
	index_close(ix);
	buf_release(&got);
}

static void remove_db(void)
{
	char p[640];
	static const char *const suffix[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", db, suffix[i]);
		unlink(p);
	}
}

/* A fresh index at db fed with every log and cosignature through c (initialised here); want gets the rendering. */
static void index_everything(struct index **ix, struct cases *c, struct buf *want)
{
	remove_db();
	CHECK(index_open(ix, db) == 0);
	CHECK(cases_init(c, &X.charter) == 0);
	index_log(*ix, c, 0, 0);
	index_log(*ix, c, 1, 0);
	index_cosigs(*ix, c);
	render(c, want);
}

static void test_add_has_leaf_and_size(void)
{
	struct index *ix;
	struct cases c;
	uint64_t size;
	remove_db();
	CHECK(index_open(&ix, db) == 0);
	CHECK(cases_init(&c, &X.charter) == 0);
	index_log(ix, &c, 0, 0);
	index_log(ix, &c, 1, 0);
	CHECK(index_size(ix, US_LOG, &size) == 0);
	CHECK_EQ_INT(size, 10);
	CHECK(index_size(ix, RU_LOG, &size) == 0);
	CHECK_EQ_INT(size, 5);
	CHECK(index_size(ix, "cn.parley.example/log", &size) == 0);
	CHECK_EQ_INT(size, 0);
	/* every indexed entry is found by its leaf hash, and nothing else */
	merkle_hash leaf;
	merkle_leaf_hash(X.logs[0].e[1].data, X.logs[0].e[1].len, leaf);
	CHECK_EQ_INT(index_has_leaf(ix, leaf), 1);
	merkle_leaf_hash("not an entry", 12, leaf);
	CHECK_EQ_INT(index_has_leaf(ix, leaf), 0);
	/* a batch out of order, or a second valid entry with an indexed leaf, is refused whole */
	struct cases_record r[2];
	CHECK(cases_evaluate(&c, US_LOG, 10, X.logs[0].e[0].data, X.logs[0].e[0].len, &r[0]) == 0);
	CHECK(r[0].valid); /* as evaluated alone: cases_add_record would mark it a replay */
	r[1] = r[0];
	r[1].index = 12;
	r[0].valid = 0;
	CHECK_EQ_INT(index_add_entries(ix, r, 2), ERR_CONFLICT);
	CHECK_MSG("expected entry 11");
	r[0].valid = 1;
	CHECK_EQ_INT(index_add_entries(ix, r, 1), ERR_CONFLICT);
	CHECK(index_size(ix, US_LOG, &size) == 0);
	CHECK_EQ_INT(size, 10);
	/* a cosignature recorded twice is kept once */
	CHECK(index_add_cosignature(ix, US_LOG, 2, RU_LOG, T0 + 600) == 0);
	CHECK(index_add_cosignature(ix, US_LOG, 2, RU_LOG, T0 + 600) == 0);
	cases_release(&c);
	index_close(ix);
	sqlite3 *raw;
	sqlite3_stmt *q;
	CHECK(sqlite3_open(db, &raw) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(raw, "SELECT count(*) FROM cosignatures WHERE origin = ?1 AND size = 2", -1, &q, NULL) ==
	      SQLITE_OK);
	sqlite3_bind_text(q, 1, US_LOG, -1, SQLITE_STATIC);
	CHECK(sqlite3_step(q) == SQLITE_ROW);
	CHECK_EQ_INT(sqlite3_column_int(q, 0), 1);
	sqlite3_finalize(q);
	sqlite3_close(raw);
}

static void test_load_gives_the_same_cases(void)
{
	struct index *ix;
	struct cases c;
	struct buf want;
	buf_init(&want, CASES_JSON_MAX);
	index_everything(&ix, &c, &want);
	index_close(ix); /* restart */
	check_load_equals(&want);
	cases_release(&c);
	buf_release(&want);
}

static void test_resume_after_a_crash(void)
{
	struct index *ix;
	struct cases fed, c;
	struct buf want;
	uint64_t size;
	buf_init(&want, CASES_JSON_MAX);
	/* what feeding the whole logs gives */
	CHECK(cases_init(&fed, &X.charter) == 0);
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < X.logs[l].n; i++)
			CHECK(fx_feed_entry(&X, &fed, l, i) == 0);
	for (size_t i = 0; i < X.ncosigs; i++)
		CHECK(fx_feed_cosig(&X, &fed, i) == 0);
	render(&fed, &want);
	cases_release(&fed);
	/* the node indexed the ru log and the cosignatures, then died after 4 us entries */
	remove_db();
	CHECK(index_open(&ix, db) == 0);
	CHECK(cases_init(&c, &X.charter) == 0);
	struct cases_record *r = calloc(4, sizeof *r);
	for (size_t i = 0; i < 4; i++) {
		CHECK(cases_evaluate(&c, US_LOG, i, X.logs[0].e[i].data, X.logs[0].e[i].len, &r[i]) == 0);
		CHECK(cases_add_record(&c, &r[i]) == 0);
	}
	CHECK(index_add_entries(ix, r, 4) == 0);
	free(r);
	index_log(ix, &c, 1, 0);
	index_cosigs(ix, &c);
	cases_release(&c);
	index_close(ix);
	/* restart: load, then re-feed the us log from the indexed size */
	CHECK(index_open(&ix, db) == 0);
	CHECK(cases_init(&c, &X.charter) == 0);
	CHECK(index_load(ix, &c) == 0);
	CHECK(index_size(ix, US_LOG, &size) == 0);
	CHECK_EQ_INT(size, 4);
	CHECK_EQ_INT(cases_log_size(&c, US_LOG), 4);
	index_log(ix, &c, 0, (size_t)size);
	cases_release(&c);
	index_close(ix);
	check_load_equals(&want);
	buf_release(&want);
}

static void test_rebuild_gives_the_same_json(void)
{
	struct index *ix;
	struct cases c;
	struct buf want;
	uint64_t size;
	merkle_hash leaf;
	buf_init(&want, CASES_JSON_MAX);
	index_everything(&ix, &c, &want);
	cases_release(&c);
	CHECK(index_rebuild(ix) == 0);
	CHECK(index_size(ix, US_LOG, &size) == 0);
	CHECK_EQ_INT(size, 0);
	merkle_leaf_hash(X.logs[0].e[1].data, X.logs[0].e[1].len, leaf);
	CHECK_EQ_INT(index_has_leaf(ix, leaf), 0);
	/* re-fed in another order: cosignatures, ru, us */
	CHECK(cases_init(&c, &X.charter) == 0);
	index_cosigs(ix, &c);
	index_log(ix, &c, 1, 0);
	index_log(ix, &c, 0, 0);
	cases_release(&c);
	index_close(ix);
	check_load_equals(&want);
	buf_release(&want);
}

/*
 * Issue 13, holes 2 and 11, through the index: re-shaped copies stay replays
 * and namespace breaches stay out of their cases after a load (the identity
 * is a column; standing is decided again from the rows), and a second valid
 * row with an indexed identity is refused even with another leaf hash.
 */
static void test_identity_and_standing_survive_a_load(void)
{
	struct fx *h = calloc(1, sizeof *h);
	struct index *ix;
	struct cases c, d;
	struct buf want, got;
	buf_init(&want, CASES_JSON_MAX);
	buf_init(&got, CASES_JSON_MAX);
	fx_build(h);
	fx_add_hostile(h);
	remove_db();
	CHECK(index_open(&ix, db) == 0);
	CHECK(cases_init(&c, &h->charter) == 0);
	struct cases_record *r = calloc(FX_MAX_ENTRIES, sizeof *r);
	for (int l = 1; l >= 0; l--) { /* ru first: us's entries decide what waited on them */
		for (size_t i = 0; i < h->logs[l].n; i++) {
			CHECK(cases_evaluate(&c, h->logs[l].origin, i, h->logs[l].e[i].data, h->logs[l].e[i].len, &r[i]) == 0);
			CHECK(cases_add_record(&c, &r[i]) == 0);
		}
		CHECK(index_add_entries(ix, r, h->logs[l].n) == 0);
		if (l == 0) {
			CHECK(!r[10].valid && strstr(r[10].reason, "replay of entry 1"));
			CHECK(!r[12].valid && strstr(r[12].reason, "replay of entry 11"));
			/* us 11 again, as if re-signed: another leaf hash, the same identity */
			struct cases_record again = r[11];
			again.index = h->logs[0].n;
			again.leaf[0] ^= 1;
			CHECK_EQ_INT(index_add_entries(ix, &again, 1), ERR_CONFLICT);
		}
	}
	for (size_t i = 0; i < h->ncosigs; i++) {
		const struct fx_cosig *s = &h->cosigs[i];
		CHECK(cases_add_cosignature(&c, s->origin, s->size, s->cosigner, s->time) == 0);
		CHECK(index_add_cosignature(ix, s->origin, s->size, s->cosigner, s->time) == 0);
	}
	fx_render_all(h, &c, T0 + 20 * DAY, &want);
	CHECK(strstr((const char *)want.data, "us.fbi is not a party to case ru.gp/2021-0001") != NULL);
	CHECK(strstr((const char *)want.data, "replay of entry 11 of us.parley.example/log") != NULL);
	CHECK(cases_init(&d, &h->charter) == 0);
	CHECK(index_load(ix, &d) == 0);
	fx_render_all(h, &d, T0 + 20 * DAY, &got);
	CHECK(got.len == want.len && !memcmp(got.data, want.data, want.len));
	cases_release(&c);
	cases_release(&d);
	index_close(ix);
	free(r);
	buf_release(&want);
	buf_release(&got);
	fx_release(h);
	free(h);
}

static void test_other_schema_version_is_refused(void)
{
	struct index *ix;
	sqlite3 *raw;
	remove_db();
	CHECK(index_open(&ix, db) == 0);
	index_close(ix);
	CHECK(sqlite3_open(db, &raw) == SQLITE_OK);
	CHECK(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(raw);
	CHECK_EQ_INT(index_open(&ix, db), ERR_CONFLICT);
	CHECK_MSG("rebuild it");
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	const char *base = getenv("TMPBASE");
	snprintf(dir, sizeof dir, "%s/parley-index.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir))
		return 2;
	snprintf(db, sizeof db, "%s/index.sqlite", dir);
	fx_build(&X);
	RUN(test_add_has_leaf_and_size);
	RUN(test_load_gives_the_same_cases);
	RUN(test_resume_after_a_crash);
	RUN(test_rebuild_gives_the_same_json);
	RUN(test_identity_and_standing_survive_a_load);
	RUN(test_other_schema_version_is_refused);
	fx_release(&X);
	remove_db();
	rmdir(dir);
	CHECK_EXIT();
}

/* Group commit: concurrent submitters each get a distinct durable index; replays are refused. */
#include "base/err.h"
#include "node/sequencer.h"
#include "check.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

#define THREADS 8
#define PER_THREAD 200

static struct sequencer *seq;
static uint64_t got[THREADS][PER_THREAD];
static int failures;
static uint64_t committed_entries;

static merkle_hash committed_leaves[THREADS * PER_THREAD + 16];

/* Called by the committer thread only. */
static void on_commit(void *ctx, const struct sequencer_entry *b, size_t n, const struct buf *cp)
{
	(void)ctx, (void)cp;
	for (size_t i = 0; i < n; i++)
		memcpy(committed_leaves[committed_entries + i], b[i].leaf, MERKLE_HASH);
	__atomic_add_fetch(&committed_entries, n, __ATOMIC_SEQ_CST);
}

/* Called under the sequencer's lock, which also orders it after on_commit's writes. */
static int seen(void *ctx, const merkle_hash leaf)
{
	(void)ctx;
	for (uint64_t i = 0; i < committed_entries; i++)
		if (!memcmp(committed_leaves[i], leaf, MERKLE_HASH))
			return 1;
	return 0;
}

static void *worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (int i = 0; i < PER_THREAD; i++) {
		char e[64];
		int len = snprintf(e, sizeof e, "thread %d entry %d", t, i);
		if (sequencer_submit(seq, (const uint8_t *)e, (size_t)len, &got[t][i]) != 0)
			__atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* A new log with a new key in a scratch directory dir (its log in logdir), open for appending. */
static struct tlog *new_log(char dir[256], char logdir[300], struct note_signer *key)
{
	struct tlog *t = NULL;
	CHECK(check_tmpdir(dir, 256, "seq") == 0);
	snprintf(logdir, 300, "%s/log", dir);
	CHECK(note_signer_generate(key, "test.example/log", NOTE_ED25519) == 0);
	CHECK(tlog_create(logdir, key) == 0);
	CHECK(tlog_open(&t, logdir, key) == 0);
	return t;
}

static void test_concurrent_submitters(void)
{
	char dir[256], logdir[300];
	struct note_signer key;
	struct tlog *t = new_log(dir, logdir, &key);
	struct sequencer_hooks hooks = {.seen = seen, .committed = on_commit};
	CHECK(sequencer_start(&seq, t, &hooks, 64) == 0);
	pthread_t th[THREADS];
	int started = 0;
	for (int i = 0; i < THREADS; i++, started++)
		if (pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) != 0)
			break;
	CHECK_EQ_INT(started, THREADS);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ_INT(failures, 0);
	uint64_t batches, entries, ns;
	sequencer_stats(seq, &batches, &entries, &ns);
	CHECK_EQ_INT(entries, THREADS * PER_THREAD);
	sequencer_wait_settled(seq); /* answers come before indexing: wait for the last batch's */
	CHECK_EQ_INT(committed_entries, THREADS * PER_THREAD);
	CHECK(batches < entries); /* group commit: fewer flushes than entries */
	/* every index distinct, and each holds that thread's entry */
	static unsigned char seen[THREADS * PER_THREAD];
	struct buf b;
	buf_init(&b, 1024);
	for (int i = 0; i < THREADS; i++)
		for (int j = 0; j < PER_THREAD; j++) {
			CHECK(got[i][j] < THREADS * PER_THREAD);
			CHECK(!seen[got[i][j]]);
			seen[got[i][j]] = 1;
			char e[64];
			int len = snprintf(e, sizeof e, "thread %d entry %d", i, j);
			CHECK(tlog_read_entry(t, got[i][j], &b) == 0);
			CHECK(b.len == (size_t)len && !memcmp(b.data, e, (size_t)len));
		}
	/* a replay of a pending or committed entry is refused */
	uint64_t idx;
	CHECK_EQ_INT(sequencer_submit(seq, (const uint8_t *)"thread 0 entry 0", 16, &idx), ERR_CONFLICT);
	(void)idx;
	sequencer_stop(seq);
	tlog_close(t);
	uint64_t n;
	struct note_verifier v;
	note_verifier_from_signer(&v, &key, NOTE_ED25519);
	CHECK(tlog_audit(logdir, &v, &n) == 0);
	CHECK_EQ_INT(n, THREADS * PER_THREAD);
	note_signer_release(&key);
	buf_release(&b);
	CHECK(check_rmtree(dir) == 0);
}

/* committed() that holds the indexer until released, so a test sees the answered-but-unindexed state. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_entered, gate_open, settled_returned;

static void gated_commit(void *ctx, const struct sequencer_entry *b, size_t n, const struct buf *cp)
{
	pthread_mutex_lock(&gate_lock);
	gate_entered = 1;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	on_commit(ctx, b, n, cp);
}

static void *wait_settled(void *arg)
{
	(void)arg;
	sequencer_wait_settled(seq);
	__atomic_store_n(&settled_returned, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* A submitter is answered before its batch is indexed; until it is, the entry is still refused as a replay. */
static void test_answer_before_index(void)
{
	char dir[256], logdir[300];
	struct note_signer key;
	struct tlog *t = new_log(dir, logdir, &key);
	committed_entries = 0;
	struct sequencer_hooks hooks = {.seen = seen, .committed = gated_commit};
	CHECK(sequencer_start(&seq, t, &hooks, 64) == 0);
	uint64_t idx = 99;
	const uint8_t *e = (const uint8_t *)"the gated entry";
	CHECK_EQ_INT(sequencer_submit(seq, e, 15, &idx), 0); /* answered while committed() has not run */
	CHECK_EQ_INT(idx, 0);
	CHECK_EQ_INT(tlog_size(t), 1);
	pthread_mutex_lock(&gate_lock);
	while (!gate_entered)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	CHECK_EQ_INT(__atomic_load_n(&committed_entries, __ATOMIC_SEQ_CST), 0);
	/* not indexed yet, and still no replay: the leaf stays pending until committed() returns */
	CHECK_EQ_INT(sequencer_submit(seq, e, 15, &idx), ERR_CONFLICT);
	pthread_t th;
	if (pthread_create(&th, NULL, wait_settled, NULL) != 0) {
		CHECK(!"cannot start the waiting thread");
		return;
	}
	usleep(50 * 1000);
	CHECK_EQ_INT(__atomic_load_n(&settled_returned, __ATOMIC_SEQ_CST), 0); /* waits for the index */
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	pthread_join(th, NULL);
	CHECK_EQ_INT(settled_returned, 1);
	CHECK_EQ_INT(committed_entries, 1);
	CHECK_EQ_INT(sequencer_submit(seq, e, 15, &idx), ERR_CONFLICT); /* now seen() knows it */
	sequencer_stop(seq);
	tlog_close(t);
	note_signer_release(&key);
	CHECK(check_rmtree(dir) == 0);
}

static int fail_before;
static int flaky_before_commit(void *ctx)
{
	(void)ctx;
	return __atomic_load_n(&fail_before, __ATOMIC_SEQ_CST) ? err_set(ERR_IO, "disk full (test)") : 0;
}

/*
 * Health: a batch that fails before the log (its bodies could not be written)
 * is reported until the next one commits; a failed commit is reported for
 * good, and everything after it is refused at once with the reason.
 */
static void test_health_after_failures(void)
{
	char dir[256], logdir[300], why[256];
	struct note_signer key;
	struct tlog *t = new_log(dir, logdir, &key);
	struct sequencer_hooks hooks = {.before_commit = flaky_before_commit};
	uint64_t idx;
	CHECK(sequencer_start(&seq, t, &hooks, 64) == 0);
	CHECK_EQ_INT(sequencer_health(seq, why, sizeof why), 0);
	CHECK_EQ_INT(sequencer_submit(seq, (const uint8_t *)"one", 3, &idx), 0);
	__atomic_store_n(&fail_before, 1, __ATOMIC_SEQ_CST);
	CHECK_EQ_INT(sequencer_submit(seq, (const uint8_t *)"two", 3, &idx), ERR_IO);
	CHECK_EQ_INT(sequencer_health(seq, why, sizeof why), 1);
	CHECK(strstr(why, "disk full (test)") != NULL);
	CHECK_EQ_INT(sequencer_failed(seq, NULL, 0), 0);
	__atomic_store_n(&fail_before, 0, __ATOMIC_SEQ_CST);
	CHECK_EQ_INT(sequencer_submit(seq, (const uint8_t *)"two", 3, &idx), 0); /* refused, so not a replay */
	CHECK_EQ_INT(idx, 1);
	CHECK_EQ_INT(sequencer_health(seq, why, sizeof why), 0);
	/* the log's directory gone: the commit fails, and the log is read-only from then on */
	CHECK(check_rmtree(logdir) == 0);
	CHECK_EQ_INT(sequencer_submit(seq, (const uint8_t *)"three", 5, &idx), ERR_IO);
	CHECK_EQ_INT(sequencer_health(seq, why, sizeof why), 2);
	CHECK_EQ_INT(sequencer_failed(seq, why, sizeof why), 1);
	CHECK_EQ_INT(sequencer_submit(seq, (const uint8_t *)"four", 4, &idx), ERR_IO);
	CHECK_MSG("the log failed earlier");
	sequencer_stop(seq);
	tlog_close(t);
	note_signer_release(&key);
	CHECK(check_rmtree(dir) == 0);
}

/* An identity that ignores what follows '|': stands in for the node's (the hash of an envelope's signed text). */
static int text_identity(void *ctx, const uint8_t *entry, size_t len, merkle_hash id)
{
	(void)ctx;
	const uint8_t *bar = memchr(entry, '|', len);
	if (!bar)
		return 1; /* use the leaf hash */
	crypto_hash_sha256(id, entry, (size_t)(bar - entry));
	return 0;
}

static merkle_hash committed_ids[16];
static uint64_t ncommitted_ids;

static void id_commit(void *ctx, const struct sequencer_entry *b, size_t n, const struct buf *cp)
{
	(void)ctx, (void)cp;
	for (size_t i = 0; i < n && ncommitted_ids < 16; i++)
		memcpy(committed_ids[ncommitted_ids++], b[i].id, MERKLE_HASH);
}

static int id_seen(void *ctx, const merkle_hash id)
{
	(void)ctx;
	for (uint64_t i = 0; i < ncommitted_ids; i++)
		if (!memcmp(committed_ids[i], id, MERKLE_HASH))
			return 1;
	return 0;
}

/*
 * Issue 13, hole 2: entries are told apart by their identity, not their
 * bytes: the same signed text with other signature lines is a replay, in
 * the log already or in the same batch.
 */
static void test_replays_by_identity(void)
{
	char dir[256], logdir[300];
	struct note_signer key;
	struct tlog *t = new_log(dir, logdir, &key);
	struct sequencer_hooks hooks = {.identify = text_identity, .seen = id_seen, .committed = id_commit};
	CHECK(sequencer_start(&seq, t, &hooks, 64) == 0);
	uint64_t idx;
	CHECK_EQ_INT(sequencer_submit(seq, (const uint8_t *)"text|sig", 8, &idx), 0);
	sequencer_wait_settled(seq);
	CHECK_EQ_INT(sequencer_submit(seq, (const uint8_t *)"text|sig|sig", 12, &idx), ERR_CONFLICT);
	CHECK_MSG("replay");
	const uint8_t *two[2] = {(const uint8_t *)"other|a", (const uint8_t *)"other|b"};
	size_t lens[2] = {7, 7};
	uint64_t ix[2];
	int rcs[2];
	CHECK_EQ_INT(sequencer_submit_many(seq, 2, two, lens, ix, rcs), ERR_CONFLICT);
	CHECK(rcs[0] == 0 && rcs[1] == ERR_CONFLICT);
	CHECK_EQ_INT(sequencer_submit(seq, (const uint8_t *)"no bar", 6, &idx), 0); /* identify declines: the leaf hash */
	CHECK_EQ_INT(tlog_size(t), 3);
	sequencer_stop(seq);
	tlog_close(t);
	note_signer_release(&key);
	CHECK(check_rmtree(dir) == 0);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	RUN(test_concurrent_submitters);
	RUN(test_answer_before_index);
	RUN(test_health_after_failures);
	RUN(test_replays_by_identity);
	CHECK_EXIT();
}

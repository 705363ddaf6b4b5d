/*
 * bench_tlog — the transparency-log benchmarks behind `make bench`.
 *
 * One program, one measurement per subcommand; bench/run.sh runs them and
 * turns their output into the published key=value figures. Every figure a
 * subcommand prints is a `key=value` line; anything else is a `# comment`.
 *
 *   tree N                 build the tree of N entries in memory (tile_builder,
 *                          emit NULL): leaf hashes, every tile, root.
 *                          Prints tree_seconds= and tree_root= (hex, so run.sh
 *                          can check it against Go's x/mod/sumdb/tlog).
 *   append N THREADS DIR   durable ingestion of N Ed25519-signed 300-byte notes
 *                          into a new log in DIR, verifying every signature on the
 *                          way in with THREADS verifier threads, next to raw
 *                          crypto_sign_verify_detached throughput on the same
 *                          number of threads.
 *   fill N DIR             appends N plain 64-byte entries through tlog_add /
 *                          tlog_commit in batches of 100,000 to a new log in DIR;
 *                          prints its own peak RSS (run it in its own process).
 *   prove DIR COUNT        median time of COUNT inclusion proofs at fresh random
 *                          indices in the log in DIR, tiles read from disk.
 *
 * Programs exit 1 on any failure, including a wrong root or a proof that does
 * not verify, so a broken optimisation cannot produce a figure.
 */
#include "clock.h"

#include "base/buf.h"
#include "base/enc.h"
#include "base/err.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "tlog/store.h"
#include "tlog/tiles.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_tlog: %s failed (%d): %s\n", what, rc, err_msg());
	exit(1);
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s == 0 || *end != 0 || v == 0) {
		fprintf(stderr, "bench_tlog: bad number %s\n", s);
		exit(2);
	}
	return (uint64_t)v;
}

/*
 * The benchmark entry i: 64 bytes, "parley bench entry " and i in 20 zero-padded
 * decimal digits, a newline, 'x' padding and a final newline. Only the digits
 * change from one entry to the next, so plain_entry_init() writes the rest once
 * and plain_entry() the digits (cheaply, so the benchmarks time the log, not
 * printf). bench/go/treebench.go builds exactly the same bytes.
 */
#define PLAIN_LEN 64
#define PLAIN_DIGITS 19 /* offset of the first digit */
static void plain_entry_init(uint8_t out[PLAIN_LEN])
{
	memset(out, 'x', PLAIN_LEN);
	memcpy(out, "parley bench entry ", PLAIN_DIGITS);
	out[PLAIN_DIGITS + 20] = '\n';
	out[PLAIN_LEN - 1] = '\n';
}

static void plain_entry(uint64_t i, uint8_t out[PLAIN_LEN])
{
	for (int k = PLAIN_DIGITS + 19; k >= PLAIN_DIGITS; k--, i /= 10)
		out[k] = (uint8_t)('0' + i % 10);
}

/* A new log in dir with a fresh key, open for appending. */
static struct tlog *new_log(const char *dir, struct note_signer *logkey)
{
	struct tlog *t;
	int rc = note_signer_generate(logkey, "bench.example/log", NOTE_ED25519);
	if (rc || (rc = tlog_create(dir, logkey)))
		die("tlog_create", rc);
	if ((rc = tlog_open(&t, dir, logkey)))
		die("tlog_open", rc);
	return t;
}

/* ---- tree ------------------------------------------------------------- */

static int cmd_tree(uint64_t n)
{
	/* Entries are produced in the timed loop, as treebench.go does. */
	struct tile_builder *b = malloc(sizeof *b);
	if (!b)
		die("malloc", ERR_NOMEM);
	tile_builder_init(b, NULL, NULL);
	uint8_t e[PLAIN_LEN];
	plain_entry_init(e);
	merkle_hash root;
	double t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		plain_entry(i, e);
		int rc = tile_builder_add(b, e, sizeof e);
		if (rc)
			die("tile_builder_add", rc);
	}
	tile_builder_root(b, root);
	double dt = now() - t0;
	char hex[2 * MERKLE_HASH + 1];
	hex_encode(hex, root, MERKLE_HASH);
	printf("tree_seconds=%.6f\ntree_root=%s\n", dt, hex);
	tile_builder_release(b);
	free(b);
	return 0;
}

/* ---- a small thread pool: parallel for over [0, total) in chunks -------- */

#define POOL_MAX 64
#define POOL_CHUNK 64

struct pool {
	pthread_t th[POOL_MAX];
	int n;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	uint64_t gen;
	int busy, stop;
	void (*fn)(void *ctx, size_t i);
	void *ctx;
	size_t total;
	atomic_size_t next;
};

static void *pool_main(void *arg)
{
	struct pool *p = arg;
	uint64_t seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->gen == seen)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		for (;;) {
			size_t lo = atomic_fetch_add(&p->next, POOL_CHUNK);
			if (lo >= p->total)
				break;
			size_t hi = lo + POOL_CHUNK < p->total ? lo + POOL_CHUNK : p->total;
			for (size_t i = lo; i < hi; i++)
				p->fn(p->ctx, i);
		}
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void pool_init(struct pool *p, int n)
{
	memset(p, 0, sizeof *p);
	p->n = n;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (int i = 0; i < n; i++)
		if (pthread_create(&p->th[i], NULL, pool_main, p) != 0)
			die("pthread_create", ERR_NOMEM);
}

/* Starts fn(ctx, i) for every i < total on the pool's threads; returns at once. */
static void pool_start(struct pool *p, void (*fn)(void *, size_t), void *ctx, size_t total)
{
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->ctx = ctx;
	p->total = total;
	atomic_store(&p->next, 0);
	p->busy = p->n;
	p->gen++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
}

static void pool_wait(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->busy)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

static void pool_stop(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->n; i++)
		pthread_join(p->th[i], NULL);
}

/* ---- append: signed notes, verified on the way in ---------------------- */

#define NOTE_LEN 300
#define NAGENCIES 4
#define BATCH 4096

static const char *const agency_names[NAGENCIES] = {"us.fbi", "us.doj", "ru.fsb", "ru.gp"};

struct notes {
	uint8_t *data;                        /* n notes of NOTE_LEN bytes */
	size_t n;
	struct note_signer signers[NAGENCIES];
	struct note_verifier verifiers[NAGENCIES];
	/* for the raw-verify reference: the signed text length and raw signature */
	uint16_t *text_len;
	uint8_t (*sig)[crypto_sign_BYTES];
	uint8_t *signer;                      /* which agency signed note i */
	int8_t *ok;                           /* verification result of note i */
};

/* Note i: an envelope-shaped text padded so the whole signed note is NOTE_LEN bytes. */
static void make_note(void *ctx, size_t i)
{
	struct notes *ns = ctx;
	unsigned a = (unsigned)(i % NAGENCIES);
	const char *from = agency_names[a], *to = agency_names[(a + 2) % NAGENCIES];
	/* The signature line: em dash (3 bytes), space, name, space, base64 of 68 bytes (92), newline. */
	size_t sigline = 4 + strlen(from) + 1 + 92 + 1;
	size_t text_len = NOTE_LEN - 1 - sigline;
	char text[NOTE_LEN];
	int n = snprintf(text, sizeof text,
			 "parley envelope v1\nfrom: %s\nto: %s\ncase: %s/2021-%07zu\n"
			 "kind: notice\ntime: 2021-07-09T15:04:05Z\nbody: %064zx 4096\npad: ",
			 from, to, from, i, i);
	if (n < 0 || (size_t)n + 1 > text_len)
		die("note text too long", ERR_LIMIT);
	memset(text + n, '.', text_len - 1 - (size_t)n);
	text[text_len - 1] = '\n';
	struct buf out;
	buf_init(&out, NOTE_LEN);
	int rc = note_sign(&out, text, text_len, &ns->signers[a], 1, 0);
	if (rc || out.len != NOTE_LEN)
		die("note_sign", rc ? rc : ERR_LIMIT);
	memcpy(ns->data + i * NOTE_LEN, out.data, NOTE_LEN);
	buf_release(&out);
	/* Keep the raw signature for the crypto_sign_verify_detached reference. */
	uint8_t raw[4 + crypto_sign_BYTES];
	size_t raw_len;
	const char *b64 = (const char *)ns->data + i * NOTE_LEN + text_len + 1 + 4 + strlen(from) + 1;
	if (b64_decode(raw, sizeof raw, &raw_len, b64, 92) || raw_len != sizeof raw)
		die("b64_decode", ERR_FORMAT);
	memcpy(ns->sig[i], raw + 4, crypto_sign_BYTES);
	ns->text_len[i] = (uint16_t)text_len;
	ns->signer[i] = (uint8_t)a;
}

struct raw_job {
	struct notes *ns;
	size_t first;
	atomic_int failures;
};

/* The reference: raw libsodium verification of note first+k's signature over its text. */
static void raw_verify(void *ctx, size_t k)
{
	struct raw_job *j = ctx;
	const struct notes *ns = j->ns;
	size_t i = j->first + k;
	if (crypto_sign_verify_detached(ns->sig[i], ns->data + i * NOTE_LEN, ns->text_len[i],
					ns->verifiers[ns->signer[i]].pub) != 0)
		atomic_fetch_add(&j->failures, 1);
}

struct verify_job {
	struct notes *ns;
	size_t first; /* index of the batch's first note */
};

/* The ingestion check of one submitted note: strict parse, then the signature by a known key. */
static void ingest_verify(void *ctx, size_t k)
{
	struct verify_job *j = ctx;
	size_t i = j->first + k;
	struct note n;
	int rc = note_parse(&n, j->ns->data + i * NOTE_LEN, NOTE_LEN);
	if (!rc)
		rc = note_verify(&n, j->ns->verifiers, NAGENCIES, NULL, NULL);
	note_release(&n);
	j->ns->ok[i] = rc == 0;
}

/* Raw verification of notes [lo, hi) on the pool; returns seconds, adds CPU seconds to *cpu. */
static double time_raw_verify(struct pool *p, struct notes *ns, size_t lo, size_t hi, double *cpu)
{
	struct raw_job j = {.ns = ns, .first = lo};
	atomic_init(&j.failures, 0);
	double t0 = now(), c0 = cpu_seconds();
	pool_start(p, raw_verify, &j, hi - lo);
	pool_wait(p);
	double dt = now() - t0;
	*cpu += cpu_seconds() - c0;
	if (atomic_load(&j.failures))
		die("raw verification of a valid signature", ERR_VERIFY);
	return dt;
}

static int cmd_append(uint64_t n, int threads, const char *dir)
{
	if (threads < 1 || threads > POOL_MAX)
		die("thread count", ERR_USAGE);
	if (sodium_init() < 0)
		die("sodium_init", ERR_NOMEM);
	struct notes *ns = calloc(1, sizeof *ns);
	if (!ns)
		die("malloc", ERR_NOMEM);
	ns->n = n;
	ns->data = malloc(n * NOTE_LEN);
	ns->text_len = malloc(n * sizeof *ns->text_len);
	ns->sig = malloc(n * sizeof *ns->sig);
	ns->signer = malloc(n);
	ns->ok = calloc(n, 1);
	if (!ns->data || !ns->text_len || !ns->sig || !ns->signer || !ns->ok)
		die("malloc", ERR_NOMEM);
	for (int a = 0; a < NAGENCIES; a++) {
		int rc = note_signer_generate(&ns->signers[a], agency_names[a], NOTE_ED25519);
		if (rc)
			die("note_signer_generate", rc);
		note_verifier_from_signer(&ns->verifiers[a], &ns->signers[a], NOTE_ED25519);
	}
	struct pool pool;
	pool_init(&pool, threads);

	/* Signing is preparation, not measured. */
	double t0 = now();
	pool_start(&pool, make_note, ns, n);
	pool_wait(&pool);
	printf("# append: signed %" PRIu64 " notes of %d bytes in %.1f s (not measured)\n", n, NOTE_LEN, now() - t0);

	/* The reference, half before and half after the ingestion run, so a change
	 * in the machine's load during the run affects both sides alike. */
	size_t raw_n = n < 200000 ? (size_t)n : 200000;
	double raw_cpu = 0, raw_s = time_raw_verify(&pool, ns, 0, raw_n / 2, &raw_cpu);

	struct note_signer logkey;
	struct tlog *t = new_log(dir, &logkey);
	int rc;

	/*
	 * The ingestion pipeline: the pool verifies batch k+1 while this thread
	 * appends batch k and commits it (write, fdatasync, sign the checkpoint).
	 */
	struct verify_job jobs[2];
	size_t nbatches = (n + BATCH - 1) / BATCH, rejected = 0;
	t0 = now();
	double c0 = cpu_seconds();
	jobs[0] = (struct verify_job){ns, 0};
	pool_start(&pool, ingest_verify, &jobs[0], n < BATCH ? n : BATCH);
	pool_wait(&pool);
	for (size_t b = 0; b < nbatches; b++) {
		size_t lo = b * BATCH, hi = lo + BATCH < n ? lo + BATCH : n;
		int more = b + 1 < nbatches;
		if (more) {
			size_t nlo = hi, nhi = nlo + BATCH < n ? nlo + BATCH : n;
			jobs[(b + 1) % 2] = (struct verify_job){ns, nlo};
			pool_start(&pool, ingest_verify, &jobs[(b + 1) % 2], nhi - nlo);
		}
		for (size_t i = lo; i < hi; i++) {
			if (!ns->ok[i]) {
				rejected++;
				continue;
			}
			if ((rc = tlog_add(t, ns->data + i * NOTE_LEN, NOTE_LEN, NULL)))
				die("tlog_add", rc);
		}
		if ((rc = tlog_commit(t)))
			die("tlog_commit", rc);
		if (more)
			pool_wait(&pool);
	}
	double ingest_s = now() - t0, ingest_cpu = cpu_seconds() - c0;
	if (rejected || tlog_size(t) != n)
		die("ingestion rejected a valid note", ERR_VERIFY);

	raw_s += time_raw_verify(&pool, ns, raw_n / 2, raw_n, &raw_cpu);
	pool_stop(&pool);

	double verify_rate = (double)raw_n / raw_s, append_rate = (double)n / ingest_s;
	printf("# append: %" PRIu64 " notes in %.2f s, batches of %d, %d verifier threads; "
	       "raw verify of %zu signatures on %d threads in %.2f s\n",
	       n, ingest_s, BATCH, threads, raw_n, threads, raw_s);
	/* Wall-clock rates are what the figures report. On a machine shared with other
	 * work the scheduler can give the three ingestion threads a larger share than the
	 * two reference threads, so the CPU cost per note is printed too: it does not
	 * depend on that share. */
	printf("# append: CPU time per note %.1f us ingesting (all threads) vs %.1f us raw verify; "
	       "CPU-cost ratio verify/ingest %.3f\n",
	       ingest_cpu / (double)n * 1e6, raw_cpu / (double)raw_n * 1e6,
	       (raw_cpu / (double)raw_n) / (ingest_cpu / (double)n));
	printf("append_per_s=%.0f\ned25519_verify_per_s=%.0f\nappend_ratio_vs_verify=%.3f\n", append_rate,
	       verify_rate, append_rate / verify_rate);

	/* Spot-check durability: reopen and compare a few entries. */
	tlog_close(t);
	if ((rc = tlog_open(&t, dir, NULL)))
		die("tlog_open read-only", rc);
	struct buf e;
	buf_init(&e, TLOG_ENTRY_MAX);
	for (uint64_t i = 0; i < n; i += n / 7 + 1)
		if ((rc = tlog_read_entry(t, i, &e)) || e.len != NOTE_LEN ||
		    memcmp(e.data, ns->data + i * NOTE_LEN, NOTE_LEN) != 0)
			die("reading back an entry", rc ? rc : ERR_VERIFY);
	buf_release(&e);
	tlog_close(t);
	note_signer_release(&logkey);
	for (int a = 0; a < NAGENCIES; a++)
		note_signer_release(&ns->signers[a]);
	free(ns->data);
	free(ns->text_len);
	free(ns->sig);
	free(ns->signer);
	free(ns->ok);
	free(ns);
	return 0;
}

/* ---- fill: plain entries through the log alone, peak RSS --------------- */

#define FILL_BATCH 100000

static int cmd_fill(uint64_t n, const char *dir)
{
	struct note_signer logkey;
	struct tlog *t = new_log(dir, &logkey);
	int rc;
	uint8_t e[PLAIN_LEN];
	plain_entry_init(e);
	double t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		plain_entry(i, e);
		if ((rc = tlog_add(t, e, sizeof e, NULL)))
			die("tlog_add", rc);
		if ((i + 1) % FILL_BATCH == 0 || i + 1 == n)
			if ((rc = tlog_commit(t)))
				die("tlog_commit", rc);
	}
	double dt = now() - t0;
	tlog_close(t);
	note_signer_release(&logkey);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("fill_seconds=%.3f\nfill_maxrss_kb=%ld\n", dt, ru.ru_maxrss);
	return 0;
}

/* ---- prove: inclusion proofs from tiles on disk ------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmd_prove(const char *dir, uint64_t count)
{
	struct tlog *t;
	int rc = tlog_open(&t, dir, NULL);
	if (rc)
		die("tlog_open", rc);
	uint64_t size = tlog_size(t);
	const struct checkpoint *cp = tlog_checkpoint(t);
	double *us = malloc(count * sizeof *us);
	if (!us)
		die("malloc", ERR_NOMEM);
	struct buf e;
	buf_init(&e, TLOG_ENTRY_MAX);
	for (uint64_t k = 0; k < count; k++) {
		uint64_t index;
		randombytes_buf(&index, sizeof index);
		index %= size;
		merkle_hash proof[MERKLE_MAX_PROOF];
		size_t np;
		double t0 = now();
		rc = tlog_prove_inclusion(t, index, size, proof, &np);
		us[k] = (now() - t0) * 1e6;
		if (rc)
			die("tlog_prove_inclusion", rc);
		/* Not timed: the proof must lead from the entry to the checkpoint's root. */
		merkle_hash leaf;
		if ((rc = tlog_read_entry(t, index, &e)))
			die("tlog_read_entry", rc);
		merkle_leaf_hash(e.data, e.len, leaf);
		if ((rc = merkle_verify_inclusion(index, size, leaf, (const merkle_hash *)proof, np, cp->root)))
			die("merkle_verify_inclusion", rc);
	}
	qsort(us, count, sizeof *us, cmp_double);
	printf("# prove: %" PRIu64 " proofs in a log of %" PRIu64 " entries; p10 %.1f us, p90 %.1f us, max %.1f us\n",
	       count, size, us[count / 10], us[count * 9 / 10], us[count - 1]);
	printf("prove_us=%.1f\n", us[count / 2]);
	buf_release(&e);
	free(us);
	tlog_close(t);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "tree"))
		return cmd_tree(parse_u64(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "append"))
		return cmd_append(parse_u64(argv[2]), (int)parse_u64(argv[3]), argv[4]);
	if (argc == 4 && !strcmp(argv[1], "fill"))
		return cmd_fill(parse_u64(argv[2]), argv[3]);
	if (argc == 4 && !strcmp(argv[1], "prove"))
		return cmd_prove(argv[2], parse_u64(argv[3]));
	fprintf(stderr, "usage: bench_tlog tree N | append N THREADS DIR | fill N DIR | prove DIR COUNT\n");
	return 2;
}

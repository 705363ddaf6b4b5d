/*
 * bench_node — the live-exchange benchmarks behind `make bench` (bench/node.sh
 * starts the nodes, this program drives them).
 *
 *   submit CHANNEL N CONNS THREADS URL COSIGNER
 *       CHANNEL is a directory made by tests/fixture.sh (charter, keys/). Builds N
 *       distinct submissions before the clock starts: notices from us.fbi and
 *       us.doj to ru.fsb / ru.gp, each with its own small age-sealed body,
 *       signed by the sending agency's key. Then CONNS concurrent clients (libcurl
 *       handles on one multi handle in one thread, one keep-alive connection
 *       each, one submission in flight each) POST them to URL/submit as fast as
 *       the node answers; every answer must be 200.
 *       Meanwhile a watcher asks the node for the receipt of the smallest entry
 *       not yet covered (GET URL/proof/<party>/<index>?cosigned-by=<COSIGNER's
 *       node key>, COSIGNER a party id of the charter) every WATCH_MS until it
 *       gets one, checks the recipient's cosignature on the checkpoint it is
 *       against, and records when it first saw that checkpoint's size: every
 *       entry below it has its receipt from then on. After the load it waits (at
 *       most RECEIPT_TIMEOUT_S) until every entry is covered.
 *       COSIGNER "-" skips the receipts (for trials with the sender alone).
 *       The reference: raw crypto_sign_verify_detached of the same envelopes'
 *       signatures on THREADS threads, half before and half after the load.
 *
 * Prints submit_seconds=, submit_per_s=, ed25519_verify_per_s=,
 * submit_ratio_vs_verify=, receipt_ms_p50=, receipt_ms_p99= and # comments.
 * Exits 1 on any failure (a refused submission, a receipt that never comes).
 */
#include "base/buf.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/age.h"
#include "crypto/keyfile.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "exchange/charter.h"
#include "exchange/envelope.h"
#include "node/submit.h"
#include "tlog/checkpoint.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define WATCH_MS 5
#define RECEIPT_TIMEOUT_S 180
#define MAX_THREADS 256
#define MAX_CONNS 4096

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_node: %s failed (%d): %s\n", what, rc, err_msg());
	exit(1);
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);
	if (!p)
		die("calloc", ERR_NOMEM);
	return p;
}

/* Runs fn(ctx, k) for k in [0, nthreads) on nthreads threads and joins them. */
static void run_threads(int nthreads, void *(*fn)(void *), void *args, size_t argsize)
{
	pthread_t th[MAX_THREADS];
	for (int k = 0; k < nthreads; k++)
		if (pthread_create(&th[k], NULL, fn, (char *)args + (size_t)k * argsize) != 0)
			die("pthread_create", ERR_NOMEM);
	for (int k = 0; k < nthreads; k++)
		pthread_join(th[k], NULL);
}

/* ---- the submissions, built before the clock starts ---- */

#define NSENDERS 2
static const char *const senders[NSENDERS] = {"us.fbi", "us.doj"};
static const char *const receivers[2] = {"ru.fsb", "ru.gp"};

struct corpus {
	struct charter charter;
	struct keyfile keys[NSENDERS];
	size_t n;
	struct buf *req;            /* the framed request bodies */
	/* for the raw-verify reference */
	uint8_t (*sig)[crypto_sign_BYTES];
	const uint8_t **text;       /* points into req[i] */
	size_t *text_len;
	uint8_t *signer;
	int64_t time;
	size_t body_len;            /* of submission 0, for the comment */
};

struct build_arg {
	struct corpus *c;
	int k, nthreads;
};

static void *build_part(void *arg)
{
	struct build_arg *a = arg;
	struct corpus *c = a->c;
	struct buf sealed, text, note;
	buf_init(&sealed, 1 << 20);
	buf_init(&text, ENVELOPE_MAX_SIZE);
	buf_init(&note, ENVELOPE_MAX_SIZE);
	for (size_t i = (size_t)a->k; i < c->n; i += (size_t)a->nthreads) {
		unsigned s = (unsigned)(i % NSENDERS);
		const char *to = receivers[(i / NSENDERS) % 2];
		const struct charter_agency *from = charter_agency(&c->charter, senders[s], strlen(senders[s]));
		const struct charter_agency *rcpt = charter_agency(&c->charter, to, strlen(to));
		struct age_recipient r[2] = {from->recipient, rcpt->recipient};
		char plain[160];
		int pl = snprintf(plain, sizeof plain, "{\"bench\": %zu, \"note\": \"a small notice body for the node benchmark\"}\n", i);
		struct envelope_fields f;
		memset(&f, 0, sizeof f);
		snprintf(f.channel, sizeof f.channel, "%s", c->charter.id_hex);
		snprintf(f.from, sizeof f.from, "%s", senders[s]);
		snprintf(f.to[0], sizeof f.to[0], "%s", to);
		f.nto = 1;
		snprintf(f.case_id, sizeof f.case_id, "%s/b-%zu", senders[s], i);
		f.kind = ENV_NOTICE;
		f.time = c->time;
		int rc = age_encrypt_buf(plain, (size_t)pl, r, 2, 0, &sealed);
		if (rc)
			die("age_encrypt_buf", rc);
		sha256(sealed.data, sealed.len, f.body_hash);
		f.body_size = sealed.len;
		f.has_body = 1;
		if (i == 0)
			c->body_len = sealed.len;
		buf_reset(&text);
		buf_reset(&note);
		if ((rc = envelope_format(&f, &text)) ||
		    (rc = note_sign(&note, (const char *)text.data, text.len, &c->keys[s].sign, 1, 0)))
			die("sealing an envelope", rc);
		buf_init(&c->req[i], SUBMIT_MAX_REQUEST);
		if ((rc = submit_format(&c->req[i], note.data, note.len, sealed.data, sealed.len)))
			die("submit_format", rc);
		/* The reference verifies exactly this signature over this text. */
		struct note nt;
		const uint8_t *env = memchr(c->req[i].data, '\n', c->req[i].len) + 1;
		if ((rc = note_parse(&nt, env, note.len)) || nt.nsigs != 1 || nt.sigs[0].sig_len != crypto_sign_BYTES)
			die("note_parse", rc ? rc : ERR_FORMAT);
		memcpy(c->sig[i], nt.sigs[0].sig, crypto_sign_BYTES);
		c->text[i] = env;
		c->text_len[i] = nt.text_len;
		c->signer[i] = (uint8_t)s;
		note_release(&nt);
	}
	buf_release(&sealed);
	buf_release(&text);
	buf_release(&note);
	return NULL;
}

static void build_corpus(struct corpus *c, const char *channel, size_t n, int nthreads)
{
	char path[4096];
	struct buf b;
	buf_init(&b, CHARTER_MAX_SIZE);
	snprintf(path, sizeof path, "%s/charter", channel);
	int rc = file_read(path, CHARTER_MAX_SIZE, &b);
	if (rc || (rc = charter_parse(&c->charter, b.data, b.len)))
		die(path, rc);
	buf_release(&b);
	for (int s = 0; s < NSENDERS; s++) {
		snprintf(path, sizeof path, "%s/keys/%s.key", channel, senders[s]);
		if ((rc = keyfile_read(&c->keys[s], path)))
			die(path, rc);
	}
	c->n = n;
	c->time = (int64_t)time(NULL);
	c->req = xcalloc(n, sizeof *c->req);
	c->sig = xcalloc(n, sizeof *c->sig);
	c->text = xcalloc(n, sizeof *c->text);
	c->text_len = xcalloc(n, sizeof *c->text_len);
	c->signer = xcalloc(n, 1);
	struct build_arg args[MAX_THREADS];
	for (int k = 0; k < nthreads; k++)
		args[k] = (struct build_arg){c, k, nthreads};
	run_threads(nthreads, build_part, args, sizeof args[0]);
}

/* ---- the reference: raw Ed25519 verification on THREADS threads ---- */

struct verify_arg {
	const struct corpus *c;
	size_t lo, hi;
	int failed;
};

static void *verify_part(void *arg)
{
	struct verify_arg *a = arg;
	const struct corpus *c = a->c;
	for (size_t i = a->lo; i < a->hi; i++) {
		const struct charter_agency *ag = charter_agency(&c->charter, senders[c->signer[i]], strlen(senders[c->signer[i]]));
		if (crypto_sign_verify_detached(c->sig[i], c->text[i], c->text_len[i], ag->key.pub) != 0)
			a->failed = 1;
	}
	return NULL;
}

/* Verifies signatures [lo, hi) split over nthreads threads; returns seconds. */
static double raw_verify(const struct corpus *c, size_t lo, size_t hi, int nthreads)
{
	struct verify_arg args[MAX_THREADS];
	size_t per = (hi - lo + (size_t)nthreads - 1) / (size_t)nthreads;
	for (int k = 0; k < nthreads; k++) {
		size_t a = lo + (size_t)k * per, b = a + per;
		args[k] = (struct verify_arg){c, a < hi ? a : hi, b < hi ? b : hi, 0};
	}
	double t0 = now();
	run_threads(nthreads, verify_part, args, sizeof args[0]);
	double dt = now() - t0;
	for (int k = 0; k < nthreads; k++)
		if (args[k].failed)
			die("raw verification of a valid signature", ERR_VERIFY);
	return dt;
}

/* ---- the load: one keep-alive connection per client thread ---- */

struct load {
	const struct corpus *c;
	const char *url;
	CURLM *multi;
	double *sent;              /* when request i was sent */
	int64_t *index;            /* its log index, from X-Parley-Index */
	atomic_int failures;
	double first, last;        /* first send, last answer */
};

struct client {
	struct load *l;
	CURL *h;
	size_t i;                  /* the submission in flight */
	int64_t index;             /* its log index, from X-Parley-Index */
};

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct client *cl = ctx;
	size_t len = size * n;
	static const char h[] = "X-Parley-Index:";
	if (len > sizeof h && !strncasecmp(p, h, sizeof h - 1))
		cl->index = strtoll(p + sizeof h - 1, NULL, 10);
	return len;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p, (void)ctx;
	return size * n;
}

/* Starts submission i on client cl's handle (its headers and options set once). */
static void start_one(struct client *cl, size_t i)
{
	struct load *l = cl->l;
	cl->i = i;
	cl->index = -1;
	curl_easy_setopt(cl->h, CURLOPT_POSTFIELDS, l->c->req[i].data);
	curl_easy_setopt(cl->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)l->c->req[i].len);
	l->sent[i] = now();
	curl_multi_add_handle(l->multi, cl->h);
}

static void finish_one(struct client *cl, CURLcode r)
{
	struct load *l = cl->l;
	long status = 0;
	curl_easy_getinfo(cl->h, CURLINFO_RESPONSE_CODE, &status);
	double t1 = now();
	if (r != CURLE_OK || status != 200 || cl->index < 0) {
		if (atomic_fetch_add(&l->failures, 1) < 5)
			fprintf(stderr, "bench_node: submission %zu: %s, HTTP %ld\n", cl->i, curl_easy_strerror(r), status);
		return;
	}
	l->index[cl->i] = cl->index;
	if (l->first == 0 || l->sent[cl->i] < l->first)
		l->first = l->sent[cl->i];
	if (t1 > l->last)
		l->last = t1;
}

/*
 * The load: one thread drives `conns` libcurl handles on one multi handle, each
 * its own keep-alive connection with one submission in flight, and gives each
 * handle the next submission as soon as its answer arrives (so the clients are
 * concurrent without a thread each, as a node's many officers would be).
 */
static void run_load(struct load *l, int conns)
{
	char url[1024];
	snprintf(url, sizeof url, "%s/submit", l->url);
	l->multi = curl_multi_init();
	curl_multi_setopt(l->multi, CURLMOPT_MAXCONNECTS, (long)conns);
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: " SUBMIT_CONTENT_TYPE);
	hdr = curl_slist_append(hdr, "Expect:");
	struct client *cl = xcalloc((size_t)conns, sizeof *cl);
	size_t next = 0;
	int active = 0;
	for (int k = 0; k < conns; k++) {
		cl[k].l = l;
		CURL *h = cl[k].h = curl_easy_init();
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, &cl[k]);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(h, CURLOPT_PRIVATE, &cl[k]);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
		curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
		if (next < l->c->n) {
			start_one(&cl[k], next++);
			active++;
		}
	}
	while (active > 0) {
		int running;
		curl_multi_perform(l->multi, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(l->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct client *c;
			CURL *h = msg->easy_handle;
			CURLcode r = msg->data.result;
			curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&c);
			curl_multi_remove_handle(l->multi, h);
			finish_one(c, r);
			active--;
			if (next < l->c->n) {
				start_one(c, next++);
				active++;
			}
		}
		if (active > 0)
			curl_multi_poll(l->multi, NULL, 0, 1000, NULL);
	}
	for (int k = 0; k < conns; k++)
		curl_easy_cleanup(cl[k].h);
	curl_multi_cleanup(l->multi);
	curl_slist_free_all(hdr);
	free(cl);
}

/* ---- the watcher: when each size first shows the recipient's cosignature ---- */

struct watch {
	const char *url;
	const char *party;         /* the sender's party id */
	struct note_verifier cosigner;
	atomic_int stop;
	/* sizes seen cosigned, increasing, with the time first seen */
	uint64_t *size;
	double *when;
	size_t n, cap;
	atomic_uint_fast64_t covered; /* the largest size seen cosigned */
	pthread_mutex_t mu;
};

static size_t to_buf(char *p, size_t size, size_t n, void *ctx)
{
	return buf_append(ctx, p, size * n) ? 0 : size * n;
}

/* Covered by a receipt: the smallest uncovered index, asked for its receipt (the node's
 * /proof/<party>/<index>?cosigned-by=<cosigner>); a 200 names the checkpoint it is against. */
static void *watcher_main(void *arg)
{
	struct watch *w = arg;
	CURL *h = curl_easy_init();
	struct buf b;
	buf_init(&b, CHECKPOINT_MAX_SIZE + 65536);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, to_buf);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	while (!atomic_load(&w->stop)) {
		char url[1024];
		snprintf(url, sizeof url, "%s/proof/%s/%" PRIu64 "?cosigned-by=%s", w->url, w->party,
			 (uint64_t)atomic_load(&w->covered), w->cosigner.name);
		curl_easy_setopt(h, CURLOPT_URL, url);
		buf_reset(&b);
		long status = 0;
		if (curl_easy_perform(h) == CURLE_OK && curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
		    status == 200) {
			double t = now();
			const uint8_t *cpn = b.len ? memmem(b.data, b.len, "\n\n", 2) : NULL;
			struct note nt;
			struct checkpoint cp;
			int ok = 0;
			if (!cpn)
				die("a receipt without a checkpoint", ERR_FORMAT);
			cpn += 2;
			if (note_parse(&nt, cpn, b.len - (size_t)(cpn - b.data)) ||
			    checkpoint_parse_text(&cp, nt.data, nt.text_len) || note_verify(&nt, &w->cosigner, 1, &ok, NULL) || !ok ||
			    cp.size <= atomic_load(&w->covered))
				die("a receipt that does not carry the recipient's cosignature", ERR_VERIFY);
			note_release(&nt);
			pthread_mutex_lock(&w->mu);
			if (w->n == w->cap) {
				w->cap = w->cap ? 2 * w->cap : 1024;
				w->size = realloc(w->size, w->cap * sizeof *w->size);
				w->when = realloc(w->when, w->cap * sizeof *w->when);
				if (!w->size || !w->when)
					die("realloc", ERR_NOMEM);
			}
			w->size[w->n] = cp.size;
			w->when[w->n++] = t;
			pthread_mutex_unlock(&w->mu);
			atomic_store(&w->covered, cp.size);
			continue; /* at once: the next checkpoint may be cosigned too */
		}
		usleep(WATCH_MS * 1000);
	}
	buf_release(&b);
	curl_easy_cleanup(h);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s == 0 || *end != 0 || v == 0) {
		fprintf(stderr, "bench_node: bad number %s\n", s);
		exit(2);
	}
	return (size_t)v;
}

static int cmd_submit(const char *channel, size_t n, int conns, int threads, const char *url, const char *cosigner)
{
	if (conns < 1 || conns > MAX_CONNS || threads < 1 || threads > MAX_THREADS)
		die("thread count", ERR_USAGE);
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		die("library initialisation", ERR_NOMEM);
	struct corpus *c = xcalloc(1, sizeof *c);
	double t0 = now();
	build_corpus(c, channel, n, threads);
	printf("# node: built %zu signed submissions (envelopes of ~%zu bytes, sealed bodies of ~%zu bytes) in %.1f s "
	       "(not measured)\n", n, c->req[0].len - c->body_len, c->body_len, now() - t0);

	size_t raw_n = n;
	double raw_s = raw_verify(c, 0, raw_n / 2, threads);

	struct watch w = {.url = url};
	int receipts = strcmp(cosigner, "-") != 0;
	pthread_t wt;
	if (receipts) {
		const struct charter_party *p = charter_party(&c->charter, cosigner, strlen(cosigner));
		if (!p)
			die("the cosigner is not a party of the charter", ERR_USAGE);
		w.cosigner = p->node_cosigner;
		const struct charter_agency *a = charter_agency(&c->charter, senders[0], strlen(senders[0]));
		w.party = c->charter.parties[a->party].id;
		pthread_mutex_init(&w.mu, NULL);
		if (pthread_create(&wt, NULL, watcher_main, &w) != 0)
			die("pthread_create", ERR_NOMEM);
	}

	struct load l = {.c = c, .url = url};
	l.sent = xcalloc(n, sizeof *l.sent);
	l.index = xcalloc(n, sizeof *l.index);
	run_load(&l, conns);
	double load_s = l.last - l.first;
	if (atomic_load(&l.failures))
		die("a submission was not accepted", ERR_IO);

	/* Wait until a cosigned checkpoint covers every entry. */
	uint64_t want = 0;
	for (size_t i = 0; i < n; i++)
		if ((uint64_t)l.index[i] + 1 > want)
			want = (uint64_t)l.index[i] + 1;
	double deadline = now() + RECEIPT_TIMEOUT_S;
	while (receipts && atomic_load(&w.covered) < want && now() < deadline)
		usleep(10000);
	atomic_store(&w.stop, 1);
	if (receipts)
		pthread_join(wt, NULL);
	double waited = now() - l.last;
	if (receipts && atomic_load(&w.covered) < want) {
		fprintf(stderr, "bench_node: after %d s the recipient's cosignature covers %" PRIu64 " of %" PRIu64 " entries\n",
			RECEIPT_TIMEOUT_S, (uint64_t)atomic_load(&w.covered), want);
		exit(1);
	}

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("# cpu: bench_node %.1f s so far (user+system: building, the first verify half, clients, watcher)\n",
	       (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	raw_s += raw_verify(c, raw_n / 2, raw_n, threads);

	double submit_rate = (double)n / load_s, verify_rate = (double)raw_n / raw_s;
	printf("# node: %zu submissions over %d keep-alive connections in %.2f s; raw verify of %zu signatures on %d threads "
	       "in %.2f s\n", n, conns, load_s, raw_n, threads, raw_s);
	printf("submit_seconds=%.3f\nsubmit_per_s=%.0f\ned25519_verify_per_s=%.0f\nsubmit_ratio_vs_verify=%.3f\n", load_s,
	       submit_rate, verify_rate, submit_rate / verify_rate);
	if (!receipts)
		return 0;
	/* Latency of entry i: the first cosigned size above its index, seen at when[k]. */
	double *ms = xcalloc(n, sizeof *ms);
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = w.n; /* first k with size[k] > index */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (w.size[mid] > (uint64_t)l.index[i])
				hi = mid;
			else
				lo = mid + 1;
		}
		ms[i] = (w.when[lo] - l.sent[i]) * 1e3;
	}
	qsort(ms, n, sizeof *ms, cmp_double);
	printf("# receipts: %zu receipts against successive checkpoints (polled every %d ms); last covered %.2f s after the last answer; "
	       "min %.1f ms, p90 %.1f ms, max %.1f ms\n", w.n, WATCH_MS, waited, ms[0], ms[n * 9 / 10], ms[n - 1]);
	printf("receipt_ms_p50=%.1f\nreceipt_ms_p99=%.1f\n", ms[n / 2], ms[n * 99 / 100]);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 8 && !strcmp(argv[1], "submit"))
		return cmd_submit(argv[2], parse_size(argv[3]), (int)parse_size(argv[4]), (int)parse_size(argv[5]), argv[6],
				  argv[7]);
	fprintf(stderr, "usage: bench_node submit CHANNEL N CONNS THREADS URL COSIGNER\n");
	return 2;
}

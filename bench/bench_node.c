/*
 * bench_node — the live-exchange benchmarks behind `make bench` (bench/node.sh
 * starts the nodes, this program drives them).
 *
 *   submit CHANNEL N CONNS THREADS URL COSIGNER [SENDER_PID RECIPIENT_URL]
 *       CHANNEL is a directory made by tests/fixture.sh (charter, keys/). Builds N
 *       distinct submissions before the clock starts: notices from us.fbi and
 *       us.doj to ru.fsb / ru.gp, each with its own small age-sealed body,
 *       signed by the sending agency's key. Then CONNS concurrent clients (plain
 *       HTTP/1.1 on one epoll loop in one thread, one keep-alive connection
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
 *       With SENDER_PID (the node at URL) and RECIPIENT_URL (COSIGNER's node):
 *       the sender's cost. Its CPU time (the process and all its descendants,
 *       bench/proc_cpu.h) just before the first submission, and again once the
 *       recipient's checkpoint covers N entries (its 'received' envelopes, one
 *       per submission: the recipient's log holds nothing else in the bench)
 *       and carries the sender's valid cosignature, i.e. the sender has
 *       mirrored and checked every 'received' envelope; the difference over N
 *       accepted envelopes, beside one raw verification's CPU time
 *       (CLOCK_PROCESS_CPUTIME_ID of this process around the reference, which
 *       runs while nothing else of this process does).
 *       Prints submit_seconds=, submit_per_s=, ed25519_verify_per_s=,
 *       submit_ratio_vs_verify=, [submit_cpu_us_per_envelope=, verify_cpu_us=,
 *       submit_cost_in_verifies=,] receipt_ms_p50=, receipt_ms_p99= and # comments.
 *
 *       RECIPIENT_URL "-" (with COSIGNER "-"): the server at URL is
 *       bench_logserver, the log alone; its CPU from just before the first
 *       submission to the last answer, printed as log_alone_cpu_us_per_envelope=,
 *       log_alone_verify_cpu_us=, log_alone_cost_in_verifies= instead.
 *
 *   receipt CHANNEL SAMPLES URL COSIGNER RECIPIENT_URL
 *       Receipts on idle nodes: SAMPLES submissions (case ids <agency>/idle-<i>),
 *       one at a time, IDLE_GAP_MS apart. After each answer, every IDLE_POLL_US,
 *       asks URL for the receipt of that entry (as the watcher above) and
 *       RECIPIENT_URL for its checkpoint, until the receipt carries COSIGNER's
 *       valid cosignature and the recipient's signed checkpoint has grown by one
 *       (its 'received' envelope). Prints receipt_ms_idle_p50=,
 *       receipt_ms_idle_p90= (send to receipt) and a comment with the parts:
 *       send to answer, answer to receipt, send to 'received'.
 *
 * Exits 1 on any failure (a refused submission, a receipt that never comes).
 */
#include "clock.h"
#include "proc_cpu.h"

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
#include <time.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define WATCH_MS 5
#define RECEIPT_TIMEOUT_S 180
#define MAX_THREADS 256
#define MAX_CONNS 4096

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
	const char *tag;            /* in the case ids: <agency>/<tag>-<i> */
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
		snprintf(f.case_id, sizeof f.case_id, "%s/%s-%zu", senders[s], c->tag, i);
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
		if ((rc = submit_frame_format(&c->req[i], note.data, note.len, sealed.data, sealed.len)))
			die("submit_frame_format", rc);
		/* The reference verifies exactly this signature over this text. */
		struct note nt;
		const uint8_t *env = (const uint8_t *)memchr(c->req[i].data, '\n', c->req[i].len) + 1;
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

static void build_corpus(struct corpus *c, const char *channel, const char *tag, size_t n, int nthreads)
{
	c->tag = tag;
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

static void corpus_release(struct corpus *c)
{
	for (size_t i = 0; i < c->n; i++)
		buf_release(&c->req[i]);
	for (int s = 0; s < NSENDERS; s++)
		keyfile_release(&c->keys[s]);
	charter_release(&c->charter);
	free(c->req);
	free(c->sig);
	free(c->text);
	free(c->text_len);
	free(c->signer);
	free(c);
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

/* ---- the load: CONNS keep-alive connections driven by one epoll loop ---- */

/*
 * The clients are a plain HTTP/1.1 load generator, as wrk is for the tiles:
 * each connection sends one whole request with one send(), reads the answer
 * (status line, headers, Content-Length bytes) and sends the next. libcurl's
 * multi interface did the same at about 70 µs of CPU per request on this
 * machine's 2 shared cores, CPU the node under test could not use.
 */
struct load {
	const struct corpus *c;
	const char *url;
	char host[256];            /* host:port of url, for the Host header */
	double *sent;              /* when request i was sent */
	int64_t *index;            /* its log index, from X-Parley-Index */
	int failures;
	double first, last;        /* first send, last answer */
};

#define ANSWER_MAX (64 << 10)

struct client {
	int fd;
	size_t i;                  /* the submission in flight */
	size_t have;               /* bytes of its answer read */
	char in[ANSWER_MAX];
};

static void fail_one(struct load *l, size_t i, const char *why)
{
	if (l->failures++ < 5)
		fprintf(stderr, "bench_node: submission %zu: %s\n", i, why);
}

/* host:port of an http:// URL, resolved to a connected TCP socket. */
static int connect_to(const char *url)
{
	char host[256], port[16] = "80";
	const char *p = strncmp(url, "http://", 7) ? url : url + 7;
	size_t hl = strcspn(p, ":/");
	if (hl >= sizeof host)
		return -1;
	memcpy(host, p, hl);
	host[hl] = 0;
	if (p[hl] == ':')
		snprintf(port, sizeof port, "%.*s", (int)strcspn(p + hl + 1, "/"), p + hl + 1);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd >= 0) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	return fd;
}

/* Sends submission i on cl: its head and body in one writev (about 1 KiB, the socket takes it whole). */
static int start_one(struct load *l, struct client *cl, size_t i)
{
	const struct buf *r = &l->c->req[i];
	char head[512];
	int hl = snprintf(head, sizeof head,
			  "POST /submit HTTP/1.1\r\nHost: %s\r\nContent-Type: " SUBMIT_CONTENT_TYPE
			  "\r\nContent-Length: %zu\r\n\r\n", l->host, r->len);
	struct iovec iov[2] = {{head, (size_t)hl}, {r->data, r->len}};
	cl->i = i;
	cl->have = 0;
	l->sent[i] = now();
	ssize_t k = writev(cl->fd, iov, 2);
	return k == (ssize_t)((size_t)hl + r->len) ? 0 : -1;
}

/* 1 when cl->in holds a whole answer (and records it), 0 if more is to come, -1 if it is bad. */
static int answer_done(struct load *l, struct client *cl)
{
	cl->in[cl->have] = 0;
	char *end = strstr(cl->in, "\r\n\r\n");
	if (!end)
		return cl->have + 1 >= sizeof cl->in ? -1 : 0;
	size_t head = (size_t)(end + 4 - cl->in), clen = 0;
	int64_t index = -1;
	for (char *h = strstr(cl->in, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n")) {
		if (!strncasecmp(h + 2, "Content-Length:", 15))
			clen = (size_t)strtoull(h + 17, NULL, 10);
		else if (!strncasecmp(h + 2, "X-Parley-Index:", 15))
			index = strtoll(h + 17, NULL, 10);
	}
	if (cl->have < head + clen)
		return head + clen + 1 > sizeof cl->in ? -1 : 0;
	if (strncmp(cl->in, "HTTP/1.1 200 ", 13) || index < 0) {
		char line[128];
		snprintf(line, sizeof line, "answered %.*s", (int)strcspn(cl->in, "\r"), cl->in);
		fail_one(l, cl->i, line);
		return -1;
	}
	double t1 = now();
	l->index[cl->i] = index;
	if (l->first == 0 || l->sent[cl->i] < l->first)
		l->first = l->sent[cl->i];
	if (t1 > l->last)
		l->last = t1;
	return 1;
}

/*
 * The load: `conns` connections, each with one submission in flight, given the
 * next as soon as its answer arrives (so the clients are concurrent without a
 * thread each, as a node's many officers would be). Any error ends the load.
 */
static void run_load(struct load *l, int conns)
{
	struct client *cl = xcalloc((size_t)conns, sizeof *cl);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	const char *h = strncmp(l->url, "http://", 7) ? l->url : l->url + 7;
	snprintf(l->host, sizeof l->host, "%.*s", (int)strcspn(h, "/"), h);
	size_t next = 0;
	int active = 0;
	for (int k = 0; k < conns && next < l->c->n; k++) {
		if ((cl[k].fd = connect_to(l->url)) < 0)
			die("connect to the node", ERR_IO);
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cl[k]};
		epoll_ctl(ep, EPOLL_CTL_ADD, cl[k].fd, &ev);
		if (start_one(l, &cl[k], next++))
			die("send a submission", ERR_IO);
		active++;
	}
	struct epoll_event evs[256];
	while (active > 0 && !l->failures) {
		int k = epoll_wait(ep, evs, 256, 120000);
		if (k <= 0) {
			fail_one(l, 0, k == 0 ? "no answer for 120 s" : "epoll_wait failed");
			break;
		}
		for (int e = 0; e < k; e++) {
			struct client *c = evs[e].data.ptr;
			ssize_t got = recv(c->fd, c->in + c->have, sizeof c->in - 1 - c->have, 0);
			if (got <= 0) {
				fail_one(l, c->i, got == 0 ? "the node closed the connection" : "recv failed");
				break;
			}
			c->have += (size_t)got;
			int done = answer_done(l, c);
			if (done < 0) {
				fail_one(l, c->i, "a malformed or refused answer");
				break;
			}
			if (done == 0)
				continue;
			active--;
			if (next < l->c->n) {
				if (start_one(l, c, next++)) {
					fail_one(l, next - 1, "send failed");
					break;
				}
				active++;
			}
		}
	}
	for (int k = 0; k < conns; k++)
		if (cl[k].fd > 0)
			close(cl[k].fd);
	close(ep);
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
	size_t requests;           /* receipts asked for (load on the sender that is the bench's, not the exchange's) */
	pthread_mutex_t mu;
};

static size_t to_buf(char *p, size_t size, size_t n, void *ctx)
{
	return buf_append(ctx, p, size * n) ? 0 : size * n;
}

/*
 * A receipt (a tlog-proof whose checkpoint carries the cosigner's cosignature)
 * for an entry at or above `index`: its checkpoint into *cp, or the bench dies.
 */
static void receipt_check(const struct buf *b, const struct note_verifier *cosigner, uint64_t index, struct checkpoint *cp)
{
	const uint8_t *cpn = b->len ? memmem(b->data, b->len, "\n\n", 2) : NULL;
	struct note nt;
	int ok = 0;
	if (!cpn)
		die("a receipt without a checkpoint", ERR_FORMAT);
	cpn += 2;
	if (note_parse(&nt, cpn, b->len - (size_t)(cpn - b->data)))
		die("a receipt's checkpoint", ERR_FORMAT);
	if (checkpoint_parse_text(cp, nt.data, nt.text_len) || note_verify(&nt, cosigner, 1, &ok, NULL) || !ok ||
	    cp->size <= index)
		die("a receipt that does not carry the recipient's cosignature", ERR_VERIFY);
	note_release(&nt);
}

/*
 * GET url/checkpoint with h: its size into *size, 1 into *cosigned if it carries a
 * valid cosignature by `by` as well as the log's signature by `log`. 0, or -1 if
 * there is no answer yet; the bench dies on a checkpoint that does not verify.
 */
static int checkpoint_get(CURL *h, struct buf *b, const char *url, const struct note_verifier *log,
			  const struct note_verifier *by, uint64_t *size, int *cosigned)
{
	char u[1024];
	long status = 0;
	snprintf(u, sizeof u, "%s/checkpoint", url);
	curl_easy_setopt(h, CURLOPT_URL, u);
	buf_reset(b);
	if (curl_easy_perform(h) != CURLE_OK || curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
	    status != 200)
		return -1;
	struct note nt;
	struct checkpoint cp;
	struct note_verifier vs[2] = {*log, *by};
	int ok[2] = {0, 0};
	if (note_parse(&nt, b->data, b->len) || checkpoint_parse_text(&cp, nt.data, nt.text_len) ||
	    note_verify(&nt, vs, 2, ok, NULL) || !ok[0])
		die("the recipient's checkpoint does not verify", ERR_VERIFY);
	note_release(&nt);
	*size = cp.size;
	*cosigned = ok[1];
	return 0;
}

static CURL *easy_new(struct buf *b)
{
	CURL *h = curl_easy_init();
	if (!h)
		die("curl_easy_init", ERR_NOMEM);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, to_buf);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	return h;
}

/* Covered by a receipt: the smallest uncovered index, asked for its receipt (the node's
 * /proof/<party>/<index>?cosigned-by=<cosigner>); a 200 names the checkpoint it is against. */
static void *watcher_main(void *arg)
{
	struct watch *w = arg;
	struct buf b;
	buf_init(&b, CHECKPOINT_MAX_SIZE + 65536);
	CURL *h = easy_new(&b);
	while (!atomic_load(&w->stop)) {
		char url[1024];
		w->requests++;
		snprintf(url, sizeof url, "%s/proof/%s/%" PRIu64 "?cosigned-by=%s", w->url, w->party,
			 (uint64_t)atomic_load(&w->covered), w->cosigner.name);
		curl_easy_setopt(h, CURLOPT_URL, url);
		buf_reset(&b);
		long status = 0;
		if (curl_easy_perform(h) == CURLE_OK && curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
		    status == 200) {
			double t = now();
			struct checkpoint cp;
			receipt_check(&b, &w->cosigner, atomic_load(&w->covered), &cp);
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

/* The CPU time of process `pid` and its descendants, in seconds; the bench dies if it cannot be read. */
static double tree_cpu(pid_t pid, size_t *processes, double *user)
{
	struct proc_cpu c;
	if (proc_cpu_tree(pid, &c))
		die("reading the sender's CPU time from /proc", ERR_IO);
	if (processes)
		*processes = c.processes;
	if (user)
		*user = (double)c.user / (double)sysconf(_SC_CLK_TCK);
	return proc_cpu_seconds(&c);
}

/*
 * Waits (at most RECEIPT_TIMEOUT_S) until the recipient's checkpoint at
 * recipient_url covers `want` entries (its 'received' envelopes) and carries
 * the sender's cosignature: the sender has then mirrored and checked every
 * 'received' envelope that answers its submissions.
 */
static void wait_received_cosigned(const char *recipient_url, const struct note_verifier *log,
				   const struct note_verifier *sender, uint64_t want)
{
	struct buf b;
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	CURL *h = easy_new(&b);
	uint64_t size = 0;
	int cosigned = 0;
	double deadline = now() + RECEIPT_TIMEOUT_S;
	while (now() < deadline) {
		if (checkpoint_get(h, &b, recipient_url, log, sender, &size, &cosigned) == 0 && size >= want && cosigned)
			break;
		usleep(10000);
	}
	curl_easy_cleanup(h);
	buf_release(&b);
	if (size < want || !cosigned) {
		fprintf(stderr, "bench_node: after %d s the recipient's log holds %" PRIu64 " of %" PRIu64
			" 'received' envelopes%s\n", RECEIPT_TIMEOUT_S, size, want,
			cosigned ? "" : ", without the sender's cosignature");
		exit(1);
	}
}

/*
 * sender_pid > 0: the sender's CPU (its whole process tree) from just before the
 * load until the recipient's checkpoint covering every 'received' envelope
 * (recipient_url) carries the sender's cosignature.
 */
static int cmd_submit(const char *channel, size_t n, int conns, int threads, const char *url, const char *cosigner,
		      pid_t sender_pid, const char *recipient_url)
{
	if (conns < 1 || conns > MAX_CONNS || threads < 1 || threads > MAX_THREADS)
		die("thread count", ERR_USAGE);
	int log_alone = recipient_url && !strcmp(recipient_url, "-"); /* the server is bench_logserver: no recipient */
	if (sender_pid > 0 && !log_alone && (!strcmp(cosigner, "-") || !recipient_url))
		die("the sender's CPU needs the recipient (COSIGNER and RECIPIENT_URL)", ERR_USAGE);
	if (log_alone && strcmp(cosigner, "-"))
		die("the log alone has no cosigner (COSIGNER -)", ERR_USAGE);
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		die("library initialisation", ERR_NOMEM);
	struct corpus *c = xcalloc(1, sizeof *c);
	double t0 = now();
	build_corpus(c, channel, "b", n, threads);
	printf("# node: built %zu signed submissions (envelopes of ~%zu bytes, sealed bodies of ~%zu bytes) in %.1f s "
	       "(not measured)\n", n, c->req[0].len - c->body_len, c->body_len, now() - t0);

	size_t raw_n = n;
	double vcpu0 = cpu_seconds();
	double raw_s = raw_verify(c, 0, raw_n / 2, threads);
	double raw_cpu = cpu_seconds() - vcpu0;

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
	size_t sender_procs = 0;
	double sender_user0 = 0, sender_user = 0;
	double sender0 = sender_pid > 0 ? tree_cpu(sender_pid, NULL, &sender_user0) : 0;
	double cpu0 = cpu_seconds();
	run_load(&l, conns);
	double load_cpu = cpu_seconds() - cpu0;
	double load_s = l.last - l.first;
	if (l.failures)
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

	double sender_cpu = 0, received_wait = 0;
	if (sender_pid > 0 && log_alone) { /* to the last answer: nothing follows a submission there */
		sender_cpu = tree_cpu(sender_pid, &sender_procs, &sender_user) - sender0;
		sender_user -= sender_user0;
	} else if (sender_pid > 0) {
		const struct charter_party *rp = charter_party(&c->charter, cosigner, strlen(cosigner));
		const struct charter_party *sp = charter_party(&c->charter, w.party, strlen(w.party));
		double t = now();
		wait_received_cosigned(recipient_url, &rp->node_key, &sp->node_cosigner, n);
		received_wait = now() - t;
		sender_cpu = tree_cpu(sender_pid, &sender_procs, &sender_user) - sender0;
		sender_user -= sender_user0;
	}

	printf("# cpu: bench_node %.1f s so far (user+system: building, the first verify half, clients, watcher), "
	       "%.2f s of it during the load (clients and watcher)\n", cpu_seconds(), load_cpu);
	vcpu0 = cpu_seconds();
	raw_s += raw_verify(c, raw_n / 2, raw_n, threads);
	raw_cpu += cpu_seconds() - vcpu0;

	double submit_rate = (double)n / load_s, verify_rate = (double)raw_n / raw_s;
	printf("# node: %zu submissions over %d keep-alive connections in %.2f s; raw verify of %zu signatures on %d threads "
	       "in %.2f s\n", n, conns, load_s, raw_n, threads, raw_s);
	printf("submit_seconds=%.3f\nsubmit_per_s=%.0f\ned25519_verify_per_s=%.0f\nsubmit_ratio_vs_verify=%.3f\n", load_s,
	       submit_rate, verify_rate, submit_rate / verify_rate);
	if (sender_pid > 0 && log_alone) {
		double per = sender_cpu * 1e6 / (double)n, verify_us = raw_cpu * 1e6 / (double)raw_n;
		printf("# log alone: bench_logserver (%zu process%s, user+system from /proc) used %.2f s of CPU (%.2f s user, "
		       "%.2f s system) for %zu accepted envelopes, from just before the first submission to the last answer, "
		       "at %.0f submissions/s; one raw verification %.1f us of CPU (this process, as above)\n",
		       sender_procs, sender_procs == 1 ? "" : "es", sender_cpu, sender_user, sender_cpu - sender_user, n,
		       submit_rate, verify_us);
		printf("log_alone_cpu_us_per_envelope=%.1f\nlog_alone_verify_cpu_us=%.1f\nlog_alone_cost_in_verifies=%.2f\n", per,
		       verify_us, per / verify_us);
	} else if (sender_pid > 0) {
		double per = sender_cpu * 1e6 / (double)n, verify_us = raw_cpu * 1e6 / (double)raw_n;
		printf("# cost: the sender (%zu process%s: the node and its descendants, user+system from /proc) used %.2f s of CPU "
		       "(%.2f s user, %.2f s system) for %zu accepted envelopes, from just before the first submission until the recipient's checkpoint "
		       "covering all %zu 'received' envelopes carried its cosignature (%.2f s after the last receipt); it includes "
		       "answering %zu receipt polls of the bench's watcher; one raw verification %.1f us of CPU "
		       "(CLOCK_PROCESS_CPUTIME_ID over %zu verifications on %d threads, this process)\n",
		       sender_procs, sender_procs == 1 ? "" : "es", sender_cpu, sender_user, sender_cpu - sender_user, n, n, received_wait, w.requests, verify_us,
		       raw_n, threads);
		printf("submit_cpu_us_per_envelope=%.1f\nverify_cpu_us=%.1f\nsubmit_cost_in_verifies=%.2f\n", per, verify_us,
		       per / verify_us);
	}
	if (receipts) {
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
		free(ms);
		free(w.size);
		free(w.when);
		pthread_mutex_destroy(&w.mu);
	}
	free(l.sent);
	free(l.index);
	corpus_release(c);
	curl_global_cleanup();
	return 0;
}

/* ---- receipts on idle nodes: one envelope at a time ---- */

static double percentile(double *v, size_t n, int p)
{
	qsort(v, n, sizeof *v, cmp_double);
	size_t k = (n * (size_t)p + 99) / 100; /* nearest rank */
	return v[k ? k - 1 : 0];
}

/* Sends submission i on cl and reads its answer; the bench dies unless it is a 200 with an index. */
static void submit_one(struct load *l, struct client *cl, size_t i)
{
	if (start_one(l, cl, i))
		die("send a submission", ERR_IO);
	for (;;) {
		ssize_t got = recv(cl->fd, cl->in + cl->have, sizeof cl->in - 1 - cl->have, 0);
		if (got <= 0)
			die("read the node's answer", ERR_IO);
		cl->have += (size_t)got;
		int done = answer_done(l, cl);
		if (done < 0)
			die("a submission was not accepted", ERR_IO);
		if (done > 0)
			return;
	}
}

/*
 * SAMPLES times, on nodes left idle in between: one submission, then, every
 * POLL_US, the sender's receipt for it (GET URL/proof/<party>/<index>?cosigned-by=
 * COSIGNER's node key) and the recipient's checkpoint at RECIPIENT_URL, until the
 * receipt carries the recipient's valid cosignature and the recipient's signed
 * checkpoint holds one more entry (its 'received' envelope for this one).
 * Prints the receipt's latency (p50, p90) and, as comments, its parts.
 */
#define IDLE_POLL_US 1000
#define IDLE_GAP_MS 200
static int cmd_receipt(const char *channel, size_t samples, const char *url, const char *cosigner,
		       const char *recipient_url)
{
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		die("library initialisation", ERR_NOMEM);
	struct corpus *c = xcalloc(1, sizeof *c);
	build_corpus(c, channel, "idle", samples, 1);
	const struct charter_party *rp = charter_party(&c->charter, cosigner, strlen(cosigner));
	if (!rp)
		die("the cosigner is not a party of the charter", ERR_USAGE);
	const struct charter_agency *a = charter_agency(&c->charter, senders[0], strlen(senders[0]));
	const struct charter_party *sp = &c->charter.parties[a->party];

	struct load l = {.c = c, .url = url};
	l.sent = xcalloc(samples, sizeof *l.sent);
	l.index = xcalloc(samples, sizeof *l.index);
	const char *h = strncmp(url, "http://", 7) ? url : url + 7;
	snprintf(l.host, sizeof l.host, "%.*s", (int)strcspn(h, "/"), h);
	struct client *cl = xcalloc(1, sizeof *cl);
	if ((cl->fd = connect_to(url)) < 0)
		die("connect to the node", ERR_IO);

	struct buf pb, rb;
	buf_init(&pb, CHECKPOINT_MAX_SIZE + 65536);
	buf_init(&rb, CHECKPOINT_MAX_SIZE);
	CURL *ph = easy_new(&pb), *rh = easy_new(&rb);
	double *answer = xcalloc(samples, sizeof *answer), *receipt = xcalloc(samples, sizeof *receipt),
	       *received = xcalloc(samples, sizeof *received), *after = xcalloc(samples, sizeof *after);
	uint64_t rsize = 0;
	int cosigned = 0;
	size_t polls = 0;
	if (checkpoint_get(rh, &rb, recipient_url, &rp->node_key, &sp->node_cosigner, &rsize, &cosigned))
		die("the recipient's checkpoint", ERR_IO);
	for (size_t i = 0; i < samples; i++) {
		usleep(IDLE_GAP_MS * 1000); /* idle: the previous sample's pushes and heartbeats are over */
		submit_one(&l, cl, i);
		double t_answer = now();
		int have_receipt = 0, have_received = 0;
		uint64_t want = rsize + 1;
		double deadline = t_answer + 30;
		while (!(have_receipt && have_received)) {
			if (now() > deadline) {
				fprintf(stderr, "bench_node: sample %zu: no %s after 30 s\n", i,
					have_receipt ? "'received' envelope" : "receipt");
				exit(1);
			}
			if (!have_receipt) {
				char u[1024];
				long status = 0;
				snprintf(u, sizeof u, "%s/proof/%s/%" PRId64 "?cosigned-by=%s", url, sp->id, l.index[i],
					 rp->node_cosigner.name);
				curl_easy_setopt(ph, CURLOPT_URL, u);
				buf_reset(&pb);
				polls++;
				if (curl_easy_perform(ph) == CURLE_OK &&
				    curl_easy_getinfo(ph, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 200) {
					struct checkpoint cp;
					receipt[i] = now();
					receipt_check(&pb, &rp->node_cosigner, (uint64_t)l.index[i], &cp);
					have_receipt = 1;
				}
			}
			if (!have_received &&
			    checkpoint_get(rh, &rb, recipient_url, &rp->node_key, &sp->node_cosigner, &rsize, &cosigned) == 0 &&
			    rsize >= want) {
				received[i] = now();
				have_received = 1;
			}
			if (!(have_receipt && have_received))
				usleep(IDLE_POLL_US);
		}
		after[i] = (receipt[i] - t_answer) * 1e3;
		answer[i] = (t_answer - l.sent[i]) * 1e3;
		receipt[i] = (receipt[i] - l.sent[i]) * 1e3;
		received[i] = (received[i] - l.sent[i]) * 1e3;
	}
	close(cl->fd);
	curl_easy_cleanup(ph);
	curl_easy_cleanup(rh);
	/* sorted once each, then read */
	double an50 = percentile(answer, samples, 50), an90 = percentile(answer, samples, 90), anmax = answer[samples - 1];
	double af50 = percentile(after, samples, 50), af90 = percentile(after, samples, 90), afmax = after[samples - 1];
	double rc50 = percentile(received, samples, 50), rc90 = percentile(received, samples, 90),
	       rcmax = received[samples - 1];
	double r50 = percentile(receipt, samples, 50), r90 = percentile(receipt, samples, 90), rmax = receipt[samples - 1];
	printf("# receipt idle: %zu envelopes one at a time, %d ms apart, polled every %d us (%zu receipt polls); ms p50/p90/max: receipt %.1f / %.1f / %.1f; "
	       "submission answered (sequenced, durable) %.1f / %.1f / %.1f; answer to receipt (the sender's push, the "
	       "recipient's sync and cosignature) %.1f / %.1f / %.1f; 'received' in the recipient's signed checkpoint %.1f / "
	       "%.1f / %.1f after sending\n",
	       samples, IDLE_GAP_MS, IDLE_POLL_US, polls, r50, r90, rmax, an50, an90, anmax, af50, af90, afmax, rc50, rc90,
	       rcmax);
	printf("receipt_ms_idle_p50=%.1f\nreceipt_ms_idle_p90=%.1f\n", r50, r90);
	buf_release(&pb);
	buf_release(&rb);
	free(answer), free(receipt), free(received), free(after);
	free(cl);
	free(l.sent);
	free(l.index);
	corpus_release(c);
	curl_global_cleanup();
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((argc == 8 || argc == 10) && !strcmp(argv[1], "submit"))
		return cmd_submit(argv[2], parse_size(argv[3]), (int)parse_size(argv[4]), (int)parse_size(argv[5]), argv[6],
				  argv[7], argc == 10 ? (pid_t)parse_size(argv[8]) : 0, argc == 10 ? argv[9] : NULL);
	if (argc == 7 && !strcmp(argv[1], "receipt"))
		return cmd_receipt(argv[2], parse_size(argv[3]), argv[4], argv[5], argv[6]);
	fprintf(stderr, "usage: bench_node submit CHANNEL N CONNS THREADS URL COSIGNER [SENDER_PID RECIPIENT_URL]\n"
			"       bench_node receipt CHANNEL SAMPLES URL COSIGNER RECIPIENT_URL\n");
	return 2;
}

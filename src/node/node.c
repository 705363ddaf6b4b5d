/*
 * The node. Threads: the HTTP server (event loops and workers, see http.h), the
 * sequencer's committer, the pusher (sends each new checkpoint to every
 * witness and collects cosignatures) and the poller (keeps the mirrors of
 * peers' logs current, and records deliveries). See docs/node.md.
 */
#include "node/node.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "cases/cases.h"
#include "index/index.h"
#include "crypto/keyfile.h"
#include "crypto/sha256.h"
#include "exchange/charter.h"
#include "exchange/envelope.h"
#include "node/bodies.h"
#include "node/body_batch.h"
#include "node/client.h"
#include "node/http.h"
#include "node/sequencer.h"
#include "node/submit.h"
#include "node/witness_server.h"
#include "tlog/proof.h"
#include "tlog/store.h"
#include "tlog/tiles.h"
#include "witness/witness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PEERS CHARTER_MAX_PARTIES
#define MAX_TARGETS (CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES)

struct peer {
	const struct charter_party *party;
	char dir[PATH_MAX];
	struct tlog *mirror;
	pthread_mutex_t lock;      /* serialises syncing this mirror */
	uint64_t received_upto;    /* its envelopes below this index are handled for 'received' */
	uint64_t remote_size;      /* the latest size seen at the peer */
};

struct target {
	char name[NOTE_NAME_MAX + 1];
	char url[SYNTAX_URL_MAX + 1];
	struct note_verifier key;  /* cosigner (0x04) */
	uint64_t cosigned;         /* the size it last cosigned, as far as we know */
	int known;
	int64_t retry_at;
};

struct metrics {
	uint64_t accepted, refused[6], received_made, cosigs, push_failures, sync_failures;
	uint64_t submit_ns_total, submit_count;
};

struct node {
	struct node_options o;
	char dir[PATH_MAX - 512]; /* room for the longest path below it */
	struct charter charter;
	struct keyfile key;
	struct note_signer cosigner;
	const struct charter_party *me;
	struct tlog *log;
	pthread_mutex_t log_lock;
	struct sequencer *seq;
	struct witness *witness;
	struct http_server *http;
	struct http_route routes[16];
	struct peer peers[MAX_PEERS];
	size_t npeers;
	struct target targets[MAX_TARGETS];
	size_t ntargets;
	int log_fd;
	struct bodies *bodies;
	int syncfs;                /* the log, the mirrors and the bodies share a filesystem: one syncfs per batch */
	pthread_t pusher, poller, recorder;
	pthread_mutex_t rec_lock;  /* the recorder: 'received' envelopes after a cosignature */
	pthread_cond_t rec_cond;
	int rec_pending;
	pthread_mutex_t push_lock;
	pthread_cond_t push_cond;
	int stopping;
	struct metrics m;
	struct index *ix;          /* derived state, on disk */
	struct cases cases;        /* derived state, in memory */
	pthread_mutex_t cases_lock;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	(void)sig;
	stop_signal = 1;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	char t[21];
	va_list ap;
	syntax_format_time(now_s(), t);
	fprintf(stderr, "%s ", t);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Opens the mirror of p, synced like our own log. */
static int open_mirror(struct node *n, struct peer *p)
{
	int rc = tlog_open_mirror(&p->mirror, p->dir, &p->party->node_key);
	if (!rc && n->syncfs)
		tlog_set_sync(p->mirror, TLOG_SYNC_FS);
	return rc;
}

/* ---- derived state: cases in memory, the index on disk ---- */

#define FEED_CHUNK 256

/* Entries whose envelopes were verified already, so indexing them need not check signatures again. */
struct verified {
	uint64_t first, n;         /* entries [first, first + n) of the log */
	const uint8_t *bits;       /* bit i set: entry first + i verified; NULL: every one of them */
};

static int is_verified(const struct verified *v, uint64_t index)
{
	if (!v || index < v->first || index - v->first >= v->n)
		return 0;
	uint64_t i = index - v->first;
	return !v->bits || (v->bits[i / 8] >> (i % 8) & 1);
}

/* Evaluates and records entries [first, first+n) of origin's log; data[i]/len[i] are the entries. */
static int feed(struct node *n, const char *origin, uint64_t first, const uint8_t *const *data, const size_t *len,
		size_t count, const struct verified *v)
{
	struct cases_record *rec = malloc(FEED_CHUNK * sizeof *rec);
	int rc = 0;
	if (!rec)
		return err_set(ERR_NOMEM, "out of memory");
	for (size_t done = 0; done < count && !rc;) {
		size_t k = count - done < FEED_CHUNK ? count - done : FEED_CHUNK;
		for (size_t i = 0; i < k && !rc; i++) {
			uint64_t at = first + done + i;
			rc = is_verified(v, at) ? cases_evaluate_verified(&n->cases, origin, at, data[done + i], len[done + i], &rec[i])
						: cases_evaluate(&n->cases, origin, at, data[done + i], len[done + i], &rec[i]);
			if (!rc)
				rc = cases_add_record(&n->cases, &rec[i]);
		}
		if (!rc)
			rc = index_add_entries(n->ix, rec, k); /* one transaction per chunk */
		done += k;
	}
	free(rec);
	return rc;
}

/* Feeds what the index lacks of a log (after a crash, or a mirror sync), a chunk at a time. Call with cases_lock held. */
static int catch_up(struct node *n, const char *origin, struct tlog *t, const struct verified *v)
{
	uint64_t have;
	int rc = index_size(n->ix, origin, &have);
	struct buf e, all;
	const uint8_t *data[FEED_CHUNK];
	size_t len[FEED_CHUNK], off[FEED_CHUNK];
	buf_init(&e, TLOG_ENTRY_MAX);
	buf_init(&all, (size_t)FEED_CHUNK * TLOG_ENTRY_MAX);
	while (!rc && have < tlog_size(t)) {
		size_t k = 0;
		buf_reset(&all);
		for (; !rc && k < FEED_CHUNK && have + k < tlog_size(t); k++) {
			if (!(rc = tlog_read_entry(t, have + k, &e))) {
				off[k] = all.len;
				len[k] = e.len;
				rc = buf_append(&all, e.data, e.len);
			}
		}
		if (rc)
			break;
		for (size_t i = 0; i < k; i++)
			data[i] = all.data + off[i]; /* after the appends: the buffer may have moved */
		rc = feed(n, origin, have, data, len, k, v);
		have += k;
	}
	buf_release(&e);
	buf_release(&all);
	if (rc)
		logf_("indexing %s: %s", origin, err_msg());
	return rc;
}

static void record_cosignature(struct node *n, const char *origin, uint64_t size, const char *cosigner, int64_t when)
{
	pthread_mutex_lock(&n->cases_lock);
	if (cases_add_cosignature(&n->cases, origin, size, cosigner, when) == 0)
		index_add_cosignature(n->ix, origin, size, cosigner, when);
	pthread_mutex_unlock(&n->cases_lock);
}

/* Records every valid cosignature (by a party's node or a witness) that the signed checkpoint carries. */
static void record_note_cosignatures(struct node *n, const uint8_t *note, size_t len)
{
	struct note nt;
	struct checkpoint cp;
	struct note_verifier v[CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES];
	size_t nv = 0;
	if (note_parse(&nt, note, len))
		return;
	if (checkpoint_parse_text(&cp, nt.data, nt.text_len) == 0) {
		for (size_t i = 0; i < n->charter.nparties; i++)
			if (strcmp(n->charter.parties[i].node_key.name, cp.origin))
				v[nv++] = n->charter.parties[i].node_cosigner;
		for (size_t i = 0; i < n->charter.nwitnesses; i++)
			v[nv++] = n->charter.witnesses[i].key;
		/* each line on its own: a witness may have cosigned the same size more than once */
		for (size_t s = 0; s < nt.nsigs; s++)
			for (size_t i = 0; i < nv; i++) {
				uint64_t when;
				if (v[i].id == nt.sigs[s].id && !strcmp(v[i].name, nt.sigs[s].name) &&
				    note_verify_sig(&nt, s, &v[i], &when) == 0)
					record_cosignature(n, cp.origin, cp.size, v[i].name, (int64_t)when);
			}
	}
	note_release(&nt);
}

/* Re-reads the cosignatures kept on disk: ours on peers' logs, and those collected for ours. */
static void reload_cosignatures(struct node *n)
{
	char dir[PATH_MAX];
	struct buf b;
	buf_init(&b, CHECKPOINT_MAX_SIZE + 65536);
	/* our cosignatures on each peer, the peers' checkpoints we kept, the cosignatures on ours */
	size_t np = n->npeers;
	for (size_t k = 0; k <= 2 * np; k++) {
		if (k < np)
			witness_history_dir(n->witness, n->peers[k].party->node_key.name, dir, sizeof dir);
		else if (k < 2 * np)
			snprintf(dir, sizeof dir, "%s.checkpoints", n->peers[k - np].dir);
		else
			snprintf(dir, sizeof dir, "%s/cosigned", n->dir);
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char path[PATH_MAX + 300];
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (file_read(path, b.max, &b) == 0)
				record_note_cosignatures(n, b.data, b.len);
		}
		if (d)
			closedir(d);
	}
	buf_release(&b);
}

static int seen_leaf(void *ctx, const merkle_hash leaf)
{
	struct node *n = ctx;
	pthread_mutex_lock(&n->cases_lock);
	int r = cases_has_leaf(&n->cases, leaf); /* the in-memory state holds every valid entry of every log */
	pthread_mutex_unlock(&n->cases_lock);
	return r;
}

/* ---- the sequencer's view of the log ---- */

/* The sequencer's before_commit: the batch's bodies, staged before its entries were queued. */
static int flush_bodies(void *ctx)
{
	struct node *n = ctx;
	return bodies_flush(n->bodies);
}

static void on_committed(void *ctx, const struct sequencer_entry *b, size_t count, const struct buf *cp)
{
	struct node *n = ctx;
	(void)cp;
	const uint8_t **data = malloc(count * sizeof *data);
	size_t *len = malloc(count * sizeof *len);
	pthread_mutex_lock(&n->cases_lock);
	if (data && len) {
		for (size_t i = 0; i < count; i++)
			data[i] = b[i].data, len[i] = b[i].len;
		/* every entry was verified before it was queued (or is our own 'received' envelope) */
		struct verified all = {b[0].index, count, NULL};
		if (feed(n, n->key.sign.name, b[0].index, data, len, count, &all))
			logf_("indexing the batch at %" PRIu64 ": %s (the index catches up at restart)", b[0].index, err_msg());
	}
	pthread_mutex_unlock(&n->cases_lock);
	free(data);
	free(len);
	pthread_mutex_lock(&n->push_lock);
	pthread_cond_signal(&n->push_cond);
	pthread_mutex_unlock(&n->push_lock);
}

/* ---- HTTP handlers ---- */

static void h_checkpoint(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	(void)req;
	http_file(resp, n->log_fd, "checkpoint", "text/plain; charset=utf-8", "no-cache, max-age=2");
}

static void h_tile(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	struct tile_id t;
	const char *rel = req->path + 1;
	if (tilepath_parse(rel, strlen(rel), &t)) {
		http_text(resp, 404, "not a tile path");
		return;
	}
	http_file(resp, n->log_fd, rel, "application/octet-stream", "public, max-age=31536000, immutable");
	resp->immutable = t.width == 256; /* full tiles never change; partial ones are replaced, so not kept */
}

static void h_body(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	const char *hex = req->path + strlen("/body/");
	uint8_t h[32];
	if (hex_decode(h, 32, hex, strlen(hex))) {
		http_text(resp, 404, "a body is named by its SHA-256 in lowercase hex");
		return;
	}
	int rc = bodies_get(n->bodies, h, &resp->body);
	if (rc == ERR_NOTFOUND) { /* not a row: a large body is a file */
		http_file(resp, bodies_dirfd(n->bodies), hex, "application/octet-stream",
			  "public, max-age=31536000, immutable");
		return;
	}
	if (rc) {
		http_text(resp, 500, "%s", err_msg());
		return;
	}
	resp->status = 200;
	resp->content_type = "application/octet-stream";
	resp->cache_control = "public, max-age=31536000, immutable";
}

/* POST /bodies: many bodies in one answer (body_batch.h), for a peer catching up on this log. */
static void h_bodies(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	size_t count;
	if (body_batch_request_check(req->body, req->body_len, &count)) {
		http_text(resp, 400, "%s", err_msg());
		return;
	}
	struct buf one;
	buf_init(&one, ENVELOPE_BODY_MAX);
	int rc = 0;
	for (size_t i = 0; i < count && !rc && resp->body.len < BODY_BATCH_ANSWER_TARGET; i++) {
		if ((rc = bodies_read(n->bodies, req->body + 32 * i, &one)))
			break;
		if (i && resp->body.len + 4 + one.len > resp->body.max)
			break; /* the rest in the next request */
		rc = body_batch_append(&resp->body, one.data, one.len);
	}
	buf_release(&one);
	if (rc) {
		buf_reset(&resp->body);
		http_text(resp, rc == ERR_NOTFOUND ? 404 : 500, "%s", err_msg());
		return;
	}
	resp->status = 200;
	resp->content_type = "application/octet-stream";
}

static void h_charter(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	(void)req;
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
	buf_append(&resp->body, n->charter.text.data, n->charter.text.len);
	buf_append_byte(&resp->body, '\n');
	buf_append(&resp->body, n->charter.signatures.data, n->charter.signatures.len);
}

static void h_healthz(void *ctx, const struct http_request *req, struct http_response *resp)
{
	(void)ctx, (void)req;
	http_text(resp, 200, "ok");
}

/* A submission waiting for its batch: filled by submit_done, answered by h_submit's second call. */
struct submit_wait {
	struct http_call *call;
	struct timespec t0;
	int rc;
	char msg[256];
	uint64_t index;
	struct buf cp;             /* the batch's checkpoint */
};

static void submit_wait_release(void *p)
{
	buf_release(&((struct submit_wait *)p)->cp);
}

/* The sequencer's callback (committer thread): record the outcome and wake the connection. */
static void submit_done(void *arg, int rc, const char *msg, uint64_t index, const struct buf *cp)
{
	struct submit_wait *w = arg;
	w->rc = rc;
	w->index = index;
	if (rc)
		snprintf(w->msg, sizeof w->msg, "%s", msg);
	else if (buf_append(&w->cp, cp->data, cp->len))
		w->rc = ERR_NOMEM, snprintf(w->msg, sizeof w->msg, "out of memory");
	http_resume(w->call);
}

/*
 * Each event loop keeps one tile reader for its submissions' proofs: entries
 * of one batch share most tiles, and a tile never changes once written.
 */
static pthread_key_t tile_reader_key;
static pthread_once_t tile_reader_once = PTHREAD_ONCE_INIT;

static void make_tile_reader_key(void)
{
	pthread_key_create(&tile_reader_key, free);
}

static struct tile_reader *thread_tile_reader(int log_fd)
{
	pthread_once(&tile_reader_once, make_tile_reader_key);
	struct tile_reader *tr = pthread_getspecific(tile_reader_key);
	if (!tr && (tr = malloc(sizeof *tr))) {
		tile_reader_init(tr, log_fd, 0);
		if (pthread_setspecific(tile_reader_key, tr) != 0) {
			free(tr);
			tr = NULL;
		}
	}
	return tr;
}

/*
 * The answer to a sequenced submission: its proof against the checkpoint of
 * the entry's batch (the first that covers it), with the tiles of that size
 * read from the log directory.
 */
static void submit_answer(struct node *n, struct submit_wait *w, struct http_response *resp)
{
	if (w->rc) {
		http_text(resp, w->rc == ERR_CONFLICT ? 409 : 503, "%s", w->msg);
		return;
	}
	merkle_hash path[MERKLE_MAX_PROOF];
	size_t np;
	struct checkpoint c;
	struct tile_reader *tr = thread_tile_reader(n->log_fd);
	int rc = checkpoint_parse_unverified(&c, w->cp.data, w->cp.len);
	if (!rc && !tr)
		rc = err_set(ERR_NOMEM, "out of memory");
	if (!rc) {
		struct merkle_source src;
		tile_reader_resize(tr, c.size);
		tile_reader_source(tr, &src);
		rc = merkle_prove_inclusion(&src, w->index, c.size, path, &np);
	}
	if (!rc) {
		resp->status = 200;
		resp->content_type = "text/plain; charset=utf-8";
		rc = tlog_proof_format(&resp->body, w->index, (const merkle_hash *)path, np, w->cp.data, w->cp.len, NULL, 0);
		snprintf(resp->extra_header, sizeof resp->extra_header, "X-Parley-Index: %" PRIu64, w->index);
	}
	if (rc)
		http_text(resp, 500, "appended at index %" PRIu64 " but the proof failed: %s", w->index, err_msg());
	else
		__atomic_add_fetch(&n->m.accepted, 1, __ATOMIC_RELAXED);
}

/*
 * POST /submit, in two calls: the first checks the submission, stores its body
 * and queues its envelope, then waits without a thread (http_defer) until
 * the batch is durable; the second, woken by submit_done, answers.
 */
static void h_submit(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	struct timespec t0, t1;
	struct submit_wait *w = req->deferred;
	struct submission s = {0};
	if (w) {
		submit_answer(n, w, resp);
		t0 = w->t0;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int status = submit_check(&s, req->body, req->body_len, &n->charter, n->me->id, now_s(), n->o.max_skew);
	if (status != 200) {
		http_text(resp, status, "%s", err_msg());
		goto out;
	}
	if (s.env.f.has_body && bodies_put(n->bodies, s.env.f.body_hash, s.body, s.body_len)) {
		http_text(resp, 500, "cannot store the body: %s", err_msg());
		goto out;
	}
	if (!(w = http_defer(req, resp, sizeof *w, submit_wait_release)))
		goto out;
	w->call = req->call;
	w->t0 = t0;
	buf_init(&w->cp, CHECKPOINT_MAX_SIZE);
	/* the envelope points into the request body, which lives until the answer is sent */
	int rc = sequencer_enqueue(n->seq, s.envelope, s.envelope_len, submit_done, w);
	if (rc) {
		w->rc = rc;
		snprintf(w->msg, sizeof w->msg, "%s", err_msg());
		http_resume(req->call);
	}
	submission_release(&s);
	return; /* answered on the call after http_resume */
out:
	if (resp->status >= 400 && resp->status < 600)
		__atomic_add_fetch(&n->m.refused[resp->status / 100], 1, __ATOMIC_RELAXED);
	submission_release(&s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	__atomic_add_fetch(&n->m.submit_ns_total,
			   (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec)), __ATOMIC_RELAXED);
	__atomic_add_fetch(&n->m.submit_count, 1, __ATOMIC_RELAXED);
}

static void make_received(struct node *n, struct peer *p, uint64_t upto);

/*
 * Case views wait until every submission answered so far is indexed (the
 * committer indexes a batch just after answering it): an officer who was told
 * "sent" then sees it.
 */
static void lock_settled_cases(struct node *n)
{
	sequencer_wait_settled(n->seq);
	pthread_mutex_lock(&n->cases_lock);
}

static void h_cases(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	(void)req;
	const struct cases_case **list = NULL;
	size_t count = 0;
	lock_settled_cases(n);
	int rc = cases_list(&n->cases, &list, &count);
	if (!rc) {
		resp->status = 200;
		resp->content_type = "application/json";
		buf_append_str(&resp->body, "{\"cases\":[");
		for (size_t i = 0; i < count; i++)
			buf_printf(&resp->body, "%s\"%s\"", i ? "," : "", list[i]->id);
		buf_append_str(&resp->body, "]}\n");
	}
	pthread_mutex_unlock(&n->cases_lock);
	free(list);
	if (rc)
		http_text(resp, 500, "%s", err_msg());
}

/* "as of" time for case views: ?at=RFC3339, default now. */
static int64_t view_time(const struct http_request *req)
{
	const char *at = http_arg(req, "at");
	int64_t t;
	if (at && syntax_time(at, strlen(at), &t) == 0)
		return t;
	return now_s();
}

static void h_case(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	const char *id = req->path + strlen("/case/");
	if (!syntax_case_id(id, strlen(id))) {
		http_text(resp, 404, "not a case id");
		return;
	}
	lock_settled_cases(n);
	const struct cases_case *k = cases_find(&n->cases, id);
	int rc = k ? cases_case_json(&n->cases, k, view_time(req), &resp->body) : ERR_NOTFOUND;
	pthread_mutex_unlock(&n->cases_lock);
	if (rc == ERR_NOTFOUND) {
		http_text(resp, 404, "no case %s", id);
		return;
	}
	if (rc) {
		http_text(resp, 500, "%s", err_msg());
		return;
	}
	resp->status = 200;
	resp->content_type = "application/json";
}

static void h_inbox(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	const char *agency = req->path + strlen("/inbox/");
	if (!charter_agency(&n->charter, agency, strlen(agency))) {
		http_text(resp, 404, "no agency %s in the charter", agency);
		return;
	}
	lock_settled_cases(n);
	int rc = cases_inbox_json(&n->cases, agency, view_time(req), &resp->body);
	pthread_mutex_unlock(&n->cases_lock);
	if (rc) {
		http_text(resp, 500, "%s", err_msg());
		return;
	}
	resp->status = 200;
	resp->content_type = "application/json";
}

/* Parses "<party>/<index>" after prefix; returns the log (own or mirror) directory. */
static int log_and_index(struct node *n, const char *rest, char *dir, size_t dirsz, uint64_t *index,
			 const struct charter_party **party)
{
	const char *slash = strchr(rest, '/');
	if (!slash)
		return -1;
	*party = charter_party(&n->charter, rest, (size_t)(slash - rest));
	if (!*party)
		return -1;
	char *end;
	if (!slash[1] || slash[1] < '0' || slash[1] > '9')
		return -1;
	*index = strtoull(slash + 1, &end, 10);
	if (*end)
		return -1;
	if (*party == n->me)
		snprintf(dir, dirsz, "%s/log", n->dir);
	else
		snprintf(dir, dirsz, "%s/peers/%s", n->dir, (*party)->id);
	return 0;
}

static void h_envelope(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	char dir[PATH_MAX];
	uint64_t index;
	const struct charter_party *party;
	struct tlog *t;
	if (log_and_index(n, req->path + strlen("/envelope/"), dir, sizeof dir, &index, &party)) {
		http_text(resp, 404, "use /envelope/<party>/<index>");
		return;
	}
	if (tlog_open(&t, dir, NULL)) {
		http_text(resp, 404, "no log of %s here yet", party->id);
		return;
	}
	int rc = tlog_read_entry(t, index, &resp->body);
	tlog_close(t);
	if (rc) {
		http_text(resp, rc == ERR_NOTFOUND ? 404 : 500, "%s", err_msg());
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
	resp->cache_control = "public, max-age=31536000, immutable";
}

/*
 * A tlog-proof for entry <index> of <party>'s log. With ?cosigned-by=NAME (a
 * cosigner key name), against the smallest kept checkpoint covering it that
 * carries NAME's cosignature: a receipt. Otherwise against the current checkpoint.
 */
static void h_proof(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	char dir[PATH_MAX];
	uint64_t index;
	const struct charter_party *party;
	struct tlog *t;
	if (log_and_index(n, req->path + strlen("/proof/"), dir, sizeof dir, &index, &party)) {
		http_text(resp, 404, "use /proof/<party>/<index>");
		return;
	}
	if (tlog_open(&t, dir, NULL)) {
		http_text(resp, 404, "no log of %s here yet", party->id);
		return;
	}
	const char *by = http_arg(req, "cosigned-by");
	struct buf cp;
	buf_init(&cp, CHECKPOINT_MAX_SIZE + 65536);
	uint64_t size = tlog_size(t);
	int rc = buf_append(&cp, tlog_checkpoint_note(t)->data, tlog_checkpoint_note(t)->len);
	if (by && party == n->me) {
		/* the checkpoint covering the entry that this cosigner cosigned first */
		struct note_verifier v[CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES];
		size_t nv = 0;
		for (size_t i = 0; i < n->charter.nparties; i++)
			if (!strcmp(n->charter.parties[i].node_cosigner.name, by))
				v[nv++] = n->charter.parties[i].node_cosigner;
		for (size_t i = 0; i < n->charter.nwitnesses; i++)
			if (!strcmp(n->charter.witnesses[i].id, by))
				v[nv++] = n->charter.witnesses[i].key;
		/* the recorded cosignatures say which size; its kept checkpoint carries the signature */
		uint64_t first = 0;
		int found = 0, ok = 0;
		if (nv) {
			pthread_mutex_lock(&n->cases_lock);
			found = cases_first_cosigned(&n->cases, n->key.sign.name, v[0].name, index, &first) == 0;
			pthread_mutex_unlock(&n->cases_lock);
		}
		if (found && first <= size) {
			char path[PATH_MAX + 64];
			struct buf f;
			struct note nt;
			buf_init(&f, CHECKPOINT_MAX_SIZE + 65536);
			snprintf(path, sizeof path, "%s/cosigned/%" PRIu64, n->dir, first);
			if (file_read(path, f.max, &f) == 0 && note_parse(&nt, f.data, f.len) == 0) {
				size_t good;
				note_check_sigs(&nt, v, nv, &ok, NULL, &good);
				note_release(&nt);
			}
			if (ok) {
				buf_reset(&cp);
				rc = buf_append(&cp, f.data, f.len);
			}
			buf_release(&f);
		}
		if (!ok) {
			tlog_close(t);
			buf_release(&cp);
			http_text(resp, 404, "no checkpoint covering entry %" PRIu64 " carries a cosignature by %s yet", index, by);
			return;
		}
		size = first;
	}
	merkle_hash path[MERKLE_MAX_PROOF];
	size_t np;
	if (index >= size)
		rc = err_set(ERR_NOTFOUND, "entry %" PRIu64 " is not in the log yet", index);
	if (!rc)
		rc = tlog_prove_inclusion(t, index, size, path, &np);
	if (!rc)
		rc = tlog_proof_format(&resp->body, index, (const merkle_hash *)path, np, cp.data, cp.len, NULL, 0);
	tlog_close(t);
	buf_release(&cp);
	if (rc) {
		http_text(resp, rc == ERR_NOTFOUND ? 404 : 500, "%s", err_msg());
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
}

static void h_add_checkpoint(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	int status;
	const char *ct;
	int rc = witness_add_checkpoint(n->witness, req->body, req->body_len, (uint64_t)now_s(), &status, &ct,
					&resp->body);
	resp->status = rc && status == 200 ? 500 : status;
	resp->content_type = ct;
	if (status != 200)
		return;
	/* Cosigned: now record the deliveries it covers. */
	struct note nt;
	struct checkpoint cp;
	struct witness_request wr;
	if (witness_request_parse(&wr, req->body, req->body_len) || note_parse(&nt, wr.checkpoint, wr.checkpoint_len))
		return;
	if (!checkpoint_parse_text(&cp, nt.data, nt.text_len))
		for (size_t i = 0; i < n->npeers; i++)
			if (!strcmp(n->peers[i].party->node_key.name, cp.origin)) {
				/* our cosignature: the time is in the response's timestamp */
				struct note_verifier me = n->me->node_cosigner;
				struct buf full;
				struct note cn;
				uint64_t when = 0;
				int ok = 0;
				buf_init(&full, CHECKPOINT_MAX_SIZE + 4096);
				buf_append(&full, wr.checkpoint, wr.checkpoint_len);
				buf_append(&full, resp->body.data, resp->body.len);
				if (note_parse(&cn, full.data, full.len) == 0) {
					note_verify(&cn, &me, 1, &ok, &when);
					note_release(&cn);
				}
				buf_release(&full);
				if (ok)
					record_cosignature(n, cp.origin, cp.size, me.name, (int64_t)when);
				/* the deliveries are recorded after the answer, so the cosignature (the sender's receipt) is not held up */
				pthread_mutex_lock(&n->rec_lock);
				n->rec_pending = 1;
				pthread_cond_signal(&n->rec_cond);
				pthread_mutex_unlock(&n->rec_lock);
			}
	note_release(&nt);
}

/* Appends the 'received' envelopes for what each peer's cosigned checkpoints cover, when woken. */
static void *recorder(void *arg)
{
	struct node *n = arg;
	pthread_mutex_lock(&n->rec_lock);
	for (;;) {
		while (!n->rec_pending && !n->stopping)
			pthread_cond_wait(&n->rec_cond, &n->rec_lock);
		if (n->stopping)
			break;
		n->rec_pending = 0;
		pthread_mutex_unlock(&n->rec_lock);
		for (size_t i = 0; i < n->npeers; i++) {
			struct checkpoint latest;
			if (witness_latest(n->witness, n->peers[i].party->node_key.name, &latest, NULL) == 0)
				make_received(n, &n->peers[i], latest.size);
		}
		pthread_mutex_lock(&n->rec_lock);
	}
	pthread_mutex_unlock(&n->rec_lock);
	return NULL;
}

static void h_metrics(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	(void)req;
	uint64_t batches, entries, ns, http[6];
	sequencer_stats(n->seq, &batches, &entries, &ns);
	http_stats(n->http, http);
	struct buf *b = &resp->body;
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4";
	buf_printf(b, "# HELP parley_log_entries Entries in this node's log.\n# TYPE parley_log_entries gauge\n");
	pthread_mutex_lock(&n->log_lock);
	buf_printf(b, "parley_log_entries %" PRIu64 "\n", tlog_size(n->log));
	pthread_mutex_unlock(&n->log_lock);
	buf_printf(b, "# TYPE parley_batches_total counter\nparley_batches_total %" PRIu64 "\n", batches);
	buf_printf(b, "# TYPE parley_appended_total counter\nparley_appended_total %" PRIu64 "\n", entries);
	buf_printf(b, "# HELP parley_commit_seconds_total Time spent committing batches (write, fsync, sign).\n"
		      "# TYPE parley_commit_seconds_total counter\nparley_commit_seconds_total %.6f\n", (double)ns / 1e9);
	buf_printf(b, "# TYPE parley_submit_seconds_total counter\nparley_submit_seconds_total %.6f\n",
		   (double)n->m.submit_ns_total / 1e9);
	buf_printf(b, "# TYPE parley_submit_requests_total counter\nparley_submit_requests_total %" PRIu64 "\n",
		   n->m.submit_count);
	buf_printf(b, "# TYPE parley_submit_accepted_total counter\nparley_submit_accepted_total %" PRIu64 "\n",
		   n->m.accepted);
	buf_printf(b, "# HELP parley_submit_refused_total Refused submissions by status class.\n"
		      "# TYPE parley_submit_refused_total counter\n");
	buf_printf(b, "parley_submit_refused_total{class=\"4xx\"} %" PRIu64 "\n", n->m.refused[4]);
	buf_printf(b, "parley_submit_refused_total{class=\"5xx\"} %" PRIu64 "\n", n->m.refused[5]);
	buf_printf(b, "# TYPE parley_http_responses_total counter\n");
	for (int c = 1; c <= 5; c++)
		buf_printf(b, "parley_http_responses_total{class=\"%dxx\"} %" PRIu64 "\n", c, http[c]);
	buf_printf(b, "# TYPE parley_received_made_total counter\nparley_received_made_total %" PRIu64 "\n",
		   n->m.received_made);
	buf_printf(b, "# TYPE parley_cosignatures_collected_total counter\nparley_cosignatures_collected_total %" PRIu64 "\n",
		   n->m.cosigs);
	buf_printf(b, "# TYPE parley_push_failures_total counter\nparley_push_failures_total %" PRIu64 "\n",
		   n->m.push_failures);
	buf_printf(b, "# TYPE parley_sync_failures_total counter\nparley_sync_failures_total %" PRIu64 "\n",
		   n->m.sync_failures);
	buf_printf(b, "# HELP parley_peer_size Entries in a peer's log: as seen there, and as mirrored here.\n"
		      "# TYPE parley_peer_size gauge\n");
	for (size_t i = 0; i < n->npeers; i++) {
		struct peer *p = &n->peers[i];
		pthread_mutex_lock(&p->lock);
		uint64_t mirrored = tlog_size(p->mirror);
		pthread_mutex_unlock(&p->lock);
		buf_printf(b, "parley_peer_size{peer=\"%s\",view=\"remote\"} %" PRIu64 "\n", p->party->id, p->remote_size);
		buf_printf(b, "parley_peer_size{peer=\"%s\",view=\"mirrored\"} %" PRIu64 "\n", p->party->id, mirrored);
		buf_printf(b, "parley_peer_lag{peer=\"%s\"} %" PRIu64 "\n", p->party->id,
			   p->remote_size > mirrored ? p->remote_size - mirrored : 0);
	}
}

/* ---- peers: mirrors, bodies, deliveries ---- */

static int addressed_to_me(const struct node *n, const struct envelope_fields *f)
{
	size_t ml = strlen(n->me->id);
	for (size_t i = 0; i < f->nto; i++)
		if (syntax_agency_party_len(f->to[i], strlen(f->to[i])) == ml && !memcmp(f->to[i], n->me->id, ml))
			return 1;
	return 0;
}

/* A body this node must fetch from a peer: named by an envelope addressed to it. */
struct wanted_body {
	uint8_t hash[32];
	uint64_t size;
};

struct body_check {
	struct node *n;
	const struct wanted_body *want;
	const char *url;
};

/* One body of a batch answer: it must be the one asked for, byte for byte; then it is stored. */
static int store_fetched_body(void *ctx, size_t i, const uint8_t *body, size_t len)
{
	struct body_check *c = ctx;
	uint8_t h[32];
	sha256(body, len, h);
	if (len != c->want[i].size || memcmp(h, c->want[i].hash, 32) != 0) {
		char hex[65];
		hex_encode(hex, c->want[i].hash, 32);
		return err_set(ERR_VERIFY, "%s: the body answered for %s does not match its envelope", c->url, hex);
	}
	return bodies_put(c->n->bodies, h, body, len);
}

/* Fetches and stores the bodies in want from p over POST /bodies, as many per request as the peer answers. */
static int fetch_bodies(struct node *n, struct peer *p, struct client_session *cs, const struct wanted_body *want,
			size_t count)
{
	char url[SYNTAX_URL_MAX + 16];
	int rc = client_url(url, sizeof url, p->party->url, "bodies");
	uint8_t req[BODY_BATCH_REQUEST_MAX];
	struct buf b;
	buf_init(&b, BODY_BATCH_ANSWER_TARGET + ENVELOPE_BODY_MAX + 4 * BODY_BATCH_MAX_HASHES);
	for (size_t done = 0; !rc && done < count;) {
		size_t k = count - done < BODY_BATCH_MAX_HASHES ? count - done : BODY_BATCH_MAX_HASHES;
		for (size_t i = 0; i < k; i++)
			memcpy(req + 32 * i, want[done + i].hash, 32);
		long status;
		if ((rc = client_session_post(cs, url, "application/octet-stream", req, 32 * k, &b, &status, 60)))
			break;
		if (status != 200) {
			char why[201]; /* the peer's one-line reason, printable ASCII only: it goes to our log */
			size_t w = 0;
			for (; w < b.len && w < 200 && b.data[w] != '\n'; w++)
				why[w] = b.data[w] >= 0x20 && b.data[w] < 0x7f ? (char)b.data[w] : '?';
			why[w] = 0;
			rc = err_set(ERR_IO, "%s: HTTP %ld: %s", url, status, why);
			break;
		}
		struct body_check c = {n, want + done, url};
		size_t got;
		if ((rc = body_batch_parse(b.data, b.len, k, ENVELOPE_BODY_MAX, store_fetched_body, &c, &got)))
			rc = err_wrap(rc, "%s", url);
		done += got;
	}
	buf_release(&b);
	return rc;
}

struct bundle_feed {
	struct node *n;
	struct peer *p;
	unsigned skip;   /* entries of the bundle already mirrored */
	unsigned limit;  /* entries of the bundle the checkpoint covers */
	uint64_t at;     /* the log index of the bundle's entry 0 */
	struct verified *v; /* records which new entries verify */
	struct wanted_body want[TILE_WIDTH]; /* the bundle's bodies addressed to us and not yet stored */
	size_t nwant;
};

static int feed_mirror(void *ctx, unsigned i, const uint8_t *entry, size_t len)
{
	struct bundle_feed *bf = ctx;
	if (i < bf->skip || i >= bf->limit)
		return 0;
	int rc = tlog_add(bf->p->mirror, entry, len, NULL);
	if (rc)
		return rc;
	/* Verified once here; the index is told, so it does not check the signatures again. */
	struct envelope e;
	if (envelope_parse(&e, entry, len) == 0) {
		if (envelope_verify(&e, &bf->n->charter) == 0) {
			uint64_t k = bf->at + i - bf->v->first;
			((uint8_t *)bf->v->bits)[k / 8] |= (uint8_t)(1u << (k % 8));
			if (e.f.has_body && addressed_to_me(bf->n, &e.f) && !bodies_has(bf->n->bodies, e.f.body_hash)) {
				memcpy(bf->want[bf->nwant].hash, e.f.body_hash, 32);
				bf->want[bf->nwant++].size = e.f.body_size;
			}
		}
		envelope_release(&e);
	}
	return 0; /* an invalid entry is mirrored too (the log holds it), recorded as not verified */
}

/*
 * Merges the signature lines of `lines` into the checkpoint kept at
 * <dir>/<size> (created from note if absent); merged receives the result.
 */
static int merge_kept(const char *dir, uint64_t size, const uint8_t *note, size_t note_len, const uint8_t *lines,
		      size_t lines_len, struct buf *merged)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%" PRIu64, dir, size);
	if (file_read(path, CHECKPOINT_MAX_SIZE, merged) != 0) {
		buf_reset(merged);
		buf_append(merged, note, note_len);
	}
	size_t before = merged->len;
	const char *s = (const char *)lines, *end = s + lines_len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) + 1 : (size_t)(end - s);
		if (l > 4 && !memcmp(s, "\xE2\x80\x94 ", 4) && !memmem(merged->data, merged->len, s, l))
			buf_append(merged, s, l);
		s += l;
	}
	if (merged->len == before && access(path, F_OK) == 0)
		return 0;
	return file_write_atomic(path, merged->data, merged->len, 0644, 0);
}

/* Keeps a peer's signed checkpoint (merging cosignatures) under DIR/peers/<id>.checkpoints/, and records them. */
static void keep_peer_checkpoint(struct node *n, struct peer *p, uint64_t size, const uint8_t *cpnote, size_t len)
{
	char dir[PATH_MAX + 32];
	struct buf merged;
	buf_init(&merged, CHECKPOINT_MAX_SIZE);
	snprintf(dir, sizeof dir, "%s.checkpoints", p->dir);
	if (mkdir_p(dir, 0755) || merge_kept(dir, size, cpnote, len, cpnote, len, &merged))
		logf_("cannot keep the checkpoint of %s: %s", p->party->id, err_msg());
	buf_release(&merged);
	record_note_cosignatures(n, cpnote, len);
}

/* Brings the mirror of p up to the signed checkpoint cpnote. Call with p->lock held. */
static int sync_locked(struct node *n, struct peer *p, const uint8_t *cpnote, size_t len)
{
	struct checkpoint cp;
	int rc = checkpoint_open(&cp, cpnote, len, &p->party->node_key, NULL);
	if (rc)
		return rc;
	if (cp.size > p->remote_size)
		p->remote_size = cp.size;
	uint64_t have = tlog_size(p->mirror);
	if (cp.size <= have) {
		merkle_hash root;
		if ((rc = tlog_root_at(p->mirror, cp.size, root)))
			return rc;
		if (memcmp(root, cp.root, MERKLE_HASH) != 0)
			return err_set(ERR_VERIFY, "%s shows a checkpoint of size %" PRIu64 " that is not in the log we hold: a fork",
				       p->party->id, cp.size);
		keep_peer_checkpoint(n, p, cp.size, cpnote, len);
		return 0;
	}
	struct client_session *cs;
	struct verified v = {have, cp.size - have, NULL};
	uint8_t *bits = calloc((size_t)(v.n / 8 + 1), 1);
	if (!bits)
		return err_set(ERR_NOMEM, "out of memory");
	v.bits = bits;
	if ((rc = client_session_open(&cs))) {
		free(bits);
		return rc;
	}
	struct buf b;
	buf_init(&b, TLOG_BUNDLE_MAX);
	for (uint64_t bi = have / TILE_WIDTH; !rc && bi * TILE_WIDTH < cp.size; bi++) {
		struct tile_id id = {TILE_LEVEL_ENTRIES, bi, TILE_WIDTH};
		if ((bi + 1) * TILE_WIDTH > cp.size)
			id.width = (unsigned)(cp.size - bi * TILE_WIDTH);
		char rel[TILE_PATH_MAX], url[SYNTAX_URL_MAX + TILE_PATH_MAX + 8];
		tilepath_format(&id, rel, sizeof rel);
		long status;
		if ((rc = client_url(url, sizeof url, p->party->url, rel)) || (rc = client_session_get(cs, url, &b, &status, 30)))
			break;
		if (status == 404 && id.width < TILE_WIDTH) {
			/* the partial bundle may have been replaced by the full one */
			id.width = TILE_WIDTH;
			tilepath_format(&id, rel, sizeof rel);
			if ((rc = client_url(url, sizeof url, p->party->url, rel)) ||
			    (rc = client_session_get(cs, url, &b, &status, 30)))
				break;
		}
		if (status != 200) {
			rc = err_set(ERR_IO, "%s: HTTP %ld", url, status);
			break;
		}
		/* If the full bundle replaced the partial one, only its first entries belong to cp. */
		unsigned want = (bi + 1) * TILE_WIDTH > cp.size ? (unsigned)(cp.size - bi * TILE_WIDTH) : TILE_WIDTH;
		struct bundle_feed bf = {.n = n, .p = p,
					 .skip = bi == have / TILE_WIDTH ? (unsigned)(have % TILE_WIDTH) : 0,
					 .limit = want, .at = bi * TILE_WIDTH, .v = &v};
		rc = tile_bundle_parse(b.data, b.len, id.width, feed_mirror, &bf);
		if (!rc && bf.nwant) /* the bundle's bodies in one request (or a few), not one each */
			rc = fetch_bodies(n, p, cs, bf.want, bf.nwant);
	}
	buf_release(&b);
	client_session_close(cs);
	if (!rc)
		rc = bodies_flush(n->bodies); /* made durable by the mirror's commit (syncfs) or by itself */
	if (!rc)
		rc = tlog_commit_mirror(p->mirror, cpnote, len);
	if (!rc) {
		pthread_mutex_lock(&n->cases_lock);
		catch_up(n, p->party->node_key.name, p->mirror, &v);
		pthread_mutex_unlock(&n->cases_lock);
		keep_peer_checkpoint(n, p, tlog_size(p->mirror), cpnote, len);
	}
	free(bits);
	if (rc) {
		/* Drop what was queued; a failed mirror commit needs a reopen (it recovers). */
		int keep = rc;
		char msg[512];
		snprintf(msg, sizeof msg, "%s", err_msg());
		tlog_discard(p->mirror);
		tlog_close(p->mirror);
		p->mirror = NULL;
		if (open_mirror(n, p))
			logf_("cannot reopen the mirror of %s: %s", p->party->id, err_msg());
		__atomic_add_fetch(&n->m.sync_failures, 1, __ATOMIC_RELAXED);
		return err_set(keep, "syncing %s: %s", p->party->id, msg);
	}
	return 0;
}

static int witness_hook(void *ctx, const struct checkpoint *old, const struct checkpoint *cp, const uint8_t *note,
			size_t len)
{
	struct node *n = ctx;
	(void)old;
	for (size_t i = 0; i < n->npeers; i++) {
		struct peer *p = &n->peers[i];
		if (strcmp(p->party->node_key.name, cp->origin))
			continue;
		pthread_mutex_lock(&p->lock);
		int rc = p->mirror ? sync_locked(n, p, note, len) : err_set(ERR_IO, "mirror unavailable");
		pthread_mutex_unlock(&p->lock);
		return rc;
	}
	return err_set(ERR_USAGE, "not a peer log");
}

#define RECEIVED_CHUNK 256

/*
 * Appends a node-signed 'received' for each envelope of p addressed to this party, up to size upto.
 * They are made RECEIVED_CHUNK at a time and submitted together, so a chunk costs one commit, not
 * one each; the first one that fails (other than a replay) stops the round, to be retried from it.
 */
/* 1 if entry i of p's log (parsed as e) is valid: as indexed when it was mirrored, else verified now. */
static int entry_valid(struct node *n, struct peer *p, uint64_t i, const struct envelope *e)
{
	pthread_mutex_lock(&n->cases_lock);
	const struct cases_env *ce = cases_entry(&n->cases, p->party->node_key.name, i);
	int known = ce != NULL, valid = ce && ce->valid;
	pthread_mutex_unlock(&n->cases_lock);
	return known ? valid : envelope_verify(e, &n->charter) == 0;
}

static void make_received(struct node *n, struct peer *p, uint64_t upto)
{
	struct buf entry, text;
	struct buf *notes = malloc(RECEIVED_CHUNK * sizeof *notes);
	const uint8_t **data = malloc(RECEIVED_CHUNK * sizeof *data);
	size_t *len = malloc(RECEIVED_CHUNK * sizeof *len);
	uint64_t *src = malloc(RECEIVED_CHUNK * sizeof *src), *idx = malloc(RECEIVED_CHUNK * sizeof *idx);
	int *rcs = malloc(RECEIVED_CHUNK * sizeof *rcs);
	if (!notes || !data || !len || !src || !idx || !rcs) {
		logf_("cannot record deliveries of %s: out of memory", p->party->id);
		goto out;
	}
	buf_init(&entry, TLOG_ENTRY_MAX);
	buf_init(&text, ENVELOPE_MAX_SIZE);
	for (size_t k = 0; k < RECEIVED_CHUNK; k++)
		buf_init(&notes[k], ENVELOPE_MAX_SIZE);
	pthread_mutex_lock(&p->lock);
	if (!p->mirror || upto > tlog_size(p->mirror))
		upto = p->mirror ? tlog_size(p->mirror) : 0;
	int stop = 0;
	for (uint64_t i = p->received_upto; i < upto && !stop;) {
		size_t k = 0;
		int rc = 0;
		for (; i < upto && k < RECEIVED_CHUNK; i++) {
			struct envelope e;
			if (tlog_read_entry(p->mirror, i, &entry) || envelope_parse(&e, entry.data, entry.len))
				continue;
			int mine = e.f.kind != ENV_RECEIVED && addressed_to_me(n, &e.f) && entry_valid(n, p, i, &e);
			struct envelope_fields r;
			memset(&r, 0, sizeof r);
			if (mine) {
				snprintf(r.channel, sizeof r.channel, "%s", n->charter.id_hex);
				snprintf(r.from, sizeof r.from, "%s", n->me->id);
				snprintf(r.to[0], sizeof r.to[0], "%s", e.f.from);
				r.nto = 1;
				snprintf(r.case_id, sizeof r.case_id, "%s", e.f.case_id);
				r.kind = ENV_RECEIVED;
				r.time = now_s();
				r.has_ref = 1;
				snprintf(r.ref.origin, sizeof r.ref.origin, "%s", p->party->node_key.name);
				r.ref.index = i;
				merkle_leaf_hash(entry.data, entry.len, r.ref.leaf);
			}
			envelope_release(&e);
			if (!mine)
				continue;
			buf_reset(&text);
			buf_reset(&notes[k]);
			rc = envelope_format(&r, &text);
			if (!rc)
				rc = note_sign(&notes[k], (const char *)text.data, text.len, &n->key.sign, 1, 0);
			if (rc)
				break; /* i stays: made again next round */
			data[k] = notes[k].data;
			len[k] = notes[k].len;
			src[k++] = i;
		}
		char msg[512] = "";
		if (rc)
			snprintf(msg, sizeof msg, "%s", err_msg());
		uint64_t next = i; /* every envelope below it is handled, unless one fails */
		char smsg[512] = "";
		if (k && sequencer_submit_many(n->seq, k, data, len, idx, rcs))
			snprintf(smsg, sizeof smsg, "%s", err_msg()); /* the first failure's, which stops us */
		for (size_t j = 0; j < k; j++) {
			if (rcs[j] && rcs[j] != ERR_CONFLICT) {
				logf_("cannot record delivery of %s #%" PRIu64 ": %s", p->party->id, src[j], smsg);
				next = src[j]; /* retried by the poller */
				stop = 1;
				break;
			}
			__atomic_add_fetch(&n->m.received_made, 1, __ATOMIC_RELAXED);
		}
		if (rc && !stop) {
			logf_("cannot record delivery of %s #%" PRIu64 ": %s", p->party->id, i, msg);
			stop = 1;
		}
		p->received_upto = next;
	}
	pthread_mutex_unlock(&p->lock);
	buf_release(&entry);
	buf_release(&text);
	for (size_t k = 0; k < RECEIVED_CHUNK; k++)
		buf_release(&notes[k]);
out:
	free(notes);
	free(data);
	free(len);
	free(src);
	free(idx);
	free(rcs);
}

/* ---- pushing our checkpoints to the witnesses ---- */

/* Adds the cosignature lines to DIR/cosigned/<size> and, if still current, to the published checkpoint. */
static void keep_cosignatures(struct node *n, const struct checkpoint *cp, const struct buf *note, const struct buf *lines)
{
	char dir[PATH_MAX];
	struct buf merged;
	buf_init(&merged, CHECKPOINT_MAX_SIZE);
	snprintf(dir, sizeof dir, "%s/cosigned", n->dir);
	if (merge_kept(dir, cp->size, note->data, note->len, lines->data, lines->len, &merged))
		logf_("cannot keep cosignatures: %s", err_msg());
	pthread_mutex_lock(&n->log_lock);
	if (tlog_size(n->log) == cp->size && tlog_publish_cosigned(n->log, merged.data, merged.len))
		logf_("cannot publish cosignatures: %s", err_msg());
	pthread_mutex_unlock(&n->log_lock);
	buf_release(&merged);
}

/* One add-checkpoint round with a target. Returns 1 to retry at once (after a 409 told us its size). */
static int push_one(struct node *n, struct target *t, const struct buf *note, const struct checkpoint *cp)
{
	uint64_t old = t->known && t->cosigned <= cp->size ? t->cosigned : 0;
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t np = 0;
	struct tlog *r;
	char logdir[PATH_MAX + 8], url[SYNTAX_URL_MAX + 32];
	snprintf(logdir, sizeof logdir, "%s/log", n->dir);
	if (old && old < cp->size) {
		if (tlog_open(&r, logdir, NULL))
			return 0;
		int rc = tlog_prove_consistency(r, old, cp->size, proof, &np);
		tlog_close(r);
		if (rc)
			return 0;
	}
	struct buf req, resp;
	buf_init(&req, WITNESS_REQUEST_MAX);
	buf_init(&resp, 64 * 1024);
	long status = 0;
	int again = 0;
	int rc = witness_request_format(&req, old, (const merkle_hash *)proof, np, note->data, note->len);
	if (!rc)
		rc = client_url(url, sizeof url, t->url, "add-checkpoint");
	if (!rc)
		rc = client_post(url, "text/plain; charset=utf-8", req.data, req.len, &resp, &status, 60);
	if (!rc && status == 200) {
		/* keep only valid cosignatures by this target */
		struct buf full;
		struct note nt;
		int ok = 0;
		buf_init(&full, CHECKPOINT_MAX_SIZE + 64 * 1024);
		buf_append(&full, note->data, note->len);
		buf_append(&full, resp.data, resp.len);
		uint64_t when = 0;
		if (note_parse(&nt, full.data, full.len) == 0) {
			note_verify(&nt, &t->key, 1, &ok, &when);
			note_release(&nt);
		}
		buf_release(&full);
		if (ok) {
			record_cosignature(n, n->key.sign.name, cp->size, t->key.name, (int64_t)when);
			keep_cosignatures(n, cp, note, &resp);
			t->cosigned = cp->size;
			t->known = 1;
			t->retry_at = 0;
			__atomic_add_fetch(&n->m.cosigs, 1, __ATOMIC_RELAXED);
		} else {
			rc = err_set(ERR_VERIFY, "%s answered without a valid cosignature", t->name);
		}
	} else if (!rc && status == 409 && resp.len && resp.data[0] >= '0' && resp.data[0] <= '9') {
		uint64_t sz = strtoull((const char *)resp.data, NULL, 10);
		if (!t->known || t->cosigned != sz) {
			t->cosigned = sz;
			t->known = 1;
			again = 1;
		} else {
			rc = err_set(ERR_VERIFY, "%s refuses: %.*s", t->name, (int)resp.len, (const char *)resp.data);
		}
	} else if (!rc) {
		rc = err_set(ERR_IO, "%s: HTTP %ld %.*s", t->name, status, (int)(resp.len > 200 ? 200 : resp.len),
			     (const char *)resp.data);
	}
	if (rc) {
		__atomic_add_fetch(&n->m.push_failures, 1, __ATOMIC_RELAXED);
		t->retry_at = now_s() + 2;
	}
	buf_release(&req);
	buf_release(&resp);
	return again;
}

static void *pusher(void *arg)
{
	struct node *n = arg;
	struct buf note;
	buf_init(&note, CHECKPOINT_MAX_SIZE);
	pthread_mutex_lock(&n->push_lock);
	while (!n->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&n->push_cond, &n->push_lock, &until);
		if (n->stopping)
			break;
		pthread_mutex_unlock(&n->push_lock);
		pthread_mutex_lock(&n->log_lock);
		struct checkpoint cp = *tlog_checkpoint(n->log);
		buf_reset(&note);
		/* push the log's own signature only; cosignatures are added as they come */
		struct note nt;
		if (note_parse(&nt, tlog_checkpoint_note(n->log)->data, tlog_checkpoint_note(n->log)->len) == 0) {
			buf_append(&note, nt.data, nt.len);
			note_release(&nt);
		}
		pthread_mutex_unlock(&n->log_lock);
		for (size_t i = 0; i < n->ntargets && !n->stopping; i++) {
			struct target *t = &n->targets[i];
			if (cp.size == 0 || (t->known && t->cosigned == cp.size) || t->retry_at > now_s())
				continue;
			for (int tries = 0; tries < 3 && push_one(n, t, &note, &cp); tries++)
				;
		}
		pthread_mutex_lock(&n->push_lock);
	}
	pthread_mutex_unlock(&n->push_lock);
	buf_release(&note);
	return NULL;
}

/* ---- polling peers (catch-up) ---- */

static void *poller(void *arg)
{
	struct node *n = arg;
	struct buf cpnote;
	buf_init(&cpnote, CHECKPOINT_MAX_SIZE);
	unsigned every = n->o.poll_s ? n->o.poll_s : 5;
	while (!n->stopping) {
		for (size_t i = 0; i < n->npeers && !n->stopping; i++) {
			struct peer *p = &n->peers[i];
			char url[SYNTAX_URL_MAX + 32];
			long status;
			if (client_url(url, sizeof url, p->party->url, "checkpoint") == 0 &&
			    client_get(url, &cpnote, &status, 10) == 0 && status == 200) {
				pthread_mutex_lock(&p->lock);
				if (p->mirror && sync_locked(n, p, cpnote.data, cpnote.len))
					logf_("%s", err_msg());
				pthread_mutex_unlock(&p->lock);
			}
			struct checkpoint latest;
			if (witness_latest(n->witness, p->party->node_key.name, &latest, NULL) == 0)
				make_received(n, p, latest.size);
		}
		for (unsigned s = 0; s < every * 10 && !n->stopping; s++)
			usleep(100000);
	}
	buf_release(&cpnote);
	return NULL;
}

/* ---- start and stop ---- */

/* A 'received' envelope of ours names entry ref_index of the log of party (NULL: none): handled up to there. */
static void mark_received(struct node *n, const struct charter_party *party, uint64_t ref_index)
{
	for (size_t k = 0; party && k < n->npeers; k++)
		if (n->peers[k].party == party && ref_index + 1 > n->peers[k].received_upto)
			n->peers[k].received_upto = ref_index + 1;
}

/* The 'received' already recorded for each peer: the highest ref index + 1 in our own log. */
static int scan_received(struct node *n)
{
	/* What the case state holds of our log (after catch_up: all of it), without reading the log again */
	uint64_t held = cases_log_size(&n->cases, n->key.sign.name), size = tlog_size(n->log);
	for (uint64_t i = 0; i < held; i++) {
		const struct cases_env *e = cases_entry(&n->cases, n->key.sign.name, i);
		if (e->valid && e->kind == ENV_RECEIVED && e->has_ref && e->ref_log >= 0)
			mark_received(n, &n->charter.parties[e->ref_log], e->ref_index);
	}
	/* and the rest, should indexing have failed part way */
	struct buf entry;
	buf_init(&entry, TLOG_ENTRY_MAX);
	for (uint64_t i = held; i < size; i++) {
		struct envelope e;
		if (tlog_read_entry(n->log, i, &entry) || envelope_parse(&e, entry.data, entry.len))
			continue;
		if (e.f.kind == ENV_RECEIVED && e.f.has_ref)
			for (size_t k = 0; k < n->npeers; k++)
				if (!strcmp(n->peers[k].party->node_key.name, e.f.ref.origin))
					mark_received(n, n->peers[k].party, e.f.ref.index);
		envelope_release(&e);
	}
	buf_release(&entry);
	return 0;
}

static int load_files(struct node *n)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/charter", n->dir);
	int rc = charter_load(&n->charter, path);
	if (rc)
		return err_wrap(rc, "%s", path);
	if (!charter_complete(&n->charter)) {
		charter_release(&n->charter);
		return err_set(ERR_USAGE, "%s is not signed by every party", path);
	}
	snprintf(path, sizeof path, "%s/node.key", n->dir);
	if ((rc = keyfile_read(&n->key, path))) {
		charter_release(&n->charter);
		return rc;
	}
	for (size_t i = 0; i < n->charter.nparties; i++)
		if (n->charter.parties[i].node_key.id == n->key.sign.id &&
		    !strcmp(n->charter.parties[i].node_key.name, n->key.sign.name))
			n->me = &n->charter.parties[i];
	if (!n->me) {
		keyfile_release(&n->key);
		charter_release(&n->charter);
		return err_set(ERR_USAGE, "%s is not the node key of any party in the charter", path);
	}
	return 0;
}

int node_init(const char *dir, const char *charter_path, const char *key_path)
{
	struct node *n = calloc(1, sizeof *n);
	char path[PATH_MAX + 32];
	struct buf b;
	int rc;
	if (!n)
		return err_set(ERR_NOMEM, "out of memory");
	buf_init(&b, CHARTER_MAX_SIZE);
	if ((rc = mkdir_p(dir, 0700)))
		goto out;
	snprintf(n->dir, sizeof n->dir, "%s", dir);
	snprintf(path, sizeof path, "%s/charter", dir);
	if ((rc = file_read(charter_path, CHARTER_MAX_SIZE, &b)) || (rc = file_write_atomic(path, b.data, b.len, 0644, 1)))
		goto out;
	snprintf(path, sizeof path, "%s/node.key", dir);
	if ((rc = file_read(key_path, KEYFILE_MAX_SIZE, &b)) || (rc = file_write_atomic(path, b.data, b.len, 0600, 1)))
		goto out;
	if ((rc = load_files(n)))
		goto out;
	snprintf(path, sizeof path, "%s/log", dir);
	rc = tlog_create(path, &n->key.sign);
	keyfile_release(&n->key);
	charter_release(&n->charter);
out:
	buf_release(&b);
	free(n);
	return rc;
}

/* 1 if the log, the bodies and every peer's mirror are on one filesystem (one syncfs covers them). */
static int same_filesystem(struct node *n)
{
	struct stat a, b;
	char dir[PATH_MAX + 64];
	snprintf(dir, sizeof dir, "%s/bodies", n->dir);
	if (fstat(n->log_fd, &a) || mkdir_p(dir, 0755) || stat(dir, &b) || a.st_dev != b.st_dev)
		return 0;
	for (size_t i = 0; i < n->charter.nparties; i++) {
		if (&n->charter.parties[i] == n->me)
			continue;
		snprintf(dir, sizeof dir, "%s/peers/%s", n->dir, n->charter.parties[i].id);
		if (mkdir_p(dir, 0755) || stat(dir, &b) || a.st_dev != b.st_dev)
			return 0;
	}
	return 1;
}

static int start(struct node *n)
{
	char path[PATH_MAX + 64];
	int rc;
	if ((rc = load_files(n)))
		return rc;
	if ((rc = note_signer_retype(&n->cosigner, &n->key.sign, NOTE_COSIGNATURE)))
		return rc;
	if (!n->o.max_skew)
		n->o.max_skew = SUBMIT_DEFAULT_SKEW;
	snprintf(path, sizeof path, "%s/log", n->dir);
	if ((rc = tlog_open(&n->log, path, &n->key.sign)))
		return err_wrap(rc, "log");
	n->log_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof path, "%s/cosigned", n->dir);
	mkdir_p(path, 0755);
	if (n->log_fd < 0)
		return err_set(ERR_IO, "%s: %s", n->dir, strerror(errno));
	n->syncfs = same_filesystem(n);
	snprintf(path, sizeof path, "%s/bodies", n->dir);
	if ((rc = bodies_open(&n->bodies, path, n->syncfs)))
		return rc;
	if (n->syncfs)
		tlog_set_sync(n->log, TLOG_SYNC_FS);
	struct witness_log wl[MAX_PEERS];
	for (size_t i = 0; i < n->charter.nparties; i++) {
		const struct charter_party *pt = &n->charter.parties[i];
		if (pt == n->me) {
			continue;
		}
		struct peer *p = &n->peers[n->npeers];
		p->party = pt;
		pthread_mutex_init(&p->lock, NULL);
		snprintf(p->dir, sizeof p->dir, "%s/peers/%s", n->dir, pt->id);
		if ((rc = open_mirror(n, p)))
			return err_wrap(rc, "mirror of %s", pt->id);
		wl[n->npeers].key = pt->node_key;
		n->npeers++;
		struct target *t = &n->targets[n->ntargets++];
		snprintf(t->name, sizeof t->name, "%s", pt->id);
		snprintf(t->url, sizeof t->url, "%s", pt->url);
		t->key = pt->node_cosigner;
	}
	for (size_t i = 0; i < n->charter.nwitnesses; i++) {
		struct target *t = &n->targets[n->ntargets++];
		snprintf(t->name, sizeof t->name, "%s", n->charter.witnesses[i].id);
		snprintf(t->url, sizeof t->url, "%s", n->charter.witnesses[i].url);
		t->key = n->charter.witnesses[i].key;
	}
	snprintf(path, sizeof path, "%s/witness", n->dir);
	if ((rc = witness_open(&n->witness, path, &n->cosigner, wl, n->npeers)))
		return err_wrap(rc, "witness state");
	witness_set_hook(n->witness, witness_hook, n);
	pthread_mutex_init(&n->cases_lock, NULL);
	/* Derived state: load the index, or rebuild it from the logs. */
	snprintf(path, sizeof path, "%s/index.sqlite", n->dir);
	if ((rc = cases_init(&n->cases, &n->charter)))
		return rc;
	rc = index_open(&n->ix, path);
	int rebuild = n->o.reindex || rc == ERR_CONFLICT;
	if (rc == ERR_CONFLICT) {
		/* Another schema version: the index is derived, so start a new one. */
		char side[PATH_MAX + 80];
		logf_("%s", err_msg());
		unlink(path);
		snprintf(side, sizeof side, "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", path);
		unlink(side);
		rc = index_open(&n->ix, path);
	}
	if (rc)
		return err_wrap(rc, "index");
	if (rebuild) {
		if ((rc = index_rebuild(n->ix)))
			return err_wrap(rc, "rebuilding the index");
		logf_("rebuilding the index from the logs");
	} else if ((rc = index_load(n->ix, &n->cases))) {
		logf_("the index does not load (%s): rebuilding it from the logs", err_msg());
		cases_release(&n->cases);
		if ((rc = cases_init(&n->cases, &n->charter)) || (rc = index_rebuild(n->ix)))
			return rc;
		rebuild = 1;
	}
	catch_up(n, n->key.sign.name, n->log, NULL);
	for (size_t i = 0; i < n->npeers; i++)
		catch_up(n, n->peers[i].party->node_key.name, n->peers[i].mirror, NULL);
	if (rebuild)
		reload_cosignatures(n);
	scan_received(n);
	pthread_mutex_init(&n->log_lock, NULL);
	pthread_mutex_init(&n->push_lock, NULL);
	pthread_cond_init(&n->push_cond, NULL);
	pthread_mutex_init(&n->rec_lock, NULL);
	pthread_cond_init(&n->rec_cond, NULL);
	struct sequencer_hooks hooks = {.seen = seen_leaf,
					.before_commit = flush_bodies,
					.committed = on_committed,
					.ctx = n,
					.log_lock = &n->log_lock};
	if ((rc = sequencer_start(&n->seq, n->log, &hooks, 8192)))
		return rc;
	/*
	 * Event loops serve files, cached tiles and submissions (which wait for their
	 * batch without a thread); the rest may block and runs on worker threads. A
	 * submission blocks too when its body needs its own fsync (no syncfs).
	 */
	static const struct http_route routes[] = {
		{"GET", "/checkpoint", 0, NULL, h_checkpoint, 0, 0},
		{"GET", "/tile/", 0, NULL, h_tile, 0, 1},
		{"GET", "/body/", 0, NULL, h_body, 0, 0},
		{"POST", "/bodies", BODY_BATCH_REQUEST_MAX, "application/octet-stream", h_bodies, 1, 0},
		{"POST", "/submit", SUBMIT_MAX_REQUEST, SUBMIT_CONTENT_TYPE, h_submit, 0, 0},
		{"POST", "/add-checkpoint", WITNESS_REQUEST_MAX, NULL, h_add_checkpoint, 1, 0},
		{"GET", "/metrics", 0, NULL, h_metrics, 0, 0},
		{"GET", "/charter", 0, NULL, h_charter, 0, 0},
		{"GET", "/cases", 0, NULL, h_cases, 1, 0},
		{"GET", "/case/", 0, NULL, h_case, 1, 0},
		{"GET", "/inbox/", 0, NULL, h_inbox, 1, 0},
		{"GET", "/envelope/", 0, NULL, h_envelope, 1, 0},
		{"GET", "/proof/", 0, NULL, h_proof, 1, 0},
		{"GET", "/healthz", 0, NULL, h_healthz, 0, 0},
	};
	_Static_assert(sizeof routes / sizeof routes[0] <= sizeof n->routes / sizeof n->routes[0], "room for the routes");
	memcpy(n->routes, routes, sizeof routes);
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (n->routes[i].fn == h_submit)
			n->routes[i].blocking = !n->syncfs;
	char listen[300];
	if (n->o.listen) {
		snprintf(listen, sizeof listen, "%s", n->o.listen);
	} else {
		url_listen_addr(n->me->url, listen, sizeof listen);
	}
	struct http_limits lim = {.connections = 4096, .per_address = 1024,
				  .timeout_s = n->o.http_timeout_s ? n->o.http_timeout_s : 15,
				  .workers = 16, .cache_bytes = 64u << 20};
	if ((rc = http_start(&n->http, listen, n->routes, sizeof routes / sizeof routes[0], n, &lim)))
		return rc;
	if ((rc = client_global_init()))
		return rc;
	pthread_create(&n->pusher, NULL, pusher, n);
	pthread_create(&n->poller, NULL, poller, n);
	pthread_create(&n->recorder, NULL, recorder, n);
	logf_("node %s listening on %s (log %s, size %" PRIu64 ")", n->me->id, listen, n->key.sign.name, tlog_size(n->log));
	return 0;
}

static void stop(struct node *n)
{
	if (n->http)
		http_stop(n->http);
	pthread_mutex_lock(&n->push_lock);
	n->stopping = 1;
	pthread_cond_signal(&n->push_cond);
	pthread_mutex_unlock(&n->push_lock);
	if (n->pusher)
		pthread_join(n->pusher, NULL);
	if (n->poller)
		pthread_join(n->poller, NULL);
	pthread_mutex_lock(&n->rec_lock);
	pthread_cond_signal(&n->rec_cond);
	pthread_mutex_unlock(&n->rec_lock);
	if (n->recorder)
		pthread_join(n->recorder, NULL);
	sequencer_stop(n->seq);
	witness_close(n->witness);
	for (size_t i = 0; i < n->npeers; i++)
		tlog_close(n->peers[i].mirror);
	tlog_close(n->log);
	index_close(n->ix);
	cases_release(&n->cases);
	if (n->log_fd > 0)
		close(n->log_fd);
	bodies_close(n->bodies);
	note_signer_release(&n->cosigner);
	keyfile_release(&n->key);
	charter_release(&n->charter);
}

int node_run(const struct node_options *o)
{
	struct node *n = calloc(1, sizeof *n);
	if (!n)
		return err_set(ERR_NOMEM, "out of memory");
	n->o = *o;
	if (strlen(o->dir) >= sizeof n->dir) {
		free(n);
		return err_set(ERR_USAGE, "node directory path is too long");
	}
	snprintf(n->dir, sizeof n->dir, "%s", o->dir);
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	int rc = start(n);
	if (!rc) {
		while (!stop_signal)
			pause();
		logf_("node %s stopping", n->me->id);
	}
	stop(n);
	free(n);
	return rc;
}

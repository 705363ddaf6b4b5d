/*
 * The node's HTTP side: the log and bodies as files, submissions (answered
 * once their batch is durable), the case views for officers and auditors,
 * metrics and health. The routes are in node_http_routes(); docs/node.md
 * lists them with their answers.
 */
#include "node/node_internal.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "base/version.h"
#include "cases/cosig.h"
#include "crypto/sha256.h"
#include "exchange/envelope.h"
#include "node/body_batch.h"
#include "node/submit.h"
#include "node/submit_answer.h"
#include "tlog/proof.h"
#include "tlog/tiles.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void h_checkpoint(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	(void)req;
	http_file(resp, n->log_fd, "checkpoint", "text/plain; charset=utf-8", "no-cache, max-age=2");
}

/*
 * GET /checkpoints/<sha256(origin) hex>: the latest checkpoint of a peer's log
 * this node cosigned as its witness (the log's signature and our newest
 * cosignature), for auditors comparing what each witness was shown
 * (docs/node.md; the same path as the neutral witness's). A worker: the
 * witness's lock may be held while a cosignature is made.
 */
static void h_witnessed(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	const char *id = req->path + strlen("/checkpoints/");
	if (witness_latest_by_id(n->witness, id, strlen(id), &resp->body)) {
		http_text(resp, 404, "%s", err_msg());
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
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
	if (bodies_refused(n->bodies, h)) {
		http_text(resp, 404, "no such body");
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

/*
 * 200 "ok" while the log accepts; 503 with the reason when the latest batch
 * failed (a full disk: the next one tries again) or the log failed for good.
 */
static void h_healthz(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	char why[256];
	(void)req;
	switch (sequencer_health(n->seq, why, sizeof why)) {
	case 0:
		http_text(resp, 200, "ok");
		break;
	case 1:
		http_text(resp, 503, "the latest batch could not be committed (the next one tries again): %s", why);
		break;
	default:
		http_text(resp, 503, "the log refuses new entries until the node restarts: %s", why);
	}
}

/* A submission waiting for its batch: filled by submit_done, answered by h_submit's second call. */
struct submit_wait {
	struct node *n;
	struct http_call *call;
	int has_body;              /* body holds the hash of the body held for it (bodies_put_held) */
	uint8_t body[32];
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
	if (w->has_body && bodies_release(w->n->bodies, w->body, rc == 0))
		node_log("%s", err_msg());
	if (rc)
		snprintf(w->msg, sizeof w->msg, "%s", msg);
	else if (buf_append(&w->cp, cp->data, cp->len))
		w->rc = ERR_NOMEM, snprintf(w->msg, sizeof w->msg, "out of memory");
	http_resume(w->call);
}

/* The answer to a sequenced submission: its proof (submit_answer.h), or why it was not sequenced. */
static void submit_answer(struct node *n, struct submit_wait *w, struct http_response *resp)
{
	if (w->rc) {
		http_text(resp, w->rc == ERR_CONFLICT ? 409 : 503, "%s", w->msg);
		return;
	}
	if (submit_answer_proof(n->log_fd, w->index, &w->cp, resp))
		http_text(resp, 500, "appended at index %" PRIu64 " but the proof failed: %s", w->index, err_msg());
	else
		node_count(&n->m.accepted, 1);
}

/*
 * The case namespace rule (docs/cases.md): would the envelope stand in its
 * case, appended now? Checked against the case state, which holds every log
 * as far as this node has it. When the answer is "not yet" (the case is not
 * opened, or a ref names an entry not indexed yet), it is asked again once
 * every submission answered so far is indexed: an officer who was told an
 * opening was sent may follow it up at once. The sequencer's order is the
 * log's, so what passes here is what every verifier accepts.
 */
static int admit_to_case(struct node *n, const struct submission *s)
{
	pthread_mutex_lock(&n->cases_lock);
	int rc = cases_admit(&n->cases, &s->env);
	pthread_mutex_unlock(&n->cases_lock);
	if (rc == ERR_CONFLICT) {
		node_lock_settled_cases(n);
		rc = cases_admit(&n->cases, &s->env);
		pthread_mutex_unlock(&n->cases_lock);
	}
	return rc == 0 ? 200 : rc == ERR_CONFLICT ? 409 : rc == ERR_VERIFY ? 403 : 500;
}

/* The upper bounds of the submission latency histogram (parley_submit_duration_seconds), in nanoseconds. */
static const uint64_t submit_bound_ns[SUBMIT_BUCKETS] = {1000000,   2500000,   5000000,   10000000,
							 25000000,  50000000,  100000000, 250000000,
							 500000000, 1000000000, 2500000000, 5000000000};

/* A refused submission in the log: its status and reason; at most 10 a second (outsiders can cause them). */
static void log_refusal(const struct http_response *resp)
{
	static struct logline_limit limit = LOGLINE_LIMIT_INIT;
	uint64_t dropped;
	if (!logline_allow(&limit, node_now(), 10, &dropped))
		return;
	char status[8], reason[512], suppressed[24];
	size_t len = resp->body.len < sizeof reason - 1 ? resp->body.len : sizeof reason - 1;
	memcpy(reason, resp->body.data, len);
	while (len && (reason[len - 1] == '\n' || reason[len - 1] == 0))
		len--;
	reason[len] = 0;
	snprintf(status, sizeof status, "%d", resp->status);
	snprintf(suppressed, sizeof suppressed, "%" PRIu64, dropped);
	node_event(LOGLINE_INFO, "submit_refused", "status", status, "reason", reason, dropped ? "suppressed" : NULL,
		   suppressed, LOGLINE_END);
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
	int status = submit_check(&s, req->body, req->body_len, node_history(n), n->me->id, node_now(), n->o.max_skew);
	if (status != 200) {
		http_text(resp, status, "%s", err_msg());
		goto out;
	}
	if ((status = admit_to_case(n, &s)) != 200) {
		http_text(resp, status, "%s", err_msg());
		goto out;
	}
	char why[256];
	if (sequencer_failed(n->seq, why, sizeof why)) { /* refused before anything is stored */
		http_text(resp, 503, "the log refuses new entries until the node restarts: %s", why);
		goto out;
	}
	if (!(w = http_defer(req, resp, sizeof *w, submit_wait_release)))
		goto out;
	w->n = n;
	w->call = req->call;
	w->t0 = t0;
	buf_init(&w->cp, CHECKPOINT_MAX_SIZE);
	int rc = 0;
	if (s.env.f.has_body) {
		/* held until its envelope is committed or refused: a refused one's body is deleted again */
		if ((rc = bodies_put_held(n->bodies, s.env.f.body_hash, s.body, s.body_len)))
			rc = err_wrap(rc, "cannot store the body");
		else
			w->has_body = 1, memcpy(w->body, s.env.f.body_hash, 32);
	}
	/* the envelope points into the request body, which lives until the answer is sent */
	if (!rc)
		rc = sequencer_enqueue(n->seq, s.envelope, s.envelope_len, submit_done, w);
	if (rc) {
		w->rc = rc;
		snprintf(w->msg, sizeof w->msg, "%s", err_msg());
		if (w->has_body && bodies_release(n->bodies, w->body, 0))
			node_log("%s", err_msg());
		w->has_body = 0;
		http_resume(req->call);
	}
	submission_release(&s);
	return; /* answered on the call after http_resume */
out:
	if (resp->status >= 400 && resp->status < 600) {
		node_count(&n->m.refused[resp->status / 100], 1);
		log_refusal(resp);
	}
	submission_release(&s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t ns = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	node_count(&n->m.submit_ns_total, ns);
	node_count(&n->m.submit_count, 1);
	size_t b = 0;
	while (b < SUBMIT_BUCKETS && ns > submit_bound_ns[b])
		b++;
	if (b < SUBMIT_BUCKETS) /* beyond the last bound: counted in +Inf (the count) only */
		node_count(&n->m.submit_le[b], 1);
}


static void h_cases(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	(void)req;
	const struct cases_case **list = NULL;
	size_t count = 0;
	node_lock_settled_cases(n);
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

/*
 * "As of" time for case views: ?at=RFC3339, default now. 0, or -1 with a 400
 * in resp naming the parameter: a malformed time is never taken as "now".
 */
static int view_time(const struct http_request *req, struct http_response *resp, int64_t *t)
{
	const char *at = http_arg(req, "at");
	if (!at) {
		*t = node_now();
		return 0;
	}
	if (syntax_time(at, strlen(at), t) == 0)
		return 0;
	http_text(resp, 400, "at: '%.64s' is not a time (RFC 3339 in UTC, e.g. 2021-08-01T00:00:00Z)", at);
	return -1;
}

static void h_case(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	const char *id = req->path + strlen("/case/");
	if (!syntax_case_id(id, strlen(id))) {
		http_text(resp, 404, "not a case id");
		return;
	}
	int64_t at;
	if (view_time(req, resp, &at))
		return;
	node_lock_settled_cases(n);
	const struct cases_case *k = cases_find(&n->cases, id);
	int rc = k ? cases_case_json(&n->cases, k, at, &resp->body) : ERR_NOTFOUND;
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
	if (!charter_agency(history_roster(node_history(n)), agency, strlen(agency))) {
		http_text(resp, 404, "no agency %s in the charter", agency);
		return;
	}
	int64_t at;
	if (view_time(req, resp, &at))
		return;
	node_lock_settled_cases(n);
	int rc = cases_inbox_json(&n->cases, agency, at, &resp->body);
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
	/* a cosigner of this node's log, by its key name; receipts are only for this node's own log */
	const char *by = http_arg(req, "cosigned-by");
	if (by && party != n->me) {
		http_text(resp, 400, "cosigned-by: receipts are given for this node's own log (%s) only", n->me->id);
		return;
	}
	if (by) {
		struct note_verifier cosigners[CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES];
		size_t nc = charter_cosigners_of_log(history_roster(node_history(n)), n->logkey.name, cosigners), i = 0;
		while (i < nc && strcmp(cosigners[i].name, by))
			i++;
		if (i == nc) {
			http_text(resp, 400, "cosigned-by: '%.128s' is not the key name of a peer node or witness of the charter",
				  by);
			return;
		}
	}
	if (tlog_open(&t, dir, NULL)) {
		http_text(resp, 404, "no log of %s here yet", party->id);
		return;
	}
	struct buf cp;
	buf_init(&cp, CHECKPOINT_MAX_SIZE + 65536);
	uint64_t size = tlog_size(t);
	int rc = buf_append(&cp, tlog_checkpoint_note(t)->data, tlog_checkpoint_note(t)->len);
	if (by && party == n->me) {
		/* the checkpoint covering the entry that this cosigner cosigned first */
		const struct note_verifier *cosigner = charter_cosigner(history_roster(node_history(n)), by);
		struct note_verifier v[1];
		size_t nv = 0;
		if (cosigner)
			v[nv++] = *cosigner;
		/* the recorded cosignatures say which size; its kept checkpoint carries the signature */
		uint64_t first = 0;
		int found = 0, ok = 0;
		if (nv) {
			pthread_mutex_lock(&n->cases_lock);
			found = cases_first_cosigned(&n->cases, n->logkey.name, v[0].name, index, &first) == 0;
			pthread_mutex_unlock(&n->cases_lock);
		}
		if (found && first <= size) {
			char path[PATH_MAX + 64];
			struct buf f;
			buf_init(&f, CHECKPOINT_MAX_SIZE + 65536);
			snprintf(path, sizeof path, "%s/cosigned/%" PRIu64, n->dir, first);
			/* a line by `by` that counts: by the key the charter in force at its time names (a node key may
			 * have been rotated since; docs/amendments.md) */
			struct cosig_set *cs = malloc(sizeof *cs);
			if (cs && file_read(path, f.max, &f) == 0 &&
			    cosig_check_note_history(node_history(n), f.data, f.len, cs) == 0)
				for (size_t i = 0; i < cs->nok && !ok; i++)
					ok = !strcmp(cs->ok[i].name, by);
			free(cs);
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

/* "# HELP" and "# TYPE" of a family. */
static void family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * GET /metrics: Prometheus text, every family with HELP and TYPE
 * (docs/operations.md lists them). On a worker: the overdue deadlines are
 * counted from the case state (under its lock) at most every 30 seconds.
 */
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
	family(b, "parley_build_info", "gauge", "The version of parley serving, and the party.");
	buf_printf(b, "parley_build_info{version=\"%s\",role=\"node\",party=\"%s\"} 1\n", parley_version(), n->me->id);
	family(b, "parley_log_entries", "gauge", "Entries in this node's log.");
	pthread_mutex_lock(&n->log_lock);
	buf_printf(b, "parley_log_entries %" PRIu64 "\n", tlog_size(n->log));
	pthread_mutex_unlock(&n->log_lock);
	family(b, "parley_batches_total", "counter", "Batches committed to the log since start.");
	buf_printf(b, "parley_batches_total %" PRIu64 "\n", batches);
	family(b, "parley_appended_total", "counter", "Entries appended to the log since start.");
	buf_printf(b, "parley_appended_total %" PRIu64 "\n", entries);
	family(b, "parley_commit_seconds_total", "counter", "Time spent committing batches (write, fsync, sign).");
	buf_printf(b, "parley_commit_seconds_total %.6f\n", (double)ns / 1e9);
	family(b, "parley_submit_duration_seconds", "histogram",
	       "Time from a submission's arrival to its answer (accepted or refused).");
	uint64_t cum = 0;
	for (size_t i = 0; i < SUBMIT_BUCKETS; i++) {
		cum += node_counter(&n->m.submit_le[i]);
		buf_printf(b, "parley_submit_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n", (double)submit_bound_ns[i] / 1e9,
			   cum);
	}
	uint64_t count = node_counter(&n->m.submit_count);
	buf_printf(b, "parley_submit_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
		   count > cum ? count : cum);
	buf_printf(b, "parley_submit_duration_seconds_sum %.6f\n", (double)node_counter(&n->m.submit_ns_total) / 1e9);
	buf_printf(b, "parley_submit_duration_seconds_count %" PRIu64 "\n", count > cum ? count : cum);
	family(b, "parley_submit_accepted_total", "counter", "Submissions appended and answered with their proof.");
	buf_printf(b, "parley_submit_accepted_total %" PRIu64 "\n", node_counter(&n->m.accepted));
	family(b, "parley_submit_refused_total", "counter", "Refused submissions by status class.");
	buf_printf(b, "parley_submit_refused_total{class=\"4xx\"} %" PRIu64 "\n", node_counter(&n->m.refused[4]));
	buf_printf(b, "parley_submit_refused_total{class=\"5xx\"} %" PRIu64 "\n", node_counter(&n->m.refused[5]));
	family(b, "parley_http_responses_total", "counter", "HTTP responses sent, by status class.");
	for (int c = 1; c <= 5; c++)
		buf_printf(b, "parley_http_responses_total{class=\"%dxx\"} %" PRIu64 "\n", c, http[c]);
	family(b, "parley_received_made_total", "counter", "'received' envelopes this node appended for its peers' entries.");
	buf_printf(b, "parley_received_made_total %" PRIu64 "\n", node_counter(&n->m.received_made));
	family(b, "parley_cosignatures_collected_total", "counter",
	       "Cosignatures of this node's checkpoints received from peers and witnesses.");
	buf_printf(b, "parley_cosignatures_collected_total %" PRIu64 "\n", node_counter(&n->m.cosigs));
	family(b, "parley_push_failures_total", "counter",
	       "Failed pushes of this node's checkpoint, per target (a peer node or a neutral witness).");
	for (size_t i = 0; i < n->ntargets; i++)
		buf_printf(b, "parley_push_failures_total{target=\"%s\",kind=\"%s\"} %" PRIu64 "\n", n->targets[i].name,
			   n->targets[i].is_witness ? "witness" : "peer", node_counter(&n->targets[i].failures));
	family(b, "parley_last_cosignature_timestamp_seconds", "gauge",
	       "Unix time in the last cosignature of this node's log received from each target (0: none since start).");
	for (size_t i = 0; i < n->ntargets; i++)
		buf_printf(b, "parley_last_cosignature_timestamp_seconds{target=\"%s\",kind=\"%s\"} %" PRId64 "\n",
			   n->targets[i].name, n->targets[i].is_witness ? "witness" : "peer",
			   __atomic_load_n(&n->targets[i].last_cosig, __ATOMIC_RELAXED));
	family(b, "parley_sync_failures_total", "counter", "Failed polls of a peer's log (fetch or mirror), per peer.");
	for (size_t i = 0; i < n->npeers; i++)
		buf_printf(b, "parley_sync_failures_total{peer=\"%s\"} %" PRIu64 "\n", n->peers[i].party->id,
			   node_counter(&n->peers[i].sync_failures));
	family(b, "parley_forks_seen_total", "counter", "Times a peer's log was met showing two histories.");
	for (size_t i = 0; i < n->npeers; i++)
		buf_printf(b, "parley_forks_seen_total{log=\"%s\",peer=\"%s\"} %" PRIu64 "\n", n->peers[i].party->node_key.name,
			   n->peers[i].party->id, witness_forks_seen(n->witness, n->peers[i].party->node_key.name));
	family(b, "parley_peer_size", "gauge", "Entries in a peer's log: as seen there, and as mirrored here.");
	for (size_t i = 0; i < n->npeers; i++) {
		struct peer *p = &n->peers[i];
		/* not p->lock: a sync holds it across network I/O */
		uint64_t mirrored = node_counter(&p->shown_mirrored), remote = node_counter(&p->shown_remote);
		buf_printf(b, "parley_peer_size{peer=\"%s\",view=\"remote\"} %" PRIu64 "\n", p->party->id, remote);
		buf_printf(b, "parley_peer_size{peer=\"%s\",view=\"mirrored\"} %" PRIu64 "\n", p->party->id, mirrored);
	}
	family(b, "parley_peer_lag", "gauge", "Entries of a peer's log seen there but not mirrored here yet.");
	for (size_t i = 0; i < n->npeers; i++) {
		uint64_t mirrored = node_counter(&n->peers[i].shown_mirrored), remote = node_counter(&n->peers[i].shown_remote);
		buf_printf(b, "parley_peer_lag{peer=\"%s\"} %" PRIu64 "\n", n->peers[i].party->id,
			   remote > mirrored ? remote - mirrored : 0);
	}
	/* the overdue deadlines, per party that owes them: counted at most every 30 s (one pass over the requests) */
	uint64_t overdue[CHARTER_MAX_PARTIES][2];
	pthread_mutex_lock(&n->cases_lock);
	int64_t now = node_now();
	if (!n->m.overdue_at || now - n->m.overdue_at >= 30 || now < n->m.overdue_at) {
		cases_count_overdue(&n->cases, now, n->m.overdue);
		n->m.overdue_at = now;
	}
	memcpy(overdue, n->m.overdue, sizeof overdue);
	pthread_mutex_unlock(&n->cases_lock);
	family(b, "parley_overdue_deadlines", "gauge",
	       "Deadlines passed with nothing sent, per party that owes them and kind (ack, answer); counted every 30 s.");
	const struct charter *roster = history_roster(node_history(n));
	for (size_t p = 0; p < roster->nparties && p < CHARTER_MAX_PARTIES; p++)
		for (int k = 0; k < 2; k++)
			buf_printf(b, "parley_overdue_deadlines{party=\"%s\",deadline=\"%s\"} %" PRIu64 "\n",
				   roster->parties[p].id, k ? "answer" : "ack", overdue[p][k]);
}


/*
 * POST /amendment: a signed amendment of the channel (docs/amendments.md),
 * adopted when it is the next one, complete and valid (node_adopt_amendment
 * gives the status). On a worker: it waits until our log holds it.
 */
static void h_amendment(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	if (!amendment_is(req->body, req->body_len)) {
		http_text(resp, 400, "not an amendment: the body must be a signed note starting '%s'", AMENDMENT_FIRST_LINE);
		return;
	}
	int status = node_adopt_amendment(n, req->body, req->body_len, 0);
	http_text(resp, status, "%s", err_msg());
}

/* GET /amendment/<n>: amendment number n in force here, the signed note as adopted; 404 beyond the last. */
static void h_get_amendment(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct node *n = ctx;
	const char *num = req->path + strlen("/amendment/");
	const struct charter_history *h = node_history(n);
	uint64_t k;
	if (dec_u64(num, strlen(num), &k) || k == 0) {
		http_text(resp, 400, "/amendment/<n>: n is 1, 2, ... (no leading zero)");
		return;
	}
	if (k > h->n) {
		http_text(resp, 404, "no amendment %" PRIu64 " here (%zu in force)", k, h->n);
		return;
	}
	const struct buf *note = &h->am[k - 1]->note;
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
	buf_append(&resp->body, note->data, note->len);
}

/* The routes: which handler answers what, on an event loop or a worker. */
void node_http_routes(struct node *n)
{
	/*
	 * Event loops serve files, cached tiles and submissions (which wait for their
	 * batch without a thread); the rest may block and runs on worker threads. A
	 * submission blocks too when its body needs its own fsync (no syncfs).
	 */
	static const struct http_route routes[] = {
		{"GET", "/checkpoint", 0, NULL, h_checkpoint, 0, 0},
		{"GET", "/checkpoints/", 0, NULL, h_witnessed, 1, 0},
		{"GET", "/tile/", 0, NULL, h_tile, 0, 1},
		{"GET", "/body/", 0, NULL, h_body, 0, 0},
		{"POST", "/bodies", BODY_BATCH_REQUEST_MAX, "application/octet-stream", h_bodies, 1, 0},
		{"POST", "/submit", SUBMIT_MAX_REQUEST, SUBMIT_CONTENT_TYPE, h_submit, 0, 0},
		{"POST", "/add-checkpoint", WITNESS_REQUEST_MAX, NULL, node_h_add_checkpoint, 1, 0},
		{"POST", "/amendment", AMENDMENT_MAX_SIZE, NULL, h_amendment, 1, 0},
		{"GET", "/amendment/", 0, NULL, h_get_amendment, 0, 0},
		{"GET", "/metrics", 0, NULL, h_metrics, 1, 0},
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
	n->nroutes = sizeof routes / sizeof routes[0];
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (n->routes[i].fn == h_submit)
			n->routes[i].blocking = !n->syncfs;
}

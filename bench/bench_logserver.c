/*
 * bench_logserver — the floor under the sender's cost (bench/node.sh): a
 * server that does only the log's part of a submission, for the bench to
 * measure beside the node. Not a product and not a mode of the node.
 *
 *   bench_logserver CHANNEL DIR LISTEN PARTY
 *       Creates a log in DIR (which must not exist) under a key made here, and
 *       serves POST /submit on LISTEN (host:port) with the node's own parts,
 *       configured as the node configures them: the HTTP server (src/httpd,
 *       the node's limits, event loops and deferred answers), submit_check
 *       (the frame, the envelope's parsing, its Ed25519 signature under the
 *       charter at CHANNEL/charter, the sender's party PARTY, the body's
 *       SHA-256 against the envelope, the clock), the sequencer (group
 *       commits) over the tile log with one syncfs per batch and a signed
 *       checkpoint, and the answer: the entry's inclusion proof against its
 *       batch's checkpoint, from an event loop's tile reader. Left out, and so
 *       what the node's figure has on top of this one: the body store, the
 *       case state and the index, the replay check against the case state
 *       (only entries still pending are refused as replays here), the keeper
 *       (the checkpoint is signed in this process), metrics and logs, and
 *       everything done for peers (mirroring, cosigning, 'received').
 *       Runs until SIGTERM or SIGINT.
 */
#include "base/buf.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/note.h"
#include "exchange/charter.h"
#include "exchange/history.h"
#include "httpd/http.h"
#include "node/submit.h"
#include "node/submit_answer.h"
#include "node/sequencer.h"
#include "tlog/checkpoint.h"
#include "tlog/store.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct server {
	struct charter_history history;
	const char *party;
	struct sequencer *seq;
	int log_fd;
};

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_logserver: %s: %s\n", what, rc ? err_msg() : "failed");
	exit(1);
}

struct wait {
	struct http_call *call;
	int rc;
	char msg[256];
	uint64_t index;
	struct buf cp;
};

static void wait_release(void *p)
{
	buf_release(&((struct wait *)p)->cp);
}

static void done(void *arg, int rc, const char *msg, uint64_t index, const struct buf *cp)
{
	struct wait *w = arg;
	w->rc = rc;
	w->index = index;
	if (rc)
		snprintf(w->msg, sizeof w->msg, "%s", msg);
	else if (buf_append(&w->cp, cp->data, cp->len))
		w->rc = ERR_NOMEM, snprintf(w->msg, sizeof w->msg, "out of memory");
	http_resume(w->call);
}

static void answer(struct server *sv, struct wait *w, struct http_response *resp)
{
	if (w->rc)
		http_text(resp, w->rc == ERR_CONFLICT ? 409 : 503, "%s", w->msg);
	else if (submit_answer_proof(sv->log_fd, w->index, &w->cp, resp))
		http_text(resp, 500, "appended at index %" PRIu64 " but the proof failed: %s", w->index, err_msg());
}

static void h_submit(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct server *sv = ctx;
	struct wait *w = req->deferred;
	if (w) {
		answer(sv, w, resp);
		return;
	}
	struct submission s;
	int status = submit_check(&s, req->body, req->body_len, &sv->history, sv->party, (int64_t)time(NULL),
				  SUBMIT_DEFAULT_SKEW);
	if (status != 200) {
		http_text(resp, status, "%s", err_msg());
		submission_release(&s);
		return;
	}
	if (!(w = http_defer(req, resp, sizeof *w, wait_release))) {
		submission_release(&s);
		return;
	}
	w->call = req->call;
	buf_init(&w->cp, CHECKPOINT_MAX_SIZE);
	/* the envelope points into the request body, which lives until the answer is sent */
	int rc = sequencer_enqueue(sv->seq, s.envelope, s.envelope_len, done, w);
	if (rc) {
		w->rc = rc;
		snprintf(w->msg, sizeof w->msg, "%s", err_msg());
		http_resume(req->call);
	}
	submission_release(&s);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: bench_logserver CHANNEL DIR LISTEN PARTY\n");
		return 2;
	}
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* every thread started below inherits it; sigwait takes them */
	signal(SIGPIPE, SIG_IGN);

	char path[4096];
	struct buf b;
	struct charter ch;
	int rc;
	buf_init(&b, CHARTER_MAX_SIZE);
	snprintf(path, sizeof path, "%s/charter", argv[1]);
	if ((rc = file_read(path, CHARTER_MAX_SIZE, &b)) || (rc = charter_parse(&ch, b.data, b.len)))
		die(path, rc);
	buf_release(&b);
	struct server sv = {.party = argv[4]};
	history_init(&sv.history, &ch);

	struct note_signer key;
	struct tlog *log;
	if ((rc = note_signer_generate(&key, "logserver.bench.example/log", NOTE_ED25519)))
		die("key", rc);
	if ((rc = tlog_create(argv[2], &key)) || (rc = tlog_open(&log, argv[2], &key)))
		die(argv[2], rc);
	tlog_set_sync(log, TLOG_SYNC_FS); /* as the node, whose bodies share the log's filesystem */
	if ((sv.log_fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die(argv[2], err_set(ERR_IO, "cannot open"));
	struct sequencer_hooks hooks = {0};
	if ((rc = sequencer_start(&sv.seq, log, &hooks, 8192)))
		die("sequencer", rc);

	static const struct http_route routes[] = {
		{"POST", "/submit", SUBMIT_MAX_REQUEST, SUBMIT_CONTENT_TYPE, h_submit, 0, 0},
	};
	/* the node's limits (src/node/node.c) */
	unsigned conns = 4096;
	struct http_limits lim = {.connections = conns, .per_address = conns / 16, .reserve = conns / 16, .timeout_s = 15,
				  .workers = 16, .cache_bytes = 64u << 20, .body_budget = (size_t)256 << 20,
				  .body_reserve = (size_t)64 << 20, .body_rate = 16u << 10};
	struct http_server *http;
	if ((rc = http_start(&http, argv[3], routes, 1, &sv, &lim)))
		die("http", rc);
	int sig;
	sigwait(&sigs, &sig);
	http_stop(http);
	sequencer_stop(sv.seq);
	tlog_close(log);
	close(sv.log_fd);
	note_signer_release(&key);
	history_release(&sv.history);
	charter_release(&ch);
	return 0;
}

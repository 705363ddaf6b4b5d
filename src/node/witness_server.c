#include "node/witness_server.h"
#include "base/err.h"
#include "base/fileio.h"
#include "base/logline.h"
#include "base/version.h"
#include "crypto/keyfile.h"
#include "exchange/amendment.h"
#include "exchange/charter.h"
#include "exchange/history.h"
#include "exchange/syntax.h"
#include "httpd/http.h"
#include "witness/witness.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void url_listen_addr(const char *url, char *out, size_t outsz)
{
	const char *h = strstr(url, "://");
	h = h ? h + 3 : url;
	size_t hl = strcspn(h, "/");
	const char *close = h[0] == '[' ? memchr(h, ']', hl) : NULL;
	const char *from = close ? close : h;
	const char *colon = memchr(from, ':', hl - (size_t)(from - h));
	if (colon)
		snprintf(out, outsz, "%.*s", (int)hl, h);
	else
		snprintf(out, outsz, "%.*s:%s", (int)hl, h, strncmp(url, "https", 5) ? "80" : "443");
}

/* The port after the last ':' of host:port ("" if none). */
static const char *port_of(const char *addr)
{
	const char *c = strrchr(addr, ':');
	return c && !strchr(c, ']') ? c + 1 : "";
}

int url_listen_check(const char *url, const char *listen, int explicit_listen)
{
	if (strncmp(url, "https://", 8))
		return 0;
	if (!explicit_listen)
		return err_set(ERR_USAGE,
			       "the charter's URL %s is https, and parley serves plain HTTP: it does not listen on the HTTPS "
			       "port by default. Put a TLS reverse proxy in front (docs/operations.md, \"TLS\") and give "
			       "--listen the address behind it, e.g. --listen 127.0.0.1:8080",
			       url);
	char want[300];
	url_listen_addr(url, want, sizeof want);
	if (!strcmp(port_of(want), port_of(listen)))
		return err_set(ERR_USAGE,
			       "--listen %s would serve plain HTTP on the HTTPS port %s of the charter's URL %s: listen on "
			       "another port behind a TLS reverse proxy (docs/operations.md, \"TLS\")",
			       listen, port_of(want), url);
	return 0;
}

_Static_assert(WITNESS_KEY_HANDOVER == NODE_KEY_HANDOVER, "the witness and the history must agree on the handover");
_Static_assert(WITNESS_LOG_KEYS_MAX == HISTORY_NODE_KEYS_MAX, "a witness must hold every node key a party may have");

size_t witness_log_keys(const struct charter_history *h, const char *origin, struct witness_key_span *out)
{
	struct node_key_span s[HISTORY_NODE_KEYS_MAX];
	size_t n = history_node_keys(h, origin, s, HISTORY_NODE_KEYS_MAX);
	for (size_t i = 0; i < n; i++)
		out[i] = (struct witness_key_span){s[i].key, s[i].from, s[i].until};
	return n;
}

int witness_follow_history(struct witness *w, const struct charter_history *h)
{
	const char *origins[WITNESS_MAX_LOGS];
	struct witness_key_span spans[WITNESS_LOG_KEYS_MAX];
	size_t n = witness_origins(w, origins, WITNESS_MAX_LOGS);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		size_t k = witness_log_keys(h, origins[i], spans);
		if (k) /* a log the history does not know keeps its keys */
			rc = witness_set_log_keys(w, origins[i], spans, k);
	}
	return rc;
}

struct witness_server {
	char dir[PATH_MAX];
	struct charter charter;
	struct charter_history hist;     /* the charter and DIR/amendments/, under amend_lock */
	int have_hist;
	pthread_mutex_t amend_lock;
	struct keyfile key;
	struct note_signer cosigner;
	struct witness *w;
	struct http_server *http;
	uint64_t answers[6];       /* add-checkpoint answers by status class (atomics) */
	int64_t last_cosigned[CHARTER_MAX_PARTIES]; /* per party, Unix time of our last cosignature (atomics) */
};

static void h_add(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct witness_server *s = ctx;
	int status;
	const char *ct;
	int rc = witness_add_checkpoint(s->w, req->body, req->body_len, (uint64_t)time(NULL), &status, &ct, &resp->body);
	resp->status = rc ? 500 : status;
	resp->content_type = ct;
	__atomic_add_fetch(&s->answers[resp->status / 100 % 6], 1, __ATOMIC_RELAXED);
	if (resp->status == 200) { /* which log: the first line of the note, after the request's header lines */
		const char *origins[WITNESS_MAX_LOGS];
		size_t n = witness_origins(s->w, origins, WITNESS_MAX_LOGS);
		for (size_t i = 0; i < n && i < CHARTER_MAX_PARTIES; i++) {
			size_t ol = strlen(origins[i]);
			const uint8_t *b = req->body, *end = b + req->body_len;
			while (b < end) { /* the note starts after the blank line */
				const uint8_t *nl = memchr(b, '\n', (size_t)(end - b));
				if (!nl)
					break;
				if (nl == b) {
					b++;
					break;
				}
				b = nl + 1;
			}
			if ((size_t)(end - b) > ol && !memcmp(b, origins[i], ol) && b[ol] == '\n')
				__atomic_store_n(&s->last_cosigned[i], (int64_t)time(NULL), __ATOMIC_RELAXED);
		}
	}
}

/* GET /checkpoints/<sha256(origin) hex>: the latest checkpoint cosigned of that log (docs/node.md). */
static void h_latest(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct witness *w = ((struct witness_server *)ctx)->w;
	const char *id = req->path + strlen("/checkpoints/");
	if (witness_latest_by_id(w, id, strlen(id), &resp->body)) {
		http_text(resp, 404, "%s", err_msg());
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
}

/* GET /metrics: Prometheus text (docs/operations.md lists the families). */
static void h_metrics(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct witness_server *s = ctx;
	struct witness *w = s->w;
	const char *origins[WITNESS_MAX_LOGS];
	(void)req;
	size_t n = witness_origins(w, origins, WITNESS_MAX_LOGS);
	struct buf *b = &resp->body;
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4";
	buf_printf(b, "# HELP parley_build_info The version of parley serving.\n# TYPE parley_build_info gauge\n"
		      "parley_build_info{version=\"%s\",role=\"witness\"} 1\n", parley_version());
	buf_printf(b, "# HELP parley_forks_seen_total Times a log was met showing two histories.\n"
		      "# TYPE parley_forks_seen_total counter\n");
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "parley_forks_seen_total{log=\"%s\"} %" PRIu64 "\n", origins[i], witness_forks_seen(w, origins[i]));
	buf_printf(b, "# HELP parley_witness_cosigned_size Size of the latest checkpoint cosigned, per log.\n"
		      "# TYPE parley_witness_cosigned_size gauge\n");
	for (size_t i = 0; i < n; i++) {
		struct checkpoint cp;
		if (witness_latest(w, origins[i], &cp, NULL))
			cp.size = 0;
		buf_printf(b, "parley_witness_cosigned_size{log=\"%s\"} %" PRIu64 "\n", origins[i], cp.size);
	}
	buf_printf(b, "# HELP parley_witness_last_cosignature_timestamp_seconds Unix time of the last cosignature given, per "
		      "log (0: none since start).\n# TYPE parley_witness_last_cosignature_timestamp_seconds gauge\n");
	for (size_t i = 0; i < n && i < CHARTER_MAX_PARTIES; i++)
		buf_printf(b, "parley_witness_last_cosignature_timestamp_seconds{log=\"%s\"} %" PRId64 "\n", origins[i],
			   __atomic_load_n(&s->last_cosigned[i], __ATOMIC_RELAXED));
	buf_printf(b, "# HELP parley_witness_add_checkpoint_total add-checkpoint requests answered, by status class.\n"
		      "# TYPE parley_witness_add_checkpoint_total counter\n");
	for (int c = 2; c <= 5; c++)
		buf_printf(b, "parley_witness_add_checkpoint_total{class=\"%dxx\"} %" PRIu64 "\n", c,
			   __atomic_load_n(&s->answers[c], __ATOMIC_RELAXED));
	uint64_t http[6];
	http_stats(s->http, http);
	buf_printf(b, "# HELP parley_http_responses_total HTTP responses sent, by status class.\n"
		      "# TYPE parley_http_responses_total counter\n");
	for (int c = 1; c <= 5; c++)
		buf_printf(b, "parley_http_responses_total{class=\"%dxx\"} %" PRIu64 "\n", c, http[c]);
}

static void h_health(void *ctx, const struct http_request *req, struct http_response *resp)
{
	(void)ctx, (void)req;
	http_text(resp, 200, "ok");
}

/*
 * DIR/charter, DIR/amendments/ (into h, which then holds c) and DIR/witness.key,
 * which must be the key of a witness the channel names (the founding charter
 * or an amendment: history_roster, with each witness's latest key).
 */
static int load(const char *dir, struct charter *c, struct charter_history *h, struct keyfile *k,
		const struct charter_witness **me)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/charter", dir);
	int rc = charter_load(c, path);
	if (rc)
		return err_wrap(rc, "%s", path);
	history_init(h, c);
	if ((rc = history_load_dir(h, dir))) {
		err_wrap(rc, "%s/amendments", dir);
		goto fail;
	}
	snprintf(path, sizeof path, "%s/witness.key", dir);
	if ((rc = keyfile_read(k, path)))
		goto fail;
	*me = charter_witness(history_roster(h), k->sign.name);
	if (*me && memcmp((*me)->key.pub, k->sign.pub, sizeof k->sign.pub))
		*me = NULL;
	if (!*me) {
		keyfile_release(k);
		rc = err_set(ERR_USAGE, "%s is not the key of a witness named in the charter", path);
		goto fail;
	}
	return 0;
fail:
	history_release(h);
	charter_release(c);
	return rc;
}


/*
 * Adopts data when it is the next amendment of the channel, complete and
 * valid (history_add), as a node does (node_adopt_amendment; no time limit:
 * a witness accepts no envelopes, and one that learns an amendment late
 * still needs its keys): saved durably in DIR/amendments/NNNN, then in
 * force for the logs' keys. Returns the HTTP status, err_msg() the reason.
 */
static int adopt(struct witness_server *s, const uint8_t *data, size_t len)
{
	struct charter_history next;
	int added = 0, status = 200;
	char path[PATH_MAX + 32], when[21], number[16];
	pthread_mutex_lock(&s->amend_lock);
	int rc = history_clone(&next, &s->hist);
	if (rc) {
		pthread_mutex_unlock(&s->amend_lock);
		return 503;
	}
	if ((rc = history_add(&next, data, len, &added))) {
		status = rc == ERR_CONFLICT || rc == ERR_NOTFOUND ? 409 : rc == ERR_LIMIT ? 413 : rc == ERR_NOMEM ? 503 : 422;
		history_release_shared(&next);
		goto out;
	}
	if (!added) {
		err_set(ERR_OK, "amendment already in force here");
		history_release_shared(&next);
		goto out;
	}
	struct amendment *a = next.am[next.n - 1];
	snprintf(path, sizeof path, "%s/amendments/%04u", s->dir, a->number);
	if ((rc = file_write_atomic(path, a->note.data, a->note.len, 0644, 0))) {
		status = 500;
		amendment_release(a);
		free(a);
		next.n--;
		history_release_shared(&next);
		goto out;
	}
	history_release_shared(&s->hist); /* the array only: next owns every amendment now */
	s->hist = next;
	if ((rc = witness_follow_history(s->w, &s->hist))) { /* cannot happen: the history gives valid spans */
		status = 500;
		goto out;
	}
	syntax_format_time(a->effective, when);
	snprintf(number, sizeof number, "%u", a->number);
	logline_event(LOGLINE_INFO, "amendment_adopted", "number", number, "in_force_from", when, LOGLINE_END);
	err_set(ERR_OK, "amendment %u in force from %s", a->number, when);
out:
	pthread_mutex_unlock(&s->amend_lock);
	return status;
}

/* POST /amendment: a signed amendment of the channel (docs/node.md, "The neutral witness"). */
static void h_amendment(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct witness_server *s = ctx;
	if (!amendment_is(req->body, req->body_len)) {
		http_text(resp, 400, "not an amendment: the body must be a signed note starting '%s'", AMENDMENT_FIRST_LINE);
		return;
	}
	int status = adopt(s, req->body, req->body_len);
	http_text(resp, status, "%s", err_msg());
}

int witness_server_init(const char *dir, const char *charter_path, const char *key_path)
{
	char path[PATH_MAX];
	struct buf b;
	buf_init(&b, CHARTER_MAX_SIZE);
	int rc = mkdir_p(dir, 0700);
	snprintf(path, sizeof path, "%s/charter", dir);
	if (!rc && !(rc = file_read(charter_path, CHARTER_MAX_SIZE, &b)))
		rc = file_write_atomic(path, b.data, b.len, 0644, 1);
	buf_release(&b);
	snprintf(path, sizeof path, "%s/witness.key", dir);
	if (!rc)
		rc = keyfile_copy(key_path, path);
	if (!rc) {
		struct charter *c = calloc(1, sizeof *c);
		struct charter_history *h = calloc(1, sizeof *h);
		struct keyfile k;
		const struct charter_witness *me;
		if (!c || !h) {
			free(c);
			free(h);
			return err_set(ERR_NOMEM, "out of memory");
		}
		if (!(rc = load(dir, c, h, &k, &me))) {
			keyfile_release(&k);
			history_release(h);
			charter_release(c);
		}
		free(c);
		free(h);
	}
	return rc;
}


void witness_server_stop(struct witness_server *s)
{
	if (!s)
		return;
	http_stop(s->http);
	witness_close(s->w);
	note_signer_release(&s->cosigner);
	keyfile_release(&s->key);
	if (s->have_hist) {
		history_release(&s->hist);
		pthread_mutex_destroy(&s->amend_lock);
	}
	charter_release(&s->charter);
	free(s);
}

int witness_server_start(const char *dir, const char *listen, int (*confine)(void *ctx, const char *dir), void *ctx,
			 struct witness_server **out)
{
	*out = NULL;
	struct witness_server *s = calloc(1, sizeof *s);
	const struct charter_witness *me;
	char path[PATH_MAX], addr[300];
	if (!s)
		return err_set(ERR_NOMEM, "out of memory");
	if (strlen(dir) >= sizeof s->dir - 64) {
		free(s);
		return err_set(ERR_USAGE, "witness directory path is too long");
	}
	snprintf(s->dir, sizeof s->dir, "%s", dir);
	int rc = load(dir, &s->charter, &s->hist, &s->key, &me);
	if (rc) {
		free(s);
		return rc;
	}
	s->have_hist = 1;
	pthread_mutex_init(&s->amend_lock, NULL);
	/* every party's log with its node keys over time (docs/amendments.md, "Rotating a node key") */
	struct witness_log logs[CHARTER_MAX_PARTIES];
	struct witness_key_span (*spans)[WITNESS_LOG_KEYS_MAX] = calloc(CHARTER_MAX_PARTIES, sizeof *spans);
	if (!spans)
		rc = err_set(ERR_NOMEM, "out of memory");
	for (size_t i = 0; !rc && i < s->charter.nparties; i++) {
		const struct note_verifier *k = &s->charter.parties[i].node_key;
		logs[i] = (struct witness_log){*k, spans[i], witness_log_keys(&s->hist, k->name, spans[i])};
	}
	snprintf(path, sizeof path, "%s/state", dir);
	if (!rc && !(rc = note_signer_retype(&s->cosigner, &s->key.sign, NOTE_COSIGNATURE)))
		rc = witness_open(&s->w, path, &s->cosigner, logs, s->charter.nparties);
	free(spans);
	/* made before the confinement fixes what may be touched (sys/sandbox.h) */
	snprintf(path, sizeof path, "%s/amendments", dir);
	if (!rc && mkdir(path, 0755) && errno != EEXIST)
		rc = err_set(ERR_IO, "%s: %s", path, strerror(errno));
	static const struct http_route routes[] = {
		{"POST", "/add-checkpoint", WITNESS_REQUEST_MAX, NULL, h_add, 1, 0}, /* persists before answering: blocks */
		{"POST", "/amendment", AMENDMENT_MAX_SIZE, NULL, h_amendment, 1, 0}, /* saved durably before answering */
		{"GET", "/healthz", 0, NULL, h_health, 0, 0},
		{"GET", "/checkpoints/", 0, NULL, h_latest, 1, 0},
		{"GET", "/metrics", 0, NULL, h_metrics, 1, 0},
	};
	if (listen)
		snprintf(addr, sizeof addr, "%s", listen);
	else
		url_listen_addr(me->url, addr, sizeof addr);
	if (!rc)
		rc = url_listen_check(me->url, addr, listen != NULL);
	/* the parties' nodes (their URL hosts, resolved now) are trusted: no per-address cap, and half the connections kept for them */
	struct http_addr trusted[64];
	size_t ntrusted = 0;
	const struct charter *latest = history_latest(&s->hist); /* the URLs as the latest amendment has them */
	for (size_t i = 0; !rc && i < latest->nparties; i++)
		if (http_url_addrs(latest->parties[i].url, trusted, sizeof trusted / sizeof trusted[0], &ntrusted))
			logline_event(LOGLINE_WARN, "http_trusted", "url", latest->parties[i].url, "msg", err_msg(), LOGLINE_END);
	struct http_limits lim = {.connections = 256, .per_address = 64, .reserve = 128, .timeout_s = 15, .workers = 4,
				  .trusted = trusted, .ntrusted = ntrusted,
				  /* add-checkpoint requests are at most 68 kB: 16 MiB of them at once, half kept for the parties */
				  .body_budget = (size_t)16 << 20, .body_reserve = (size_t)8 << 20, .body_rate = 16u << 10};
	/* bound before the confinement (a port below 1024 needs root), served only after it */
	if (!rc && !(rc = http_listen(addr, &lim.listen_fd)) && confine && (rc = confine(ctx, dir)))
		close(lim.listen_fd);
	if (!rc)
		rc = http_start(&s->http, addr, routes, sizeof routes / sizeof routes[0], s, &lim);
	if (rc) {
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", err_msg());
		witness_server_stop(s);
		return err_set(rc, "%s", msg);
	}
	char nlogs[24], namend[24];
	snprintf(nlogs, sizeof nlogs, "%zu", s->charter.nparties);
	snprintf(namend, sizeof namend, "%zu", s->hist.n);
	logline_event(LOGLINE_INFO, "start", "version", parley_version(), "witness", me->id, "listen", addr, "logs", nlogs,
		      "amendments", namend, LOGLINE_END);
	*out = s;
	return 0;
}

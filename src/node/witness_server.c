#include "node/witness_server.h"
#include "base/err.h"
#include "base/fileio.h"
#include "base/logline.h"
#include "base/version.h"
#include "crypto/keyfile.h"
#include "exchange/charter.h"
#include "httpd/http.h"
#include "witness/witness.h"

#include <inttypes.h>
#include <limits.h>
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

struct witness_server {
	struct charter charter;
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

static int load(const char *dir, struct charter *c, struct keyfile *k, const struct charter_witness **me)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/charter", dir);
	int rc = charter_load(c, path);
	if (rc)
		return err_wrap(rc, "%s", path);
	snprintf(path, sizeof path, "%s/witness.key", dir);
	if ((rc = keyfile_read(k, path))) {
		charter_release(c);
		return rc;
	}
	*me = charter_witness(c, k->sign.name);
	if (*me && memcmp((*me)->key.pub, k->sign.pub, sizeof k->sign.pub))
		*me = NULL;
	if (!*me) {
		keyfile_release(k);
		charter_release(c);
		return err_set(ERR_USAGE, "%s is not the key of a witness named in the charter", path);
	}
	return 0;
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
		struct keyfile k;
		const struct charter_witness *me;
		if (!c)
			return err_set(ERR_NOMEM, "out of memory");
		if (!(rc = load(dir, c, &k, &me))) {
			keyfile_release(&k);
			charter_release(c);
		}
		free(c);
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
	int rc = load(dir, &s->charter, &s->key, &me);
	if (rc) {
		free(s);
		return rc;
	}
	struct witness_log logs[CHARTER_MAX_PARTIES];
	for (size_t i = 0; i < s->charter.nparties; i++)
		logs[i].key = s->charter.parties[i].node_key;
	snprintf(path, sizeof path, "%s/state", dir);
	if (!(rc = note_signer_retype(&s->cosigner, &s->key.sign, NOTE_COSIGNATURE)))
		rc = witness_open(&s->w, path, &s->cosigner, logs, s->charter.nparties);
	static const struct http_route routes[] = {
		{"POST", "/add-checkpoint", WITNESS_REQUEST_MAX, NULL, h_add, 1, 0}, /* persists before answering: blocks */
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
	for (size_t i = 0; !rc && i < s->charter.nparties; i++)
		if (http_url_addrs(s->charter.parties[i].url, trusted, sizeof trusted / sizeof trusted[0], &ntrusted))
			logline_event(LOGLINE_WARN, "http_trusted", "url", s->charter.parties[i].url, "msg", err_msg(), LOGLINE_END);
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
	char nlogs[24];
	snprintf(nlogs, sizeof nlogs, "%zu", s->charter.nparties);
	logline_event(LOGLINE_INFO, "start", "version", parley_version(), "witness", me->id, "listen", addr, "logs", nlogs,
		      LOGLINE_END);
	*out = s;
	return 0;
}

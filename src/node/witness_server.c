#include "node/witness_server.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/keyfile.h"
#include "exchange/charter.h"
#include "node/http.h"
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

static void h_add(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct witness *w = ctx;
	int status;
	const char *ct;
	int rc = witness_add_checkpoint(w, req->body, req->body_len, (uint64_t)time(NULL), &status, &ct, &resp->body);
	resp->status = rc ? 500 : status;
	resp->content_type = ct;
}

/* GET /checkpoints/<sha256(origin) hex>: the latest checkpoint cosigned of that log (docs/node.md). */
static void h_latest(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct witness *w = ctx;
	const char *id = req->path + strlen("/checkpoints/");
	if (witness_latest_by_id(w, id, strlen(id), &resp->body)) {
		http_text(resp, 404, "%s", err_msg());
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
}

/* GET /metrics: the forks met per log (Prometheus text). */
static void h_metrics(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct witness *w = ctx;
	const char *origins[WITNESS_MAX_LOGS];
	(void)req;
	size_t n = witness_origins(w, origins, WITNESS_MAX_LOGS);
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4";
	buf_printf(&resp->body, "# HELP parley_forks_seen_total Times a log was met showing two histories.\n"
				"# TYPE parley_forks_seen_total counter\n");
	for (size_t i = 0; i < n; i++)
		buf_printf(&resp->body, "parley_forks_seen_total{log=\"%s\"} %" PRIu64 "\n", origins[i],
			   witness_forks_seen(w, origins[i]));
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

struct witness_server {
	struct charter charter;
	struct keyfile key;
	struct note_signer cosigner;
	struct witness *w;
	struct http_server *http;
};

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

int witness_server_start(const char *dir, const char *listen, struct witness_server **out)
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
	/* the parties' nodes (their URL hosts, resolved now) are trusted: no per-address cap, and half the connections kept for them */
	struct http_addr trusted[64];
	size_t ntrusted = 0;
	for (size_t i = 0; !rc && i < s->charter.nparties; i++)
		if (http_url_addrs(s->charter.parties[i].url, trusted, sizeof trusted / sizeof trusted[0], &ntrusted))
			fprintf(stderr, "witness: %s: no room kept for it (%s)\n", s->charter.parties[i].url, err_msg());
	struct http_limits lim = {.connections = 256, .per_address = 64, .reserve = 128, .timeout_s = 15, .workers = 4,
				  .trusted = trusted, .ntrusted = ntrusted,
				  /* add-checkpoint requests are at most 68 kB: 16 MiB of them at once, half kept for the parties */
				  .body_budget = (size_t)16 << 20, .body_reserve = (size_t)8 << 20, .body_rate = 16u << 10};
	if (!rc)
		rc = http_start(&s->http, addr, routes, sizeof routes / sizeof routes[0], s->w, &lim);
	if (rc) {
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", err_msg());
		witness_server_stop(s);
		return err_set(rc, "%s", msg);
	}
	fprintf(stderr, "witness %s listening on %s for %zu logs\n", me->id, addr, s->charter.nparties);
	*out = s;
	return 0;
}

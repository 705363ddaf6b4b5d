/*
 * desk — start and stop: the listen address rules, the start secret, the
 * working directory; and the cookie parser. The session itself is opened in
 * desk_http.c (POST /api/start) under d->lock.
 */
#include "desk/desk_internal.h"
#include "desk/desk_titles.h"

#include "base/err.h"
#include "net/client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Splits "host:port" / "[v6]:port" into host (brackets kept) and port. */
static int split_listen(const char *listen, char *host, size_t hostsz, unsigned *port)
{
	const char *colon = strrchr(listen, ':');
	if (!colon || colon == listen)
		return err_set(ERR_USAGE, "--listen '%s' must be HOST:PORT (127.0.0.1:0 picks a free port)", listen);
	if (listen[0] == '[' && colon[-1] != ']')
		return err_set(ERR_USAGE, "--listen '%s': an IPv6 address goes in brackets, [::1]:PORT", listen);
	size_t hl = (size_t)(colon - listen);
	if (hl >= hostsz)
		return err_set(ERR_USAGE, "--listen '%s' is too long", listen);
	const char *p = colon + 1;
	unsigned long v = 0;
	if (!*p || strlen(p) > 5)
		return err_set(ERR_USAGE, "--listen '%s' has no valid port", listen);
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return err_set(ERR_USAGE, "--listen '%s' has no valid port", listen);
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535)
		return err_set(ERR_USAGE, "--listen '%s' has no valid port", listen);
	memcpy(host, listen, hl);
	host[hl] = 0;
	*port = (unsigned)v;
	return 0;
}

/* 1 if host (as split_listen gives it) is a loopback address. */
static int is_loopback(const char *host)
{
	unsigned char a[16];
	if (!strcmp(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	size_t n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
		char v6[64];
		if (n - 2 >= sizeof v6)
			return 0;
		memcpy(v6, host + 1, n - 2);
		v6[n - 2] = 0;
		static const unsigned char one[16] = {[15] = 1};
		return inet_pton(AF_INET6, v6, a) == 1 && !memcmp(a, one, 16);
	}
	return 0;
}

int desk_listen_check(const char *listen, int allow_remote)
{
	char host[80];
	unsigned port;
	int rc = split_listen(listen, host, sizeof host, &port);
	if (rc)
		return rc;
	if (!is_loopback(host) && !allow_remote)
		return err_set(ERR_USAGE, "--listen %s is not a loopback address: the desk acts for the agency, so it "
					  "listens on this machine only (127.0.0.1) unless --allow-remote is given too", listen);
	return 0;
}

/* 32 random bytes, base64url without padding, into out (DESK_TOKEN_LEN + 1 bytes). */
static void new_token(char out[DESK_TOKEN_LEN + 1])
{
	unsigned char r[32];
	randombytes_buf(r, sizeof r);
	sodium_bin2base64(out, DESK_TOKEN_LEN + 1, r, sizeof r, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(r, sizeof r);
}

void desk_seen_key(const struct desk *d, char out[DESK_TOKEN_LEN + 1])
{
	static const char what[] = "parley desk: the page's seen marks, v1";
	unsigned char k[32];
	crypto_generichash(k, sizeof k, (const unsigned char *)what, sizeof what - 1, d->o.key.age.sk, 32);
	sodium_bin2base64(out, DESK_TOKEN_LEN + 1, k, sizeof k, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(k, sizeof k);
}

int64_t desk_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *desk_session_expire_locked(struct desk *d, int64_t now, char *url, size_t urlsz)
{
	if (!d->has_session)
		return NULL;
	const char *why = now - d->opened >= (int64_t)d->max_s * 1000 ? "max" : now - d->used >= (int64_t)d->idle_s * 1000 ? "idle" : NULL;
	if (!why)
		return NULL;
	/* the ended cookie is kept only to say "ended" (401) rather than "no session" (403): it opens nothing */
	memcpy(d->ended, d->session, sizeof d->ended);
	d->ended_why = why;
	d->has_session = 0;
	sodium_memzero(d->session, sizeof d->session);
	sodium_memzero(d->csrf, sizeof d->csrf);
	/* a new start secret, unspent: the officer opens the new link the desk prints */
	new_token(d->secret);
	d->secret_spent = 0;
	snprintf(url, urlsz, "%s%s", d->start_base, d->secret);
	return why;
}

void desk_announce_link(struct desk *d, const char *url, const char *why)
{
	if (d->on_new_link)
		d->on_new_link(d->on_new_link_arg, url, why);
}

void desk_tick(struct desk *d)
{
	char url[256];
	pthread_mutex_lock(&d->lock);
	const char *why = desk_session_expire_locked(d, desk_now_ms(), url, sizeof url);
	pthread_mutex_unlock(&d->lock);
	if (why)
		desk_announce_link(d, url, why);
	sodium_memzero(url, sizeof url);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) ? -1 : 0;
}

int desk_remove_tree(const char *dir)
{
	if (nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
		return err_set(ERR_IO, "cannot remove %s: %s", dir, strerror(errno));
	return 0;
}

int desk_scratch_dir(struct desk *d, const char *what, char *out, size_t outsz)
{
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof tmp, "%s/tmp", d->dir);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return err_set(ERR_USAGE, "the desk's directory path is too long");
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return err_set(ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
	pthread_mutex_lock(&d->lock);
	unsigned seq = ++d->seq;
	pthread_mutex_unlock(&d->lock);
	n = snprintf(out, outsz, "%s/%s-%ld-%u", tmp, what, (long)getpid(), seq);
	if (n < 0 || (size_t)n >= outsz)
		return err_set(ERR_USAGE, "the desk's directory path is too long");
	if (desk_remove_tree(out))
		return ERR_IO;
	if (mkdir(out, 0700))
		return err_set(ERR_IO, "cannot create %s: %s", out, strerror(errno));
	return 0;
}

static int open_dir(struct desk *d, const char *dir)
{
	if (!dir) {
		const char *t = getenv("TMPDIR");
		int n = snprintf(d->dir, sizeof d->dir, "%s/parley-desk-XXXXXX", t && *t ? t : "/tmp");
		if (n < 0 || (size_t)n >= sizeof d->dir || !mkdtemp(d->dir))
			return err_set(ERR_IO, "cannot create a temporary directory for the desk: %s", strerror(errno));
		d->dir_is_temp = 1;
		return 0;
	}
	if (strlen(dir) >= sizeof d->dir - 64)
		return err_set(ERR_USAGE, "--dir '%s' is too long", dir);
	snprintf(d->dir, sizeof d->dir, "%s", dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return err_set(ERR_IO, "cannot create --dir %s: %s", dir, strerror(errno));
	struct stat st;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return err_set(ERR_USAGE, "--dir %s is not a directory", dir);
	/* Another user who owns or may write the directory could put a link or a file of theirs where the
	 * desk writes (taxii.journal: the decrypted evidence; tmp/: the receipts), as in a /tmp/desk they
	 * made first (docs/desk.md "Security"). */
	if (st.st_uid != geteuid())
		return err_set(ERR_USAGE, "--dir %s is not owned by this user (uid %ld): another user could change what the desk writes there",
			       dir, (long)geteuid());
	if (st.st_mode & 022)
		return err_set(ERR_USAGE, "--dir %s: group or others may write it (chmod 700 it, or name another)", dir);
	return 0;
}

int desk_start(struct desk **out, const struct desk_config *c, char *url, size_t urlsz)
{
	/* Sent on every answer (docs/desk.md "Security"), the server's own refusals too. */
	static const char *const headers[] = {
		"Content-Security-Policy",
		"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"X-Content-Type-Options", "nosniff",
		"Referrer-Policy", "no-referrer",
		"Cross-Origin-Opener-Policy", "same-origin",
		"Cross-Origin-Resource-Policy", "same-origin",
		"X-Frame-Options", "DENY",
		NULL,
	};
	const char *listen = c->listen ? c->listen : "127.0.0.1:0";
	char host[80];
	unsigned port;
	int rc;
	*out = NULL;
	if ((rc = desk_listen_check(listen, c->allow_remote)) || (rc = split_listen(listen, host, sizeof host, &port)))
		return rc;
	if (sodium_init() < 0 || client_global_init())
		return err_set(ERR_IO, "cannot initialise libsodium or libcurl");
	struct desk *d = calloc(1, sizeof *d);
	if (!d)
		return err_set(ERR_NOMEM, "out of memory");
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->officer_lock, NULL);
	if ((rc = officer_open(&d->o, c->key_path, c->node_url))) {
		pthread_mutex_destroy(&d->lock);
		pthread_mutex_destroy(&d->officer_lock);
		free(d);
		return rc;
	}
	if ((rc = open_dir(d, c->dir)))
		goto fail;
	if (!(d->titles = desk_titles_new())) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto fail;
	}
	new_token(d->secret);
	d->idle_s = c->idle_s ? c->idle_s : DESK_SESSION_IDLE_S;
	d->max_s = c->max_s ? c->max_s : DESK_SESSION_MAX_S;
	d->on_new_link = c->on_new_link;
	d->on_new_link_arg = c->on_new_link_arg;
	struct http_limits lim = {
		.connections = 64, .per_address = 64, .reserve = 0, .timeout_s = 60, .threads = 1, .workers = 4,
		.body_budget = 2 * (size_t)DESK_REQUEST_MAX, .headers = headers, .json_errors = 1, .any_port = 1,
	};
	static const struct http_route routes[] = {
		{"GET", "/", 0, NULL, desk_serve, 1, 0},
		{"POST", "/", DESK_REQUEST_MAX, NULL, desk_serve, 1, 0},
	};
	/* Landlock before the server's threads start (it binds the calling thread and those it starts later):
	   the key was read (officer_open), and from now on only --dir and what the libraries read are open */
	d->sandbox = (struct sandbox_paths){.dir = d->dir, .dir_removable = d->dir_is_temp};
	if (!c->no_sandbox && (rc = sandbox_restrict_files(SANDBOX_DESK, &d->sandbox)))
		goto fail;
	if ((rc = http_start(&d->http, listen, routes, sizeof routes / sizeof routes[0], d, &lim)))
		goto fail;
	port = http_port(d->http);
	const char *shown = !strcmp(host, "localhost") ? "127.0.0.1" : host;
	d->remote = !is_loopback(host);
	snprintf(d->hosts[d->nhosts++], sizeof d->hosts[0], "%s:%u", shown, port);
	snprintf(d->hosts[d->nhosts++], sizeof d->hosts[0], "localhost:%u", port);
	snprintf(d->cookie, sizeof d->cookie, "parley_desk_%u", port);
	snprintf(d->start_base, sizeof d->start_base, "http://%s:%u/start#", shown, port);
	if (snprintf(url, urlsz, "%s%s", d->start_base, d->secret) >= (int)urlsz) {
		rc = err_set(ERR_USAGE, "URL buffer too small");
		goto fail;
	}
	char origin[128], collection[37];
	snprintf(origin, sizeof origin, "http://%s:%u", shown, port);
	if ((rc = desk_taxii_open(d, origin, collection)))
		goto fail;
	snprintf(d->taxii_line, sizeof d->taxii_line, "%s/taxii2/ collection %s, credential in %s/taxii.secret", origin,
		 collection, d->dir);
	/* then the seccomp filter on every thread, the server's too */
	if (!c->no_sandbox && (rc = sandbox_apply(SANDBOX_DESK, &d->sandbox)))
		goto fail;
	*out = d;
	return 0;
fail:
	desk_stop(d);
	return rc;
}

const char *desk_taxii_line(const struct desk *d)
{
	return d->taxii_line;
}

void desk_stop(struct desk *d)
{
	if (!d)
		return;
	http_stop(d->http);
	desk_taxii_close(d);
	desk_titles_free(d->titles);
	officer_release(&d->o);
	if (d->dir_is_temp)
		desk_remove_tree(d->dir);
	sodium_memzero(d->secret, sizeof d->secret);
	sodium_memzero(d->session, sizeof d->session);
	sodium_memzero(d->csrf, sizeof d->csrf);
	sodium_memzero(d->ended, sizeof d->ended);
	pthread_mutex_destroy(&d->lock);
	pthread_mutex_destroy(&d->officer_lock);
	free(d);
}

/* RFC 6265 cookie-octet, and a token character for the name. */
static int cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
	       (c >= 0x5D && c <= 0x7E);
}

static int token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7F && !strchr("()<>@,;:\\\"/[]?={}", c);
}

int desk_cookie_value(const char *header, const char *name, char *out, size_t outsz)
{
	const char *p = header;
	size_t nl = strlen(name);
	int found = 0;
	if (!outsz)
		return -1;
	out[0] = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *n0 = p;
		while (token_char((unsigned char)*p))
			p++;
		size_t len = (size_t)(p - n0);
		if (!len || *p != '=')
			return -1;
		p++;
		int quoted = *p == '"';
		p += quoted;
		const char *v0 = p;
		while (cookie_octet((unsigned char)*p))
			p++;
		size_t vl = (size_t)(p - v0);
		if (quoted && *p++ != '"')
			return -1;
		if (len == nl && !memcmp(n0, name, nl)) {
			if (found++ || vl >= outsz)
				return -1;
			memcpy(out, v0, vl);
			out[vl] = 0;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (*p != ';')
			return -1;
		p++;
	}
	return found ? 0 : -1;
}

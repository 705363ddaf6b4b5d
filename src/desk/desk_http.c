/*
 * desk_http — every request goes through desk_serve: the Host check, the
 * session and CSRF checks, the page's assets, then the API (desk_api.c) or
 * TAXII. docs/desk.md "Security" is the contract.
 *
 * Order of the checks (each refusal changes nothing):
 *   1. Host (when on loopback): one of the desk's own names, else 403 — a page
 *      reached through another name (DNS rebinding) is not the desk's. Under
 *      /api/, a Sec-Fetch-Site other than same-origin or none is 403 too.
 *   2. GET /start, /desk.js, /desk.css: served to anyone (the start page).
 *   3. POST: Origin, when sent, must be the desk's own (403); a POST to the API
 *      must be application/json (415).
 *   4. POST /api/start: the start secret (no session yet).
 *   5. Everything else needs the session cookie (403: a page, or JSON under
 *      /api/; 401 when it is the cookie of the session that ended last, idle
 *      or past its maximum), and a POST or any /api/ request the session's
 *      X-Parley-CSRF token (a GET may give it as the csrf argument instead)
 *      (403). An API request that passes every check restarts the idle time.
 */
#include "desk/desk_internal.h"
#include "desk/desk_assets.h"

#include "base/err.h"
#include "base/jsonload.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void desk_json_error(struct http_response *resp, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	desk_json(resp, status, json_pack("{s:s}", "error", msg));
}

void desk_json(struct http_response *resp, int status, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII) : NULL;
	json_decref(j);
	buf_reset(&resp->body);
	if (!s || buf_append_str(&resp->body, s) || buf_append_str(&resp->body, "\n")) {
		buf_reset(&resp->body);
		buf_append_str(&resp->body, "{\"error\":\"the answer could not be written (out of memory)\"}\n");
		status = 500;
	}
	free(s);
	resp->status = status;
	resp->content_type = "application/json";
	resp->cache_control = "no-store";
}

/* The short page every path answers without a session (docs/desk.md). */
static void forbidden_page(struct http_response *resp)
{
	static const char page[] =
		"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>parley desk</title></head>\n"
		"<body><h1>Open the desk with its start link</h1>\n"
		"<p>This desk serves nothing without the session its start link opens. Open the URL that the "
		"<code>parley desk</code> command printed (<code>desk: http://127.0.0.1:PORT/start#...</code>) in this "
		"browser. The link works once; restart <code>parley desk</code> for a new one.</p></body></html>\n";
	buf_reset(&resp->body);
	buf_append(&resp->body, page, sizeof page - 1);
	resp->status = 403;
	resp->content_type = "text/html; charset=utf-8";
	resp->cache_control = "no-store";
}

static void refuse(struct http_response *resp, int api, const char *msg)
{
	if (api)
		desk_json_error(resp, 403, "%s", msg);
	else
		forbidden_page(resp);
}

/* 1 if a and b (NUL-terminated) are equal, in time independent of where they differ. */
static int same_token(const char *a, const char *b)
{
	size_t n = strlen(a);
	return n == strlen(b) && n > 0 && sodium_memcmp(a, b, n) == 0;
}

/* 1 if the request's Host is one of the desk's (always when it listens on a non-loopback address). */
static int host_ok(struct desk *d, const struct http_request *req)
{
	const char *h = http_header(req, "Host");
	if (d->remote)
		return 1;
	if (!h || http_header_count(req, "Host") != 1)
		return 0;
	for (size_t i = 0; i < d->nhosts; i++)
		if (!strcmp(h, d->hosts[i]))
			return 1;
	return 0;
}

/* 1 unless the browser says the request comes from another origin (Fetch Metadata): a page of
 * another localhost port is same-site, so SameSite=Strict does not keep the session cookie from
 * its <img src> or fetch; without this it could make the desk fetch every log or build archives. */
static int fetch_site_ok(const struct http_request *req)
{
	unsigned n = http_header_count(req, "Sec-Fetch-Site");
	const char *v = http_header(req, "Sec-Fetch-Site");
	return !n || (n == 1 && v && (!strcmp(v, "same-origin") || !strcmp(v, "none")));
}

/* 1 if the request has no Origin, or the desk's own: "http://" + its Host. */
static int origin_ok(const struct http_request *req)
{
	unsigned n = http_header_count(req, "Origin");
	if (!n)
		return 1;
	const char *o = http_header(req, "Origin"), *h = http_header(req, "Host");
	return n == 1 && h && o && !strncmp(o, "http://", 7) && !strcmp(o + 7, h);
}

/* What the request's cookie is: the session's (ending it first if it is past its time), the cookie of the
 * session that ended last, or neither. */
enum cookie_is { COOKIE_NONE, COOKIE_SESSION, COOKIE_ENDED };

static enum cookie_is session_cookie(struct desk *d, const struct http_request *req, const char **why)
{
	char v[DESK_TOKEN_LEN + 2], url[256];
	const char *c = http_header(req, "Cookie");
	*why = NULL;
	if (!c || http_header_count(req, "Cookie") != 1 || desk_cookie_value(c, d->cookie, v, sizeof v))
		return COOKIE_NONE;
	pthread_mutex_lock(&d->lock);
	const char *new_link = desk_session_expire_locked(d, desk_now_ms(), url, sizeof url);
	enum cookie_is r = d->has_session && same_token(v, d->session) ? COOKIE_SESSION
			   : d->ended[0] && same_token(v, d->ended)     ? COOKIE_ENDED
									: COOKIE_NONE;
	if (r == COOKIE_ENDED)
		*why = d->ended_why;
	pthread_mutex_unlock(&d->lock);
	sodium_memzero(v, sizeof v);
	if (new_link)
		desk_announce_link(d, url, new_link);
	sodium_memzero(url, sizeof url);
	return r;
}

/* The session was used: its idle time starts again (only once a request passed every check: a page of another
 * site may make the browser send the cookie, and must not keep the session alive). */
static void session_used(struct desk *d)
{
	pthread_mutex_lock(&d->lock);
	d->used = desk_now_ms();
	pthread_mutex_unlock(&d->lock);
}

static int serve_asset(const char *path, struct http_response *resp);

/* 401: the session this cookie belonged to has ended; how to open a new one. The page itself (/) is served
 * (with 401): it holds no case data, asks /api/session and says it in the officer's language. */
static void session_ended(struct desk *d, const struct http_request *req, struct http_response *resp, int api,
			  const char *why)
{
	char msg[512];
	pthread_mutex_lock(&d->lock);
	unsigned limit = !strcmp(why, "max") ? d->max_s : d->idle_s;
	pthread_mutex_unlock(&d->lock);
	snprintf(msg, sizeof msg,
		 "the session ended: %s %u s (%s); `parley desk` printed a new start link (its latest \"desk: "
		 "http://...\" line): open it",
		 !strcmp(why, "max") ? "it was open for its maximum of" : "no request for", limit,
		 !strcmp(why, "max") ? "--session-max" : "--session-idle");
	if (api) {
		desk_json(resp, 401, json_pack("{s:s, s:s, s:s}", "error", msg, "session", "ended", "reason", why));
		return;
	}
	if (!strcmp(req->method, "GET") && !strcmp(req->path, "/") && !serve_asset(req->path, resp)) {
		if (resp->status == 200)
			resp->status = 401;
		return;
	}
	static const char page[] =
		"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>parley desk</title></head>\n"
		"<body><h1>The desk's session has ended</h1>\n"
		"<p>A session ends after a time without use and after a maximum length. The <code>parley desk</code> "
		"command has printed a new start link (its latest line <code>desk: http://127.0.0.1:PORT/start#...</code>): "
		"open it in this browser.</p></body></html>\n";
	buf_reset(&resp->body);
	buf_append(&resp->body, page, sizeof page - 1);
	resp->status = 401;
	resp->content_type = "text/html; charset=utf-8";
	resp->cache_control = "no-store";
}

/* The session's token: the X-Parley-CSRF header, or (a GET: the page's download links) the csrf argument. */
static int csrf_ok(struct desk *d, const struct http_request *req, int post)
{
	const char *t = http_header(req, "X-Parley-CSRF");
	if (!t && !post && !http_header_count(req, "X-Parley-CSRF"))
		t = http_arg(req, "csrf");
	else if (!t || http_header_count(req, "X-Parley-CSRF") != 1)
		return 0;
	if (!t)
		return 0;
	pthread_mutex_lock(&d->lock);
	int ok = d->has_session && same_token(t, d->csrf);
	pthread_mutex_unlock(&d->lock);
	return ok;
}

void desk_api_start(struct desk *d, const struct http_request *req, struct http_response *resp)
{
	json_t *j = NULL;
	if (jsonload_strict(req->body, req->body_len, 4096, 4, &j)) {
		desk_json_error(resp, err_msg()[0] && strstr(err_msg(), "larger") ? 413 : 400, "the request: %s", err_msg());
		return;
	}
	const char *s = json_string_value(json_object_get(j, "secret"));
	if (!json_is_object(j) || json_object_size(j) != 1 || !s) {
		json_decref(j);
		desk_json_error(resp, 400, "the request must be {\"secret\": \"...\"}, the part of the start link after '#'");
		return;
	}
	pthread_mutex_lock(&d->lock);
	int ok = !d->secret_spent && same_token(s, d->secret);
	if (ok) {
		/* the secret opens one session, once */
		d->secret_spent = 1;
		unsigned char r[64];
		randombytes_buf(r, sizeof r);
		sodium_bin2base64(d->session, sizeof d->session, r, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		sodium_bin2base64(d->csrf, sizeof d->csrf, r + 32, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		sodium_memzero(r, sizeof r);
		d->has_session = 1;
		d->opened = d->used = desk_now_ms();
		snprintf(resp->extra_header, sizeof resp->extra_header,
			 "Set-Cookie: %s=%s; HttpOnly; SameSite=Strict; Path=/", d->cookie, d->session);
	}
	int spent = d->secret_spent;
	json_t *answer = ok ? json_pack("{s:s}", "csrf", d->csrf) : NULL;
	pthread_mutex_unlock(&d->lock);
	json_decref(j);
	if (ok)
		desk_json(resp, 200, answer);
	else
		desk_json_error(resp, 403, spent ? "the start link has been used already: restart `parley desk` for a new one"
						 : "wrong start secret: open the URL `parley desk` printed");
}

static int is_public_asset(const char *path)
{
	return !strcmp(path, "/start") || !strcmp(path, "/desk.js") || !strcmp(path, "/desk.css");
}

static int serve_asset(const char *path, struct http_response *resp)
{
	struct desk_asset a;
	if (desk_assets_find(path, &a))
		return -1;
	buf_reset(&resp->body);
	if (buf_append(&resp->body, a.data, a.len)) {
		desk_json_error(resp, 500, "out of memory");
		return 0;
	}
	resp->status = 200;
	resp->content_type = a.content_type;
	resp->cache_control = "no-cache";
	return 0;
}

void desk_serve(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct desk *d = ctx;
	const char *path = req->path;
	int api = !strncmp(path, "/api/", 5);
	int post = !strcmp(req->method, "POST");
	if (!host_ok(d, req)) {
		refuse(resp, api, "this desk answers only under its own address (Host)");
		return;
	}
	if (api && !fetch_site_ok(req)) {
		refuse(resp, api, "a request from another site's page is refused (Sec-Fetch-Site)");
		return;
	}
	if (!post && is_public_asset(path) && !serve_asset(path, resp))
		return;
	/* TAXII clients (OpenCTI) hold the feed's credential, not a session: taxii_handle checks it first. */
	if (!strncmp(path, "/taxii2/", 8) || !strcmp(path, "/taxii2")) {
		desk_taxii(d, req, resp);
		return;
	}
	if (post) {
		if (!origin_ok(req)) {
			refuse(resp, api, "a request from another origin is refused");
			return;
		}
		const char *ct = req->content_type;
		if (api && (strncasecmp(ct, "application/json", 16) || (ct[16] && ct[16] != ';' && ct[16] != ' '))) {
			desk_json_error(resp, 415, "the request's content type must be application/json");
			return;
		}
		if (!strcmp(path, "/api/start")) {
			desk_api_start(d, req, resp);
			return;
		}
	}
	const char *why;
	enum cookie_is ck = session_cookie(d, req, &why);
	if (ck == COOKIE_ENDED) {
		session_ended(d, req, resp, api, why);
		return;
	}
	if (ck != COOKIE_SESSION) {
		refuse(resp, api, "no session: open the URL `parley desk` printed");
		return;
	}
	/* Every API request, a GET too: browsers send the cookie to every port of 127.0.0.1, so another
	 * program's server there may hold it; the token stays in the desk's own origin (sessionStorage). */
	if ((post || api) && !csrf_ok(d, req, post)) {
		refuse(resp, api, "the request lacks the session's X-Parley-CSRF token");
		return;
	}
	if (api) {
		session_used(d);
		desk_api(d, req, resp);
		return;
	}
	if (!post && !serve_asset(path, resp))
		return;
	desk_json_error(resp, 404, "no such resource: %s", path);
}

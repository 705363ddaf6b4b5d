#include "node/http.h"
#include "base/err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct http_server {
	struct MHD_Daemon *d;
	const struct http_route *routes;
	size_t nroutes;
	void *ctx;
	uint64_t counts[6];
};

struct req_state {
	const struct http_route *route;
	struct buf body;
	int refused;              /* a response was already decided */
	struct http_response early;
};

void http_text(struct http_response *resp, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
	buf_reset(&resp->body);
	buf_printf(&resp->body, "%s\n", msg);
}

void http_file(struct http_response *resp, int dirfd, const char *relpath, const char *content_type,
	       const char *cache_control)
{
	int fd = openat(dirfd, relpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		http_text(resp, 404, "not found");
		return;
	}
	resp->status = 200;
	resp->fd = fd;
	resp->fd_size = (size_t)st.st_size;
	resp->content_type = content_type;
	resp->cache_control = cache_control;
}

static const struct http_route *find_route(struct http_server *s, const char *method, const char *url, int *path_known)
{
	*path_known = 0;
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct http_route *r = &s->routes[i];
		size_t n = strlen(r->path);
		int match = r->path[n - 1] == '/' ? !strncmp(url, r->path, n) : !strcmp(url, r->path);
		if (!match)
			continue;
		*path_known = 1;
		if (!strcmp(method, r->method) || (!strcmp(method, "HEAD") && !strcmp(r->method, "GET")))
			return r;
	}
	return NULL;
}

static enum MHD_Result send_response(struct http_server *s, struct MHD_Connection *c, struct http_response *r)
{
	struct MHD_Response *m;
	if (r->fd >= 0)
		m = MHD_create_response_from_fd(r->fd_size, r->fd);
	else
		m = MHD_create_response_from_buffer(r->body.len, r->body.data, MHD_RESPMEM_MUST_COPY);
	r->fd = -1;
	if (!m)
		return MHD_NO;
	if (r->content_type)
		MHD_add_response_header(m, "Content-Type", r->content_type);
	if (r->cache_control)
		MHD_add_response_header(m, "Cache-Control", r->cache_control);
	if (r->extra_header[0]) {
		char name[64];
		const char *colon = strchr(r->extra_header, ':');
		if (colon && (size_t)(colon - r->extra_header) < sizeof name) {
			memcpy(name, r->extra_header, (size_t)(colon - r->extra_header));
			name[colon - r->extra_header] = 0;
			MHD_add_response_header(m, name, colon + 2);
		}
	}
	int cls = r->status / 100;
	if (cls >= 1 && cls <= 5)
		__atomic_add_fetch(&s->counts[cls], 1, __ATOMIC_RELAXED);
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, m);
	MHD_destroy_response(m);
	return ret;
}

static void response_init(struct http_response *r)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
	buf_init(&r->body, 64u << 20);
}

static void response_release(struct http_response *r)
{
	if (r->fd >= 0)
		close(r->fd);
	buf_release(&r->body);
}

/* Content type without parameters, compared case-insensitively. */
static int content_type_is(const char *have, const char *want)
{
	size_t n = strlen(want);
	return have && !strncasecmp(have, want, n) && (have[n] == 0 || have[n] == ';' || have[n] == ' ');
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct http_server *s = cls;
	struct req_state *st = *con_cls;
	if (!st) {
		st = calloc(1, sizeof *st);
		if (!st)
			return MHD_NO;
		*con_cls = st;
		response_init(&st->early);
		int known;
		st->route = find_route(s, method, url, &known);
		if (!st->route) {
			st->refused = 1;
			if (known)
				http_text(&st->early, 405, "method %s not allowed here", method);
			else
				http_text(&st->early, 404, "no such resource");
			return MHD_YES;
		}
		buf_init(&st->body, st->route->max_body);
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (st->route->content_type && !content_type_is(ct, st->route->content_type)) {
			st->refused = 1;
			http_text(&st->early, 415, "content type must be %s", st->route->content_type);
		} else if (cl && strtoull(cl, NULL, 10) > st->route->max_body) {
			st->refused = 1;
			http_text(&st->early, 413, "request body is larger than %zu bytes", st->route->max_body);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (!st->refused && buf_append(&st->body, upload, *upload_size)) {
			st->refused = 1;
			http_text(&st->early, 413, "request body is larger than %zu bytes", st->route->max_body);
		}
		*upload_size = 0; /* consumed (or discarded) */
		return MHD_YES;
	}
	if (st->refused)
		return send_response(s, c, &st->early);
	struct http_request req = {.method = method, .path = url, .body = st->body.data, .body_len = st->body.len};
	req.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (!req.content_type)
		req.content_type = "";
	req.conn = c;
	struct http_response resp;
	response_init(&resp);
	st->route->fn(s->ctx, &req, &resp);
	if (!resp.status)
		http_text(&resp, 500, "internal error");
	enum MHD_Result ret = send_response(s, c, &resp);
	response_release(&resp);
	return ret;
}

const char *http_arg(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	struct req_state *st = *con_cls;
	if (!st)
		return;
	buf_release(&st->body);
	response_release(&st->early);
	free(st);
	*con_cls = NULL;
}

int http_parse_addr(const char *addr, void *storage, unsigned *len)
{
	char host[128];
	const char *colon = strrchr(addr, ':');
	if (!colon)
		return err_set(ERR_USAGE, "listen address '%s' must be host:port", addr);
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535)
		return err_set(ERR_USAGE, "listen address '%s' has no valid port", addr);
	size_t hl = (size_t)(colon - addr);
	if (hl >= sizeof host)
		return err_set(ERR_USAGE, "listen address '%s' is too long", addr);
	memcpy(host, addr, hl);
	host[hl] = 0;
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a6 = storage;
		memset(a6, 0, sizeof *a6);
		host[hl - 1] = 0;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return err_set(ERR_USAGE, "'%s' is not an IPv6 address", host + 1);
		*len = sizeof *a6;
		return 0;
	}
	struct sockaddr_in *a4 = storage;
	memset(a4, 0, sizeof *a4);
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	if (hl == 0 || !strcmp(host, "localhost"))
		snprintf(host, sizeof host, hl == 0 ? "0.0.0.0" : "127.0.0.1");
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return err_set(ERR_USAGE, "'%s' is not an IPv4 address (use an address, not a name)", host);
	*len = sizeof *a4;
	return 0;
}

int http_start(struct http_server **out, const char *addr, const struct http_route *routes, size_t nroutes, void *ctx,
	       const struct http_limits *limits)
{
	struct sockaddr_storage sa;
	unsigned salen;
	int rc = http_parse_addr(addr, &sa, &salen);
	if (rc)
		return rc;
	struct http_server *s = calloc(1, sizeof *s);
	if (!s)
		return err_set(ERR_NOMEM, "out of memory");
	s->routes = routes;
	s->nroutes = nroutes;
	s->ctx = ctx;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR, &sa,
				MHD_OPTION_CONNECTION_LIMIT, limits->connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				limits->per_address, MHD_OPTION_CONNECTION_TIMEOUT, limits->timeout_s,
				MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024,
				MHD_OPTION_END);
	if (!s->d) {
		free(s);
		return err_set(ERR_IO, "cannot listen on %s (address in use, or not permitted)", addr);
	}
	*out = s;
	return 0;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}

void http_stats(struct http_server *s, uint64_t counts[6])
{
	for (int i = 0; i < 6; i++)
		counts[i] = __atomic_load_n(&s->counts[i], __ATOMIC_RELAXED);
}

#include "node/http.h"
#include "base/err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the cache of immutable responses ---- */

/*
 * Direct-mapped by a hash of the path: a slot holds one path and its prepared
 * MHD response (headers included), queued as is to every client that asks.
 * MHD counts references to a response, so replacing a slot while the old
 * response is still being sent is safe. Nothing is evicted but by collision;
 * inserts stop when the byte budget is spent.
 */
#define CACHE_SLOTS 8192
#define CACHE_ITEM_MAX (512u << 10)
#define CACHE_PATH_MAX 96

struct cache_slot {
	pthread_mutex_t lock;
	char path[CACHE_PATH_MAX];
	struct MHD_Response *resp;
	size_t size;
};

struct cache {
	struct cache_slot *slots;
	size_t budget, used;       /* bytes; used under its own atomic updates */
};

static uint64_t path_hash(const char *p)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211u;
	return h;
}

/* ---- the server ---- */

struct job {
	struct http_call *call;
	struct job *next;
};

struct http_server {
	struct MHD_Daemon *d;
	const struct http_route *routes;
	size_t nroutes;
	void *ctx;
	uint64_t counts[6];
	struct cache cache;
	/* suspended requests (deferred or on a worker), and the worker pool */
	pthread_mutex_t lock;
	pthread_cond_t work, idle;
	struct job *head, *tail;
	unsigned outstanding;
	int stopping;              /* no new deferrals or worker jobs */
	int exiting;               /* workers end once the queue is empty */
	pthread_t *workers;
	unsigned nworkers;
};

struct http_call {
	struct http_server *s;
	struct MHD_Connection *c;
	const char *method, *url;
	const struct http_route *route;
	struct buf body;
	int refused;              /* a response was already decided (early) */
	struct http_response early;
	/* answering later */
	int on_worker;            /* handed to a worker; its answer lands in early */
	int answered;             /* early holds the worker's answer */
	void *deferred;
	void (*release)(void *);
	struct job job;
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

static void count_status(struct http_server *s, unsigned status)
{
	unsigned cls = status / 100;
	if (cls >= 1 && cls <= 5)
		__atomic_add_fetch(&s->counts[cls], 1, __ATOMIC_RELAXED);
}

/* The MHD response for r (its fd or a copy of its body), with its headers; NULL if out of memory. */
static struct MHD_Response *make_response(struct http_response *r)
{
	struct MHD_Response *m;
	if (r->fd >= 0)
		m = MHD_create_response_from_fd(r->fd_size, r->fd);
	else
		m = MHD_create_response_from_buffer(r->body.len, r->body.data, MHD_RESPMEM_MUST_COPY);
	r->fd = -1; /* the response owns it now (or closed it on failure) */
	if (!m)
		return NULL;
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
	return m;
}

static enum MHD_Result send_response(struct http_server *s, struct MHD_Connection *c, struct http_response *r)
{
	struct MHD_Response *m = make_response(r);
	if (!m)
		return MHD_NO;
	count_status(s, (unsigned)r->status);
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, m);
	MHD_destroy_response(m);
	return ret;
}

static void response_init(struct http_response *r)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
	buf_init(&r->body, (64u << 20) + 65536); /* the largest body (64 MiB) with room for its framing */
}

static void response_release(struct http_response *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	buf_release(&r->body);
}

/* ---- the cache ---- */

static int cache_init(struct cache *k, size_t budget)
{
	k->budget = budget;
	if (!budget)
		return 0;
	k->slots = calloc(CACHE_SLOTS, sizeof *k->slots);
	if (!k->slots)
		return err_set(ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		pthread_mutex_init(&k->slots[i].lock, NULL);
	return 0;
}

static void cache_release(struct cache *k)
{
	if (!k->slots)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		if (k->slots[i].resp)
			MHD_destroy_response(k->slots[i].resp);
		pthread_mutex_destroy(&k->slots[i].lock);
	}
	free(k->slots);
}

/* Queues the cached response for path on c; MHD_NO in *ret means it failed. 0 on a miss. */
static int cache_serve(struct http_server *s, struct MHD_Connection *c, const char *path, enum MHD_Result *ret)
{
	if (!s->cache.slots || strlen(path) >= CACHE_PATH_MAX)
		return 0;
	struct cache_slot *sl = &s->cache.slots[path_hash(path) & (CACHE_SLOTS - 1)];
	int hit = 0;
	pthread_mutex_lock(&sl->lock);
	if (sl->resp && !strcmp(sl->path, path)) {
		hit = 1;
		*ret = MHD_queue_response(c, MHD_HTTP_OK, sl->resp); /* takes its own reference */
	}
	pthread_mutex_unlock(&sl->lock);
	if (hit)
		count_status(s, 200);
	return hit;
}

/* Keeps r (an immutable 200) for path, read into memory if it is a file. */
static void cache_keep(struct http_server *s, const char *path, struct http_response *r)
{
	struct cache *k = &s->cache;
	size_t size = r->fd >= 0 ? r->fd_size : r->body.len;
	if (!k->slots || strlen(path) >= CACHE_PATH_MAX || size > CACHE_ITEM_MAX)
		return;
	if (__atomic_add_fetch(&k->used, size, __ATOMIC_RELAXED) > k->budget) {
		__atomic_sub_fetch(&k->used, size, __ATOMIC_RELAXED);
		return;
	}
	struct http_response copy;
	response_init(&copy);
	copy.status = 200;
	copy.content_type = r->content_type;
	copy.cache_control = r->cache_control;
	memcpy(copy.extra_header, r->extra_header, sizeof copy.extra_header);
	int ok = 1;
	if (r->fd >= 0) {
		ok = buf_reserve(&copy.body, size) == 0;
		if (ok) {
			ssize_t got = pread(r->fd, copy.body.data, size, 0);
			ok = got == (ssize_t)size;
			copy.body.len = ok ? size : 0;
		}
	} else {
		ok = buf_append(&copy.body, r->body.data, size) == 0;
	}
	struct MHD_Response *m = ok ? make_response(&copy) : NULL;
	response_release(&copy);
	if (!m) {
		__atomic_sub_fetch(&k->used, size, __ATOMIC_RELAXED);
		return;
	}
	struct cache_slot *sl = &k->slots[path_hash(path) & (CACHE_SLOTS - 1)];
	pthread_mutex_lock(&sl->lock);
	struct MHD_Response *old = sl->resp;
	size_t old_size = sl->size;
	snprintf(sl->path, sizeof sl->path, "%s", path);
	sl->resp = m;
	sl->size = size;
	pthread_mutex_unlock(&sl->lock);
	if (old) {
		MHD_destroy_response(old); /* connections still sending it hold their own references */
		__atomic_sub_fetch(&k->used, old_size, __ATOMIC_RELAXED);
	}
}

/* ---- suspended requests and the workers ---- */

/*
 * Counts the call as outstanding and suspends its connection; -1 once the
 * server is stopping (under the same lock as http_stop's wait, so nothing is
 * suspended after it has seen the count reach 0: MHD must not stop with a
 * suspended connection).
 */
static int suspend(struct http_call *call)
{
	struct http_server *s = call->s;
	pthread_mutex_lock(&s->lock);
	int stopping = s->stopping;
	if (!stopping)
		s->outstanding++;
	pthread_mutex_unlock(&s->lock);
	if (stopping)
		return -1;
	MHD_suspend_connection(call->c);
	return 0;
}

void http_resume(struct http_call *call)
{
	struct http_server *s = call->s;
	MHD_resume_connection(call->c);
	pthread_mutex_lock(&s->lock);
	if (--s->outstanding == 0)
		pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
}

void *http_defer(const struct http_request *req, struct http_response *resp, size_t size, void (*release)(void *))
{
	struct http_call *call = req->call;
	if (call->deferred) {
		http_text(resp, 500, "internal error: an answer deferred twice");
		return NULL;
	}
	void *state = calloc(1, size ? size : 1);
	if (!state) {
		http_text(resp, 503, "out of memory");
		return NULL;
	}
	/* a worker's call is suspended (and counted) already */
	if (!call->on_worker && suspend(call)) {
		free(state);
		http_text(resp, 503, "the server is stopping");
		return NULL;
	}
	call->deferred = state;
	call->release = release;
	resp->deferred = 1;
	return state;
}

static void run_handler(struct http_call *call, void *deferred, struct http_response *resp)
{
	struct http_request req = {.method = call->method, .path = call->url, .body = call->body.data,
				   .body_len = call->body.len, .conn = call->c, .call = call, .deferred = deferred};
	req.content_type = MHD_lookup_connection_value(call->c, MHD_HEADER_KIND, "Content-Type");
	if (!req.content_type)
		req.content_type = "";
	call->route->fn(call->s->ctx, &req, resp);
	if (!resp->status && !resp->deferred)
		http_text(resp, 500, "internal error");
}

static void *worker(void *arg)
{
	struct http_server *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->head && !s->exiting)
			pthread_cond_wait(&s->work, &s->lock);
		if (!s->head)
			break;
		struct job *j = s->head;
		s->head = j->next;
		if (!s->head)
			s->tail = NULL;
		pthread_mutex_unlock(&s->lock);
		struct http_call *call = j->call;
		struct http_response r;
		response_init(&r);
		run_handler(call, NULL, &r);
		if (r.deferred) {
			/* The handler resumes the call itself; it may already be answered and gone. */
			response_release(&r);
		} else {
			response_release(&call->early);
			call->early = r;   /* ownership moves to the call */
			call->answered = 1; /* published to the event loop by MHD's lock in resume */
			http_resume(call);
		}
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Suspends the call and queues it for a worker; -1 if the server is stopping. */
static int to_worker(struct http_call *call)
{
	struct http_server *s = call->s;
	if (suspend(call))
		return -1;
	call->on_worker = 1;
	call->job.call = call;
	call->job.next = NULL;
	pthread_mutex_lock(&s->lock);
	if (s->tail)
		s->tail->next = &call->job;
	else
		s->head = &call->job;
	s->tail = &call->job;
	pthread_cond_signal(&s->work);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* ---- requests ---- */

/* Content type without parameters, compared case-insensitively. */
static int content_type_is(const char *have, const char *want)
{
	size_t n = strlen(want);
	return have && !strncasecmp(have, want, n) && (have[n] == 0 || have[n] == ';' || have[n] == ' ');
}

/* The first call for a request: route it, and refuse early what its headers already rule out. */
static struct http_call *call_new(struct http_server *s, struct MHD_Connection *c, const char *url, const char *method)
{
	struct http_call *call = calloc(1, sizeof *call);
	if (!call)
		return NULL;
	call->s = s;
	call->c = c;
	call->url = url;
	call->method = method;
	response_init(&call->early);
	int known;
	call->route = find_route(s, method, url, &known);
	if (!call->route) {
		call->refused = 1;
		if (known)
			http_text(&call->early, 405, "method %s not allowed here", method);
		else
			http_text(&call->early, 404, "no such resource");
		return call;
	}
	buf_init(&call->body, call->route->max_body);
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	if (call->route->content_type && !content_type_is(ct, call->route->content_type)) {
		call->refused = 1;
		http_text(&call->early, 415, "content type must be %s", call->route->content_type);
	} else if (cl && strtoull(cl, NULL, 10) > call->route->max_body) {
		call->refused = 1;
		http_text(&call->early, 413, "request body is larger than %zu bytes", call->route->max_body);
	}
	return call;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct http_server *s = cls;
	struct http_call *call = *con_cls;
	if (!call) {
		if (!(call = call_new(s, c, url, method)))
			return MHD_NO;
		*con_cls = call;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!call->refused && buf_append(&call->body, upload, *upload_size)) {
			call->refused = 1;
			http_text(&call->early, 413, "request body is larger than %zu bytes", call->route->max_body);
		}
		*upload_size = 0; /* consumed (or discarded) */
		return MHD_YES;
	}
	if (call->refused)
		return send_response(s, c, &call->early);
	if (call->on_worker && !call->deferred)
		return call->answered ? send_response(s, c, &call->early) : MHD_YES;
	if (call->route->blocking && !call->on_worker) {
		if (to_worker(call)) {
			http_text(&call->early, 503, "the server is stopping");
			return send_response(s, c, &call->early);
		}
		return MHD_YES;
	}
	enum MHD_Result ret;
	if (call->route->cached && !call->deferred && cache_serve(s, c, url, &ret))
		return ret;
	/* The handler, first or (after http_resume) again with its state. */
	void *deferred = call->deferred;
	struct http_response resp;
	response_init(&resp);
	run_handler(call, deferred, &resp);
	if (resp.deferred && call->deferred != deferred) {
		response_release(&resp);
		return MHD_YES; /* suspended until http_resume */
	}
	if (call->route->cached && resp.immutable && resp.status == 200)
		cache_keep(s, url, &resp);
	ret = send_response(s, c, &resp);
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
	struct http_call *call = *con_cls;
	if (!call)
		return;
	if (call->deferred) {
		if (call->release)
			call->release(call->deferred);
		free(call->deferred);
	}
	buf_release(&call->body);
	response_release(&call->early);
	free(call);
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

static void server_free(struct http_server *s)
{
	cache_release(&s->cache);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->idle);
	free(s->workers);
	free(s);
}

/* Ends the workers (after the queue drains); called with no request outstanding or at start-up failure. */
static void join_workers(struct http_server *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	s->exiting = 1;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < s->nworkers; i++)
		pthread_join(s->workers[i], NULL);
	s->nworkers = 0;
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
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->idle, NULL);
	unsigned nw = limits->workers ? limits->workers : 8;
	s->workers = calloc(nw, sizeof *s->workers);
	if (!s->workers || cache_init(&s->cache, limits->cache_bytes)) {
		server_free(s);
		return err_set(ERR_NOMEM, "out of memory");
	}
	for (; s->nworkers < nw; s->nworkers++)
		if (pthread_create(&s->workers[s->nworkers], NULL, worker, s) != 0) {
			join_workers(s);
			server_free(s);
			return err_set(ERR_IO, "cannot start the HTTP worker threads");
		}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = limits->threads ? limits->threads : cpus > 0 ? (unsigned)cpus : 1;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The connection limit is split among the event loops, so keep it at least one per loop. */
	unsigned conns = limits->connections < threads ? threads : limits->connections;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR, &sa,
				MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, conns,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, limits->per_address, MHD_OPTION_CONNECTION_TIMEOUT,
				limits->timeout_s, MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, MHD_OPTION_END);
	if (!s->d) {
		join_workers(s);
		server_free(s);
		return err_set(ERR_IO, "cannot listen on %s (address in use, or not permitted)", addr);
	}
	*out = s;
	return 0;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	/* No new connections; no new deferrals; then wait for those under way (MHD must not stop with a suspended one). */
	MHD_socket ls = MHD_quiesce_daemon(s->d);
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	if (s->outstanding)
		fprintf(stderr, "http: stopping: answering the %u requests under way first\n", s->outstanding);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	while (s->outstanding && pthread_cond_timedwait(&s->idle, &s->lock, &until) == 0)
		;
	int stuck = s->outstanding != 0;
	pthread_mutex_unlock(&s->lock);
	if (stuck) {
		/* Stopping now would free connections a handler still holds: leave them to the exit. */
		fprintf(stderr, "http: %u requests still under way after 60 s; not stopping the server cleanly\n",
			s->outstanding);
		return;
	}
	MHD_stop_daemon(s->d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	join_workers(s);
	server_free(s);
}

void http_stats(struct http_server *s, uint64_t counts[6])
{
	for (int i = 0; i < 6; i++)
		counts[i] = __atomic_load_n(&s->counts[i], __ATOMIC_RELAXED);
}

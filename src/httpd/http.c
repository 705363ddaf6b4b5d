#include "httpd/http.h"
#include "base/err.h"
#include "base/logline.h"

#include <jansson.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

struct conn {
	struct conn *prev, *next;
	int fd;
	struct http_addr addr;
	int trusted;
	int cut;                   /* shut down by the sweeper */
	int64_t deadline_ms;       /* monotonic; the headers of the next request are due (0: they are in) */
};

struct addr_slot {
	struct http_addr addr;
	unsigned count;            /* 0: free */
};

struct conns {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct conn *head;
	unsigned total, untrusted;
	struct addr_slot *slots;   /* open addressing, linear probing: connections of untrusted addresses */
	size_t nslots;             /* a power of two, at least twice the connections */
	struct http_addr *trusted;
	size_t ntrusted;
	unsigned connections, per_address, reserve;
	int64_t header_ms;
	/* request bodies: declared lengths reserved when the headers are in, released when the request ends */
	size_t body_budget, body_reserve, body_used;
	uint64_t body_rate;        /* bytes/s a body must average after header_ms of grace */
	pthread_t sweeper;
	int sweeping, stop;
};

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
	struct conns conns;
	const char *const *headers; /* added to every answer (http_limits.headers) */
	int json_errors;
};

struct http_call {
	struct http_server *s;
	struct MHD_Connection *c;
	const char *method, *url;
	const struct http_route *route;
	struct buf body;
	int refused;              /* a response was already decided (early) */
	size_t reserved;          /* bytes of the body budget held by this request (its declared length) */
	int body_due;             /* its connection's deadline is the body's: cleared when the body is in */
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

/* The server's own refusals: one line of text, or {"error": "..."} with http_limits.json_errors. */
static void refuse(const struct http_server *s, struct http_response *resp, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void refuse(const struct http_server *s, struct http_response *resp, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	http_text(resp, status, "%s", msg);
	if (!s->json_errors)
		return;
	json_t *j = json_pack("{s:s}", "error", msg);
	char *t = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	if (t) {
		buf_reset(&resp->body);
		buf_printf(&resp->body, "%s\n", t);
		resp->content_type = "application/json";
	}
	free(t);
	json_decref(j);
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
/* Adds a "Name: value" line, if there is one, to m. */
static void add_header_line(struct MHD_Response *m, const char *line)
{
	char name[64];
	const char *colon = line[0] ? strchr(line, ':') : NULL;
	if (colon && (size_t)(colon - line) < sizeof name && colon[1] == ' ') {
		memcpy(name, line, (size_t)(colon - line));
		name[colon - line] = 0;
		MHD_add_response_header(m, name, colon + 2);
	}
}

static struct MHD_Response *make_response(const struct http_server *s, struct http_response *r)
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
	for (size_t i = 0; s->headers && s->headers[i] && s->headers[i + 1]; i += 2)
		MHD_add_response_header(m, s->headers[i], s->headers[i + 1]);
	add_header_line(m, r->extra_header);
	for (size_t i = 0; i < HTTP_MORE_HEADERS; i++)
		add_header_line(m, r->more_headers[i]);
	return m;
}

static enum MHD_Result send_response(struct http_server *s, struct MHD_Connection *c, struct http_response *r)
{
	struct MHD_Response *m = make_response(s, r);
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
	memcpy(copy.more_headers, r->more_headers, sizeof copy.more_headers);
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
	struct MHD_Response *m = ok ? make_response(s, &copy) : NULL;
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

/* ---- connections: caps by address, a reserve for trusted addresses, a deadline for headers ---- */

/*
 * Every open connection has a struct conn (made and freed by MHD's connection
 * notifications), listed under conns.lock. The accept policy reads the counts
 * kept here; they change when MHD starts or closes a connection, so event
 * loops accepting at the same instant may go over a cap by one each.
 *
 * A sweeper thread shuts down the socket of a connection whose request
 * headers are late; MHD then sees it end and closes it. The CLOSED
 * notification (under the same lock) comes before MHD closes the socket, so
 * the sweeper never touches a descriptor that was closed and reused.
 */
static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int addr_from_sockaddr(const struct sockaddr *sa, struct http_addr *a)
{
	memset(a, 0, sizeof *a);
	if (sa && sa->sa_family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const struct in6_addr *x = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(x)) {
			a->family = AF_INET;
			memcpy(a->a, x->s6_addr + 12, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->a, x->s6_addr, 16);
		}
		return 0;
	}
	return -1;
}

static int addr_eq(const struct http_addr *x, const struct http_addr *y)
{
	return x->family == y->family && !memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

static size_t addr_slot_of(const struct conns *k, const struct http_addr *a)
{
	uint64_t h = 1469598103934665603u ^ (uint64_t)a->family; /* FNV-1a */
	for (size_t i = 0; i < (a->family == AF_INET ? 4u : 16u); i++)
		h = (h ^ a->a[i]) * 1099511628211u;
	size_t i = (size_t)h & (k->nslots - 1);
	while (k->slots[i].count && !addr_eq(&k->slots[i].addr, a))
		i = (i + 1) & (k->nslots - 1);
	return i; /* a's slot, or the free one where it would go */
}

/* Removes slot i, moving later entries of its run back (no tombstones). */
static void addr_slot_free(struct conns *k, size_t i)
{
	size_t mask = k->nslots - 1, j = i;
	k->slots[i].count = 0;
	for (;;) {
		j = (j + 1) & mask;
		if (!k->slots[j].count)
			return;
		struct addr_slot moved = k->slots[j];
		k->slots[j].count = 0;
		k->slots[addr_slot_of(k, &moved.addr)] = moved;
	}
}

void http_addr_group(const struct http_addr *a, struct http_addr *group)
{
	*group = *a;
	if (a->family == AF_INET6)
		memset(group->a + 8, 0, 8); /* the interface identifier: a host picks it freely within its /64 */
}

static int is_trusted(const struct conns *k, const struct http_addr *a)
{
	for (size_t i = 0; i < k->ntrusted; i++)
		if (addr_eq(&k->trusted[i], a))
			return 1;
	return 0;
}

/* MHD's accept policy: MHD_NO closes the new connection at once. */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *sa, socklen_t len)
{
	(void)len;
	struct conns *k = &((struct http_server *)cls)->conns;
	struct http_addr a;
	if (addr_from_sockaddr(sa, &a))
		return MHD_NO;
	int trusted = is_trusted(k, &a);
	struct http_addr g;
	http_addr_group(&a, &g);
	pthread_mutex_lock(&k->lock);
	int ok = k->total < k->connections;
	if (ok && !trusted)
		ok = k->untrusted < k->connections - k->reserve && k->slots[addr_slot_of(k, &g)].count < k->per_address;
	pthread_mutex_unlock(&k->lock);
	return ok ? MHD_YES : MHD_NO;
}

static void conn_started(struct conns *k, struct MHD_Connection *c, void **socket_context)
{
	const union MHD_ConnectionInfo *fdi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *ai = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct conn *x = calloc(1, sizeof *x);
	*socket_context = NULL;
	if (!x || !fdi || !ai || addr_from_sockaddr(ai->client_addr, &x->addr)) {
		if (fdi)
			shutdown(fdi->connect_fd, SHUT_RDWR); /* cannot be accounted for: dropped */
		free(x);
		return;
	}
	x->fd = fdi->connect_fd;
	x->trusted = is_trusted(k, &x->addr);
	x->deadline_ms = now_ms() + k->header_ms;
	pthread_mutex_lock(&k->lock);
	x->next = k->head;
	if (k->head)
		k->head->prev = x;
	k->head = x;
	k->total++;
	if (!x->trusted) {
		struct http_addr g;
		http_addr_group(&x->addr, &g);
		struct addr_slot *sl = &k->slots[addr_slot_of(k, &g)];
		sl->addr = g;
		sl->count++;
		k->untrusted++;
	}
	pthread_mutex_unlock(&k->lock);
	*socket_context = x;
}

static void conn_closed(struct conns *k, struct conn *x)
{
	pthread_mutex_lock(&k->lock);
	if (x->prev)
		x->prev->next = x->next;
	else
		k->head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	k->total--;
	if (!x->trusted) {
		struct http_addr g;
		http_addr_group(&x->addr, &g);
		size_t i = addr_slot_of(k, &g);
		if (k->slots[i].count && --k->slots[i].count == 0)
			addr_slot_free(k, i);
		k->untrusted--;
	}
	pthread_mutex_unlock(&k->lock);
	free(x);
}

static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	struct conns *k = &((struct http_server *)cls)->conns;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		conn_started(k, c, socket_context);
	else if (*socket_context) {
		conn_closed(k, *socket_context);
		*socket_context = NULL;
	}
}

/* The connection's record (NULL if it has none). */
static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/*
 * Starts (ms > 0) or stops (0) the clock on the connection: what is due (the
 * next request's headers, or this request's body) must be in within ms.
 */
static void conn_due(struct MHD_Connection *c, int64_t ms)
{
	struct conn *x = conn_of(c);
	if (x)
		__atomic_store_n(&x->deadline_ms, ms ? now_ms() + ms : 0, __ATOMIC_RELAXED);
}

static void *sweeper(void *arg)
{
	struct conns *k = arg;
	pthread_mutex_lock(&k->lock);
	while (!k->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250 * 1000000L;
		if (until.tv_nsec >= 1000000000L)
			until.tv_sec++, until.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&k->wake, &k->lock, &until);
		int64_t now = now_ms();
		for (struct conn *x = k->head; x; x = x->next) {
			int64_t d = __atomic_load_n(&x->deadline_ms, __ATOMIC_RELAXED);
			if (d && now >= d && !x->cut) {
				shutdown(x->fd, SHUT_RDWR); /* still open: MHD closes it only after CLOSED, which waits for the lock */
				x->cut = 1;
			}
		}
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

static int conns_init(struct conns *k, const struct http_limits *lim)
{
	memset(k, 0, sizeof *k);
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->wake, NULL);
	k->connections = lim->connections;
	k->per_address = lim->per_address;
	k->reserve = lim->reserve < lim->connections ? lim->reserve : 0;
	k->header_ms = (int64_t)(lim->timeout_s ? lim->timeout_s : 15) * 1000;
	k->body_budget = lim->body_budget ? lim->body_budget : (size_t)256 << 20;
	k->body_reserve = lim->body_reserve ? lim->body_reserve : k->body_budget / 4;
	if (k->body_reserve > k->body_budget / 2)
		k->body_reserve = k->body_budget / 2;
	k->body_rate = lim->body_rate ? lim->body_rate : 16u << 10;
	for (k->nslots = 16; k->nslots < 2 * (size_t)lim->connections + 64; k->nslots *= 2)
		;
	k->slots = calloc(k->nslots, sizeof *k->slots);
	if (lim->ntrusted && (k->trusted = calloc(lim->ntrusted, sizeof *k->trusted)))
		memcpy(k->trusted, lim->trusted, lim->ntrusted * sizeof *k->trusted);
	k->ntrusted = k->trusted ? lim->ntrusted : 0;
	return k->slots && (k->trusted || !lim->ntrusted) ? 0 : err_set(ERR_NOMEM, "out of memory");
}

static void conns_release(struct conns *k)
{
	if (k->sweeping) {
		pthread_mutex_lock(&k->lock);
		k->stop = 1;
		pthread_cond_signal(&k->wake);
		pthread_mutex_unlock(&k->lock);
		pthread_join(k->sweeper, NULL);
		k->sweeping = 0;
	}
	free(k->slots);
	free(k->trusted);
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->wake);
}

/*
 * Raises the open file limit to fit `want` connections (each may hold a
 * socket and a file being sent, beside the node's own files); lowers the
 * connection cap if the hard limit is short. Returns the cap to use.
 */
static unsigned fit_file_limit(unsigned want)
{
	struct rlimit r;
	if (getrlimit(RLIMIT_NOFILE, &r))
		return want;
	rlim_t need = 2 * (rlim_t)want + 256;
	if (r.rlim_cur != RLIM_INFINITY && r.rlim_cur < need) {
		rlim_t cur = r.rlim_cur;
		r.rlim_cur = r.rlim_max == RLIM_INFINITY || r.rlim_max >= need ? need : r.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &r))
			r.rlim_cur = cur;
	}
	if (r.rlim_cur == RLIM_INFINITY || r.rlim_cur >= need)
		return want;
	unsigned fit = r.rlim_cur > 256 + 2 * 16 ? (unsigned)((r.rlim_cur - 256) / 2) : 16;
	char msg[200];
	snprintf(msg, sizeof msg, "the open file limit (%llu) fits %u connections, not %u: serving at most %u",
		 (unsigned long long)r.rlim_cur, fit, want, fit);
	logline_event(LOGLINE_WARN, "http_limit", "msg", msg, LOGLINE_END);
	return fit;
}

/*
 * Reserves len bytes of the body budget for a request from a trusted address
 * or not: the others together hold at most budget - reserve, so the reserve
 * is always there for the trusted; a trusted request may use all of it. A
 * body larger than that still goes when no other is held (a route whose limit
 * is over the budget works, one request at a time). 0, or -1 if it does not fit.
 */
static int body_reserve(struct conns *k, size_t len, int trusted)
{
	pthread_mutex_lock(&k->lock);
	size_t room = trusted ? k->body_budget : k->body_budget - k->body_reserve;
	int ok = k->body_used == 0 || (k->body_used <= room && len <= room - k->body_used);
	if (ok)
		k->body_used += len;
	pthread_mutex_unlock(&k->lock);
	return ok ? 0 : -1;
}

static void body_release(struct conns *k, size_t len)
{
	pthread_mutex_lock(&k->lock);
	k->body_used -= len;
	pthread_mutex_unlock(&k->lock);
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
	static const uint8_t empty[1];
	struct http_request req = {.method = call->method, .path = call->url,
				   .body = call->body.data ? call->body.data : empty, /* never NULL (http.h) */
				   .body_len = call->body.len, .conn = call->c, .call = call, .deferred = deferred};
	req.content_type = MHD_lookup_connection_value(call->c, MHD_HEADER_KIND, "Content-Type");
	if (!req.content_type)
		req.content_type = "";
	call->route->fn(call->s->ctx, &req, resp);
	if (!resp->status && !resp->deferred)
		refuse(call->s, resp, 500, "internal error");
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

/* What the header scan found: the fields that decide a request's framing, counted. */
struct header_scan {
	unsigned content_length, transfer_encoding, host;
	int bad_name;              /* a name with white space or nothing in it ("Content-Length : 5") */
	const char *length;        /* the (first) Content-Length value */
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct header_scan *h = cls;
	if (!key[0] || strpbrk(key, " \t"))
		h->bad_name = 1;
	else if (!strcasecmp(key, "Content-Length")) {
		if (!h->content_length++)
			h->length = value;
	} else if (!strcasecmp(key, "Transfer-Encoding"))
		h->transfer_encoding++;
	else if (!strcasecmp(key, "Host"))
		h->host++;
	return MHD_YES;
}

/*
 * Framing that another reader (a proxy, the next request's parser) could take
 * differently: refused, and the connection closed. 0 if the framing is clear.
 */
static int framing_error(const struct http_server *s, struct http_response *r, const struct header_scan *h)
{
	if (h->bad_name)
		refuse(s, r, 400, "malformed header name (white space before the colon?)");
	else if (h->content_length > 1)
		refuse(s, r, 400, "more than one Content-Length header");
	else if (h->content_length && h->transfer_encoding)
		refuse(s, r, 400, "both Content-Length and Transfer-Encoding: the body's length is ambiguous");
	else if (h->transfer_encoding)
		refuse(s, r, 411, "send the body with a Content-Length (Transfer-Encoding is not accepted)");
	else
		return 0;
	return 1;
}

/*
 * The first call for a request, once its headers are in: route it, and refuse
 * what its headers already rule out. Returns 1 if the refusal must be sent now
 * (before any body is read: MHD then closes the connection), 0 otherwise.
 */
static int call_new(struct http_server *s, struct MHD_Connection *c, const char *url, const char *method,
		    const char *version, struct http_call **out)
{
	struct http_call *call = calloc(1, sizeof *call);
	*out = call;
	if (!call)
		return 0;
	call->s = s;
	call->c = c;
	call->url = url;
	call->method = method;
	response_init(&call->early);
	struct header_scan h = {0};
	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_header, &h);
	if (framing_error(s, &call->early, &h)) {
		call->refused = 1;
		return 1;
	}
	uint64_t length = h.length ? strtoull(h.length, NULL, 10) : 0; /* MHD refused a malformed one already */
	int now = length > 0; /* a refusal sent before the body it announced: the connection closes */
	int known;
	call->route = find_route(s, method, url, &known);
	if (!strcmp(version, MHD_HTTP_VERSION_1_1) && h.host != 1) {
		call->refused = 1;
		refuse(s, &call->early, 400, h.host ? "more than one Host header" : "an HTTP/1.1 request needs a Host header");
		return now;
	}
	if (!call->route) {
		call->refused = 1;
		if (known)
			refuse(s, &call->early, 405, "method %s not allowed here", method);
		else
			refuse(s, &call->early, 404, "no such resource");
		return now;
	}
	buf_init(&call->body, call->route->max_body);
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (call->route->content_type && !content_type_is(ct, call->route->content_type)) {
		call->refused = 1;
		refuse(s, &call->early, 415, "content type must be %s", call->route->content_type);
	} else if (length > call->route->max_body) {
		call->refused = 1;
		refuse(s, &call->early, 413, "request body is larger than %zu bytes", call->route->max_body);
	} else if (length > 0) {
		/* the body will be held whole until the handler runs: it must fit the budget, and arrive in time */
		struct conn *x = conn_of(c);
		struct conns *k = &s->conns;
		if (body_reserve(k, (size_t)length, x && x->trusted)) {
			call->refused = 1;
			refuse(s, &call->early, 503, "the server holds too many request bodies to take %" PRIu64 " bytes more now; try again later",
				  length);
			snprintf(call->early.extra_header, sizeof call->early.extra_header, "Retry-After: 5");
		} else {
			call->reserved = (size_t)length;
			call->body_due = 1;
			uint64_t ms = length / k->body_rate * 1000 + length % k->body_rate * 1000 / k->body_rate; /* no overflow */
			conn_due(c, k->header_ms + (int64_t)(ms < INT64_MAX / 2 ? ms : INT64_MAX / 2));
		}
	}
	return call->refused && now;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_call *call = *con_cls;
	if (!call) {
		conn_due(c, 0); /* the headers are in */
		int now = call_new(s, c, url, method, version, &call);
		if (!call)
			return MHD_NO;
		*con_cls = call;
		return now ? send_response(s, c, &call->early) : MHD_YES;
	}
	if (*upload_size) {
		if (!call->refused && buf_append(&call->body, upload, *upload_size)) {
			call->refused = 1;
			refuse(s, &call->early, 413, "request body is larger than %zu bytes", call->route->max_body);
		}
		*upload_size = 0; /* consumed (or discarded) */
		return MHD_YES;
	}
	if (call->body_due) {
		call->body_due = 0;
		conn_due(c, 0); /* the body is in: what follows (a handler, a deferred answer) has no deadline here */
	}
	if (call->refused)
		return send_response(s, c, &call->early);
	if (call->on_worker && !call->deferred)
		return call->answered ? send_response(s, c, &call->early) : MHD_YES;
	if (call->route->blocking && !call->on_worker) {
		if (to_worker(call)) {
			refuse(s, &call->early, 503, "the server is stopping");
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

struct query_out {
	struct buf *out;
	int rc;
};

static int query_put(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;
	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-._~", c))
			rc = buf_append(out, s, 1);
		else
			rc = buf_printf(out, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return rc;
}

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct query_out *q = cls;
	if (!q->rc && q->out->len)
		q->rc = buf_append(q->out, "&", 1);
	if (!q->rc)
		q->rc = query_put(q->out, key);
	if (!q->rc && value && !(q->rc = buf_append(q->out, "=", 1)))
		q->rc = query_put(q->out, value);
	return q->rc ? MHD_NO : MHD_YES;
}

int http_query(const struct http_request *req, struct buf *out)
{
	struct query_out q = {out, 0};
	buf_reset(out);
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_arg, &q);
	if (!q.rc)
		q.rc = buf_append(out, "", 0);
	return q.rc;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	struct http_server *s = cls;
	conn_due(c, s->conns.header_ms); /* the next request on this connection has as long for its headers */
	struct http_call *call = *con_cls;
	if (!call)
		return;
	if (call->deferred) {
		if (call->release)
			call->release(call->deferred);
		free(call->deferred);
	}
	if (call->reserved)
		body_release(&s->conns, call->reserved); /* the request ended: answered, or its connection closed */
	buf_release(&call->body);
	response_release(&call->early);
	free(call);
	*con_cls = NULL;
}

static int parse_addr(const char *addr, void *storage, unsigned *len, int any_port)
{
	char host[128];
	const char *colon = strrchr(addr, ':');
	if (!colon)
		return err_set(ERR_USAGE, "listen address '%s' must be host:port", addr);
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1 || (port == 0 && !any_port) || port > 65535)
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

int http_parse_addr(const char *addr, void *storage, unsigned *len)
{
	return parse_addr(addr, storage, len, 0);
}

int http_url_addrs(const char *url, struct http_addr *out, size_t max, size_t *n)
{
	char host[256];
	const char *h = strstr(url, "://");
	h = h ? h + 3 : url;
	size_t hl = strcspn(h, "/?#");
	const char *at = memchr(h, '@', hl); /* no user info in a charter URL, but never resolve it as the host */
	if (at) {
		hl -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	if (hl && h[0] == '[') {
		const char *close = memchr(h, ']', hl);
		hl = close ? (size_t)(close - h - 1) : 0;
		h++;
	} else {
		const char *colon = memchr(h, ':', hl);
		if (colon)
			hl = (size_t)(colon - h);
	}
	if (!hl || hl >= sizeof host)
		return err_set(ERR_USAGE, "no host in URL '%s'", url);
	memcpy(host, h, hl);
	host[hl] = 0;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	int e = getaddrinfo(host, NULL, &hints, &res);
	if (e)
		return err_set(ERR_NOTFOUND, "cannot resolve '%s': %s", host, gai_strerror(e));
	for (struct addrinfo *r = res; r && *n < max; r = r->ai_next) {
		struct http_addr a;
		if (addr_from_sockaddr(r->ai_addr, &a))
			continue;
		size_t i = 0;
		while (i < *n && !addr_eq(&out[i], &a))
			i++;
		if (i == *n)
			out[(*n)++] = a;
	}
	freeaddrinfo(res);
	return 0;
}

static void server_free(struct http_server *s)
{
	conns_release(&s->conns);
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

int http_listen(const char *addr, int *fd)
{
	struct sockaddr_storage sa;
	unsigned salen;
	int one = 1, rc = http_parse_addr(addr, &sa, &salen);
	if (rc)
		return rc;
	*fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return err_set(ERR_IO, "cannot listen on %s: %s", addr, strerror(errno));
	if (setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    (sa.ss_family == AF_INET6 && setsockopt(*fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one)) ||
	    bind(*fd, (struct sockaddr *)&sa, salen) || listen(*fd, 1024)) {
		int e = errno;
		close(*fd);
		*fd = -1;
		return err_set(ERR_IO, "cannot listen on %s: %s", addr, strerror(e));
	}
	return 0;
}

int http_start(struct http_server **out, const char *addr, const struct http_route *routes, size_t nroutes, void *ctx,
	       const struct http_limits *limits)
{
	struct sockaddr_storage sa;
	unsigned salen;
	int rc = parse_addr(addr, &sa, &salen, limits->any_port);
	if (rc)
		return rc;
	struct http_server *s = calloc(1, sizeof *s);
	if (!s)
		return err_set(ERR_NOMEM, "out of memory");
	s->routes = routes;
	s->nroutes = nroutes;
	s->headers = limits->headers;
	s->json_errors = limits->json_errors;
	s->ctx = ctx;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->idle, NULL);
	unsigned nw = limits->workers ? limits->workers : 8;
	struct http_limits lim = *limits;
	lim.connections = fit_file_limit(lim.connections ? lim.connections : 1);
	if (lim.reserve >= lim.connections)
		lim.reserve = lim.connections / 2;
	s->workers = calloc(nw, sizeof *s->workers);
	if (!s->workers || conns_init(&s->conns, &lim) || cache_init(&s->cache, limits->cache_bytes)) {
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
	/*
	 * The caps are the accept policy's (above), over all event loops: MHD's own
	 * limit is split among the loops, so it is set where it never binds (one
	 * full share per loop), and its per-address limit is not used (it cannot
	 * exempt the trusted addresses).
	 */
	unsigned mhd_limit = lim.connections * threads + threads;
	s->d = MHD_start_daemon(flags, 0, accept_policy, s, handler, s, MHD_OPTION_SOCK_ADDR, &sa,
				MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
				MHD_OPTION_CONNECTION_TIMEOUT, limits->timeout_s, MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				MHD_OPTION_NOTIFY_CONNECTION, notify_connection, s, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024,
				limits->listen_fd > 0 ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_END, (MHD_socket)limits->listen_fd,
				MHD_OPTION_END);
	if (!s->d) {
		join_workers(s);
		server_free(s);
		if (limits->listen_fd > 0)
			close(limits->listen_fd);
		return err_set(ERR_IO, "cannot listen on %s (address in use, or not permitted)", addr);
	}
	if (pthread_create(&s->conns.sweeper, NULL, sweeper, &s->conns) != 0) {
		MHD_stop_daemon(s->d);
		join_workers(s);
		server_free(s);
		return err_set(ERR_IO, "cannot start the HTTP header-deadline thread");
	}
	s->conns.sweeping = 1;
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
	if (s->outstanding) {
		char n[16];
		snprintf(n, sizeof n, "%u", s->outstanding);
		logline_event(LOGLINE_INFO, "http_draining", "requests", n, LOGLINE_END);
	}
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	while (s->outstanding && pthread_cond_timedwait(&s->idle, &s->lock, &until) == 0)
		;
	int stuck = s->outstanding != 0;
	pthread_mutex_unlock(&s->lock);
	if (stuck) {
		/* Stopping now would free connections a handler still holds: leave them to the exit. */
		char n[16];
		snprintf(n, sizeof n, "%u", s->outstanding);
		logline_event(LOGLINE_ERROR, "http_stuck", "requests", n, "msg",
			      "requests still under way after 60 s; not stopping the server cleanly", LOGLINE_END);
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

unsigned http_port(struct http_server *s)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_LISTEN_FD);
	struct sockaddr_storage sa;
	socklen_t len = sizeof sa;
	if (!i || getsockname(i->listen_fd, (struct sockaddr *)&sa, &len) != 0)
		return 0;
	if (sa.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&sa)->sin_port);
	if (sa.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
	return 0;
}

const char *http_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

struct header_count {
	const char *name;
	unsigned n;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	(void)value;
	struct header_count *h = cls;
	if (!strcasecmp(key, h->name))
		h->n++;
	return MHD_YES;
}

unsigned http_header_count(const struct http_request *req, const char *name)
{
	struct header_count h = {name, 0};
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, count_header, &h);
	return h.n;
}

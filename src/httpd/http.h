/*
 * http — the HTTP server on libmicrohttpd of the node and the desk: routing, bounded request
 * bodies, file responses, answers given later, a cache of immutable files, and
 * the limits that keep slow or idle clients from exhausting it (connection
 * caps, per-address caps, timeouts).
 *
 * Threads: a pool of `threads` event loops (epoll) serves every connection;
 * no thread belongs to a connection, so idle or slow clients cost memory, not
 * threads. Handlers therefore must not block, with two ways out:
 *   - a route marked `blocking` runs its handler on one of `workers` worker
 *     threads while its connection is suspended (views that query SQLite, a
 *     peer's add-checkpoint that syncs a mirror over the network);
 *   - a handler may answer later (http_defer): its connection is suspended,
 *     holding no thread at all, until someone calls http_resume; the handler
 *     is then called again to answer. A submission waits for its batch's
 *     commit this way, so a batch holds as many submissions as there are
 *     clients, not as many as there are threads.
 *
 * A route names a method and a path (exact, or a prefix ending in '/'), the
 * largest body it accepts and the content type it requires. What the headers
 * already rule out is refused as soon as they are in, before any body is read,
 * and a connection that announced a body is then closed: 413 for a declared
 * length over the route's limit, 415 for a wrong content type, 404/405. Framing
 * that two parties could read differently is refused with the connection
 * closed: more than one Content-Length (400), Content-Length with
 * Transfer-Encoding (400), a header name with white space (400); a body without
 * a Content-Length (Transfer-Encoding: chunked) gets 411. An HTTP/1.1 request
 * without exactly one Host header is 400. Handlers see only complete requests.
 *
 * Connections: at most `connections` at once; an address not in the trusted
 * list (the peers the charter names) holds at most `per_address` of them, and
 * such addresses together at most connections - reserve, so the reserve is
 * always there for trusted addresses, which have no per-address cap. A
 * request's headers must be complete within timeout_s of the connection's
 * start (or of the end of the previous request on it), however slowly they
 * trickle in; a connection idle for timeout_s is closed. A request's body
 * must then arrive at body_rate on average after timeout_s of grace (a
 * declared length L is due timeout_s + L / body_rate after the headers), or
 * the connection is shut down. Per-address caps count an IPv6 address with
 * its /64 (http_addr_group). The process's open file limit is raised to fit
 * the connections (or the cap lowered, with a line on stderr).
 *
 * Bodies are held whole until the handler runs, so they share a budget: the
 * declared Content-Length is reserved when the headers are in and released
 * when the request ends, answered or its connection closed. Requests from
 * addresses not trusted hold at most body_budget - body_reserve together; a
 * trusted one may use the whole budget. A declared body that does not fit is
 * refused with 503 (and Retry-After) before any of it is read, and the
 * connection closed; a body larger than the budget (a route's limit may be)
 * is taken when no other body is held.
 */
#ifndef PARLEY_HTTP_H
#define PARLEY_HTTP_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

struct http_call; /* one request on its connection */

struct http_request {
	const char *method;
	const char *path;          /* the URL path, without query */
	const char *content_type;  /* "" if none */
	const uint8_t *body;       /* never NULL: an empty body is a valid pointer to 0 bytes */
	size_t body_len;
	void *conn;                /* the server's connection (for http_arg) */
	struct http_call *call;    /* this request (for http_defer and http_resume) */
	void *deferred;            /* NULL on the first call; the state http_defer returned on the call after http_resume */
};

/* The value of query argument name, or NULL. */
const char *http_arg(const struct http_request *req, const char *name);
/* The (first) value of request header name (case-insensitive), or NULL. */
const char *http_header(const struct http_request *req, const char *name);
/*
 * The query string rebuilt from the decoded arguments, in the order received,
 * each name and value percent-encoded again (RFC 3986: all but unreserved
 * characters), into out (reset first; "" when there is none). For handlers
 * that parse a query themselves (the desk's TAXII feed). ERR_LIMIT past out's
 * maximum.
 */
int http_query(const struct http_request *req, struct buf *out);
/* How many times request header name occurs. */
unsigned http_header_count(const struct http_request *req, const char *name);

#define HTTP_MORE_HEADERS 4

struct http_response {
	int status;
	const char *content_type;
	const char *cache_control; /* NULL: none */
	struct buf body;           /* used unless fd >= 0 */
	int fd;                    /* a file to send (closed by the server) */
	size_t fd_size;
	char extra_header[128];    /* one optional "Name: value" header */
	char more_headers[HTTP_MORE_HEADERS][160]; /* further optional "Name: value" headers ("" for none) */
	int immutable;             /* a 200 that never changes for this path: may be served from the cache */
	int deferred;              /* set by http_defer: nothing is sent now */
};

typedef void (*http_handler_fn)(void *ctx, const struct http_request *req, struct http_response *resp);

struct http_route {
	const char *method;
	const char *path;          /* exact path, or a prefix if it ends in '/' */
	size_t max_body;
	const char *content_type;  /* required request content type (NULL: any) */
	http_handler_fn fn;
	int blocking;              /* fn may block: it runs on a worker thread */
	int cached;                /* look the path up in the immutable-file cache before calling fn */
};

/* A client address (IPv4-mapped IPv6 addresses are taken as IPv4). */
struct http_addr {
	int family;                /* AF_INET or AF_INET6 */
	uint8_t a[16];             /* 4 bytes for AF_INET, 16 for AF_INET6 */
};

struct http_limits {
	unsigned connections;      /* total */
	unsigned per_address;      /* per client address, for addresses not trusted */
	unsigned reserve;          /* of connections, kept for trusted addresses (< connections) */
	unsigned timeout_s;        /* idle connections, and requests whose headers are not all in, are closed after this */
	unsigned threads;          /* event loops (0: one per CPU) */
	unsigned workers;          /* threads for blocking routes (0: 8) */
	size_t cache_bytes;        /* immutable responses kept in memory (0: none) */
	const struct http_addr *trusted; /* exempt from per_address, may use the reserve (copied at start) */
	size_t ntrusted;
	size_t body_budget;        /* bytes of request bodies held at once, over all connections (0: 256 MiB) */
	size_t body_reserve;       /* of body_budget, kept for trusted addresses (0: a quarter; at most half) */
	unsigned body_rate;        /* bytes/s a body must average, after timeout_s of grace (0: 16 KiB/s) */
	const char *const *headers; /* NULL, or name, value, name, value, ..., NULL: sent on every answer,
	                               the server's own refusals included (borrowed for the server's life) */
	int json_errors;           /* the server's own refusals (400, 404, 405, 411, 413, 415, 500, 503) as
	                              application/json {"error": "..."} instead of a line of text */
	int any_port;              /* the listen address may give port 0: the system picks one (http_port) */
	int listen_fd;             /* 0: http_start binds addr; else a socket from http_listen, the server's from then on */
};

/*
 * The group an address is counted in for the per-address cap: an IPv4
 * address is its own group; an IPv6 address counts with its /64 (the low 64
 * bits zeroed), since one host is given (and may use) a whole /64.
 */
void http_addr_group(const struct http_addr *a, struct http_addr *group);

/*
 * Appends to out (holding *n of max) the addresses the host of url
 * ("http://host[:port]/...", host a name or an address literal, IPv6 in
 * brackets) resolves to now, skipping those already there. 0, or ERR_USAGE
 * (no host) / ERR_NOTFOUND (does not resolve) with err_msg() naming it.
 */
int http_url_addrs(const char *url, struct http_addr *out, size_t max, size_t *n);

struct http_server;

/*
 * Binds addr and listens, without serving yet: *fd is the socket for
 * limits->listen_fd (so a process can bind a low port, then give up root and
 * confine itself before any serving thread exists). 0, or ERR_IO naming addr.
 */
int http_listen(const char *addr, int *fd);

/* Listens on addr ("127.0.0.1:8401", "[::1]:8401", ":8401"), or on limits->listen_fd. Routes and ctx are borrowed. */
int http_start(struct http_server **s, const char *addr, const struct http_route *routes, size_t nroutes,
	       void *ctx, const struct http_limits *limits);
/* Stops listening, waits (up to 60 s) for deferred answers and blocking handlers, then closes everything. */
void http_stop(struct http_server *s);

/* Fills resp with a one-line text message. */
void http_text(struct http_response *resp, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Serves the file at dirfd/relpath (immutable if cache is non-zero). 404 if absent. */
void http_file(struct http_response *resp, int dirfd, const char *relpath, const char *content_type,
	       const char *cache_control);

/*
 * Answers req later (only from a handler on a route that is not blocking).
 * Suspends the connection and returns size zeroed bytes of state owned by the
 * request: release(state), if given, then free, when the request ends however
 * it ends. The caller must then call http_resume(req->call) exactly once, from
 * any thread (it may already have happened when the handler returns); the
 * handler is called again with req->deferred == the state, and answers.
 * NULL (and a 503 in resp) if out of memory or the server is stopping.
 */
void *http_defer(const struct http_request *req, struct http_response *resp, size_t size, void (*release)(void *));
void http_resume(struct http_call *call);

/* The port the server listens on (the one the system picked for port 0); 0 if unknown. */
unsigned http_port(struct http_server *s);

/* Parses "host:port" into a sockaddr (IPv4 or IPv6 literal, or localhost). */
int http_parse_addr(const char *addr, void *sockaddr_storage, unsigned *len);

/* Requests served, by status class, since start (for metrics). */
void http_stats(struct http_server *s, uint64_t counts[6]);

#endif

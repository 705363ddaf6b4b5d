/*
 * http — the node's HTTP server on libmicrohttpd: routing, bounded request
 * bodies, file responses, and the limits that keep slow or idle clients from
 * exhausting it (connection caps, per-address caps, timeouts).
 *
 * A route names a method and a path (exact, or a prefix ending in '/'), the
 * largest body it accepts and the content type it requires. Requests whose
 * declared length is too large get 413 before their body is read; a wrong
 * content type gets 415; a body that grows past the limit gets 413; a body
 * that never completes is dropped when the connection times out. Handlers see
 * only complete requests and run on the connection's own thread, so they may
 * block (a submission waits for its batch to be durable).
 */
#ifndef PARLEY_HTTP_H
#define PARLEY_HTTP_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

struct http_request {
	const char *method;
	const char *path;          /* the URL path, without query */
	const char *content_type;  /* "" if none */
	const uint8_t *body;
	size_t body_len;
	void *conn;                /* the server's connection (for http_arg) */
};

/* The value of query argument name, or NULL. */
const char *http_arg(const struct http_request *req, const char *name);

struct http_response {
	int status;
	const char *content_type;
	const char *cache_control; /* NULL: none */
	struct buf body;           /* used unless fd >= 0 */
	int fd;                    /* a file to send (closed by the server) */
	size_t fd_size;
	char extra_header[128];    /* one optional "Name: value" header */
};

typedef void (*http_handler_fn)(void *ctx, const struct http_request *req, struct http_response *resp);

struct http_route {
	const char *method;
	const char *path;          /* exact path, or a prefix if it ends in '/' */
	size_t max_body;
	const char *content_type;  /* required request content type (NULL: any) */
	http_handler_fn fn;
};

struct http_limits {
	unsigned connections;      /* total */
	unsigned per_address;      /* per client address */
	unsigned timeout_s;        /* idle or slow connections are closed after this */
};

struct http_server;

/* Listens on addr ("127.0.0.1:8401", "[::1]:8401", ":8401"). Routes and ctx are borrowed. */
int http_start(struct http_server **s, const char *addr, const struct http_route *routes, size_t nroutes,
	       void *ctx, const struct http_limits *limits);
void http_stop(struct http_server *s);

/* Fills resp with a one-line text message. */
void http_text(struct http_response *resp, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Serves the file at dirfd/relpath (immutable if cache is non-zero). 404 if absent. */
void http_file(struct http_response *resp, int dirfd, const char *relpath, const char *content_type,
	       const char *cache_control);

/* Parses "host:port" into a sockaddr (IPv4 or IPv6 literal, or localhost). */
int http_parse_addr(const char *addr, void *sockaddr_storage, unsigned *len);

/* Requests served, by status class, since start (for metrics). */
void http_stats(struct http_server *s, uint64_t counts[6]);

#endif

/*
 * client — HTTP requests to peers and nodes (libcurl), bounded and with
 * timeouts, for the node (fetching peers' tiles and bodies, pushing
 * checkpoints to witnesses) and the officers' commands.
 */
#ifndef PARLEY_CLIENT_H
#define PARLEY_CLIENT_H

#include "base/buf.h"

#include <stddef.h>

/* Initialise once per process (not thread-safe); safe to call again. */
int client_global_init(void);

/*
 * GET url into out (reset first; at most out->max bytes). *status receives
 * the HTTP status (0 if no response). Returns 0 when a response arrived,
 * whatever its status; ERR_IO for a connection failure or timeout, ERR_LIMIT
 * if the response is larger than out->max.
 */
int client_get(const char *url, struct buf *out, long *status, long timeout_s);

/*
 * A session keeps one connection open between requests (HTTP keep-alive), for
 * many GETs to the same peer in a row. client_session_get is client_get on it.
 */
struct client_session;
int client_session_open(struct client_session **s);
int client_session_get(struct client_session *s, const char *url, struct buf *out, long *status, long timeout_s);
void client_session_close(struct client_session *s);
/*
 * Lets the session's GETs read file:// URLs too (for `parley fetch` from a
 * local copy of a log; never for URLs a peer or a charter gave the node). A
 * file that cannot be read is answered as status 404, one that can as 200.
 */
void client_session_allow_files(struct client_session *s);
/* POST on the session's connection, as client_post. */
int client_session_post(struct client_session *s, const char *url, const char *content_type, const void *body,
			size_t len, struct buf *out, long *status, long timeout_s);

/* POST body with content_type to url; the response as for client_get. */
int client_post(const char *url, const char *content_type, const void *body, size_t len, struct buf *out,
		long *status, long timeout_s);

/* base + "/" + path, with no doubled slash, into out. */
int client_url(char *out, size_t outsz, const char *base, const char *path);

#endif

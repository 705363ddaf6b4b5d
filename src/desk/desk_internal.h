/*
 * desk_internal — what the desk's modules share (not an API): the desk's
 * state, the request handler (desk_http.c), the JSON API (desk_api.c), the
 * tar writer (desk_tar.c).
 */
#ifndef PARLEY_DESK_INTERNAL_H
#define PARLEY_DESK_INTERNAL_H

#include "base/buf.h"
#include "desk/desk.h"
#include "httpd/http.h"
#include "officer/officer.h"
#include "sys/sandbox.h"

#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>

/* 32 random bytes in base64url without padding: 43 characters. */
#define DESK_TOKEN_LEN 43
/* The largest request body: a plaintext body with its evidence (PROFILE_BODY_MAX), in JSON, with room. */
#define DESK_REQUEST_MAX ((16u << 20) + 65536)

struct desk {
	struct officer o;
	pthread_mutex_t officer_lock;   /* one call into the officer's client at a time */
	pthread_mutex_t lock;           /* the secret and the session */
	char secret[DESK_TOKEN_LEN + 1];
	int secret_spent;
	int has_session;
	char session[DESK_TOKEN_LEN + 1];
	char csrf[DESK_TOKEN_LEN + 1];
	/* the session's life (docs/desk.md "The session's life"), under lock */
	unsigned idle_s, max_s;         /* seconds */
	int64_t opened, used;           /* desk_now_ms() when the session opened, when an API request last passed every check */
	char ended[DESK_TOKEN_LEN + 1]; /* the cookie of the session that ended last ("" if none): answered 401 */
	const char *ended_why;          /* "idle" or "max" */
	char start_base[128];           /* "http://HOST:PORT/start#": a new link is this and the new secret */
	void (*on_new_link)(void *arg, const char *url, const char *why);
	void *on_new_link_arg;
	/* what the Host header may be (when on loopback), and the Origin that goes with each */
	char hosts[2][96];
	size_t nhosts;
	int remote;                     /* --allow-remote with a non-loopback address: Host is not checked */
	char cookie[32];                /* the session cookie's name, parley_desk_PORT: browsers keep cookies per
	                                   host, not per port, so two desks on one machine must not share one */
	char dir[PATH_MAX];             /* the working directory */
	int dir_is_temp;                /* made by the desk, removed at stop */
	unsigned seq;                   /* for names of scratch directories (under lock) */
	struct http_server *http;
	struct desk_titles *titles;     /* the cases' titles, in memory only (desk_titles.h; under officer_lock) */
	struct taxii_store *taxii;      /* the TAXII feed's objects (desk_taxii.c) */
	int64_t taxii_filled;           /* monotonic seconds of the last fill (under lock) */
	char taxii_line[PATH_MAX + 512]; /* what desk_taxii_line says */
	struct sandbox_paths sandbox;   /* what Landlock lets it touch (dir points into d->dir) */
};

/* The request handler of every route (desk_http.c). */
void desk_serve(void *ctx, const struct http_request *req, struct http_response *resp);

/* The API (desk_api.c): req->path starts with "/api/"; the session and CSRF checks are done. */
void desk_api(struct desk *d, const struct http_request *req, struct http_response *resp);
/* GET /api/receipt/<case id>, /api/evidence/<party>/<index> (desk_download.c); the argument is what follows. */
void desk_api_receipt(struct desk *d, const char *case_id, struct http_response *resp);
void desk_api_evidence(struct desk *d, const char *rest, struct http_response *resp);

/* GET /api/report, /api/report/bundle, /api/mandate (desk_report.c); path is after "/api/". */
void desk_api_report(struct desk *d, const struct http_request *req, const char *path, struct http_response *resp);

/* POST /api/statement/<step> (desk_statement.c). */
void desk_api_statement(struct desk *d, const struct http_request *req, const char *step, struct http_response *resp);

/* Monotonic milliseconds (the session's clock). */
int64_t desk_now_ms(void);
/*
 * Under d->lock: if the session is past its idle time or maximum at now (desk_now_ms), ends
 * it (its cookie kept in d->ended to answer 401), makes a new start secret and
 * writes the new link into url (urlsz > 0) and returns why ("idle", "max");
 * else NULL. The caller calls d->on_new_link after unlocking.
 */
const char *desk_session_expire_locked(struct desk *d, int64_t now, char *url, size_t urlsz);
/* Calls d->on_new_link (not under d->lock). */
void desk_announce_link(struct desk *d, const char *url, const char *why);

/* POST /api/start: opens the session (desk_http.c, the one API path without a session). */
void desk_api_start(struct desk *d, const struct http_request *req, struct http_response *resp);

/* The TAXII feed (desk_taxii.c, docs/taxii.md): refreshed at a walk's start, and on any request when older than this. */
#define DESK_TAXII_REFRESH_S 30
/*
 * Opens the feed: its credential from DIR/taxii.secret (made if absent) and
 * the store with the desk's origin, empty: the first authenticated request
 * fills it (journal DIR/taxii.journal).
 * collection receives the collection's id.
 */
int desk_taxii_open(struct desk *d, const char *origin, char collection[37]);
void desk_taxii_close(struct desk *d);
/* A request under /taxii2/: authenticated by the feed's credential, not the session. */
void desk_taxii(struct desk *d, const struct http_request *req, struct http_response *resp);

/* {"error": msg} with status. */
void desk_json_error(struct http_response *resp, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* j (taken: decref'd here) as the answer with status; 500 if it cannot be written. */
void desk_json(struct http_response *resp, int status, json_t *j);

/* The page's key for its "seen" marks in localStorage (docs/desk.md "Security"): 32 bytes, base64url
 * (DESK_TOKEN_LEN characters), derived from the agency's key, so the same across restarts and
 * unknown to any other program that later listens on the desk's port. */
void desk_seen_key(const struct desk *d, char out[DESK_TOKEN_LEN + 1]);

/* A new scratch directory under the desk's directory, into out. */
int desk_scratch_dir(struct desk *d, const char *what, char *out, size_t outsz);
/* Removes dir and everything under it (no symbolic link is followed). */
int desk_remove_tree(const char *dir);

/*
 * Appends to out a tar archive (POSIX ustar) of the regular files and
 * directories under dir, each named prefix/relative-path, in name order,
 * mode 0644 (files) or 0755 (directories), owner 0, mtime `mtime`.
 * ERR_LIMIT if a name does not fit ustar's 100 + 155 bytes or out's cap;
 * ERR_USAGE for anything but files and directories (a symbolic link).
 */
int desk_tar_dir(const char *dir, const char *prefix, long long mtime, struct buf *out);


#endif

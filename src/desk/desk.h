/*
 * desk — the officers' web application (docs/desk.md): a local HTTP server
 * over the officers' client (src/officer/) for one agency, whose key stays in
 * this process.
 *
 * Security (docs/desk.md "Security"): it listens on loopback unless told
 * otherwise; it prints a URL carrying a one-time start secret, and the first
 * POST /api/start with that secret opens the one session (a cookie and a
 * CSRF token); the secret is then spent. Without the session nothing that
 * reads cases or acts for the agency is served; every POST also needs the
 * session's CSRF token and a matching Origin. The session ends after a time
 * without requests and after a maximum (desk_config.idle_s, max_s): requests
 * with its cookie then answer 401, and a new start link is made (on_new_link).
 * Every answer carries a strict
 * Content-Security-Policy and the other headers the doc lists.
 *
 * Threads: requests run on the HTTP server's worker threads; the session is
 * under a lock, and calls into the officer's client are made one at a time.
 */
#ifndef PARLEY_DESK_H
#define PARLEY_DESK_H

#include <stddef.h>

struct desk_config {
	const char *key_path;      /* the agency's key file */
	const char *node_url;      /* its party's node */
	const char *listen;        /* "127.0.0.1:0" when NULL */
	const char *dir;           /* the desk's working directory (logs fetched for reports, statements); NULL: a
	                              private temporary directory removed at desk_stop */
	int allow_remote;          /* a non-loopback listen address is refused without it */
	/* The session's life (docs/desk.md "The session's life"), in seconds; 0: the defaults below. It ends
	   after idle_s without an API request, or max_s after it opened, whichever comes first. */
	unsigned idle_s, max_s;
	/*
	 * Called when a session has ended (idle or past its maximum) and a new
	 * start link was made, with that link ("http://HOST:PORT/start#SECRET") and
	 * why ("idle" or "max"). NULL: nobody is told (the link is then lost, and
	 * only a restart opens the desk again). Called from a worker thread or
	 * from desk_tick's, never under the desk's locks.
	 */
	void (*on_new_link)(void *arg, const char *url, const char *why);
	void *on_new_link_arg;
	/* 1: no sandbox (--no-sandbox, a debugging aid). 0: desk_start confines the process (sys/sandbox.h, role
	   SANDBOX_DESK): no_new_privs, Landlock to dir (set before the server's threads start), then the seccomp
	   allow-list on every thread. For good: the process stays confined after desk_stop. */
	int no_sandbox;
};

#define DESK_SESSION_IDLE_S 1800u   /* 30 minutes without a request */
#define DESK_SESSION_MAX_S 43200u   /* 12 hours after the start link was used */
#define DESK_SESSION_LIMIT_S 2592000u /* the largest --session-idle / --session-max: 30 days */

struct desk;

/*
 * 0 if listen ("host:port", IPv6 in brackets) may be used: a loopback
 * address (127.0.0.0/8, ::1, localhost), or any address with allow_remote.
 * ERR_USAGE naming the rule otherwise.
 */
int desk_listen_check(const char *listen, int allow_remote);

/*
 * Opens the officer's client (officer_open: the key, the node, the charter),
 * makes the start secret and starts listening; unless c->no_sandbox, the
 * process is sandboxed before it returns (docs/desk.md "Sandbox"). url
 * receives "http://HOST:PORT/start#SECRET", the line `parley desk` prints.
 * ERR_USAGE / ERR_IO with the reason (a sandbox that cannot be set up is an
 * error: the desk never serves without the sandbox it was asked for).
 */
int desk_start(struct desk **d, const struct desk_config *c, char *url, size_t urlsz);

/*
 * Where the desk's TAXII 2.1 feed is, for the officer to give a TAXII client
 * (docs/taxii.md): "<origin>/taxii2/ collection <id>, credential in <dir>/taxii.secret".
 */
const char *desk_taxii_line(const struct desk *d);

/*
 * Ends the session if it is past its idle time or its maximum (as the next
 * request would find it), then makes a new start secret and calls
 * on_new_link. Call it about once a second (parley desk does) so that the
 * session ends, and the new link is printed, even when nobody asks.
 */
void desk_tick(struct desk *d);

/* Stops serving and releases everything (the key's memory is wiped). */
void desk_stop(struct desk *d);

/*
 * The value of cookie name in a Cookie header ("a=1; b=2") into out (NUL
 * terminated). 0; -1 if absent, given twice, longer than outsz - 1, or the
 * header is malformed (a pair without '=', a name or value with characters
 * RFC 6265 does not allow). Exported for the fuzz target.
 */
int desk_cookie_value(const char *header, const char *name, char *out, size_t outsz);

#endif

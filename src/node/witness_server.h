/*
 * witness_server — `parley witness`: a neutral witness over HTTP. Its DIR
 * holds the charter and the witness's key file (named like a witness of the
 * charter); it cosigns the checkpoints of every party's log, keeping its state
 * in DIR/state (see witness.h).
 */
#ifndef PARLEY_WITNESS_SERVER_H
#define PARLEY_WITNESS_SERVER_H

#include <stddef.h>

struct witness_server;

/*
 * Starts serving. listen NULL: the host:port of the witness's URL in the
 * charter. confine, if not NULL, is called once the state is open and the
 * port bound, before any thread starts or anything is served (as
 * node_options.confine); non-zero stops the start. On failure nothing is left
 * running. Signals are the caller's.
 */
int witness_server_start(const char *dir, const char *listen, int (*confine)(void *ctx, const char *dir), void *ctx,
			 struct witness_server **out);
/* Stops serving (answering what is in flight) and frees s. NULL is a no-op. */
void witness_server_stop(struct witness_server *s);

/* Prepares DIR: copies the charter and the key file in. */
int witness_server_init(const char *dir, const char *charter_path, const char *key_path);

/* The host:port part of an http(s) URL, for listening (port 80/443 if absent). */
void url_listen_addr(const char *url, char *out, size_t outsz);

/*
 * parley serves plain HTTP only. With an https URL it must not listen on the
 * HTTPS port: listen must have been given explicitly (explicit_listen) and on
 * another port than the URL's (443 if absent), behind a TLS reverse proxy.
 * 0, or ERR_USAGE with the reason. Any http:// URL is 0.
 */
int url_listen_check(const char *url, const char *listen, int explicit_listen);

#endif

/*
 * witness_server — `parley witness`: a neutral witness over HTTP. Its DIR
 * holds the charter and the witness's key file (named like a witness of the
 * charter); it cosigns the checkpoints of every party's log, keeping its state
 * in DIR/state (see witness.h), each log judged under the party's node keys
 * over time from the charter and DIR/amendments/ (loaded at start; a bad file
 * stops it, named). POST /amendment adopts the channel's next amendment
 * (complete and valid; 200 adopted or already there, 400 not an amendment,
 * 409 not the next one or a conflicting one, 413 too large or past a limit,
 * 422 invalid or not fully signed; nothing stored on refusal), saves it in
 * DIR/amendments/NNNN before answering, and follows its node keys at once.
 */
#ifndef PARLEY_WITNESS_SERVER_H
#define PARLEY_WITNESS_SERVER_H

#include <stddef.h>

struct witness_server;
struct charter_history;
struct witness_key_span;

/*
 * The node keys of origin's log over time from h (history_node_keys, in the
 * witness's form: witness/witness.h), at most WITNESS_LOG_KEYS_MAX into out.
 * How many; 0 when origin is no party's log. What a node's witness and the
 * neutral witness give witness_open and witness_set_log_keys.
 */
size_t witness_log_keys(const struct charter_history *h, const char *origin, struct witness_key_span *out);

struct witness;
/*
 * Gives every log w follows its node keys over time from h (witness_log_keys,
 * then witness_set_log_keys; a log h does not know is left as it is): what a
 * node or the neutral witness calls after adopting an amendment. 0, or the
 * first error of witness_set_log_keys.
 */
int witness_follow_history(struct witness *w, const struct charter_history *h);

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

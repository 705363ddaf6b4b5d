/*
 * submit — checking a submission before it may enter the log. Pure: no I/O.
 * The framing is exchange/submit_frame.h's.
 *
 * submit_check() returns the HTTP status the node answers with, and a
 * one-line reason in err_msg(): 200 when the envelope may be sequenced.
 * See docs/node.md for the table of refusals.
 */
#ifndef PARLEY_SUBMIT_H
#define PARLEY_SUBMIT_H

#include "exchange/charter.h"
#include "exchange/history.h"
#include "exchange/envelope.h"
#include "exchange/submit_frame.h"

#include <stddef.h>
#include <stdint.h>

#define SUBMIT_DEFAULT_SKEW 900   /* seconds an envelope's time may differ from the node's clock */
#define SUBMIT_STATEMENT_MAX_AGE (30 * 86400) /* seconds a statement may be published after its time */

struct submission {
	const uint8_t *envelope;   /* points into the request */
	size_t envelope_len;
	const uint8_t *body;
	size_t body_len;
	struct envelope env;       /* parsed; release with submission_release */
	int parsed;
};

/*
 * Checks a request body against the charter in force at the envelope's time
 * (history_at: docs/amendments.md) for a node of party `party`:
 * framing, envelope syntax and kind rules, channel, membership, signatures,
 * that the sender is one of this party's agencies, the body's hash and size,
 * and that the envelope's time is within max_skew seconds of now (a
 * statement's may also be up to SUBMIT_STATEMENT_MAX_AGE in the past: it is
 * the time it was proposed, before every named agency co-signed it).
 * req may be NULL when len is 0 (an empty request: 400).
 */
int submit_check(struct submission *s, const uint8_t *req, size_t len, const struct charter_history *h,
		 const char *party, int64_t now, int64_t max_skew);
void submission_release(struct submission *s);

#endif

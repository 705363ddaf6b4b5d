/*
 * body_batch — the wire format of POST /bodies, which hands a peer many
 * bodies in one answer (a node catching up on a peer's log fetches the
 * bodies of a whole bundle at once rather than one request each).
 *
 * Request (application/octet-stream): 1 to BODY_BATCH_MAX_HASHES raw SHA-256
 * hashes of bodies, 32 bytes each, concatenated.
 *
 * Answer (200, application/octet-stream): for each of the first k requested
 * hashes (1 <= k <= n), in the order asked, a 4-byte big-endian length and
 * that many bytes of the body. The server stops after the body that takes
 * the answer to BODY_BATCH_ANSWER_TARGET bytes or more, so an answer is
 * bounded by the target plus one body; the client asks again for the rest.
 * The client checks each body against the hash and size its envelope names.
 */
#ifndef PARLEY_BODY_BATCH_H
#define PARLEY_BODY_BATCH_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

#define BODY_BATCH_MAX_HASHES 256
#define BODY_BATCH_REQUEST_MAX (BODY_BATCH_MAX_HASHES * 32)
#define BODY_BATCH_ANSWER_TARGET (8u << 20)

/* Checks a request's shape; *n receives the number of hashes. 0 or ERR_FORMAT (message says why). req may be NULL when len is 0. */
int body_batch_request_check(const uint8_t *req, size_t len, size_t *n);

/* Appends one body (length prefix and bytes) to an answer. */
int body_batch_append(struct buf *answer, const uint8_t *body, size_t len);

/* Called for the i-th body of an answer; non-zero stops the parse and is returned. */
typedef int (*body_batch_fn)(void *ctx, size_t i, const uint8_t *body, size_t len);

/*
 * Splits an answer to a request of `asked` hashes into its bodies, calling fn
 * for each in order; *count receives how many there were. ERR_FORMAT for a
 * truncated answer, a body larger than max_body, none at all, or more bodies
 * than asked. data may be NULL when len is 0.
 */
int body_batch_parse(const uint8_t *data, size_t len, size_t asked, size_t max_body, body_batch_fn fn, void *ctx,
		     size_t *count);

#endif

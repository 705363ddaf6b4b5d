/*
 * submit_frame — the framing of a submission, shared by whoever submits (the
 * officers' client) and whoever checks (the node's submit module). Pure: no I/O.
 *
 *   parley-submit v1 <envelope length> <body length>\n<envelope><sealed body>
 *
 * sent as Content-Type application/x-parley-submit (docs/node.md).
 */
#ifndef PARLEY_SUBMIT_FRAME_H
#define PARLEY_SUBMIT_FRAME_H

#include "base/buf.h"
#include "exchange/envelope.h"

#include <stddef.h>
#include <stdint.h>

#define SUBMIT_CONTENT_TYPE "application/x-parley-submit"
#define SUBMIT_MAX_REQUEST (ENVELOPE_MAX_SIZE + ENVELOPE_BODY_MAX + 64)

/* Appends the framed request (header, envelope, body) to out. */
int submit_frame_format(struct buf *out, const uint8_t *envelope, size_t elen, const uint8_t *body, size_t blen);

/*
 * Splits a framed request into its envelope and body (pointers into req).
 * Returns the HTTP status a node answers a bad frame with (400 malformed,
 * 413 over a limit) with the reason in err_msg(), or 200 when the frame is
 * well formed; nothing inside the envelope or body is checked here.
 * req may be NULL when len is 0 (an empty request: 400).
 */
int submit_frame_split(const uint8_t *req, size_t len, const uint8_t **envelope, size_t *elen, const uint8_t **body,
		       size_t *blen);

#endif

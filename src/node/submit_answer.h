/*
 * submit_answer — the answer to a sequenced submission: the entry's inclusion
 * proof (c2sp.org/tlog-proof) against the checkpoint of its batch (the first
 * that covers it), with the tiles of that size read from the log directory.
 * Shared by the node's POST /submit (node_http.c) and the log-alone benchmark
 * (bench/bench_logserver.c), so the benchmark measures the node's own code.
 *
 * Each calling thread (an event loop) keeps one tile reader: the entries of
 * one batch share most tiles, and a tile never changes once written.
 */
#ifndef PARLEY_SUBMIT_ANSWER_H
#define PARLEY_SUBMIT_ANSWER_H

#include "base/buf.h"
#include "httpd/http.h"

#include <stdint.h>

/*
 * Fills resp with the 200 answer for the entry at index under the signed
 * checkpoint cp (the proof as the body, X-Parley-Index as its header),
 * reading tiles from the log directory log_fd. 0, or the error (ERR_NOMEM,
 * or the proof's) with resp's status unchanged: the caller answers 500.
 */
int submit_answer_proof(int log_fd, uint64_t index, const struct buf *cp, struct http_response *resp);

#endif

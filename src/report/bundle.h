/*
 * bundle — a period report with everything its figures were computed from
 * (docs/reports.md "A bundle"), and its offline verification.
 *
 * A bundle is a `parley fetch` directory cut at each log's closing checkpoint,
 * plus the report:
 *
 *   OUT/charter                          the signed charter (a copy)
 *   OUT/logs/<party>/                    the log up to the cut, tlog-tiles, written by the
 *                                        store as a mirror committed under the cut's note
 *   OUT/logs/<party>.checkpoints/<size>  every kept checkpoint at or below the cut
 *                                        (kept_merge: log signature, earliest cosignature
 *                                        per charter cosigner)
 *   OUT/report.json                      the --json report (parameters and figures)
 *
 * The checkpoint at the cut carries the log's signature, the earliest
 * cosignature per cosigner, and, for each cosigner counted for the closing
 * checkpoint, the cosignature that counted (its earliest at or after
 * to + 15 min, which a heartbeat may have made later than its earliest): so
 * the bundle gives the loader exactly the closing checkpoint and the delivery
 * times the source gave.
 */
#ifndef PARLEY_BUNDLE_H
#define PARLEY_BUNDLE_H

#include "base/buf.h"
#include "exchange/charter.h"
#include "report/logset.h"
#include "report/report.h"

/*
 * Writes the charter (copied from charter_path) and every log of s, cut at
 * s->logs[p].read, into out, which must be absent or an empty directory
 * (ERR_CONFLICT otherwise). s was loaded with a period end (closing
 * checkpoints). A party whose log s did not find gets no directory. 0 or an
 * ERR_* code (ERR_VERIFY if a source file changed and no longer checks).
 */
int bundle_write_logs(const struct logset *s, const char *charter_path, const char *out);

/* The parameters of a report, as report.json states them. */
struct bundle_params {
	int mandate;                 /* 1: a mandate report ("parley mandate report v1": no filter) */
	int64_t from, to;
	char channel[65];            /* hex charter id */
	struct report_filter f;      /* -1s for a mandate report */
};

/*
 * Reads the parameters from the head of a report.json (a period report,
 * "parley report v1", or a mandate report, "parley mandate report v1") (the members before
 * "as_of", where the layout puts them: the file may be hundreds of megabytes,
 * and verify compares the rest byte for byte). The filter's parties must be
 * ch's. 0 or ERR_VERIFY naming what is wrong; ERR_NOMEM.
 */
int bundle_params_parse(const uint8_t *data, size_t len, const struct charter *ch, struct bundle_params *p);

/*
 * The first JSON member where a (the bundle's) and b (recomputed) differ,
 * as "pairs[0].delivered: bundle says 3, recomputed 2", into out. 1: a
 * difference named; 0: the same content; -1: one of them is not JSON.
 */
int bundle_json_diff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, char *out, size_t n);

/* Removes a partly written bundle directory and everything in it (best effort; symlinks are not followed). */
void bundle_discard(const char *dir);

struct mandate;
/*
 * The whole bundle of the report r, or of the mandate report md when md is
 * not NULL: the logs (bundle_write_logs), then OUT/report.json (the --json
 * output, streamed and made durable), then, when every log of s closed, the
 * bundle verified as `report verify` will verify it (a source that changed
 * meanwhile would not); one with a provisional log cannot verify, by design,
 * and is left as written. On failure out may hold part of a bundle: write it
 * into a scratch directory and rename it (bundle_discard on failure).
 */
int bundle_write(const struct logset *s, const char *charter_path, const struct report *r, const struct mandate *md,
		 const char *out, int threads);

/*
 * Verifies the bundle in dir (of a period or a mandate report) against the charter given by the verifier
 * (public keys only, nothing written): the bundle's charter has the same
 * channel id; the report.json parameters; every log loaded and checked by
 * logset_open; every log present and cut at its closing checkpoint for the
 * period; the report recomputed and compared byte for byte with report.json.
 * 0 with a one-line summary in msg; ERR_VERIFY naming the first thing that
 * failed (err_msg); ERR_IO / ERR_NOTFOUND / ERR_NOMEM / ERR_USAGE otherwise.
 */
int bundle_verify(const char *dir, const struct charter *given, int threads, struct buf *msg);

#endif

/*
 * logfetch — the auditor's mirror of every party's log, the work of `parley
 * fetch` (docs/reports.md) as a library, so the desk's reports fetch with the
 * same code (docs/desk.md).
 *
 * Into DIR/logs/<party>/ (tlog-tiles, a mirror: src/tlog/store.h) and
 * DIR/logs/<party>.checkpoints/<size>, and at the end DIR/amendments/. For
 * each log: the checkpoint must carry a signature by one of that party's
 * node keys as cosig_open_checkpoint judges it under the amendments the fetch
 * knows (DIR/amendments, those met in the logs fetched before, and those the
 * source serves at <base>/amendment/<n>, as a node does: a key an amendment
 * retired counts only with a cosignature from before its retirement;
 * docs/amendments.md, "Rotating a node key"); every cosignature line by a
 * key the amendments name for that log must verify (others are ignored); and
 * the new checkpoint must extend what DIR holds (src/net/tileclient.h). The
 * mirror is checked with every node key the party has had. DIR/charter is
 * the caller's.
 */
#ifndef PARLEY_LOGFETCH_H
#define PARLEY_LOGFETCH_H

#include "exchange/charter.h"

#include <stdio.h>

struct logfetch;

/*
 * Starts a fetch into dir (DIR/logs is created) under charter c (borrowed).
 * allow_files: URLs may be file:// (for `parley fetch` from a local copy;
 * never for URLs a peer gave). report receives one line per log fetched
 * ("us: size 12 (3 new), cosigned by ...") and the amendments' count.
 */
int logfetch_open(struct logfetch **f, const struct charter *c, const char *dir, int allow_files, FILE *report);

/*
 * Fetches one log from base. expect: the party whose URL it is in the
 * charter, or NULL (matched by the checkpoint's origin). ERR_VERIFY when a
 * check fails (the log is left as it was), ERR_IO when the source cannot be
 * read.
 */
int logfetch_one(struct logfetch *f, const char *base, const struct charter_party *expect);

/*
 * Saves DIR/amendments/: those already there, those met in the logs fetched
 * and those a source served, which must form one chain (ERR_VERIFY otherwise; the complete
 * ones are kept even then).
 */
int logfetch_finish(struct logfetch *f);

/* Releases f (NULL: nothing). */
void logfetch_close(struct logfetch *f);

#endif

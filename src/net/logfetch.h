/*
 * logfetch — the auditor's mirror of every party's log, the work of `parley
 * fetch` (docs/reports.md) as a library, so the desk's reports fetch with the
 * same code (docs/desk.md).
 *
 * Into DIR/logs/<party>/ (tlog-tiles, a mirror: src/tlog/store.h) and
 * DIR/logs/<party>.checkpoints/<size>, and at the end DIR/amendments/. For
 * each log: the checkpoint must verify with the charter's node key of that
 * party, every cosignature line by a key the charter names for that log must
 * verify (others are ignored), and the new checkpoint must extend what DIR
 * holds (src/net/tileclient.h). DIR/charter is the caller's.
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
 * Saves DIR/amendments/: those already there and those met in the logs
 * fetched, which must form one chain (ERR_VERIFY otherwise; the complete
 * ones are kept even then).
 */
int logfetch_finish(struct logfetch *f);

/* Releases f (NULL: nothing). */
void logfetch_close(struct logfetch *f);

#endif

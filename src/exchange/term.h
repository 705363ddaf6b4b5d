/*
 * term — the mandate's calendar: when the charter's term ends and when the
 * next periodic report is due (docs/reports.md "The mandate report",
 * "Warnings"). Pure functions of a charter and a time.
 *
 * Reporting periods run from the term's start, every reporting-period, the
 * last cut at the term's end; each period's report is due at its end.
 *
 * The warnings (the node logs them, `parley inbox` prints them on stderr):
 *   - the term ends within one reporting period from now (and has not ended);
 *   - the next report is due within TERM_DUE_WARNING (7 days) or a quarter of
 *     the reporting period, whichever is shorter (a due date is always within
 *     one reporting period, so that threshold would always warn).
 * Nothing is said before the term starts or after it ends.
 */
#ifndef PARLEY_TERM_H
#define PARLEY_TERM_H

#include "exchange/charter.h"

#include <stddef.h>
#include <stdint.h>

#define TERM_DUE_WARNING (7 * 86400)

/* The due time of the reporting period holding now (its end), or 0 outside the term. */
int64_t term_next_due(const struct charter *c, int64_t now);

/*
 * The warnings at now under charter c (the charter in force now), each a
 * line ending in '\n', into out (n bytes, NUL-terminated, cut if short).
 * Returns how many (0, 1 or 2).
 */
int term_warnings(const struct charter *c, int64_t now, char *out, size_t n);

#endif

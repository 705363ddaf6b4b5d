/*
 * rfc3339 — times as people type them on the command line (`--at`, `--from`,
 * `--to`, `--time`, `--effective`), converted to Unix seconds UTC. parley
 * prints every time as RFC 3339 UTC (2021-07-09T15:04:05Z); it reads what
 * RFC 3339 §5.6 allows, so a time copied from another tool works too:
 *
 *   date-time   YYYY-MM-DD 'T' hh:mm:ss [ '.' fraction ] ( 'Z' | '+hh:mm' | '-hh:mm' )
 *               't' and 'z' in lower case, and one space for 'T' (§5.6 NOTE), are accepted;
 *               a fraction of a second (1 to 9 digits) is dropped (parley's times are
 *               whole seconds: 15:04:05.9 is 15:04:05); an offset is applied
 *               (2021-07-09T18:04:05+03:00 is 2021-07-09T15:04:05Z)
 *   full-date   YYYY-MM-DD, only with RFC3339_DATE: midnight UTC of that day
 *
 * Strict otherwise: a real calendar date (leap years), hours 00-23, minutes
 * and seconds 00-59 (a leap second, :60, is refused: parley's clocks have
 * none), offsets up to 23:59, and the result from 1970-01-01T00:00:00Z to
 * 9999-12-31T23:59:59Z. Nothing else: no bare Unix seconds, no week dates.
 * The strict form signed texts use is syntax_time (exchange/syntax.h).
 */
#ifndef PARLEY_RFC3339_H
#define PARLEY_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define RFC3339_DATE 1u /* a bare date is midnight UTC */

/*
 * Parses s (len bytes, no NUL needed) into *t. 0, or ERR_USAGE with a message
 * naming s and what is wrong ("'…' is not a time: …; give RFC 3339 like
 * 2021-07-09T15:04:05Z").
 */
int rfc3339_parse(const char *s, size_t len, unsigned flags, int64_t *t);

#endif

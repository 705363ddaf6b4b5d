/*
 * logline — the structured log of the long-running commands (node, witness):
 * one event per line on standard error, as key=value pairs (the default) or
 * as one JSON object (--log-format json). Every line starts with
 *   time=2026-12-04T23:20:10Z level=info event=NAME
 * then the event's own keys (docs/operations.md lists the events and keys).
 *
 * key=value: a value is written bare when it is not empty and has no blank,
 * control character, '"', '=' or '\'; otherwise in double quotes with '"',
 * '\', newline, tab and other control bytes escaped (\" \\ \n \t \xNN). Bytes
 * that are not UTF-8 are written \xNN. JSON: every value is a string except a
 * plain decimal integer, which is a number; bytes that are not UTF-8 become
 * U+FFFD. Keys are the caller's constants ([a-z_]+).
 *
 * Each line is written with one write(2), so lines from many threads do not
 * interleave. The format is process-wide: set it once before threads start.
 */
#ifndef PARLEY_LOGLINE_H
#define PARLEY_LOGLINE_H

#include "base/buf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum logline_format { LOGLINE_KV, LOGLINE_JSON };
enum logline_level { LOGLINE_INFO, LOGLINE_WARN, LOGLINE_ERROR };

#define LOGLINE_MAX_PAIRS 16
/* The end of an event's pairs: a null pointer of the arguments' type (a bare NULL may be an int). */
#define LOGLINE_END ((const char *)0)

void logline_set_format(enum logline_format f);
/* "kv" or "json". 0 or ERR_USAGE. */
int logline_parse_format(const char *s, enum logline_format *f);

/*
 * Logs one event: the key/value pairs are const char * arguments, key then
 * value, ended by LOGLINE_END (at most LOGLINE_MAX_PAIRS; a NULL value is written
 * as an empty string).
 */
void logline_event(enum logline_level level, const char *event, ...) __attribute__((sentinel));
void logline_eventv(enum logline_level level, const char *event, va_list ap);

/* Formats one line (with its newline) into b: what logline_event writes. kv holds n pairs. */
int logline_format_line(struct buf *b, enum logline_format f, int64_t t, enum logline_level level, const char *event,
			const char *const *kv, size_t n);

/*
 * A limit of events per second for one kind of event that outsiders can
 * cause (refused submissions): logline_allow returns 1 if this one may be
 * logged, and then in *suppressed how many were dropped since the last one.
 */
struct logline_limit {
	pthread_mutex_t lock;
	int64_t second;
	unsigned count;
	uint64_t dropped;
};
#define LOGLINE_LIMIT_INIT {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0}
int logline_allow(struct logline_limit *l, int64_t now, unsigned per_second, uint64_t *suppressed);

#endif

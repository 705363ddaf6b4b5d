/*
 * jw — the streaming JSON writer of the reports (internal to src/report/):
 * the layout jansson's JSON_INDENT(2) | JSON_ENSURE_ASCII gives the case
 * views, written as it goes (to a buffer, or flushed to a FILE).
 */
#ifndef PARLEY_REPORT_JW_H
#define PARLEY_REPORT_JW_H

#include "base/buf.h"
#include "base/err.h"
#include "exchange/syntax.h"
#include "report/report.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * A streaming JSON writer in the layout jansson's JSON_INDENT(2) |
 * JSON_ENSURE_ASCII gives the case views (docs/cases.md): members one per
 * line, "key": value, empty containers as {} and []. Written by hand because
 * the envelope list of a report grows with the logs (building a jansson tree
 * of a million envelopes costs more than checking their signatures).
 */
struct jw {
	struct buf *out;
	int depth;
	int first[16];     /* nothing written yet in the container at that depth */
	int rc;
	FILE *fp;          /* if set, out is flushed to it whenever it holds JW_FLUSH bytes */
};

#define JW_FLUSH (1u << 20)

static inline void jw_flush(struct jw *w)
{
	if (!w->rc && w->fp && w->out->len && fwrite(w->out->data, 1, w->out->len, w->fp) != w->out->len)
		w->rc = err_set(ERR_IO, "writing the report: %s", strerror(errno));
	if (w->fp)
		buf_reset(w->out);
}

static inline void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (!w->rc)
		w->rc = buf_append(w->out, s, n);
	if (w->fp && w->out->len >= JW_FLUSH)
		jw_flush(w);
}

static inline void jw_str(struct jw *w, const char *s)
{
	jw_raw(w, "\"", 1);
	const unsigned char *p = (const unsigned char *)s;
	while (*p && !w->rc) {
		size_t run = 0;
		while (p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
			run++;
		jw_raw(w, (const char *)p, run);
		p += run;
		if (!*p)
			break;
		char esc[16];
		uint32_t c = *p++;
		if (c >= 0x80) {
			/* UTF-8 (checked on the way in): \uXXXX, with a surrogate pair above the BMP */
			int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
			c &= 0x3f >> more;
			for (; more-- && (*p & 0xc0) == 0x80; p++)
				c = c << 6 | (*p & 0x3f);
		}
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof esc, "\\%c", (char)c);
		else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f')
			snprintf(esc, sizeof esc, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : c == '\b' ? 'b' : 'f');
		else if (c > 0xffff)
			snprintf(esc, sizeof esc, "\\u%04X\\u%04X", 0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff));
		else
			snprintf(esc, sizeof esc, "\\u%04X", c);
		jw_raw(w, esc, strlen(esc));
	}
	jw_raw(w, "\"", 1);
}

/* Starts a member (key non-NULL, in an object) or an element (in an array). */
static inline void jw_item(struct jw *w, const char *key)
{
	static const char spaces[] = "                                  ";
	if (w->depth > 0) {
		jw_raw(w, w->first[w->depth] ? "\n" : ",\n", w->first[w->depth] ? 1 : 2);
		w->first[w->depth] = 0;
		jw_raw(w, spaces, (size_t)(2 * w->depth) < sizeof spaces - 1 ? (size_t)(2 * w->depth) : sizeof spaces - 1);
	}
	if (key) {
		jw_str(w, key);
		jw_raw(w, ": ", 2);
	}
}

static inline void jw_open(struct jw *w, const char *key, char c)
{
	jw_item(w, key);
	jw_raw(w, &c, 1);
	if (w->depth + 1 < 16)
		w->first[++w->depth] = 1;
	else if (!w->rc)
		w->rc = err_set(ERR_LIMIT, "report: JSON too deep");
}

static inline void jw_close(struct jw *w, char c)
{
	static const char spaces[] = "                                  ";
	if (!w->first[w->depth]) {
		jw_raw(w, "\n", 1);
		jw_raw(w, spaces, (size_t)(2 * (w->depth - 1)));
	}
	w->depth--;
	jw_raw(w, &c, 1);
}

static inline void jw_kstr(struct jw *w, const char *key, const char *v)
{
	jw_item(w, key);
	if (v)
		jw_str(w, v);
	else
		jw_raw(w, "null", 4);
}

static inline void jw_kint(struct jw *w, const char *key, int64_t v)
{
	char n[24];
	jw_item(w, key);
	snprintf(n, sizeof n, "%lld", (long long)v);
	jw_raw(w, n, strlen(n));
}

static inline void jw_ktime(struct jw *w, const char *key, int has, int64_t t)
{
	char s[21];
	if (has)
		syntax_format_time(t, s);
	jw_kstr(w, key, has ? s : NULL);
}

static inline void jw_stat(struct jw *w, const char *key, const struct report_stat *st)
{
	jw_open(w, key, '{');
	if (st->has) {
		jw_kint(w, "median", st->median);
		jw_kint(w, "p90", st->p90);
	} else {
		jw_kstr(w, "median", NULL);
		jw_kstr(w, "p90", NULL);
	}
	jw_close(w, '}');
}


/* The "logs" member of a report: one object per party, its closing checkpoint (report.c). */
void report_jw_logs(struct jw *w, const struct logset *s);

#endif

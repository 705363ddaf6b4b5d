#include "base/logline.h"
#include "base/err.h"
#include "base/utf8.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum logline_format format = LOGLINE_KV;

void logline_set_format(enum logline_format f)
{
	format = f;
}

int logline_parse_format(const char *s, enum logline_format *f)
{
	if (!strcmp(s, "kv"))
		*f = LOGLINE_KV;
	else if (!strcmp(s, "json"))
		*f = LOGLINE_JSON;
	else
		return err_set(ERR_USAGE, "'%s' is not a log format (kv or json)", s);
	return 0;
}

static const char *level_name(enum logline_level l)
{
	return l == LOGLINE_ERROR ? "error" : l == LOGLINE_WARN ? "warn" : "info";
}

static int bare(const char *v)
{
	if (!*v)
		return 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '=' || *p == '\\')
			return 0;
	return utf8_invalid_at(v, strlen(v)) == strlen(v);
}

static int integer(const char *v)
{
	const char *p = v + (*v == '-');
	size_t n = strlen(p);
	if (!n || n > 18 || (p[0] == '0' && n > 1) || (v[0] == '-' && p[0] == '0'))
		return 0;
	return strspn(p, "0123456789") == n;
}

/* Appends v escaped for a kv quoted string (json 0) or a JSON string (json 1), without the quotes. */
static int escape(struct buf *b, const char *v, int json)
{
	size_t len = strlen(v), i = 0;
	int rc = 0;
	while (i < len && !rc) {
		size_t ok = utf8_invalid_at(v + i, len - i);
		size_t j = i;
		for (; j < i + ok; j++) {
			unsigned char c = (unsigned char)v[j];
			if (c == '"' || c == '\\')
				rc = buf_printf(b, "\\%c", c);
			else if (c == '\n')
				rc = buf_append_str(b, "\\n");
			else if (c == '\t')
				rc = buf_append_str(b, "\\t");
			else if (c < 0x20 || c == 0x7f)
				rc = json ? buf_printf(b, "\\u%04x", c) : buf_printf(b, "\\x%02x", c);
			else
				rc = buf_append_byte(b, c);
			if (rc)
				return rc;
		}
		i = j;
		if (i < len) { /* one byte that is not UTF-8 */
			rc = json ? buf_append_str(b, "\\ufffd") : buf_printf(b, "\\x%02x", (unsigned char)v[i]);
			i++;
		}
	}
	return rc;
}

static int pair(struct buf *b, enum logline_format f, int first, const char *k, const char *v)
{
	int rc;
	if (!v)
		v = "";
	if (f == LOGLINE_JSON) {
		rc = buf_printf(b, "%s\"%s\":", first ? "" : ",", k);
		if (!rc && integer(v))
			return buf_append_str(b, v);
		if (!rc)
			rc = buf_append_byte(b, '"');
		if (!rc)
			rc = escape(b, v, 1);
		return rc ? rc : buf_append_byte(b, '"');
	}
	rc = buf_printf(b, "%s%s=", first ? "" : " ", k);
	if (!rc && bare(v))
		return buf_append_str(b, v);
	if (!rc)
		rc = buf_append_byte(b, '"');
	if (!rc)
		rc = escape(b, v, 0);
	return rc ? rc : buf_append_byte(b, '"');
}

int logline_format_line(struct buf *b, enum logline_format f, int64_t t, enum logline_level level, const char *event,
			const char *const *kv, size_t n)
{
	char ts[32];
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || !strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(ts, sizeof ts, "%lld", (long long)t);
	int rc = f == LOGLINE_JSON ? buf_append_byte(b, '{') : 0;
	if (!rc)
		rc = pair(b, f, 1, "time", ts);
	if (!rc)
		rc = pair(b, f, 0, "level", level_name(level));
	if (!rc)
		rc = pair(b, f, 0, "event", event);
	for (size_t i = 0; i < n && !rc; i++)
		rc = pair(b, f, 0, kv[2 * i], kv[2 * i + 1]);
	if (!rc && f == LOGLINE_JSON)
		rc = buf_append_byte(b, '}');
	return rc ? rc : buf_append_byte(b, '\n');
}

void logline_eventv(enum logline_level level, const char *event, va_list ap)
{
	const char *kv[2 * LOGLINE_MAX_PAIRS];
	size_t n = 0;
	const char *k;
	while (n < LOGLINE_MAX_PAIRS && (k = va_arg(ap, const char *))) {
		kv[2 * n] = k;
		kv[2 * n + 1] = va_arg(ap, const char *);
		n++;
	}
	struct buf b;
	buf_init(&b, 16384);
	if (logline_format_line(&b, format, (int64_t)time(NULL), level, event, kv, n) == 0) {
		ssize_t w = write(2, b.data, b.len);
		(void)w;
	}
	buf_release(&b);
}

void logline_event(enum logline_level level, const char *event, ...)
{
	va_list ap;
	va_start(ap, event);
	logline_eventv(level, event, ap);
	va_end(ap);
}

int logline_allow(struct logline_limit *l, int64_t now, unsigned per_second, uint64_t *suppressed)
{
	int ok;
	pthread_mutex_lock(&l->lock);
	if (now != l->second)
		l->second = now, l->count = 0;
	ok = l->count < per_second;
	if (ok) {
		l->count++;
		*suppressed = l->dropped;
		l->dropped = 0;
	} else {
		l->dropped++;
	}
	pthread_mutex_unlock(&l->lock);
	return ok;
}

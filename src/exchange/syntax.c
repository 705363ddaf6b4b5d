#include "exchange/syntax.h"
#include "base/buf.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z][a-z0-9-]{0,max-1} */
static int word(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!lower_alnum(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int syntax_party_id(const char *s, size_t len)
{
	return word(s, len, 16);
}

size_t syntax_agency_party_len(const char *s, size_t len)
{
	const char *dot = memchr(s, '.', len);
	return dot ? (size_t)(dot - s) : len;
}

int syntax_agency_name(const char *s, size_t len)
{
	size_t p = syntax_agency_party_len(s, len);
	return p < len && syntax_party_id(s, p) && word(s + p + 1, len - p - 1, 32);
}

int syntax_case_id(const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	if (!slash || !syntax_agency_name(s, (size_t)(slash - s)))
		return 0;
	const char *l = slash + 1;
	size_t n = len - (size_t)(l - s);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = l[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

int syntax_witness_id(const char *s, size_t len)
{
	if (len == 0 || len > 63 || !lower_alnum(s[0]))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!lower_alnum(s[i]) && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

int syntax_url(const char *s, size_t len)
{
	size_t i;
	if (len > SYNTAX_URL_MAX)
		return 0;
	if (len > 7 && !memcmp(s, "http://", 7))
		i = 7;
	else if (len > 8 && !memcmp(s, "https://", 8))
		i = 8;
	else
		return 0;
	size_t host = i;
	if (i < len && s[i] == '[') { /* IPv6 literal */
		for (i++; i < len && s[i] != ']'; i++)
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || s[i] == ':'))
				return 0;
		if (i == len)
			return 0;
		i++;
	} else {
		for (; i < len && (lower_alnum(s[i]) || s[i] == '.' || s[i] == '-'); i++)
			;
		if (i == host || s[host] == '.' || s[host] == '-')
			return 0;
	}
	if (i < len && s[i] == ':') {
		size_t p = ++i;
		unsigned long port = 0;
		for (; i < len && s[i] >= '0' && s[i] <= '9' && i - p < 5; i++)
			port = port * 10 + (unsigned long)(s[i] - '0');
		if (i == p || s[p] == '0' || port > 65535)
			return 0;
	}
	if (i == len)
		return 1;
	if (s[i] != '/')
		return 0;
	for (; i < len; i++) {
		char c = s[i];
		if (!(lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '/' || c == '.' || c == '_' || c == '~' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

int syntax_duration(const char *s, size_t len, uint64_t *seconds)
{
	if (len < 2 || len > 7 || s[0] < '1' || s[0] > '9')
		return err_set(ERR_FORMAT, "duration must be a number and a unit s, m, h or d (like 24h)");
	uint64_t v = 0;
	for (size_t i = 0; i < len - 1; i++) {
		if (s[i] < '0' || s[i] > '9')
			return err_set(ERR_FORMAT, "duration must be a number and a unit s, m, h or d (like 24h)");
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	switch (s[len - 1]) {
	case 's': *seconds = v; return 0;
	case 'm': *seconds = v * 60; return 0;
	case 'h': *seconds = v * 3600; return 0;
	case 'd': *seconds = v * 86400; return 0;
	}
	return err_set(ERR_FORMAT, "duration unit must be s, m, h or d");
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int syntax_time(const char *s, size_t len, int64_t *unix_seconds)
{
	int Y, M, D, h, m, sec;
	if (len != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
	    digits(s, 4, &Y) || digits(s + 5, 2, &M) || digits(s + 8, 2, &D) || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &m) || digits(s + 17, 2, &sec))
		return err_set(ERR_FORMAT, "time must be RFC 3339 UTC like 2021-07-09T15:04:05Z");
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
	if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > mdays[M - 1] + (M == 2 && leap) || h > 23 || m > 59 || sec > 59)
		return err_set(ERR_FORMAT, "time is not a valid date and time");
	struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
	*unix_seconds = (int64_t)timegm(&tm);
	return 0;
}

void syntax_format_time(int64_t t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int syntax_lines(const char *what, size_t first_line, const char *text, size_t len,
		 int (*fn)(void *ctx, size_t line_no, const char *key, size_t klen, const char *val, size_t vlen),
		 void *ctx)
{
	size_t pos = 0, line_no = first_line - 1;
	if (len == 0 || text[len - 1] != '\n')
		return err_set(ERR_FORMAT, "text must end with a newline");
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = (size_t)(nl - line);
		pos += n + 1;
		line_no++;
		const char *colon = memchr(line, ':', n);
		/* At least one byte of value after ": ", so that val[vlen - 1] is inside the line. */
		if (!colon || colon == line || (size_t)(colon - line) + 2 >= n || colon[1] != ' ')
			return err_set(ERR_FORMAT, "%s line %zu: expected 'key: value'", what, line_no);
		const char *val = colon + 2;
		size_t vlen = n - (size_t)(val - line);
		if (val[0] == ' ' || val[vlen - 1] == ' ')
			return err_set(ERR_FORMAT, "%s line %zu: extra space around the value", what, line_no);
		int rc = fn(ctx, line_no, line, (size_t)(colon - line), val, vlen);
		if (rc)
			return rc;
	}
	return 0;
}

int syntax_words(const char *val, size_t vlen, const char **words, size_t *wlens, int max)
{
	int n = 0;
	size_t i = 0;
	while (i < vlen) {
		size_t j = i;
		while (j < vlen && val[j] != ' ')
			j++;
		if (j == i)
			return -1; /* two spaces in a row */
		if (n == max)
			return -1;
		words[n] = val + i;
		wlens[n] = j - i;
		n++;
		i = j + 1;
		if (j < vlen && i == vlen)
			return -1; /* trailing space */
	}
	return n;
}

int syntax_copy(char *dst, size_t dstsz, const char *s, size_t n)
{
	if (n >= dstsz)
		return -1;
	memcpy(dst, s, n);
	dst[n] = 0;
	return 0;
}

int syntax_strip_draft(struct buf *out, const char *s, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (s + pos)) : len - pos;
		if (n && s[pos] != '#') {
			int rc = buf_append(out, s + pos, n);
			if (!rc)
				rc = buf_append_byte(out, '\n');
			if (rc)
				return rc;
		}
		pos += n + 1;
	}
	return 0;
}

int syntax_has_signature_lines(const uint8_t *d, size_t len)
{
	static const char mark[] = "\n\xE2\x80\x94 ";
	for (size_t i = 0; i + 5 <= len; i++)
		if (!memcmp(d + i, mark, 5))
			return 1;
	return 0;
}

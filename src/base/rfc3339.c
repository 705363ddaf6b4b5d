/*
 * rfc3339 — times as people type them. See rfc3339.h.
 */
#include "base/rfc3339.h"
#include "base/err.h"

#include <string.h>

#define EXAMPLE "give RFC 3339 like 2021-07-09T15:04:05Z or 2021-07-09T18:04:05+03:00"

/* n decimal digits at s into *v; 0 or -1. */
static int digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int bad(const char *s, size_t len, const char *why)
{
	int n = len > 64 ? 64 : (int)len;
	return err_set(ERR_USAGE, "'%.*s%s' is not a time: %s; " EXAMPLE, n, s, len > 64 ? "..." : "", why);
}

int rfc3339_parse(const char *s, size_t len, unsigned flags, int64_t *t)
{
	int Y, M, D, h = 0, m = 0, sec = 0, oh = 0, om = 0, sign = 0;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (memchr(s, 0, len))
		return bad(s, len, "it holds a NUL byte");
	if (len < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &Y) || digits(s + 5, 2, &M) || digits(s + 8, 2, &D))
		return bad(s, len, "it does not start with a date YYYY-MM-DD");
	if (M < 1 || M > 12)
		return bad(s, len, "the month is not 01 to 12");
	int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
	if (D < 1 || D > mdays[M - 1] + (M == 2 && leap))
		return bad(s, len, "that day is not in that month");
	size_t p = 10;
	if (len == 10) {
		if (!(flags & RFC3339_DATE))
			return bad(s, len, "a time of day is needed after the date (THH:MM:SSZ)");
	} else {
		if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
			return bad(s, len, "the date is not followed by 'T'");
		if (len < 19 || s[13] != ':' || s[16] != ':' || digits(s + 11, 2, &h) || digits(s + 14, 2, &m) ||
		    digits(s + 17, 2, &sec))
			return bad(s, len, "the time of day is not HH:MM:SS");
		if (h > 23 || m > 59)
			return bad(s, len, "the hour is not 00 to 23 or the minute not 00 to 59");
		if (sec > 59)
			return bad(s, len, "the second is not 00 to 59 (leap seconds are not counted)");
		p = 19;
		if (p < len && s[p] == '.') {
			size_t f = ++p;
			while (p < len && s[p] >= '0' && s[p] <= '9')
				p++;
			if (p == f || p - f > 9)
				return bad(s, len, "a fraction of a second needs 1 to 9 digits");
		}
		if (p == len)
			return bad(s, len, "the time needs a zone: Z for UTC, or an offset like +03:00");
		if ((s[p] == 'Z' || s[p] == 'z') && p + 1 == len) {
			p++;
		} else if ((s[p] == '+' || s[p] == '-') && len - p == 6 && s[p + 3] == ':' && !digits(s + p + 1, 2, &oh) &&
			   !digits(s + p + 4, 2, &om)) {
			if (oh > 23 || om > 59)
				return bad(s, len, "the offset is not -23:59 to +23:59");
			sign = s[p] == '+' ? 1 : -1;
			p = len;
		} else {
			return bad(s, len, "the zone is not Z or +HH:MM / -HH:MM");
		}
	}
	int64_t v = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec - sign * (oh * 3600 + om * 60);
	if (v < 0 || v > days_from_civil(9999, 12, 31) * 86400 + 86399)
		return bad(s, len, "it is before 1970-01-01T00:00:00Z or after 9999");
	*t = v;
	return 0;
}

/*
 * base/rfc3339: the times people type on the command line. Every form RFC 3339
 * §5.6 allows is read (offsets applied, fractions dropped, 't'/'z'/space),
 * checked against timegm and against syntax_time (the strict form of signed
 * texts) for every day of four years; everything else is refused with a reason.
 */
#include "base/err.h"
#include "base/rfc3339.h"
#include "exchange/syntax.h"
#include "check.h"

#include <stdint.h>
#include <time.h>

static int parse(const char *s, unsigned flags, int64_t *t)
{
	return rfc3339_parse(s, strlen(s), flags, t);
}

static void test_accepts(void)
{
	static const struct {
		const char *s;
		unsigned flags;
		int64_t t;
	} ok[] = {
		{"2021-07-09T15:04:05Z", 0, 1625843045},
		{"2021-07-09t15:04:05z", 0, 1625843045},
		{"2021-07-09 15:04:05Z", 0, 1625843045},
		{"2021-07-09T18:04:05+03:00", 0, 1625843045},
		{"2021-07-09T10:34:05-04:30", 0, 1625843045},
		{"2021-07-09T15:04:05+00:00", 0, 1625843045},
		{"2021-07-09T15:04:05-00:00", 0, 1625843045},
		{"2021-07-09T15:04:05.999999999Z", 0, 1625843045},
		{"2021-07-09T15:04:05.0+00:00", 0, 1625843045},
		{"2021-07-10T00:04:05+09:00", 0, 1625843045}, /* the offset crosses the day */
		{"2021-07-09", RFC3339_DATE, 1625788800},
		{"1970-01-01T00:00:00Z", 0, 0},
		{"1970-01-01T01:00:00+01:00", 0, 0},
		{"2000-02-29T00:00:00Z", 0, 951782400},
		{"2024-02-29", RFC3339_DATE, 1709164800},
		{"9999-12-31T23:59:59Z", 0, 253402300799},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t t = -1;
		if (parse(ok[i].s, ok[i].flags, &t) != 0)
			fprintf(stderr, "  %s: %s\n", ok[i].s, err_msg());
		CHECK_EQ_INT(t, ok[i].t);
	}
	/* every day of 2023-2026 at two times of day: the same as timegm and as the strict parser */
	for (int64_t d = 0; d < 4 * 366; d++) {
		time_t base = (time_t)(1672531200 + d * 86400 + (d % 7) * 3607);
		struct tm tm;
		char s[40], z[21];
		gmtime_r(&base, &tm);
		strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
		int64_t a = -1, b = -1;
		CHECK_EQ_INT(parse(s, 0, &a), 0);
		CHECK_EQ_INT(syntax_time(s, strlen(s), &b), 0);
		CHECK_EQ_INT(a, (int64_t)base);
		CHECK_EQ_INT(b, a);
		syntax_format_time(a, z);
		CHECK_STR(z, s);
	}
}

static void test_refuses(void)
{
	static const struct {
		const char *s;
		unsigned flags;
		const char *why;
	} bad[] = {
		{"", 0, "does not start with a date"},
		{"1625843045", 0, "does not start with a date"}, /* Unix seconds are not a time people read */
		{"yesterday", 0, "does not start with a date"},
		{"2021-7-09T15:04:05Z", 0, "does not start with a date"},
		{"2021-07-09", 0, "a time of day is needed"},
		{"2021-00-09", RFC3339_DATE, "the month"},
		{"2021-13-09", RFC3339_DATE, "the month"},
		{"2021-02-29", RFC3339_DATE, "not in that month"},
		{"1900-02-29T00:00:00Z", 0, "not in that month"},
		{"2021-04-31T00:00:00Z", 0, "not in that month"},
		{"2021-07-00T00:00:00Z", 0, "not in that month"},
		{"2021-07-09X15:04:05Z", 0, "not followed by 'T'"},
		{"2021-07-09T15:04Z", 0, "not HH:MM:SS"},
		{"2021-07-09T15-04-05Z", 0, "not HH:MM:SS"},
		{"2021-07-09T24:00:00Z", 0, "the hour"},
		{"2021-07-09T23:60:00Z", 0, "the minute"},
		{"2021-06-30T23:59:60Z", 0, "leap seconds"},
		{"2021-07-09T15:04:05", 0, "needs a zone"},
		{"2021-07-09T15:04:05.Z", 0, "1 to 9 digits"},
		{"2021-07-09T15:04:05.1234567890Z", 0, "1 to 9 digits"},
		{"2021-07-09T15:04:05ZZ", 0, "the zone"},
		{"2021-07-09T15:04:05 Z", 0, "the zone"},
		{"2021-07-09T15:04:05+0300", 0, "the zone"},
		{"2021-07-09T15:04:05+03", 0, "the zone"},
		{"2021-07-09T15:04:05+3:00", 0, "the zone"},
		{"2021-07-09T15:04:05+24:00", 0, "the offset"},
		{"2021-07-09T15:04:05+03:60", 0, "the offset"},
		{"2021-07-09T15:04:05UTC", 0, "the zone"},
		{"1969-12-31T23:59:59Z", 0, "before 1970"},
		{"1970-01-01T00:00:00+00:01", 0, "before 1970"},
		{"9999-12-31T23:59:59-00:01", 0, "after 9999"},
		{" 2021-07-09T15:04:05Z", 0, "does not start with a date"},
		{"2021-07-09T15:04:05Z ", 0, "the zone"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t t = 42;
		CHECK_EQ_INT(parse(bad[i].s, bad[i].flags, &t), ERR_USAGE);
		CHECK_EQ_INT(t, 42);
		if (!strstr(err_msg(), bad[i].why) || !strstr(err_msg(), "give RFC 3339 like")) {
			fprintf(stderr, "  %s: message '%s' lacks '%s'\n", bad[i].s, err_msg(), bad[i].why);
			CHECK(0);
		}
	}
	/* a NUL inside the given length, and a long input cut in the message */
	int64_t t;
	CHECK_EQ_INT(rfc3339_parse("2021-07-09T15:04:05Z\0", 21, 0, &t), ERR_USAGE);
	char longs[300];
	memset(longs, '9', sizeof longs - 1);
	longs[sizeof longs - 1] = 0;
	CHECK_EQ_INT(parse(longs, 0, &t), ERR_USAGE);
	CHECK(strlen(err_msg()) < 200);
}

int main(void)
{
	RUN(test_accepts);
	RUN(test_refuses);
	CHECK_EXIT();
}
